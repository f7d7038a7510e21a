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

"""glare.wsgi.api:application — the API for an external WSGI server.

Config files: the one GLARE_CONFIG_FILE names, else the glare.conf in
OS_GLARE_CONFIG_DIR (if there is one; its glare.conf.d is not read), else
glare.conf from oslo.config's search path. In every case oslo.config also
reads the glare.conf.d directories on its search path (~/.glare, ~,
/etc/glare, /etc).
The clean-up thread starts when this module is imported, in the process
that serves (a server that forks after importing it, e.g. uWSGI without
lazy-apps, runs it in the parent only).
"""

import os

from glare.common import config
from glare import conf as glare_conf
from glare import wsgi


def _config_files():
    path = os.environ.get('GLARE_CONFIG_FILE')
    if path:
        return [path]
    conf_dir = os.environ.get('OS_GLARE_CONFIG_DIR')
    if conf_dir:
        return [p for p in (os.path.join(conf_dir, 'glare.conf'),)
                if os.path.exists(p)]
    return None


def init_application(conf):
    """The API over conf, parsed from the files above; no thread started."""
    config.parse_args(['glare-api'], default_config_files=_config_files(),
                      conf_obj=conf)
    config.setup_logging(conf)
    if conf.auto_create_schema:
        from glare.db import migration
        migration.ensure_schema(conf)
    return wsgi.build(conf)


_api = init_application(glare_conf.CONF)
wsgi.start_background_work(_api)
application = _api.application
