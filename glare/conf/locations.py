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

"""Options of the [locations] group: external blob locations."""

from oslo_config import cfg

from glare.conf import utils

locations_group = cfg.OptGroup(
    'locations', title='External locations',
    help='How blobs that point at an external http(s) URL are checked '
         'and served.')

locations_opts = [
    cfg.BoolOpt('verify_external', default=True,
                help='Fetch an external location once when it is set, '
                     'compute its size and checksums, refuse it when they '
                     'differ from the ones given, and store the computed '
                     'ones. False stores the URL and the given checksums '
                     'unchecked (upstream behaviour).'),
    cfg.BoolOpt('allow_private_networks', default=False,
                help='Allow URLs whose host resolves to a loopback, '
                     'private, link-local, multicast, reserved or cloud '
                     'metadata address. The check applies to every '
                     'spelling of an address and at every redirect.'),
    cfg.ListOpt('allowed_networks', default=[],
                help='Networks (CIDR) fetched even when '
                     'allow_private_networks is False, e.g. an internal '
                     'mirror at 10.0.5.0/24.'),
    cfg.StrOpt('external_download', default='redirect',
               choices=[('redirect', 'answer downloads with 301 to the '
                                     'URL'),
                        ('proxy', 'stream the data through the service, '
                                  'for clients that cannot reach the '
                                  'URL')],
               help='How downloads of external blobs are served.'),
    cfg.IntOpt('max_redirects', default=5, min=0,
               help='Redirects followed when fetching an external URL.'),
    cfg.IntOpt('connect_timeout', default=10, min=1,
               help='Seconds to wait for a connection to an external URL.'),
    cfg.IntOpt('read_timeout', default=60, min=1,
               help='Seconds to wait for data from an external URL.'),
    cfg.IntOpt('fetch_time_limit', default=3600, min=1,
               help='Seconds a whole fetch of an external URL may take.'),
]


def register_opts(conf):
    utils.register_group_opts(conf, locations_group, locations_opts)


def list_opts():
    return [(locations_group, locations_opts)]
