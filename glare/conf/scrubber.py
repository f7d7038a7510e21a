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

"""Options of the [scrubber] group (glare-scrubber)."""

from oslo_config import cfg

from glare.conf import utils

scrubber_group = cfg.OptGroup(
    'scrubber', title='Scrubber options',
    help='glare-scrubber purges artifacts left in status "deleted" by '
         'delayed delete.')

scrubber_opts = [
    cfg.BoolOpt('daemon', default=False,
                help='Run as a daemon that scrubs every wakeup_time '
                     'seconds, instead of once and exit.'),
    cfg.IntOpt('wakeup_time', default=300, min=1,
               help='Seconds the daemon sleeps between two runs.'),
    cfg.IntOpt('scrub_time', default=0, min=0,
               help='Seconds an artifact stays in status "deleted" before '
                    'the scrubber may purge it.'),
    cfg.IntOpt('scrub_pool_size', default=1, min=1,
               help='Number of artifacts purged in parallel.'),
]


def register_opts(conf):
    utils.register_group_opts(conf, scrubber_group, scrubber_opts)


def list_opts():
    return [(scrubber_group, scrubber_opts)]
