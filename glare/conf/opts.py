"""Option listing for oslo-config-generator (namespace "glare")."""

from glare import conf
from glare.conf import artifact_type
from glare.conf import cors
from glare.conf import database


def list_opts():
    """Return [(group, opts)] for every group Glare owns."""
    result = []
    for module in conf.STATIC_MODULES + (artifact_type,):
        result.extend(module.list_opts())
    return result


def set_defaults():
    """Apply Glare's defaults to library options (oslo.config.opts.defaults).

    Lets the generated sample show Glare's values, e.g. the [database]
    connection under $state_path and the [cors] headers, rather than the
    libraries' own.
    """
    database.set_sample_defaults()
    cors.set_defaults()
