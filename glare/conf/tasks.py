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

"""Options of the [tasks] group: background tasks and their workers."""

from oslo_config import cfg

from glare.conf import utils

tasks_group = cfg.OptGroup(
    'tasks', title='Background task options',
    help='Background tasks (imports from a URL, image conversions): kept '
         'in the database and run by the task workers of glare-api '
         'processes and of glare-worker processes.')

tasks_opts = [
    cfg.IntOpt('workers', default=2, min=0, max=64,
               help='Tasks one process runs at once: threads in each '
                    'glare-api worker process, and in glare-worker (unless '
                    'its --threads says otherwise). 0 in glare-api: its '
                    'processes run no task, glare-worker processes do. '
                    'Tasks are taken from the database, so any process of '
                    'the deployment may run any task.'),
    cfg.IntOpt('lease_seconds', default=30, min=2, max=3600,
               help='Seconds a worker holds a task it runs without '
                    'renewing its claim. A running worker renews it every '
                    'third of this time; a worker that died (killed, its '
                    'machine lost) stops renewing, and once this many '
                    'seconds passed another worker takes the task over '
                    'and runs it again from the start.'),
    cfg.IntOpt('max_attempts', default=3, min=1, max=100,
               help='Times a task is started at most. A task whose worker '
                    'died this many times fails (what its last attempt '
                    'left is removed); a task that fails on its own (bad '
                    'data, a refused URL) fails at once, without another '
                    'attempt.'),
    cfg.IntOpt('nice', default=10, min=0, max=19,
               help='How much lower the CPU priority of the task threads '
                    'is than the request threads of the same process (a '
                    'nice increment of each thread, on Linux): an import '
                    'hashing and storing at full speed then leaves the CPU '
                    'to requests when they need it. 0: the same priority.'),
    cfg.FloatOpt('poll_interval', default=2.0, min=0.05, max=600,
                 help='Seconds between two looks of an idle worker process '
                      'for new tasks in the database. A task created by the '
                      'same process starts at once.'),
]


def register_opts(conf):
    utils.register_group_opts(conf, tasks_group, tasks_opts)


def list_opts():
    return [(tasks_group, tasks_opts)]
