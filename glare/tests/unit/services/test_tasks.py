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

"""The task service (glare.services.tasks) and a worker pool over a real
SQLite database: how a run ends (success, failure, cancellation, a lost
lease), retries after a worker died, attempts running out, who sees which
task, and a pool running no more tasks at once than it has threads."""

import datetime
import json
import threading
import time

import fixtures
import sqlalchemy as sa

from glare import context
from glare.db import api as db_api
from glare.db import models
from glare.db import tasks as db
from glare import exception
from glare.services import task_pool
from glare.services import task_run
from glare.services import tasks
from glare.tests import base

TASKS = models.Task.__table__


class _Notifier:
    """Records what would be sent."""

    def __init__(self):
        self.sent = []

    def task(self, ctx, event, document):
        self.sent.append((event, document['id'], document['status'],
                          ctx.project_id))


def ctx(project, *roles, user=None):
    return context.RequestContext(
        user_id=user or 'u-' + project, project_id=project,
        roles=list(roles or ('member',)), overwrite=False,
        auth_token='secret-token')


class TaskServiceTest(base.TestCase):

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(fixtures.TempDir()).path
        config = self.useFixture(base.ConfigFixture())
        config.set(state_path=tmp)
        config.set_in('database',
                      connection='sqlite:///%s/glare.sqlite' % tmp)
        config.set_in('tasks', lease_seconds=2, max_attempts=2,
                      poll_interval=0.05)
        self.config = config
        db_api.reset()
        self.addCleanup(db_api.reset)
        db_api.configure(config.conf)
        engine = db_api.get_engine()
        self.addCleanup(engine.dispose)
        models.Base.metadata.create_all(engine)
        self.engine = engine
        self.useFixture(base.PolicyFixture())
        self.notifier = _Notifier()
        self.service = tasks.TaskService(config.conf, None, self.notifier)
        self.calls = []
        self.alice = ctx('p1')
        self.bob = ctx('p2')
        self.admin = ctx('adm', 'admin')

    def kind(self, name, run, abandon=True):
        def abandoned(r):
            self.calls.append(('abandon', r.id, r.attempt))
        self.service.register(task_run.Kind(
            name, run, abandoned if abandon else None))

    def create(self, name='k', who=None, **task_input):
        return self.service.create(who or self.alice, name, task_input)

    def run_one(self):
        runs = self.service.claim(1)
        self.assertEqual(1, len(runs))
        return self.service.execute(runs[0])

    def expire(self, task_id):
        """As if the worker holding the task died a while ago."""
        with self.engine.begin() as conn:
            conn.execute(TASKS.update().where(TASKS.c.id == task_id).values(
                lease_expires_at=db_api.now() - datetime.timedelta(
                    seconds=1)))

    # -- how a run ends --------------------------------------------------
    def test_success_with_the_creators_identity_and_no_token(self):
        seen = {}

        def run(r):
            seen.update(project=r.context.project_id, user=r.context.user_id,
                        roles=r.context.roles, token=r.context.auth_token,
                        admin=r.context.is_admin, input=r.input)
            r.progress(0.5, 'half way', force=True)
            self.assertEqual(0.5, self.service.show(
                self.alice, r.id)['progress'])
            return 'all done'
        self.kind('k', run)
        doc = self.create(x=1)
        self.assertEqual(('pending', 0.0, None, 'k'), (
            doc['status'], doc['progress'], doc['message'], doc['type']))
        self.assertEqual(['id', 'type', 'status', 'progress', 'message',
                          'artifact', 'created_at', 'updated_at'], list(doc))
        done = self.run_one()
        self.assertEqual(('success', 1.0, 'all done'), (
            done['status'], done['progress'], done['message']))
        self.assertEqual(dict(project='p1', user='u-p1', roles=['member'],
                              token=None, admin=False, input={'x': 1}),
                         seen)
        with self.engine.connect() as conn:
            stored = conn.execute(sa.select(TASKS.c.identity)).scalar()
        self.assertNotIn('secret-token', stored)
        self.assertFalse(json.loads(stored)['is_admin'])
        self.assertEqual([('create', doc['id'], 'pending', 'p1'),
                          ('success', doc['id'], 'success', 'p1')],
                         self.notifier.sent)
        self.assertEqual([], self.calls)  # nothing to undo

    def test_failures_keep_the_message_and_abandon(self):
        def refused(r):
            raise exception.BadRequest('the data is bad')

        def broken(r):
            raise RuntimeError('a bug, with secrets')
        self.kind('refused', refused)
        self.kind('broken', broken)
        first = self.create('refused')
        self.assertEqual(('failure', 'the data is bad'), (
            lambda d: (d['status'], d['message']))(self.run_one()))
        second = self.create('broken')
        done = self.run_one()
        self.assertEqual('failure', done['status'])
        self.assertNotIn('secrets', done['message'])
        self.assertIn('internal error', done['message'])
        self.assertEqual([('abandon', first['id'], 1),
                          ('abandon', second['id'], 1)], self.calls)
        self.assertEqual(['create', 'failure', 'create', 'failure'],
                         [s[0] for s in self.notifier.sent])

    def test_cancel_stops_a_running_task(self):
        started = threading.Event()

        def run(r):
            started.set()
            while True:
                r.progress(0.1)
                time.sleep(0.01)
        self.kind('k', run)
        doc = self.create()
        (claimed,) = self.service.claim(1)
        outcome = {}
        worker = threading.Thread(target=lambda: outcome.update(
            doc=self.service.execute(claimed)))
        worker.start()
        self.assertTrue(started.wait(10))
        # another project cannot, even knowing the id
        self.assertRaises(exception.NotFound, self.service.cancel, self.bob,
                          doc['id'])
        asked = self.service.cancel(self.alice, doc['id'])
        self.assertEqual('running', asked['status'])
        worker.join(10)
        self.assertFalse(worker.is_alive())
        self.assertEqual(('failure', 'Cancelled'), (
            outcome['doc']['status'], outcome['doc']['message']))
        self.assertEqual([('abandon', doc['id'], 1)], self.calls)
        self.assertRaises(exception.Conflict, self.service.cancel,
                          self.alice, doc['id'])

    def test_cancel_of_a_pending_task_fails_it_at_once(self):
        self.kind('k', lambda r: self.fail('must not run'))
        doc = self.create()
        cancelled = self.service.cancel(self.admin, doc['id'])
        self.assertEqual(('failure', 'Cancelled'), (
            cancelled['status'], cancelled['message']))
        self.assertEqual([], self.service.claim(1))
        self.assertEqual(['create', 'failure'],
                         [s[0] for s in self.notifier.sent])

    def test_a_task_whose_worker_died_is_retried_then_given_up(self):
        runs = []

        def run(r):
            runs.append(r.attempt)
            return 'ok'
        self.kind('k', run)
        doc = self.create()
        self.service.claim(1)  # this worker "dies": the run never ends
        self.assertEqual([], self.service.claim(1))  # the lease holds
        self.expire(doc['id'])
        done = self.run_one()
        self.assertEqual(('success', [2]), (done['status'], runs))
        # what the dead attempt left was removed first
        self.assertEqual([('abandon', doc['id'], 2)], self.calls)

        other = self.create()
        for _ in range(2):  # max_attempts = 2
            self.service.claim(1)
            self.expire(other['id'])
        done = self.run_one()
        self.assertEqual('failure', done['status'])
        self.assertIn('stopped 2 times', done['message'])
        self.assertEqual([2], runs)  # never run a third time
        self.assertEqual(('abandon', other['id'], 3), self.calls[-1])

    def test_a_lost_lease_writes_nothing(self):
        def run(r):
            with self.engine.begin() as conn:
                conn.execute(TASKS.update().where(TASKS.c.id == r.id)
                             .values(lease_owner='another/worker'))
            r.progress(0.9, force=True)
            self.fail('a lost lease must stop the run')
        self.kind('k', run)
        doc = self.create()
        self.assertIsNone(self.run_one())
        row = db.get(self.alice, doc['id'])
        self.assertEqual(('running', 'another/worker', 0.0), (
            row['status'], row['lease_owner'], row['progress']))
        self.assertEqual([], self.calls)  # the other worker owns it now

    # -- who sees what ---------------------------------------------------
    def test_tasks_are_seen_by_their_project_and_admins(self):
        self.kind('k', lambda r: None)
        mine = self.create()
        theirs = self.create(who=self.bob)
        self.assertEqual(mine, self.service.show(self.alice, mine['id']))
        self.assertEqual(mine, self.service.show(self.admin, mine['id']))
        for bad in (theirs['id'], 'nope', None):
            self.assertRaises(exception.NotFound, self.service.show,
                              self.alice, bad)
        self.assertEqual([mine['id']], [t['id'] for t in self.service.list(
            self.alice)['tasks']])
        self.assertEqual({mine['id'], theirs['id']}, {
            t['id'] for t in self.service.list(self.admin)['tasks']})
        self.assertEqual([], self.service.list(
            self.alice, status='running,success')['tasks'])
        self.assertEqual([mine['id']], [t['id'] for t in self.service.list(
            self.alice, status='pending')['tasks']])
        for status in ('done', '', ','):
            self.assertRaises(exception.BadRequest, self.service.list,
                              self.alice, status=status)
        for limit in ('0', '101', 'x'):
            self.assertRaises(exception.BadRequest, self.service.list,
                              self.alice, limit=limit)
        # another project's task is no marker of mine
        self.assertRaises(exception.BadRequest, self.service.list,
                          self.alice, marker=theirs['id'])

    def test_pages(self):
        self.kind('k', lambda r: None)
        made = [self.create()['id'] for _ in range(5)]
        first = self.service.list(self.alice, limit='2')
        self.assertEqual(2, len(first['tasks']))
        seen = [t['id'] for t in first['tasks']]
        page = first
        while 'next' in page:
            page = self.service.list(self.alice, limit='2',
                                     marker=page['next'])
            seen += [t['id'] for t in page['tasks']]
        self.assertEqual(sorted(made), sorted(seen))
        self.assertEqual(5, len(seen))

    def test_unknown_kind_and_projectless_caller(self):
        self.assertRaises(exception.BadRequest, self.service.create,
                          self.alice, 'nope', {})
        self.kind('k', lambda r: None)
        self.assertRaises(exception.Forbidden, self.service.create,
                          context.RequestContext(overwrite=False), 'k', {})
        self.assertRaises(ValueError, self.kind, 'k', lambda r: None)

    # -- the pool --------------------------------------------------------
    def test_the_pool_runs_as_many_tasks_at_once_as_it_has_threads(self):
        release = threading.Event()
        lock = threading.Lock()
        state = {'now': 0, 'most': 0}

        def run(r):
            with lock:
                state['now'] += 1
                state['most'] = max(state['most'], state['now'])
            try:
                while not release.is_set():
                    r.progress(None)
                    time.sleep(0.01)
            finally:
                with lock:
                    state['now'] -= 1
        self.kind('k', run)
        pool = task_pool.TaskPool(self.service, 2).start()
        self.addCleanup(pool.stop, 10)
        made = [self.create()['id'] for _ in range(5)]
        self.wait_for(lambda: state['most'] == 2)
        self.assertEqual(2, len(pool.running()))
        release.set()
        self.wait_for(lambda: all(
            self.service.show(self.alice, t)['status'] == 'success'
            for t in made))
        self.assertEqual(2, state['most'])
        self.assertTrue(pool.stop(10))

    def test_the_pool_renews_leases_of_long_tasks(self):
        release = threading.Event()

        def run(r):
            # longer than lease_seconds (2): without renewal another
            # worker could take it over
            while not release.is_set():
                r.check()
                time.sleep(0.01)
            return 'ok'
        self.kind('k', run)
        pool = task_pool.TaskPool(self.service, 1).start()
        self.addCleanup(pool.stop, 10)
        doc = self.create()
        self.wait_for(lambda: pool.running())
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            self.assertEqual([], self.service.claim(1, worker='other'))
            time.sleep(0.2)
        release.set()
        self.wait_for(lambda: self.service.show(
            self.alice, doc['id'])['status'] == 'success')

    def wait_for(self, condition, timeout=20):
        deadline = time.monotonic() + timeout
        while not condition():
            self.assertLess(time.monotonic(), deadline, 'timed out')
            time.sleep(0.02)

    # -- purge -----------------------------------------------------------
    def test_ended_tasks_are_purged_after_their_time_to_live(self):
        self.kind('k', lambda r: 'done')
        self.config.set_in('tasks', time_to_live=2)
        old_done = self.create()['id']
        self.run_one()
        new_done = self.create()['id']
        self.run_one()
        waiting = {self.create()['id'], self.create()['id']}
        (run,) = self.service.claim(1)  # one of them: running now
        running = run.id
        (pending,) = waiting - {running}
        long_ago = db_api.now() - datetime.timedelta(hours=3)
        with self.engine.begin() as conn:
            conn.execute(TASKS.update().where(TASKS.c.id.in_(
                [old_done, pending, running])).values(updated_at=long_ago))
        self.assertEqual(1, self.service.purge_ended())
        with self.engine.connect() as conn:
            left = dict(conn.execute(sa.select(
                TASKS.c.id, TASKS.c.status)).all())
        self.assertEqual({new_done: 'success', running: 'running',
                          pending: 'pending'}, left)
        self.assertEqual(0, self.service.purge_ended())

    def test_purge_works_in_batches(self):
        self.kind('k', lambda r: 'done')
        self.service.PURGE_BATCH = 2
        for _ in range(5):
            self.create()
            self.run_one()
        with self.engine.begin() as conn:
            conn.execute(TASKS.update().values(
                updated_at=db_api.now() - datetime.timedelta(days=3)))
        self.assertEqual(5, self.service.purge_ended())
        with self.engine.connect() as conn:
            self.assertEqual(0, conn.execute(
                sa.select(sa.func.count()).select_from(TASKS)).scalar())
