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
