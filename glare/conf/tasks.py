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
               help='Tasks one process runs at once: for each glare-api '
                    'worker process (see isolation), and in glare-worker '
                    '(unless its --threads says otherwise). 0 in '
                    'glare-api: its '
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
    cfg.StrOpt('isolation', default='process',
               choices=[('process', 'each glare-api worker process runs '
                         'its tasks in a child glare-worker process, '
                         'started when there is work'),
                        ('thread', 'in threads of the glare-api worker '
                         'process itself')],
               help='Where the task workers of a glare-api process run. In '
                    'a process of their own, hashing and storing never '
                    'wait for the interpreter lock the requests hold or '
                    'take it from them, and the whole process runs at the '
                    'lower priority of nice and idle_priority. The child '
                    'reads the configuration files of glare-api and logs '
                    'where glare-api does.'),
    cfg.IntOpt('nice', default=10, min=0, max=19,
               help='How much lower the CPU priority of the task workers '
                    'is (a nice increment, on Linux): of all the threads '
                    'of glare-worker and of the child processes of '
                    'glare-api, or of the task threads of a glare-api '
                    'process (isolation = thread). An import hashing and '
                    'storing at full speed then leaves the CPU to requests '
                    'when they need it. 0: the same priority.'),
    cfg.BoolOpt('idle_priority', default=True,
                help='Run the task processes (glare-worker, and the child '
                     'processes of glare-api) at idle CPU priority (Linux '
                     'SCHED_IDLE): they get only CPU time that no other '
                     'process of the machine wants, so that tasks slow '
                     'down rather than requests on a busy API node. A '
                     'machine busy all the time with other work delays '
                     'them as much. Not for the task threads of isolation '
                     '= thread, which share the interpreter lock with '
                     'requests.'),
    cfg.IntOpt('time_to_live', default=48, min=1, max=24 * 3650,
               help='Hours a task that ended (success or failure) is kept '
                    'and shown; then the periodic clean-up of glare-api '
                    'deletes it. Pending and running tasks are never '
                    'deleted.'),
    cfg.FloatOpt('poll_interval', default=2.0, min=0.05, max=600,
                 help='Seconds between two looks of an idle worker process '
                      'for new tasks in the database. A task created by the '
                      'same process starts at once.'),
]


def register_opts(conf):
    utils.register_group_opts(conf, tasks_group, tasks_opts)


def list_opts():
    return [(tasks_group, tasks_opts)]
