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

"""glare-worker: run background tasks (imports, conversions) only.

Takes tasks from the same database as glare-api and stores into the same
stores; any number of them may run, on any machine. SIGTERM or SIGINT:
claim nothing more, stop the running tasks, undo what they did and give
them back, for other workers to run at once; a second signal stops at
once (the tasks' leases expire and other workers run them again).

All its threads run at the lower CPU priority of [tasks] nice and
idle_priority. With --child it is the task process of a glare-api
process (glare.services.task_process): a byte on its standard input
wakes it to claim at once, the end of its standard input stops it as
SIGTERM does.
"""

import os
import signal
import sys
import threading

from oslo_config import cfg
from oslo_log import log as logging

from glare.cmd import scrubber as scrubber_cmd
from glare.common import config
from glare.db import api as db_api
from glare import policy
from glare.services import task_pool

LOG = logging.getLogger(__name__)
PROG = 'glare-worker'

cli_opts = [
    cfg.IntOpt('threads', default=None, min=1, max=64,
               help='Tasks this process runs at once (default: [tasks] '
                    'workers, at least 1).'),
    cfg.BoolOpt('child', default=False,
                help='Run as the task process of a glare-api process, '
                     'which starts it so: woken by bytes on the standard '
                     'input, stopped by its end.'),
]


def build(conf):
    """The services and their started task pool."""
    from glare.services import composition
    db_api.configure(conf)
    scrubber_cmd.check_schema(conf)
    policy.init(conf)
    services = composition.build_services(conf)
    workers = conf.threads or max(conf.tasks.workers, 1)
    return composition.start_tasks(services, workers, isolation='thread')


def _follow_parent(pool, stopping):
    """--child: wake the pool for each byte read from the standard input
    (a task created by the parent); at its end (the parent is gone),
    stop."""
    def follow():
        while True:
            try:
                data = os.read(0, 512)
            except OSError:
                data = b''
            if not data:
                LOG.info('%s: the glare-api process went away; giving the '
                         'running tasks back', PROG)
                stopping.set()
                return
            pool.wake()
    threading.Thread(target=follow, name='glare-task-parent',
                     daemon=True).start()


def main(argv=None):
    argv = sys.argv if argv is None else argv
    conf = cfg.ConfigOpts()
    conf.register_cli_opts(cli_opts)
    try:
        config.parse_args(argv, conf_obj=conf)
        # read now: a bad value is a start-up error, not a worker's
        lease = conf.tasks.lease_seconds
    except cfg.Error as exc:
        sys.stderr.write('%s: error: %s\n' % (PROG, exc))
        return 2
    config.setup_logging(conf)
    # before any thread starts: they all inherit it
    priority = task_pool.lower_process_priority(conf.tasks)
    try:
        pool = build(conf)
    except Exception as exc:  # configuration, database, stores, types
        LOG.debug('Cannot start', exc_info=True)
        sys.stderr.write('%s: error: %s\n' % (
            PROG, scrubber_cmd.describe(exc, conf)))
        return 1
    stopping = threading.Event()

    def handler(signum, _frame):
        LOG.info('%s: signal %d, giving the running tasks back', PROG,
                 signum)
        stopping.set()
        signal.signal(signum, signal.SIG_DFL)  # a second one: at once
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, handler)
    if conf.child:
        # a ^C in glare-api's terminal reaches it too: glare-api stops it
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _follow_parent(pool, stopping)
    LOG.info('%s: running up to %d task(s) at once, lease %d s%s', PROG,
             pool.workers, lease,
             ''.join(', %s' % p for p in priority))
    while not stopping.wait(1):
        pass
    while not pool.stop(1, interrupt=True):
        pass
    LOG.info('%s stopped', PROG)
    return 0


if __name__ == '__main__':
    sys.exit(main())
