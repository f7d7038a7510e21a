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

"""Options of the [catalog] group: the web catalog under /catalog."""

from oslo_config import cfg

from glare.conf import utils

catalog_group = cfg.OptGroup(
    'catalog', title='Web catalog options',
    help='The web catalog: HTML pages under /catalog where visitors browse, '
         'search and download the artifacts they may read (anonymous '
         'visitors: public and community artifacts, when '
         'allow_anonymous_access is on).')

catalog_opts = [
    cfg.BoolOpt('enabled', default=True,
                help='Serve the web catalog under /catalog. Off: /catalog '
                     'answers 404 like any unknown path; the API is the '
                     'same either way.'),
    cfg.StrOpt('title', default='Glare artifact catalog',
               help='The name of the catalog, shown in the header and the '
                    'title of every page (plain text: it is escaped).'),
]


def register_opts(conf):
    utils.register_group_opts(conf, catalog_group, catalog_opts)


def list_opts():
    return [(catalog_group, catalog_opts)]
