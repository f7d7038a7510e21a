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

"""The task workers of one process: a bounded pool of threads.

One dispatcher thread claims tasks while a thread is free (at once when
this process created one, else every poll_interval seconds); one
heartbeat thread renews the leases of the tasks running here every third
of lease_seconds and learns of cancellations. Started by the process
entry points (glare-api workers, glare-worker), never by building the
services.
"""

import os
import sys
import threading
import time

from oslo_log import log as logging

from glare.db import api as db_api

LOG = logging.getLogger(__name__)
#: the names of the pool's threads
DISPATCHER_THREAD = 'glare-task-dispatcher'
HEARTBEAT_THREAD = 'glare-task-heartbeat'
RUNNER_THREAD = 'glare-task'


class TaskPool:
    """Runs up to `workers` tasks of the TaskService at once."""

    def __init__(self, service, workers, poll_interval=None, nice=0):
        self.service = service
        self.workers = workers
        #: how much lower than the process's the task threads' priority is
        self.nice = nice
        self.poll_interval = poll_interval if poll_interval is not None \
            else service.opts.poll_interval
        self.renew_every = service.opts.lease_seconds / 3.0
        self._running = {}   # thread -> TaskRun
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads = []
        service.on_created(self.wake)

    def wake(self):
        """Look for tasks now (one was created in this process)."""
        self._wake.set()

    def start(self):
        if self.workers < 1 or self._threads:
            return self
        for name, target in ((DISPATCHER_THREAD, self._dispatch),
                             (HEARTBEAT_THREAD, self._heartbeat)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        LOG.info('Task workers: %d thread(s), lease %d s',
                 self.workers, self.service.opts.lease_seconds)
        return self

    def stop(self, timeout=None, interrupt=False):
        """Claim nothing more; wait up to timeout seconds for the tasks
        running here (their leases are renewed meanwhile). interrupt:
        stop them too, undo what they did and give them back to be run
        again by another worker at once. True when none is left
        running."""
        self._stopping.set()
        self._wake.set()
        with self._lock:
            threads = list(self._running)
            if interrupt:
                for run in self._running.values():
                    run.interrupted = True
        for thread in threads:
            thread.join(timeout)
        return not self.running()

    def running(self):
        """The TaskRuns running in this process now."""
        with self._lock:
            return list(self._running.values())

    # -- threads ---------------------------------------------------------
    def _dispatch(self):
        while not self._stopping.is_set():
            # cleared before the claim: a wake meanwhile is not lost
            self._wake.clear()
            free = self.workers - len(self.running())
            if free > 0:
                try:
                    for run in self.service.claim(free):
                        self._start_run(run)
                except db_api.DatabaseUnavailable:
                    pass  # logged once per outage by glare.db.api
                except Exception:
                    LOG.exception('Claiming tasks failed; trying again in '
                                  '%s s', self.poll_interval)
            # a task created here, or a thread that became free, wakes it
            self._wake.wait(self.poll_interval)

    def _start_run(self, run):
        thread = threading.Thread(target=self._run, args=(run,),
                                  name='%s-%s' % (RUNNER_THREAD, run.id[:8]),
                                  daemon=True)
        with self._lock:
            self._running[thread] = run
        thread.start()

    def _run(self, run):
        _lower_priority(self.nice)
        try:
            self.service.execute(run)
        except db_api.DatabaseUnavailable:
            LOG.warning('Task %s: the database went away before its end '
                        'was written; it will be run again', run.id)
        except Exception:
            LOG.exception('Task %s: the worker failed', run.id)
        finally:
            with self._lock:
                self._running.pop(threading.current_thread(), None)
            self._wake.set()

    def _heartbeat(self):
        while not (self._stopping.is_set() and not self.running()):
            time.sleep(self.renew_every)
            runs = self.running()
            try:
                self.service.renew(runs)
            except db_api.DatabaseUnavailable:
                pass  # logged once per outage
            except Exception:
                LOG.exception('Renewing the leases of tasks %s failed',
                              ', '.join(r.id for r in runs))


def _lower_priority(increment):
    """Lower the CPU priority of the calling thread by increment (nice).

    On Linux a thread is a task of its own to the scheduler: setpriority
    with its native id changes that thread only; the threads it starts
    afterwards inherit it. Elsewhere nothing.
    """
    if not increment or not sys.platform.startswith('linux'):
        return
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid,
                       min(os.getpriority(os.PRIO_PROCESS, tid) + increment,
                           19))
    except OSError as exc:
        LOG.debug('Could not lower the priority of a task thread: %s', exc)


def lower_process_priority(opts):
    """At the start of a process that runs tasks only (glare-worker),
    before it starts a thread: all its threads at [tasks] nice, and at
    idle priority (Linux SCHED_IDLE: only CPU time no other process
    wants) when [tasks] idle_priority. What was done, for the log."""
    done = []
    if not sys.platform.startswith('linux'):
        return done
    _lower_priority(opts.nice)
    if opts.nice:
        done.append('nice %d' % os.getpriority(
            os.PRIO_PROCESS, threading.get_native_id()))
    if opts.idle_priority:
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
            done.append('idle CPU priority')
        except (OSError, AttributeError) as exc:
            LOG.warning('Could not run the tasks at idle CPU priority: %s',
                        exc)
    return done
