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

"""Options of the [sharing] group: artifact members.

Besides its own options the group carries keystoneauth1's authentication
(auth_type, auth_section and, once auth_type names a plugin, that plugin's
options) and session options (cafile, timeout, ...): the credentials
Glare checks new member ids with when validate_members is on. Without an
auth_type here, those of [keystone_authtoken] are used
(glare.services.projects).
"""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

from glare.conf import utils

GROUP = 'sharing'

#: seconds a call to Keystone may take when [sharing] timeout is not set
DEFAULT_TIMEOUT = 10

INTERFACES = (
    ('public', 'the endpoint for users, reachable by them'),
    ('internal', 'the endpoint for services, inside the cloud'),
    ('admin', 'the administrative endpoint'),
)

sharing_group = cfg.OptGroup(
    GROUP, title='Sharing options',
    help='Sharing artifacts with named projects (visibility "shared").')

sharing_opts = [
    cfg.IntOpt('max_members_per_artifact', default=128, min=0,
               help='Most projects one artifact may be shared with. Adding '
                    'a member past it is answered 413.'),
    cfg.BoolOpt('validate_members', default=False,
                help='Check with Keystone that the project id of a new '
                     'member exists (400 when it does not). Glare asks '
                     'with its own service credentials: the auth_type and '
                     'plugin options of this group or, when this group '
                     'sets no auth_type, those of [keystone_authtoken] '
                     '(with its cafile, certfile, keyfile, insecure, '
                     'interface and region_name). The service user must '
                     'be allowed to read any project: with Keystone\'s '
                     'default policy, the reader role on the system '
                     '(system_scope = all) or the admin role. When '
                     'Keystone cannot be reached or refuses the '
                     'credentials, adding a member is answered 503.'),
    cfg.StrOpt('interface', default='public', choices=INTERFACES,
               help='Interface of the identity endpoint, from the service '
                    'catalog, that member ids are checked at (ignored when '
                    'the credentials come from [keystone_authtoken], whose '
                    'interface is used).'),
    cfg.StrOpt('region_name',
               help='Region of that identity endpoint (ignored when the '
                    'credentials come from [keystone_authtoken], whose '
                    'region_name is used).'),
]


def auth_opts():
    """keystoneauth1's auth_type and auth_section."""
    return ks_loading.get_auth_common_conf_options()


def session_opts():
    """keystoneauth1's session options, the timeout bounded by default.

    A new list each call; the same options each time, so registering
    them again is harmless, and a default set on the group later
    (conf.set_default) survives it.
    """
    opts = ks_loading.get_session_conf_options()
    for opt in opts:
        if opt.dest == 'timeout':
            opt.default = DEFAULT_TIMEOUT
            opt.help = ('Seconds each call to Keystone (authentication, '
                        'endpoint discovery, the project check) may take '
                        'before member validation gives up (503). Also '
                        'applies when the credentials come from '
                        '[keystone_authtoken].')
    return opts


def register_opts(conf):
    utils.register_group_opts(conf, sharing_group, sharing_opts)
    # auth_type and auth_section; the plugin's own options are registered
    # when it is loaded, since they depend on auth_type
    ks_loading.register_auth_conf_options(conf, GROUP)
    conf.register_opts(session_opts(), group=GROUP)


def list_opts():
    return [(sharing_group, sharing_opts + auth_opts() + session_opts())]
