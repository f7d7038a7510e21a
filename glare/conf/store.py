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

"""Blob stores: glance_store's [glance_store] group and multi-store option.

glance_store registers its own options (listed for the sample by the
"glance.store" namespace); Glare adds [DEFAULT] enabled_backends, the
multi-store switch Glance operators know, and points the embedded file
store under state_path.
"""

import os

from oslo_config import cfg

store_opts = [
    cfg.DictOpt('enabled_backends',
                help='Multi-store mode: backend id to store type, e.g. '
                     '"fast:file, cheap:swift". Each backend gets its own '
                     'group of store options named after its id, and '
                     '[glance_store] default_backend names the default. '
                     'Unset means single-store mode: [glance_store] stores '
                     'and default_store.'),
]


def register_opts(conf):
    # imported here: glance_store pulls in its drivers' dependencies
    import glance_store
    conf.register_opts(store_opts)
    glance_store.register_opts(conf)
    conf.set_default('filesystem_store_datadir',
                     os.path.join('$state_path', 'blobs'),
                     group='glance_store')


def register_backend_opts(conf):
    """Per-backend groups: only known once enabled_backends is parsed."""
    if conf.enabled_backends:
        from glance_store import multi_backend
        multi_backend.register_store_opts(conf)


def list_opts():
    return [('DEFAULT', store_opts)]
