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

"""Servers the tests run as child processes: start, wait, log, stop."""

import os
import signal
import socket
import subprocess
import threading
import time

import requests


class ServerFailed(Exception):
    """The server did not start, or stopped."""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _reap(proc, log, timeout):
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout)
    finally:
        if log is not None:
            log.close()


class ServerProcess:
    """A server in a process group of its own, logging to log_path.

    A subclass gives spawn() (the command of one attempt) and ready() (one
    probe of whether it answers); start() retries when another process
    took the port meanwhile.
    """

    NAME = 'server'
    FAILED = ServerFailed
    START_TIMEOUT = 60
    STOP_TIMEOUT = 20
    #: seconds between probes: polling a port, there is nothing to wait on
    POLL = 0.05
    ATTEMPTS = 3

    workdir = None
    log_path = None
    process = None
    _log = None

    def spawn(self, attempt):
        """(argv, env) of start attempt number attempt (0, 1...)."""
        raise NotImplementedError

    def ready(self, session):
        """Whether the server answers as it should once up."""
        raise NotImplementedError

    def start(self):
        for attempt in range(self.ATTEMPTS):
            argv, env = self.spawn(attempt)
            self._log = open(self.log_path, 'ab')
            self.process = subprocess.Popen(
                argv, stdout=self._log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, env=env, cwd=self.workdir,
                start_new_session=True)
            try:
                self._wait_until_up()
                return
            except ServerFailed as exc:
                log = self.log_tail()
                self.stop()
                if 'Address already in use' not in log:
                    raise self.FAILED('%s did not start:\n%s' % (self.NAME,
                                                                 log)) from exc
        raise self.FAILED('%s found no free port:\n%s' % (self.NAME,
                                                         self.log_tail()))

    def _wait_until_up(self):
        deadline = time.monotonic() + self.START_TIMEOUT
        with requests.Session() as session:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise self.FAILED('exited with %s' %
                                      self.process.returncode)
                try:
                    if self.ready(session):
                        return
                except requests.RequestException:
                    pass
                time.sleep(self.POLL)
        raise self.FAILED('%s gave no answer within %ss' % (
            self.NAME, self.START_TIMEOUT))

    def log_tail(self, size=6000):
        try:
            with open(self.log_path, 'rb') as f:
                data = f.read()
        except OSError:
            return ''
        return data[-size:].decode('utf-8', 'replace')

    def stop(self, wait=True):
        """SIGTERM to the process group, SIGKILL after STOP_TIMEOUT.

        With wait=False a thread waits for the exit (gunicorn takes a few
        seconds to wind down) while the next test class starts; the
        interpreter still joins that thread before it exits.
        """
        proc, self.process = self.process, None
        log, self._log = self._log, None
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        if wait:
            _reap(proc, log, self.STOP_TIMEOUT)
        else:
            threading.Thread(target=_reap,
                             args=(proc, log, self.STOP_TIMEOUT),
                             name='reap-%s-%s' % (self.NAME,
                                                  proc.pid)).start()
