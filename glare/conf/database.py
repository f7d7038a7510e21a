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

"""The [database] group: oslo.db options with Glare's default connection."""

from oslo_config import cfg
from oslo_db import options

# Interpolated by oslo.config, so it follows [DEFAULT] state_path.
DEFAULT_CONNECTION = 'sqlite:///$state_path/glare.sqlite'


def register_opts(conf):
    """Register [database] with Glare's default connection for this conf."""
    options.set_defaults(conf)
    # Registering again must not undo a default that a test or a deployment
    # tool has set in the meantime.
    loc = conf.get_location('connection', 'database')
    if loc is None or loc.location is cfg.Locations.opt_default:
        conf.set_default('connection', DEFAULT_CONNECTION, group='database')


def set_sample_defaults():
    # The sample generator reads defaults from the Opt objects themselves.
    cfg.set_defaults(options.database_opts, connection=DEFAULT_CONNECTION)


def list_opts():
    # oslo-config-generator gets [database] from the oslo.db namespace;
    # listing it here too would print it twice.
    return []
