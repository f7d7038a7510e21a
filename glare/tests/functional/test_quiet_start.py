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

"""Every command starts quietly: no Python warning, no traceback (issue 11).

Each console script of setup.cfg runs in a subprocess with ``-W default``
(so even the DeprecationWarnings Python hides by default would show), on
the embedded default configuration in an empty HOME and working directory,
as a newcomer runs it: ``--help``, a real one-shot run, and a real
glare-api start (its workers fork and load every default type) and SIGTERM.
"""

import configparser
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import requests

from glare.tests.fixtures import processes

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
#: how Python prints a warning: "<file>:<line>: <Category>Warning: ..."
WARNING_LINE = re.compile(r':\d+: \w*Warning\b')
TIMEOUT = 60


def console_scripts():
    """{command: 'module:function'} as setup.cfg installs them."""
    parser = configparser.ConfigParser()
    parser.read(os.path.join(ROOT, 'setup.cfg'))
    scripts = {}
    for line in parser['entry_points']['console_scripts'].splitlines():
        if line.strip():
            name, target = (part.strip() for part in line.split('=', 1))
            scripts[name] = target
    return scripts


def noisy_lines(text):
    return [line for line in text.splitlines()
            if WARNING_LINE.search(line) or 'Traceback' in line]


class QuietStartTests(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='glare-quiet-')
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.home = os.path.join(self.tmp, 'home')
        self.cwd = os.path.join(self.tmp, 'cwd')
        os.mkdir(self.home)
        os.mkdir(self.cwd)
        self.port = processes.free_port()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(('OS_', 'XDG_'))}
        env.update({
            'HOME': self.home,
            'XDG_DATA_HOME': os.path.join(self.home, '.local', 'share'),
            'XDG_CONFIG_HOME': os.path.join(self.home, '.config'),
            'XDG_CACHE_HOME': os.path.join(self.home, '.cache'),
            'XDG_STATE_HOME': os.path.join(self.home, '.local', 'state'),
            'PYTHONWARNINGS': 'default',
            # no config file: oslo.config reads OS_<GROUP>__<OPTION> too
            'OS_DEFAULT__BIND_PORT': str(self.port),
        })
        self.env = env

    def argv(self, command, *args):
        """The console script `command` as its installed wrapper runs it."""
        module, func = console_scripts()[command].split(':')
        code = ('import sys; from %s import %s as main; sys.argv[0] = %r; '
                'sys.exit(main())' % (module, func, command))
        return [sys.executable, '-W', 'default', '-c', code] + list(args)

    def run_command(self, command, *args):
        proc = subprocess.run(self.argv(command, *args), cwd=self.cwd,
                              env=self.env, capture_output=True, text=True,
                              timeout=TIMEOUT)
        output = proc.stdout + proc.stderr
        self.assertEqual(0, proc.returncode, output)
        self.assertEqual([], noisy_lines(output), output)
        return output

    def test_every_command_documents_itself_quietly(self):
        commands = sorted(console_scripts())
        self.assertEqual(['glare-api', 'glare-bundle', 'glare-db-manage',
                          'glare-replicator', 'glare-scrubber',
                          'glare-status', 'glare-worker'], commands)
        for command in commands:
            with self.subTest(command=command):
                self.assertIn('usage: %s' % command,
                              self.run_command(command, '--help'))

    def test_one_shot_commands_run_quietly(self):
        self.run_command('glare-db-manage', 'upgrade')
        self.assertIn('Database schema',
                      self.run_command('glare-status', 'upgrade', 'check'))
        self.assertIn('Scrubber run',
                      self.run_command('glare-scrubber', '--nodaemon'))

    def test_api_starts_and_stops_quietly(self):
        log_path = os.path.join(self.tmp, 'glare-api.log')
        with open(log_path, 'wb') as log:
            proc = subprocess.Popen(
                self.argv('glare-api'), cwd=self.cwd, env=self.env,
                stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        self.addCleanup(self._kill, proc)
        url = 'http://127.0.0.1:%d' % self.port
        deadline = time.monotonic() + TIMEOUT
        with requests.Session() as session:
            while True:
                self.assertIsNone(proc.poll(), self._read(log_path))
                self.assertLess(time.monotonic(), deadline,
                                self._read(log_path))
                try:
                    if session.get(url + '/versions', timeout=2) \
                            .status_code == 300:
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(0, proc.wait(TIMEOUT), self._read(log_path))
        output = self._read(log_path)
        self.assertIn('Glare API ready', output)
        self.assertEqual([], noisy_lines(output), output)
        self.assertEqual([], os.listdir(self.cwd))

    @staticmethod
    def _read(path):
        with open(path, errors='replace') as f:
            return f.read()

    @staticmethod
    def _kill(proc):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
