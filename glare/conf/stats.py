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

"""Options of the [stats] group: download counts."""

from oslo_config import cfg

from glare.conf import utils

stats_group = cfg.OptGroup(
    'stats', title='Statistics options',
    help='Counting the downloads of artifacts (API 1.6: the downloads '
         'field, sort=downloads).')

stats_opts = [
    cfg.BoolOpt('count_downloads', default=True,
                help='Count downloads. Each download of a blob that starts '
                     'at its first byte counts once for its artifact, '
                     'unless the artifact\'s own project downloads it. '
                     'Counts are kept in the memory of each API process and '
                     'added to the database every flush_interval seconds '
                     'and when the process stops; a download never waits '
                     'for a database write. Off: nothing is counted, and '
                     'the counts shown stay what they were.'),
    cfg.IntOpt('flush_interval', default=10, min=1, max=3600,
               help='Seconds between two writes of the counted downloads '
                    'to the database, in each API process. A process that '
                    'is killed (SIGKILL, a crash) loses what it counted '
                    'since its last write, at most this many seconds of '
                    'downloads; one that is stopped (SIGTERM) writes them '
                    'first.'),
]


def register_opts(conf):
    utils.register_group_opts(conf, stats_group, stats_opts)


def list_opts():
    return [(stats_group, stats_opts)]
