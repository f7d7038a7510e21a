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

"""glare-worker processes (issue 20): a glare-api that runs no task
itself ([tasks] workers = 0) and three glare-worker processes over the
same database and store. Several workers claim at once and each task is
run once; a worker killed (SIGKILL) in the middle of an import loses its
lease, and another runs the task again, never at the same time, once; a
worker stopped (SIGTERM) gives its task back for another to run at once."""

import os
import signal
import subprocess
import sys
import time

import sqlalchemy as sa

from glare.db import api as db_api
from glare.tests.fixtures import origin as origin_fixture
from glare.tests.functional import base
from glare.tests.functional import test_tasks

LEASE = 3
WORKERS = 3


class _Workers:
    """The glare-worker processes of a class."""

    @classmethod
    def start_workers(cls):
        cls.workers = []
        for n in range(WORKERS):
            cls.workers.append(cls.start_worker(n))

    @classmethod
    def start_worker(cls, n):
        log_path = os.path.join(cls.workdir, 'glare-worker-%d.log' % n)
        log = open(log_path, 'wb')
        env = dict(os.environ, PYTHONUNBUFFERED='1')
        proc = subprocess.Popen(
            [sys.executable, '-m', 'glare.cmd.worker', '--config-file',
             os.path.join(cls.workdir, 'glare.conf'), '--threads', '2'],
            stdout=log, stderr=subprocess.STDOUT, env=env,
            start_new_session=True)
        log.close()
        cls.addClassCleanup(cls._kill, proc)
        deadline = time.monotonic() + 60
        while b'running up to 2 task' not in cls._read(log_path):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise base.ServerFailed('glare-worker did not start: %s'
                                        % cls._read(log_path)[-3000:])
            time.sleep(0.05)
        proc.log_path = log_path
        return proc

    @staticmethod
    def _read(path):
        with open(path, 'rb') as f:
            return f.read()

    @staticmethod
    def _kill(proc):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(20)


class _TaskRows(test_tasks.TaskHelpers):
    """The task rows of the class's database, read directly."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.engine = sa.create_engine(db_api.connection_url(
            cls.server.db_url), poolclass=sa.pool.NullPool)
        cls.addClassCleanup(cls.engine.dispose)

    def row(self, task_id):
        with self.engine.connect() as conn:
            return conn.execute(sa.text(
                'SELECT status, attempts, lease_owner FROM glare_tasks '
                'WHERE id = :id'), {'id': task_id}).one()

    def path_of(self, url):
        return url[url.index('/', len('http://')):]

    def slow_import(self):
        """An import of 2 MiB at 64 KiB every 0.1 s (about 3 s), its
        digest given: (artifact, the store's files before, size, url,
        task)."""
        af = self.create()
        files = self.stored_files()
        size = 2 << 20
        url = self.url_of('/slow/%d/65536/0.1' % size)
        doc = self.imported(af['id'], 'blob', {
            'url': url, 'sha256': origin_fixture.sha256(size)})
        return af, files, size, url, doc


@base.with_backends
class WorkerProcessTests(_Workers, _TaskRows):
    """Tasks run by glare-worker processes only."""

    CONFIG = {'DEFAULT': {'stale_upload_timeout': 2},
              'tasks': {'workers': 0, 'lease_seconds': LEASE,
                        'poll_interval': 0.2, 'max_attempts': 3}}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_workers()

    def started_by(self, task_id):
        """The workers whose log says they started the task."""
        line = ('Task %s (import) started' % task_id).encode()
        return [w for w in self.workers if line in self._read(w.log_path)]

    def test_workers_claiming_at_once_run_each_task_once(self):
        urls, tasks = [], []
        for _ in range(12):
            af = self.create()
            urls.append(self.url_of('/slow/200000/50000/0.05'))
            tasks.append(self.imported(af['id'], 'blob',
                                       {'url': urls[-1]})['id'])
        for task_id, url in zip(tasks, urls, strict=True):
            doc = self.wait_task(task_id)
            self.assertEqual('success', doc['status'], doc)
            self.assertEqual(1, len(self.origin.of(self.path_of(url))))
            self.assertEqual(1, self.row(task_id).attempts)
            self.assertEqual(1, len(self.started_by(task_id)))
        # several processes took part (two threads each, twelve tasks)
        self.assertGreater(len({id(w) for t in tasks
                                for w in self.started_by(t)}), 1)

    def running_on(self, doc):
        """The worker process running the task, once it fetched data."""
        deadline = time.monotonic() + 30
        while True:
            shown = self.task(doc['id'])
            if shown['status'] == 'running' and shown['progress'] > 0:
                break
            self.assertLess(time.monotonic(), deadline, shown)
            time.sleep(0.05)
        owner = self.row(doc['id']).lease_owner
        pid = int(owner.split('/')[0].rsplit(':', 1)[1])
        (worker,) = [w for w in self.workers if w.pid == pid]
        return worker

    def test_a_stopped_worker_gives_its_task_back(self):
        af = self.create()
        files = self.stored_files()
        size = 2 << 20
        url = self.url_of('/slow/%d/65536/0.1' % size)
        doc = self.imported(af['id'], 'blob', {'url': url})
        victim = self.running_on(doc)
        os.killpg(victim.pid, signal.SIGTERM)
        self.assertEqual(0, victim.wait(30))
        self.workers.remove(victim)
        self.assertIn(b'giving the running tasks back',
                      self._read(victim.log_path))
        done = self.wait_task(doc['id'], timeout=90)
        self.assertEqual('success', done['status'], done)
        # given back, not taken over after its lease: the stopped attempt
        # does not count
        self.assertEqual(1, self.row(doc['id']).attempts)
        first, second = self.origin.of(self.path_of(url))
        # the stopped worker closed its connection before it gave the
        # task back; the origin notices at its next write, up to a step
        # later, so only the order of the starts is compared here
        self.assertLess(first.started, second.started)
        self.assertEqual(origin_fixture.data(size),
                         self.download(af['id'], 'blob').content)
        self.assertEqual(len(files) + 1, len(self.stored_files()))
        self.workers.append(self.start_worker(len(self.workers) + 20))

    def test_a_killed_workers_task_is_run_again_once(self):
        af, files, size, url, doc = self.slow_import()
        victim = self.running_on(doc)
        os.killpg(victim.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        victim.wait(20)
        self.workers.remove(victim)

        done = self.wait_task(doc['id'], timeout=90)
        self.assertEqual(('success', 1.0), (done['status'],
                                            done['progress']))
        row = self.row(doc['id'])
        self.assertEqual(('success', 2, None),
                         (row.status, row.attempts, row.lease_owner))
        first, second = self.origin.of(self.path_of(url))
        while second.ended is None:  # the origin's last sleep
            self.assertLess(time.monotonic(), killed_at + 120)
            time.sleep(0.05)
        self.assertEqual(('broken', 'done'),
                         (first.outcome, second.outcome))
        # never at the same time, and only once the lease had expired
        self.assertLessEqual(first.ended, second.started)
        self.assertGreater(second.started - killed_at, LEASE * 2 / 3 - 0.5)
        (again,) = self.started_by(doc['id'])
        self.assertIsNot(victim, again)
        down = self.download(af['id'], 'blob')
        self.assertEqual(origin_fixture.data(size), down.content)
        # the dead attempt's partial data is gone: one new file only
        self.assertEqual(len(files) + 1, len(self.stored_files()))
        # a replacement, for the other tests of the class
        self.workers.append(self.start_worker(len(self.workers) + 10))


@base.with_backends
class ApiTaskProcessTests(_TaskRows):
    """The tasks of a glare-api process run in a child process of it
    ([tasks] isolation = process, the default): at idle CPU priority,
    and given back at once when the API process is killed."""

    CONFIG = {'tasks': {'workers': 1, 'poll_interval': 0.2}}

    def runner(self, task_id):
        """The pid of the process running the task, once it fetched
        data."""
        deadline = time.monotonic() + 30
        while True:
            shown = self.task(task_id)
            if shown['status'] == 'running' and shown['progress'] > 0:
                break
            self.assertLess(time.monotonic(), deadline, shown)
            time.sleep(0.05)
        owner = self.row(task_id).lease_owner
        return int(owner.split('/')[0].rsplit(':', 1)[1])

    @staticmethod
    def cmdline(pid):
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            return f.read().split(b'\0')

    @staticmethod
    def parent(pid):
        with open('/proc/%d/stat' % pid) as f:
            return int(f.read().rsplit(')', 1)[1].split()[1])

    def gone(self, pid, timeout):
        deadline = time.monotonic() + timeout
        while os.path.exists('/proc/%d' % pid):
            try:
                with open('/proc/%d/stat' % pid) as f:
                    if f.read().rsplit(')', 1)[1].split()[0] == 'Z':
                        return True
            except OSError:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def test_tasks_run_in_an_idle_child_of_the_api_process(self):
        af = self.create()
        size = 1 << 20
        doc = self.imported(af['id'], 'blob', {
            'url': self.url_of('/slow/%d/65536/0.05' % size)})
        pid = self.runner(doc['id'])
        command = self.cmdline(pid)
        self.assertIn(b'glare.cmd.worker', command)
        self.assertIn(b'--child', command)
        self.assertIn(b'glare-api', b' '.join(self.cmdline(
            self.parent(pid))))
        self.assertEqual(os.SCHED_IDLE, os.sched_getscheduler(pid))
        self.assertEqual(10, os.getpriority(os.PRIO_PROCESS, pid))
        done = self.wait_task(doc['id'])
        self.assertEqual('success', done['status'], done)
        self.assertEqual(origin_fixture.data(size),
                         self.download(af['id'], 'blob').content)

    def test_a_killed_api_process_s_child_gives_the_task_back(self):
        af, files, size, url, doc = self.slow_import()
        child = self.runner(doc['id'])
        api_worker = self.parent(child)
        os.kill(api_worker, signal.SIGKILL)
        killed_at = time.monotonic()
        # the end of its standard input stops the child
        self.assertTrue(self.gone(child, 30))
        done = self.wait_task(doc['id'], timeout=60)
        self.assertEqual('success', done['status'], done)
        # given back, not taken over after its lease (30 s): run again
        # by the child of the API process gunicorn started instead
        self.assertLess(time.monotonic() - killed_at, 25)
        row = self.row(doc['id'])
        self.assertEqual(('success', 1), (row.status, row.attempts))
        first, second = self.origin.of(self.path_of(url))
        self.assertLess(first.started, second.started)
        self.assertEqual(origin_fixture.data(size),
                         self.download(af['id'], 'blob').content)
        self.assertEqual(len(files) + 1, len(self.stored_files()))
