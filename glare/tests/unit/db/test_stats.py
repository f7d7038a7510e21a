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

"""Download statistics rows (API 1.6): flushes add to per-day rows and
the artifact's total, read back with the artifact. On SQLite, and on
PostgreSQL and MySQL when reachable."""

import datetime
import threading

import sqlalchemy as sa

from glare.db import models
from glare.db import stats as stats_db
from glare.tests import base
from glare.tests.unit.db import test_artifacts_codec as codec

DAYS = models.ArtifactDownloads.__table__


def _today():
    return datetime.datetime.now(datetime.timezone.utc).date()


def _ago(days):
    return _today() - datetime.timedelta(days=days)


class _Stats:

    def day_rows(self, artifact_id):
        with self.engine.connect() as conn:
            return {r.day: r.count for r in conn.execute(sa.select(
                DAYS).where(DAYS.c.artifact_id == artifact_id)).all()}

    def test_a_new_artifact_has_none(self):
        artifact_id = self.create()['id']
        self.assertEqual({'total': 0, 'last_30_days': 0},
                         self.get(artifact_id)['downloads'])

    def test_flushes_add_up_per_day(self):
        a, b = self.create()['id'], self.create()['id']
        written = stats_db.add_downloads(self.context, {
            (a, _today()): 3, (a, _ago(1)): 2, (b, _today()): 1})
        self.assertEqual(6, written)
        stats_db.add_downloads(self.context, {(a, _today()): 4})
        self.assertEqual({_today(): 7, _ago(1): 2}, self.day_rows(a))
        self.assertEqual({'total': 9, 'last_30_days': 9},
                         self.get(a)['downloads'])
        self.assertEqual({'total': 1, 'last_30_days': 1},
                         self.get(b)['downloads'])

    def test_last_30_days_is_today_and_the_29_before(self):
        a = self.create()['id']
        stats_db.add_downloads(self.context, {
            (a, _ago(29)): 5, (a, _ago(30)): 100, (a, _ago(400)): 1000})
        self.assertEqual({'total': 1105, 'last_30_days': 5},
                         self.get(a)['downloads'])

    def statements_of_get(self, artifact_id):
        seen = []

        def record(conn, cursor, statement, *args):
            seen.append(statement)
        sa.event.listen(self.engine, 'before_cursor_execute', record)
        try:
            value = self.get(artifact_id)['downloads']
        finally:
            sa.event.remove(self.engine, 'before_cursor_execute', record)
        return value, [s for s in seen if 'glare_artifact_downloads' in s]

    def test_counted_today_is_read_from_the_row(self):
        a = self.create()['id']
        stats_db.add_downloads(self.context, {(a, _today()): 3,
                                              (a, _ago(3)): 4,
                                              (a, _ago(40)): 5})
        value, queries = self.statements_of_get(a)
        self.assertEqual({'total': 12, 'last_30_days': 7}, value)
        self.assertEqual([], queries)

    def test_not_counted_today_is_summed_again(self):
        a = self.create()['id']
        stats_db.add_downloads(self.context, {(a, _ago(29)): 2,
                                              (a, _ago(1)): 1})
        # as a row last refreshed 5 days ago finds it: its value then is
        # no longer the last 30 days'
        with self.engine.begin() as conn:
            conn.execute(stats_db.ARTIFACTS.update().where(
                stats_db.ARTIFACTS.c.id == a).values(
                downloads_recent=99, downloads_recent_day=_ago(5)))
        value, queries = self.statements_of_get(a)
        self.assertEqual({'total': 3, 'last_30_days': 3}, value)
        self.assertEqual(1, len(queries))
        # no downloads at all: no query either
        b = self.create()['id']
        self.assertEqual(({'total': 0, 'last_30_days': 0}, []),
                         self.statements_of_get(b))

    def test_counts_of_artifacts_gone_are_dropped(self):
        a = self.create()['id']
        written = stats_db.add_downloads(self.context, {
            (a, _today()): 2, ('0' * 36, _today()): 5})
        self.assertEqual(2, written)
        self.assertEqual({_today(): 2}, self.day_rows(a))
        self.assertEqual(0, stats_db.add_downloads(
            self.context, {('0' * 36, _today()): 1}))

    def test_big_counts(self):
        a = self.create()['id']
        stats_db.add_downloads(self.context, {(a, _today()): 2 ** 40})
        stats_db.add_downloads(self.context, {(a, _today()): 2 ** 40})
        self.assertEqual(2 ** 41, self.get(a)['downloads']['total'])

    def test_concurrent_flushes_lose_nothing(self):
        ids = sorted(self.create()['id'] for _i in range(3))
        errors = []

        def flush():
            try:
                for _round in range(10):
                    stats_db.add_downloads(self.context, {
                        (i, _today()): 1 for i in ids})
            except Exception as exc:  # reported below
                errors.append(exc)
        threads = [threading.Thread(target=flush) for _i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual([], errors)
        for i in ids:
            self.assertEqual({_today(): 40}, self.day_rows(i))
            self.assertEqual(40, self.get(i)['downloads']['total'])

    def test_deleting_the_artifact_takes_its_rows(self):
        a = self.create()['id']
        stats_db.add_downloads(self.context, {(a, _today()): 1})
        with self.engine.begin() as conn:
            conn.execute(stats_db.ARTIFACTS.delete().where(
                stats_db.ARTIFACTS.c.id == a))
        self.assertEqual({}, self.day_rows(a))


class SQLiteStatsTest(_Stats, codec._Codec, base.TestCase):
    backend = 'sqlite'


class PostgreSQLStatsTest(_Stats, codec._Codec, base.TestCase):
    backend = 'postgresql'


class MySQLStatsTest(_Stats, codec._Codec, base.TestCase):
    backend = 'mysql'
