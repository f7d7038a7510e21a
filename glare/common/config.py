"""Command line and config file parsing, logging set-up."""

from oslo_log import log
import pbr.version

from glare import conf

# Libraries that are chatty at INFO or DEBUG; operators can still lower
# them with default_log_levels.
_QUIET_LOGGERS = ['glance_store=INFO', 'keystonemiddleware=INFO',
                  'stevedore=INFO', 'pecan=WARN', 'alembic=WARN']


def _version():
    # Falls back to git metadata when glare is not installed.
    return pbr.version.VersionInfo('glare').version_string()


def parse_args(argv, default_config_files=None, conf_obj=None):
    """Register options and parse argv (argv[0] is the program name).

    conf_obj defaults to the global glare.conf.CONF; tests pass their own.
    """
    conf_obj = conf.CONF if conf_obj is None else conf_obj
    conf.register_opts(conf_obj)
    log.set_defaults(default_log_levels=(
        log.get_default_log_levels() + _QUIET_LOGGERS))
    conf_obj(argv[1:], project='glare', version=_version(),
             default_config_files=default_config_files)
    return conf_obj


def setup_logging(conf_obj=None):
    """Configure oslo.log from the parsed options."""
    log.setup(conf.CONF if conf_obj is None else conf_obj, 'glare')
