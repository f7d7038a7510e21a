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

"""The child task process of a glare-api process: its command line, its
lazy start and its priority (the process itself is tested in
glare/tests/functional/test_task_workers.py)."""

import os
import sys
import threading
import types
from unittest import mock

from glare.services import task_pool
from glare.services import task_process
from glare.tests import base


class _Service:
    def __init__(self, waiting=False):
        self.opts = types.SimpleNamespace(poll_interval=0.01)
        self.callbacks = []
        self.looks = 0
        self._waiting = waiting

    def on_created(self, callback):
        self.callbacks.append(callback)

    def waiting(self):
        self.looks += 1
        return self._waiting


def _conf(files=('/etc/glare/glare.conf',), dirs=None, debug=False):
    return types.SimpleNamespace(config_file=list(files), config_dir=dirs,
                                 debug=debug)


class ChildCommandTest(base.TestCase):

    def test_the_child_reads_the_api_s_configuration(self):
        command = task_process.child_command(
            _conf(['/a.conf', '/b.conf'], ['/d'], debug=True), 3)
        self.assertEqual(
            ['-m', 'glare.cmd.worker', '--child', '--threads', '3',
             '--config-file', '/a.conf', '--config-file', '/b.conf',
             '--config-dir', '/d', '--debug'], command[1:])

    def test_no_files_no_options(self):
        command = task_process.child_command(_conf([], None), 1)
        self.assertNotIn('--config-file', command)
        self.assertNotIn('--debug', command)

    def test_the_interpreter_under_a_wsgi_server_binary(self):
        with mock.patch.object(sys, 'executable', '/usr/bin/uwsgi'):
            exe = task_process.python_executable()
        self.assertTrue(os.path.basename(exe).startswith('python'), exe)
        self.assertTrue(os.access(exe, os.X_OK), exe)
        self.assertEqual(sys.executable, task_process.python_executable())


class LazyStartTest(base.TestCase):

    def _process(self, service, spawned):
        proc = task_process.TaskProcess(service, _conf(), 2)

        def spawn():
            proc._wanted.clear()
            spawned.set()
            proc._stopping.wait(5)
        proc._spawn = spawn
        self.addCleanup(proc.stop, 5)
        return proc

    def test_no_child_without_work(self):
        service, spawned = _Service(), threading.Event()
        self._process(service, spawned).start()
        self.assertFalse(spawned.wait(0.2))
        self.assertGreater(service.looks, 3)

    def test_a_task_created_here_starts_it(self):
        service, spawned = _Service(), threading.Event()
        proc = self._process(service, spawned).start()
        self.assertEqual([proc.wake], service.callbacks)
        service.callbacks[0]()
        self.assertTrue(spawned.wait(5))

    def test_a_task_waiting_in_the_database_starts_it(self):
        service, spawned = _Service(waiting=True), threading.Event()
        self._process(service, spawned).start()
        self.assertTrue(spawned.wait(5))

    def test_no_worker_no_thread(self):
        service = _Service(waiting=True)
        proc = task_process.TaskProcess(service, _conf(), 0).start()
        self.assertIsNone(proc._thread)
        self.assertTrue(proc.stop(1))


class ProcessPriorityTest(base.TestCase):

    def test_nice_and_idle_priority_of_the_whole_process(self):
        opts = types.SimpleNamespace(nice=5, idle_priority=True)
        result = {}

        def child():
            # a thread stands for the process: the calls change the
            # calling thread and what it starts
            before = os.getpriority(os.PRIO_PROCESS,
                                    threading.get_native_id())
            result['done'] = task_pool.lower_process_priority(opts)

            def started():
                tid = threading.get_native_id()
                result['nice'] = os.getpriority(os.PRIO_PROCESS, tid)
                result['policy'] = os.sched_getscheduler(tid)
            inner = threading.Thread(target=started)
            inner.start()
            inner.join()
            result['before'] = before
        thread = threading.Thread(target=child)
        thread.start()
        thread.join()
        self.assertEqual(min(result['before'] + 5, 19), result['nice'])
        self.assertEqual(os.SCHED_IDLE, result['policy'])
        self.assertIn('idle CPU priority', result['done'])

    def test_without_idle_priority_only_nice(self):
        opts = types.SimpleNamespace(nice=0, idle_priority=False)
        result = {}

        def child():
            result['done'] = task_pool.lower_process_priority(opts)
            result['policy'] = os.sched_getscheduler(
                threading.get_native_id())
        thread = threading.Thread(target=child)
        thread.start()
        thread.join()
        self.assertEqual([], result['done'])
        self.assertEqual(os.SCHED_OTHER, result['policy'])
