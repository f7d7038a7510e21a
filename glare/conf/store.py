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

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

CREDENTIALS_GROUP = 'store_credentials'
#: seconds a call to Keystone for the service's store token may take
CREDENTIALS_TIMEOUT = 10

credentials_group = cfg.OptGroup(
    CREDENTIALS_GROUP, title='Store service credentials',
    help='The service user Glare acts as in a multi-tenant Swift store '
         '([glance_store] swift_store_multi_tenant = True) when no '
         'user\'s request is behind a store operation: glare-scrubber and '
         'the clean-up deleting data no blob refers to, and reading or '
         'deleting data kept in another project\'s account (a public or '
         'shared artifact downloaded by another project, data an admin '
         'uploaded for a project). keystoneauth1\'s auth_type and its '
         'options; without an auth_type here, those of '
         '[keystone_authtoken]. In Swift the user needs the reseller '
         'admin role of keystoneauth (reseller_admin_role, ResellerAdmin '
         'by default) to reach every project\'s account. Unused by the '
         'other stores.')

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
    conf.register_group(credentials_group)
    ks_loading.register_auth_conf_options(conf, CREDENTIALS_GROUP)
    conf.register_opts(ks_loading.get_session_conf_options(),
                       group=CREDENTIALS_GROUP)
    conf.set_default('timeout', CREDENTIALS_TIMEOUT, group=CREDENTIALS_GROUP)
    conf.set_default('filesystem_store_datadir',
                     os.path.join('$state_path', 'blobs'),
                     group='glance_store')


def register_backend_opts(conf):
    """Per-backend groups: only known once enabled_backends is parsed."""
    if conf.enabled_backends:
        from glance_store import multi_backend
        multi_backend.register_store_opts(conf)


def list_opts():
    return [('DEFAULT', store_opts),
            (credentials_group,
             ks_loading.get_auth_common_conf_options() +
             ks_loading.get_session_conf_options())]
