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

"""Task rows (glare.db.tasks): claims, leases, renewals, the end of a
task and cancellation; several workers claiming at once get each task
once. On SQLite, and on PostgreSQL and MySQL when reachable."""

import datetime
import threading
import uuid

from glare import context
from glare.db import tasks as db
from glare.tests import base
from glare.tests.unit.db import test_artifacts_codec as codec

T0 = datetime.datetime(2026, 3, 1, 12, 0, 0)


def _at(seconds):
    return T0 + datetime.timedelta(seconds=seconds)


class _TaskRows:

    def add(self, owner='p1', at=0, status=db.PENDING):
        task_id = str(uuid.uuid4())
        db.insert(self.context, dict(
            id=task_id, type='import', status=status, progress=0.0,
            message=None, artifact_id=None, type_name=None, owner=owner,
            user_id='u', input='{}', identity='{}', lease_owner=None,
            lease_expires_at=None, attempts=0, cancel_requested=False,
            created_at=_at(at), updated_at=_at(at)))
        return task_id

    def claim(self, task_id, token, at=0, lease=30):
        return db.claim(self.context, task_id, token, _at(at),
                        _at(at + lease))

    def test_a_task_is_claimed_once_while_its_lease_holds(self):
        task_id = self.add()
        row = self.claim(task_id, 'w1/a')
        self.assertEqual((db.RUNNING, 'w1/a', 1, _at(30)), (
            row['status'], row['lease_owner'], row['attempts'],
            row['lease_expires_at']))
        # another worker, before the lease expires: refused
        self.assertIsNone(self.claim(task_id, 'w2/b', at=29))
        self.assertEqual([], db.candidates(self.context, _at(29), 10))
        # the worker died: once its lease expired, another takes it over
        self.assertEqual([task_id], db.candidates(self.context, _at(31), 10))
        row = self.claim(task_id, 'w2/b', at=31)
        self.assertEqual(('w2/b', 2), (row['lease_owner'], row['attempts']))
        # the first worker, back from a stall, holds nothing any more
        self.assertEqual({}, db.renew(self.context, [(task_id, 'w1/a')],
                                      _at(90)))
        self.assertIsNone(db.report(self.context, task_id, 'w1/a', _at(32),
                                    progress=0.5))
        self.assertFalse(db.finish(self.context, task_id, 'w1/a', _at(32),
                                   db.SUCCESS, None))
        self.assertEqual(db.RUNNING, db.get(self.context, task_id)['status'])
        self.assertEqual(0.0, db.get(self.context, task_id)['progress'])

    def test_renewal_keeps_the_lease_and_tells_of_cancellation(self):
        task_id = self.add()
        self.claim(task_id, 'w1/a')
        self.assertEqual({task_id: False}, db.renew(
            self.context, [(task_id, 'w1/a')], _at(60)))
        # renewed: still held at 45, when the first lease had expired
        self.assertIsNone(self.claim(task_id, 'w2/b', at=45))
        self.assertFalse(db.report(self.context, task_id, 'w1/a', _at(46),
                                   progress=0.25, message='a quarter'))
        row = db.request_cancel(self.context, task_id, _at(47), 'Cancelled')
        # running: its worker stops it
        self.assertEqual((db.RUNNING, True, 'a quarter'), (
            row['status'], row['cancel_requested'], row['message']))
        self.assertEqual({task_id: True}, db.renew(
            self.context, [(task_id, 'w1/a')], _at(90)))
        self.assertTrue(db.report(self.context, task_id, 'w1/a', _at(48),
                                  progress=0.3))
        self.assertTrue(db.finish(self.context, task_id, 'w1/a', _at(49),
                                  db.FAILURE, 'Cancelled'))
        row = db.get(self.context, task_id)
        self.assertEqual((db.FAILURE, 'Cancelled', 0.3, None, None), (
            row['status'], row['message'], row['progress'],
            row['lease_owner'], row['lease_expires_at']))
        # ended: no claim, no cancellation, no renewal
        self.assertIsNone(self.claim(task_id, 'w2/b', at=500))
        self.assertEqual({}, db.renew(self.context, [(task_id, 'w1/a')],
                                      _at(600)))
        error = self.assertRaises(db.Refused, db.request_cancel,
                                  self.context, task_id, _at(50), 'x')
        self.assertEqual('finished', error.reason)

    def test_a_pending_task_cancelled_fails_at_once(self):
        task_id = self.add()
        row = db.request_cancel(self.context, task_id, _at(5), 'Cancelled')
        self.assertEqual((db.FAILURE, 'Cancelled', True, _at(5)), (
            row['status'], row['message'], row['cancel_requested'],
            row['updated_at']))
        self.assertIsNone(self.claim(task_id, 'w1/a', at=6))
        error = self.assertRaises(db.Refused, db.request_cancel,
                                  self.context, str(uuid.uuid4()), _at(5),
                                  'x')
        self.assertEqual('missing', error.reason)

    def test_success_sets_progress_and_drops_the_lease(self):
        task_id = self.add()
        self.claim(task_id, 'w1/a')
        self.assertTrue(db.finish(self.context, task_id, 'w1/a', _at(3),
                                  db.SUCCESS, 'done', 1.0))
        row = db.get(self.context, task_id)
        self.assertEqual((db.SUCCESS, 'done', 1.0, None, _at(3)), (
            row['status'], row['message'], row['progress'],
            row['lease_owner'], row['updated_at']))

    def test_a_released_task_is_pending_again_its_attempt_uncounted(self):
        task_id = self.add()
        self.claim(task_id, 'w1/a')
        self.assertTrue(db.report(self.context, task_id, 'w1/a', _at(1),
                                  progress=0.5) is False)
        self.assertFalse(db.release(self.context, task_id, 'w2/b', _at(2),
                                    'x'))
        self.assertTrue(db.release(self.context, task_id, 'w1/a', _at(2),
                                   'Interrupted'))
        row = db.get(self.context, task_id)
        self.assertEqual((db.PENDING, 0, 0.0, None, 'Interrupted'), (
            row['status'], row['attempts'], row['progress'],
            row['lease_owner'], row['message']))
        # claimed again at once, as a first attempt
        self.assertEqual(1, self.claim(task_id, 'w2/b', at=3)['attempts'])

    def test_lists_newest_first_by_owner_and_status_in_pages(self):
        mine = [self.add(owner='p-list', at=i) for i in range(5)]
        other = self.add(owner='p-other', at=2)
        self.claim(mine[1], 'w/a', at=10)
        rows = db.list_tasks(self.context, 'p-list', None, 3)
        self.assertEqual(mine[::-1][:3], [r['id'] for r in rows])
        after = (rows[-1]['created_at'], rows[-1]['id'])
        self.assertEqual(mine[1::-1], [r['id'] for r in db.list_tasks(
            self.context, 'p-list', None, 3, after)])
        self.assertEqual([mine[1]], [r['id'] for r in db.list_tasks(
            self.context, 'p-list', (db.RUNNING,), 10)])
        everyone = [r['id'] for r in db.list_tasks(self.context, None,
                                                   None, 100)]
        self.assertIn(other, everyone)
        self.assertTrue(set(mine) <= set(everyone))

    def test_candidates_oldest_pending_and_expired_leases(self):
        old = self.add(owner='p-cand', at=-100)
        new = self.add(owner='p-cand', at=-50)
        dead = self.add(owner='p-cand', at=-200)
        self.claim(dead, 'w/dead', at=-100, lease=10)
        found = db.candidates(self.context, _at(0), 100)
        self.assertLess(found.index(old), found.index(new))
        self.assertIn(dead, found)

    def test_concurrent_claims_give_each_task_to_one_worker(self):
        tasks = [self.add(owner='p-race') for _ in range(6)]
        workers = 6
        barrier = threading.Barrier(workers)
        won = {}
        errors = []
        lock = threading.Lock()

        def work(n):
            # a context per thread: enginefacade keeps transaction state
            ctx = context.RequestContext(user_id='u', project_id='p',
                                         overwrite=False)
            try:
                barrier.wait(30)
                for task_id in tasks:
                    row = db.claim(ctx, task_id, 'w%d/x' % n, _at(0),
                                   _at(30))
                    if row is not None:
                        with lock:
                            won.setdefault(task_id, []).append(n)
            except Exception as exc:  # reported below
                errors.append(exc)
        threads = [threading.Thread(target=work, args=(n,))
                   for n in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual([], errors)
        self.assertEqual(sorted(tasks), sorted(won))
        self.assertEqual({t: 1 for t in tasks},
                         {t: len(w) for t, w in won.items()})
        for task_id in tasks:
            row = db.get(self.context, task_id)
            self.assertEqual(('w%d/x' % won[task_id][0], 1),
                             (row['lease_owner'], row['attempts']))


class SQLiteTaskRowsTest(_TaskRows, codec._Codec, base.TestCase):
    backend = 'sqlite'


class PostgreSQLTaskRowsTest(_TaskRows, codec._Codec, base.TestCase):
    backend = 'postgresql'


class MySQLTaskRowsTest(_TaskRows, codec._Codec, base.TestCase):
    backend = 'mysql'
