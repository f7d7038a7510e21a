# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

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


def parse_args(argv, default_config_files=None, *, conf_obj):
    """Register options on conf_obj and parse argv into it.

    argv[0] is the program name. The entry points pass glare.conf.CONF
    (glare-api, glare.wsgi.api) or a ConfigOpts of their own; tests too.
    """
    conf.register_opts(conf_obj)
    log.set_defaults(default_log_levels=(
        log.get_default_log_levels() + _QUIET_LOGGERS))
    conf_obj(argv[1:], project='glare', version=_version(),
             default_config_files=default_config_files)
    return conf_obj


def setup_logging(conf_obj):
    """Configure oslo.log from the parsed options."""
    log.setup(conf_obj, 'glare')
