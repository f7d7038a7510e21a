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

"""Stars and reviews rows (API 1.6) and the artifact row's counters of
them (glare.db.reviews): the counters always what the rows say, one star
and one review per user, the visibility of GET /stars in SQL, pages, and
the rows gone with the artifact. On SQLite, and on PostgreSQL and MySQL
when reachable."""

import datetime

import sqlalchemy as sa

from glare.db import artifacts as db_artifacts
from glare.db import members as db_members
from glare.db import models
from glare.db import query as list_query
from glare.db import reviews as db
from glare.tests import base
from glare.tests.unit.db import test_artifacts_codec as codec

STARS = models.ArtifactStar.__table__
REVIEWS = models.ArtifactReview.__table__
T0 = datetime.datetime(2026, 3, 1, 12, 0, 0)


def _at(seconds):
    return T0 + datetime.timedelta(seconds=seconds)


class _ReviewRows:

    def signals(self, artifact_id):
        read = self.get(artifact_id)
        return read['star_count'], read['rating']

    def add(self, artifact_id, user, rating, at=0, hidden=False):
        review = {'id': '%s-%s' % (artifact_id[:8], user),
                  'artifact_id': artifact_id, 'user_id': user,
                  'project_id': 'p-' + user, 'rating': rating,
                  'comment': None, 'hidden': hidden, 'created_at': _at(at),
                  'updated_at': _at(at)}
        return db.add_review(self.context, review)

    def count(self, table, artifact_id):
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(
                table).where(table.c.artifact_id == artifact_id)).scalar()

    # -- stars -------------------------------------------------------------
    def test_stars_are_counted_once_per_user(self):
        artifact_id = self.create()['id']
        self.assertEqual((0, {'average': None, 'count': 0}),
                         self.signals(artifact_id))
        self.assertTrue(db.star(self.context, artifact_id, 'u1', T0))
        self.assertFalse(db.star(self.context, artifact_id, 'u1', T0))
        self.assertTrue(db.star(self.context, artifact_id, 'u2', T0))
        self.assertEqual(2, self.signals(artifact_id)[0])
        self.assertTrue(db.unstar(self.context, artifact_id, 'u1'))
        self.assertFalse(db.unstar(self.context, artifact_id, 'u1'))
        self.assertEqual(1, self.signals(artifact_id)[0])
        self.assertEqual(1, self.count(STARS, artifact_id))
        # a star is no write to the artifact: its revision stays
        self.assertEqual(0, self.get(artifact_id)['revision'])

    def test_no_star_or_review_on_a_deleted_or_missing_artifact(self):
        deleted = self.create(status='deleted')['id']
        for artifact_id in (deleted, 'no-such-artifact'):
            for call, args in ((db.star, (self.context, artifact_id, 'u',
                                          T0)),
                               (db.unstar, (self.context, artifact_id, 'u')),
                               (self.add, (artifact_id, 'u', 3))):
                exc = self.assertRaises(db.Refused, call, *args)
                self.assertEqual('gone', exc.reason)
        self.assertEqual(0, self.count(STARS, deleted))

    def test_starred_lists_only_what_the_project_may_read(self):
        own = self.create()['id']
        public = self.create(owner='p9', visibility='public')['id']
        community = self.create(owner='p9', visibility='community')['id']
        private = self.create(owner='p9')['id']
        shared = self.create(owner='p9', visibility='shared')['id']
        other_shared = self.create(owner='p9', visibility='shared')['id']
        gone = self.create(status='deleted')['id']
        with self.engine.begin() as conn:
            conn.execute(db_members.MEMBERS.insert().values(
                artifact_id=shared, member='p1', status='pending',
                created_at=T0, updated_at=T0))
        order = [own, public, community, private, shared, other_shared]
        # a user of its own: the class's database has other tests' stars
        user = 'u-' + own[:8]
        for i, artifact_id in enumerate(order):
            db.star(self.context, artifact_id, user, _at(i))
        with self.engine.begin() as conn:
            conn.execute(STARS.insert().values(artifact_id=gone,
                                               user_id=user, created_at=T0))

        def ids(project, see_all=False, limit=50, marker=None):
            return [i for i, _at in db.starred(self.context, user, project,
                                                see_all, limit, marker)]
        self.assertEqual([shared, community, public, own], ids('p1'))
        self.assertEqual([community, public], ids(None))
        self.assertEqual(order[::-1], ids('p1', see_all=True))
        # pages: newest first, after the marker's star
        self.assertEqual([shared, community], ids('p1', limit=2))
        self.assertEqual([public, own], ids('p1', limit=2,
                                            marker=community))
        exc = self.assertRaises(db.Refused, ids, 'p1', marker='nope')
        self.assertEqual('missing', exc.reason)

    # -- reviews -----------------------------------------------------------
    def test_rating_follows_the_visible_reviews(self):
        artifact_id = self.create()['id']
        first = self.add(artifact_id, 'u1', 5)
        self.add(artifact_id, 'u2', 2, at=1)
        self.assertEqual({'average': 3.5, 'count': 2},
                         self.signals(artifact_id)[1])
        exc = self.assertRaises(db.Refused, self.add, artifact_id, 'u1', 1,
                                2)
        self.assertEqual('duplicate', exc.reason)
        before, after = db.update_review(self.context, artifact_id,
                                         first['id'], {'rating': 4})
        self.assertEqual((5, 4), (before['rating'], after['rating']))
        self.assertEqual({'average': 3.0, 'count': 2},
                         self.signals(artifact_id)[1])
        db.update_review(self.context, artifact_id, first['id'],
                         {'hidden': True})
        self.assertEqual({'average': 2.0, 'count': 1},
                         self.signals(artifact_id)[1])
        # a hidden review's rating changes nothing
        db.update_review(self.context, artifact_id, first['id'],
                         {'rating': 1})
        self.assertEqual({'average': 2.0, 'count': 1},
                         self.signals(artifact_id)[1])
        db.update_review(self.context, artifact_id, first['id'],
                         {'hidden': False})
        self.assertEqual({'average': 1.5, 'count': 2},
                         self.signals(artifact_id)[1])
        db.delete_review(self.context, artifact_id, first['id'])
        db.delete_review(self.context, artifact_id,
                         '%s-u2' % artifact_id[:8])
        self.assertEqual({'average': None, 'count': 0},
                         self.signals(artifact_id)[1])
        for call in (lambda: db.delete_review(self.context, artifact_id,
                                              first['id']),
                     lambda: db.update_review(self.context, artifact_id,
                                              first['id'], {'rating': 2}),
                     lambda: db.get_review(self.context, artifact_id,
                                           first['id'])):
            self.assertEqual('missing',
                             self.assertRaises(db.Refused, call).reason)

    def test_review_of_another_artifact_is_missing(self):
        one, two = self.create()['id'], self.create()['id']
        review = self.add(one, 'u1', 3)
        for call in (lambda: db.get_review(self.context, two, review['id']),
                     lambda: db.delete_review(self.context, two,
                                              review['id'])):
            self.assertEqual('missing',
                             self.assertRaises(db.Refused, call).reason)
        self.assertEqual({'average': 3.0, 'count': 1},
                         self.signals(one)[1])

    def test_list_newest_first_with_hidden_ones_for_some(self):
        artifact_id = self.create()['id']
        for i, user in enumerate(('u1', 'u2', 'u3', 'u4')):
            self.add(artifact_id, user, 3, at=i, hidden=user == 'u2')

        def users(limit=10, marker=None, hidden_for=None):
            return [r['user_id'] for r in db.list_reviews(
                self.context, artifact_id, limit, marker, hidden_for)]
        self.assertEqual(['u4', 'u3', 'u1'], users())
        self.assertEqual(['u4', 'u3', 'u2', 'u1'], users(hidden_for=True))
        self.assertEqual(['u4', 'u3', 'u2', 'u1'], users(hidden_for='u2'))
        self.assertEqual(['u4', 'u3', 'u1'], users(hidden_for='u3'))
        marker = '%s-u3' % artifact_id[:8]
        self.assertEqual(['u1'], users(marker=marker))
        self.assertEqual(['u2'], users(limit=1, marker=marker,
                                       hidden_for=True))
        # a hidden review is no marker of a list that does not show it
        exc = self.assertRaises(db.Refused, users,
                                marker='%s-u2' % artifact_id[:8])
        self.assertEqual('missing', exc.reason)
        self.assertEqual({'average': 3.0, 'count': 3},
                         self.signals(artifact_id)[1])

    def test_rows_go_with_the_artifact(self):
        artifact_id = self.create()['id']
        db.star(self.context, artifact_id, 'u1', T0)
        self.add(artifact_id, 'u1', 4)
        db_artifacts.delete(self.context, artifact_id)
        self.assertEqual((0, 0), (self.count(STARS, artifact_id),
                                  self.count(REVIEWS, artifact_id)))

    def test_lists_sort_and_filter_on_the_counters(self):
        ids = [self.create(owner='p-sort')['id'] for _ in range(3)]
        for n, artifact_id in enumerate(ids):
            for u in range(n):
                db.star(self.context, artifact_id, 'u%d' % u, T0)
        self.add(ids[0], 'u1', 5)
        self.add(ids[1], 'u1', 2)

        def listed(sorts, filters=()):
            spec = list_query.ListSpec(
                type_name=codec.TYPE, project_id='p-sort', see_all=False,
                filters=[list_query.Filter('owner', 'eq', 'p-sort')] +
                list(filters), sorts=sorts, limit=10)
            rows, total = db_artifacts.list_artifacts(
                self.context, {codec.TYPE: codec.FIELDS}, spec)
            return [r['id'] for r in rows]
        self.assertEqual(ids[::-1], listed(
            [list_query.Sort('star_count', 'desc')]))
        self.assertEqual([ids[0], ids[1], ids[2]], listed(
            [list_query.Sort('rating', 'desc')]))
        self.assertEqual([ids[2], ids[1], ids[0]], listed(
            [list_query.Sort('rating', 'asc')]))
        self.assertEqual([ids[2]], listed(
            [], [list_query.Filter('star_count', 'gt', 1)]))
        self.assertEqual([ids[0]], listed(
            [], [list_query.Filter('rating', 'gte', 3.0)]))

    def test_a_page_costs_the_same_queries_with_signals(self):
        ids = [self.create(owner='p-n1')['id'] for _ in range(8)]
        spec = list_query.ListSpec(
            type_name=codec.TYPE, project_id='p-n1', see_all=False,
            filters=[list_query.Filter('owner', 'eq', 'p-n1')], sorts=[],
            limit=10)

        def statements():
            seen = []

            def count(*_args):
                seen.append(1)
            sa.event.listen(self.engine, 'before_cursor_execute', count)
            try:
                rows, _total = db_artifacts.list_artifacts(
                    self.context, {codec.TYPE: codec.FIELDS}, spec)
            finally:
                sa.event.remove(self.engine, 'before_cursor_execute', count)
            return len(rows), len(seen)
        plain = statements()
        for artifact_id in ids:
            db.star(self.context, artifact_id, 'u1', T0)
            self.add(artifact_id, 'u1', 4)
        self.assertEqual(plain, statements())


class SQLiteReviewRowsTest(_ReviewRows, codec._Codec, base.TestCase):
    backend = 'sqlite'


class PostgreSQLReviewRowsTest(_ReviewRows, codec._Codec, base.TestCase):
    backend = 'postgresql'


class MySQLReviewRowsTest(_ReviewRows, codec._Codec, base.TestCase):
    backend = 'mysql'
