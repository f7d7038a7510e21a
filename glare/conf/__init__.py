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

"""Glare configuration: the global CONF and registration of every group."""

from oslo_config import cfg
from oslo_log import log

from glare.conf import api
from glare.conf import bundles
from glare.conf import catalog
from glare.conf import cors
from glare.conf import database
from glare.conf import default
from glare.conf import federation
from glare.conf import image_conversion
from glare.conf import locations
from glare.conf import scrubber
from glare.conf import sharing
from glare.conf import stats
from glare.conf import store
from glare.conf import tasks

CONF = cfg.CONF

# Modules owning a static group; [artifact_type:<type>] groups are
# registered per loaded type by glare.conf.artifact_type.register_type_opts.
STATIC_MODULES = (default, api, scrubber, database, cors, locations,
                  store, sharing, bundles, federation, stats, catalog,
                  tasks, image_conversion)


def register_opts(conf):
    """Register every static option group on conf; safe to call again."""
    for module in STATIC_MODULES:
        module.register_opts(conf)
    # oslo.log registers CLI options, which oslo.config refuses once the
    # command line is parsed, even when they are already registered.
    if 'log_config_append' not in conf:
        log.register_options(conf)
