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

"""Options of the [bundles] group: importing bundles."""

from oslo_config import cfg

from glare.conf import utils

bundles_group = cfg.OptGroup(
    'bundles', title='Bundle options',
    help='Importing bundles (POST /artifacts/import and, later, pulls '
         'from upstream catalogs).')

bundles_opts = [
    cfg.BoolOpt('verify_legacy_checksums', default=True,
                help='Recompute the md5 and sha1 of every imported blob and '
                     'refuse the bundle (400) when its record states other '
                     'values. The sha256 of every byte is always checked '
                     'against the bundle\'s digests; with this off, the md5 '
                     'and sha1 are taken from the record as written (they '
                     'must be present and well formed) and an import runs '
                     'at the speed of sha256 instead of md5 (about 2.5 '
                     'times faster on CPUs with SHA extensions). Only turn '
                     'it off when the clients of the imported artifacts '
                     'check downloads by sha256, or when bundles come from '
                     'trusted catalogs.'),
]


def register_opts(conf):
    utils.register_group_opts(conf, bundles_group, bundles_opts)


def list_opts():
    return [(bundles_group, bundles_opts)]
