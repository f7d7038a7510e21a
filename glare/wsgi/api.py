"""glare.wsgi.api:application — the API for an external WSGI server.

Config files: the one GLARE_CONFIG_FILE names, else the glare.conf in
OS_GLARE_CONFIG_DIR (if there is one; its glare.conf.d is not read), else
glare.conf from oslo.config's search path. In every case oslo.config also
reads the glare.conf.d directories on its search path (~/.glare, ~,
/etc/glare, /etc).
"""

import os

from glare.common import config
from glare.conf import CONF


def _config_files():
    path = os.environ.get('GLARE_CONFIG_FILE')
    if path:
        return [path]
    conf_dir = os.environ.get('OS_GLARE_CONFIG_DIR')
    if conf_dir:
        return [p for p in (os.path.join(conf_dir, 'glare.conf'),)
                if os.path.exists(p)]
    return None


def init_application():
    config.parse_args(['glare-api'], default_config_files=_config_files())
    config.setup_logging()
    if CONF.auto_create_schema:
        from glare.db import migration
        migration.ensure_schema(CONF)
    from glare.api import app
    return app.build_app(CONF)


application = init_application()
