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

"""A real glare-api subprocess on a free loopback port, in a temp state dir."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import requests

CONFIG = """\
[DEFAULT]
state_path = {state}
bind_host = 127.0.0.1
bind_port = {port}
workers = {workers}
enabled_artifact_types = images
custom_artifact_types_modules = glare.tests.sample_artifact
log_file = {state}/glare-api.log

[api]
auth_strategy = noauth

[database]
connection = {db_url}
"""


def _with_options(text, config):
    """The config file text with more options, each in its section."""
    lines = text.splitlines()
    for section, options in config.items():
        header = '[%s]' % section
        if header not in lines:
            lines += ['', header]
        at = lines.index(header) + 1
        lines[at:at] = ['%s = %s' % kv for kv in options.items()]
    return '\n'.join(lines) + '\n'


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _source_root():
    import glare
    return os.path.dirname(os.path.dirname(os.path.abspath(glare.__file__)))


def _command():
    # the console script of the interpreter running us, else the module
    script = os.path.join(os.path.dirname(sys.executable), 'glare-api')
    if os.path.exists(script):
        return [script]
    return [sys.executable, '-m', 'glare.cmd.api']


class Server:
    """Context manager: writes the config, starts and stops glare-api."""

    def __init__(self, workers=1, keep=False, env=None, db_url=None,
                 config=None, cpus=None):
        """db_url: [database] connection (default: an SQLite file in the
        state dir); config: more options, {section: {name: value}},
        added to the file's sections (new sections at its end); cpus: the
        CPUs the server's processes and threads may run on (default
        any)."""
        self.cpus = set(cpus) if cpus else None
        self.workers = workers
        self.keep = keep
        self.env = env
        self.state = tempfile.mkdtemp(prefix='glare-bench-')
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.config_file = os.path.join(self.state, 'glare.conf')
        self.db_path = os.path.join(self.state, 'glare.sqlite')
        self.db_url = db_url or 'sqlite:///' + self.db_path
        self.proc = None
        with open(self.config_file, 'w') as f:
            f.write(_with_options(CONFIG.format(
                state=self.state, port=self.port, workers=workers,
                db_url=self.db_url), config or {}))

    def start(self, timeout=60):
        self._out = open(os.path.join(self.state, 'stdout.log'), 'wb')
        env = dict(os.environ, **(self.env or {}))
        # the service runs the glare tree the benchmark imports, not an
        # (editable) install of another checkout
        env['PYTHONPATH'] = os.pathsep.join(
            [_source_root()] + ([env['PYTHONPATH']]
                                if env.get('PYTHONPATH') else []))
        self.proc = subprocess.Popen(
            _command() + ['--config-file', self.config_file],
            stdout=self._out, stderr=subprocess.STDOUT, env=env,
            start_new_session=True, preexec_fn=self._pin if self.cpus
            else None)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('glare-api exited with %s:\n%s' % (
                    self.proc.returncode, self.log_tail()))
            try:
                if requests.get(self.url + '/healthcheck',
                                timeout=2).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError('glare-api did not answer within %ss:\n%s' % (
            timeout, self.log_tail()))

    def _pin(self):
        # in the child before exec: inherited by the workers and threads
        os.sched_setaffinity(0, self.cpus)

    def log_tail(self, lines=40):
        out = []
        for name in ('stdout.log', 'glare-api.log'):
            path = os.path.join(self.state, name)
            if os.path.exists(path):
                with open(path, errors='replace') as f:
                    out += f.readlines()[-lines:]
        return ''.join(out)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            # our own process group: the gunicorn arbiter and its workers
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if getattr(self, '_out', None):
            self._out.close()

    def cleanup(self):
        if not self.keep:
            shutil.rmtree(self.state, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.cleanup()
