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

"""The task workers of a glare-api process, in a child process.

With ``[tasks] isolation = process`` (the default) a glare-api process
runs its tasks in a ``glare-worker --child`` process of its own instead
of threads of its interpreter: hashing and storing then never hold the
interpreter lock the requests need, and the child runs at a lower CPU
priority as a whole (``[tasks] idle_priority``, ``nice``).

The child is started when there is work: at the first task this process
creates, or when a look into the database (every ``poll_interval``
seconds) finds a task waiting. It reads the same configuration files.
Each task created here then sends it one byte on its standard input to
claim at once; the end of its standard input (this process went away,
however) makes it give its tasks back and stop. A child that dies is
started again, after a pause that doubles up to a minute.
"""

import os
import signal
import subprocess  # nosec B404
import sys
import threading
import time

from oslo_log import log as logging

from glare.db import api as db_api

LOG = logging.getLogger(__name__)
#: the name of the thread that starts and watches the child
WATCH_THREAD = 'glare-task-process'
#: seconds between two starts of a child that keeps dying, at most
MAX_BACKOFF = 60
#: a child that ran this long before it died is started again at once
STABLE_AFTER = 60


def python_executable():
    """The Python interpreter to run the child with: this one, also
    under WSGI servers whose sys.executable is the server's binary."""
    exe = sys.executable or ''
    if os.path.basename(exe).startswith('python'):
        return exe
    for name in ('python3', 'python'):
        candidate = os.path.join(sys.exec_prefix, 'bin', name)
        if os.access(candidate, os.X_OK):
            return candidate
    return exe or 'python3'


def child_command(conf, workers):
    """The command line of the child: glare-worker over conf's files."""
    command = [python_executable(), '-m', 'glare.cmd.worker', '--child',
               '--threads', str(workers)]
    for path in conf.config_file or ():
        command += ['--config-file', path]
    for path in conf.config_dir or ():
        command += ['--config-dir', path]
    if conf.debug:
        command.append('--debug')
    return command


class TaskProcess:
    """Runs up to `workers` tasks at once in a child glare-worker.

    The interface of glare.services.task_pool.TaskPool that the process
    entry points use: start(), stop(), wake(), workers.
    """

    def __init__(self, service, conf, workers, poll_interval=None):
        self.service = service
        self.conf = conf
        self.workers = workers
        self.poll_interval = poll_interval if poll_interval is not None \
            else service.opts.poll_interval
        self._proc = None
        self._lock = threading.Lock()
        self._wanted = threading.Event()
        self._stopping = threading.Event()
        self._thread = None
        service.on_created(self.wake)

    def start(self):
        if self.workers < 1 or self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._watch,
                                        name=WATCH_THREAD, daemon=True)
        self._thread.start()
        LOG.info('Task workers: up to %d task(s) in a child process, '
                 'started when there is work', self.workers)
        return self

    def wake(self):
        """A task was created here: start the child, or have it claim
        at once."""
        self._wanted.set()
        with self._lock:
            proc = self._proc
            if proc is None or proc.poll() is not None:
                return
            try:
                os.write(proc.stdin.fileno(), b'.')
            except (BlockingIOError, BrokenPipeError, ValueError):
                # full: it has wakes to read already; gone: _watch starts
                # another, which claims what is waiting
                pass

    def stop(self, timeout=None, interrupt=True):
        """Stop the child: it claims nothing more, stops its running
        tasks, undoes what they did and gives them back (it always
        interrupts them: another worker runs them again at once). True
        when it is gone within timeout seconds."""
        self._stopping.set()
        self._wanted.set()
        with self._lock:
            proc = self._proc
        if proc is None:
            return True
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            LOG.warning('The task process %d did not stop within %s s; '
                        'its tasks are run again once their leases '
                        'expire', proc.pid, timeout)
            return False
        return True

    # -- the watching thread ------------------------------------------------
    def _work_waiting(self):
        try:
            return self.service.waiting()
        except db_api.DatabaseUnavailable:
            return False  # logged once per outage
        except Exception:
            LOG.exception('Looking for waiting tasks failed')
            return False

    def _watch(self):
        backoff = 1
        while not self._stopping.is_set():
            if not (self._wanted.wait(self.poll_interval)
                    or self._work_waiting()):
                continue
            if self._stopping.is_set():
                break
            started = time.monotonic()
            proc = self._spawn()
            if proc is None:
                code = 'could not be started'
            else:
                proc.wait()
                code = 'exit status %s' % proc.returncode
            if self._stopping.is_set():
                break
            if time.monotonic() - started > STABLE_AFTER:
                backoff = 1
            LOG.error('The task process of this glare-api process ended '
                      '(%s); starting another in %d s', code, backoff)
            self._stopping.wait(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)
            # tasks may be waiting or running: start again at once
            self._wanted.set()

    def _spawn(self):
        self._wanted.clear()
        command = child_command(self.conf, self.workers)
        try:
            # our own interpreter and module, over our own config files
            proc = subprocess.Popen(  # nosec B603
                command, stdin=subprocess.PIPE)
        except OSError as exc:
            LOG.error('Cannot start the task process %s: %s',
                      ' '.join(command), exc)
            return None
        os.set_blocking(proc.stdin.fileno(), False)
        with self._lock:
            self._proc = proc
        LOG.info('Task process %d started: %s', proc.pid, ' '.join(command))
        if self._stopping.is_set():  # stop() came in between
            proc.send_signal(signal.SIGTERM)
        return proc
