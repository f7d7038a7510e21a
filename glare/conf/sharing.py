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

"""Options of the [sharing] group: artifact members."""

from oslo_config import cfg

from glare.conf import utils

sharing_group = cfg.OptGroup(
    'sharing', title='Sharing options',
    help='Sharing artifacts with named projects (visibility "shared").')

sharing_opts = [
    cfg.IntOpt('max_members_per_artifact', default=128, min=0,
               help='Most projects one artifact may be shared with. Adding '
                    'a member past it is answered 413.'),
    cfg.BoolOpt('validate_members', default=False,
                help='Check with Keystone that the project id of a new '
                     'member exists (400 when it does not). Needs Keystone '
                     'and the service credentials of this group.'),
]


def register_opts(conf):
    utils.register_group_opts(conf, sharing_group, sharing_opts)


def list_opts():
    return [(sharing_group, sharing_opts)]
