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

"""SQLite query plans of list queries (structure only, nothing timed)."""

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from glare.db import models
from glare.db import query as list_query
from glare.services import listing
from glare.tests import base
from glare.tests import sample_artifact

FIELDS = sample_artifact.SampleArtifact.fields
TYPE = 'sample_artifact'


class _Conf:
    default_api_limit = 25
    max_api_limit = 1000


def _spec(params, see_all=True):
    return listing.build_spec(FIELDS, params, TYPE, 'project', see_all,
                              _Conf)


def _queries(spec):
    """The count and page statements run_list runs for spec."""
    return list_query.count_statement(spec), list_query.page_statement(spec)


class SQLitePlanTest(base.TestCase):
    """A fresh in-memory SQLite schema and the plan of a statement on it,
    without ANALYZE statistics, as every fresh SQLite database is."""

    def setUp(self):
        super().setUp()
        self.engine = sa.create_engine('sqlite://')
        models.Base.metadata.create_all(self.engine)
        self.addCleanup(self.engine.dispose)

    def plan(self, statement):
        sql = str(statement.compile(self.engine,
                                    compile_kwargs={'literal_binds': True}))
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql('EXPLAIN QUERY PLAN ' + sql).all()
        return [r[-1] for r in rows]


class TestSQLitePlans(SQLitePlanTest):
    """The list queries use the indexes on a fresh SQLite database."""

    def assert_artifacts_by_id(self, spec):
        for statement in _queries(spec):
            plan = self.plan(statement)
            artifacts = [p for p in plan if ' glare_artifacts ' in p + ' ']
            # one lookup, or one per part of a visibility scope's count
            self.assertTrue(artifacts, plan)
            for lookup in artifacts:
                # the artifacts come from the ids the property index
                # gives, not from a walk over every artifact of the type
                self.assertIn('(id=?)', lookup, plan)
            self.assertTrue(any('glare_artifact_properties' in p or
                                'glare_artifact_tags' in p for p in plan),
                            plan)

    def test_custom_field_eq_filter(self):
        self.assert_artifacts_by_id(_spec([('str1', 'eq:v'),
                                           ('limit', '20')]))

    def test_custom_field_filter_non_admin(self):
        self.assert_artifacts_by_id(_spec([('int1', '5')], see_all=False))

    def test_custom_field_in_filter(self):
        self.assert_artifacts_by_id(_spec([('str1', 'in:a,b')]))

    def test_list_dict_and_tag_filters(self):
        self.assert_artifacts_by_id(_spec([('list_of_str', 'a')]))
        self.assert_artifacts_by_id(_spec([('dict_of_str.k', 'v')]))
        self.assert_artifacts_by_id(_spec([('tags', 'a,b')]))

    def test_name_filter_keeps_the_name_index(self):
        for statement in _queries(_spec([('name', 'n')])):
            self.assertIn('ix_glare_artifact_name_version',
                          ' '.join(self.plan(statement)))


class TestTypeColumnRendering(base.TestCase):

    def where(self, spec, dialect):
        count, _page = _queries(spec)
        return str(count.compile(dialect=dialect))

    def test_sqlite_only_gets_the_unary_plus(self):
        spec = _spec([('str1', 'v')])
        self.assertIn('+glare_artifacts.type_name =',
                      self.where(spec, sqlite.dialect()))
        for dialect in (postgresql.dialect(), mysql.dialect()):
            sql = self.where(spec, dialect)
            self.assertIn('glare_artifacts.type_name =', sql)
            self.assertNotIn('+glare_artifacts', sql)

    def test_no_plus_without_a_narrowing_subquery(self):
        for params in ([], [('name', 'n')], [('str1', 'neq:v')],
                       [('str1', 'like:v%')], [('str1', 'or:v')]):
            self.assertNotIn('+glare_artifacts',
                             self.where(_spec(params), sqlite.dialect()),
                             params)


class TestSharingPlans(SQLitePlanTest):
    """Lists under a visibility scope (sharing) on a fresh SQLite."""

    def _spec(self, params, type_name=TYPE, project='project'):
        return listing.build_spec(FIELDS, params, type_name, project, False,
                                  _Conf)

    def assertNoFullSort(self, plan):
        # a walk in the order's index: at most the ties of created_at
        # are sorted, never every visible row
        self.assertNotIn('USE TEMP B-TREE FOR ORDER BY', plan)

    def test_count_parts_never_scan_the_artifacts(self):
        for params, type_name in (([], TYPE), ([], None),
                                  ([('visibility', 'shared'),
                                    ('member_status', 'pending')], TYPE),
                                  ([('visibility', 'community')], TYPE)):
            plan = self.plan(list_query.count_statement(
                self._spec(params, type_name)))
            self.assertFalse([p for p in plan if p.startswith('SCAN ') and
                              'CONSTANT' not in p], (params, plan))
            self.assertTrue(any('ix_glare_member_member' in p
                                for p in plan), plan)

    def test_default_pages_walk_the_order_index(self):
        for type_name, index in ((TYPE, 'ix_glare_artifact_type_created'),
                                 (None, 'ix_glare_artifact_created')):
            for project in ('project', None):
                plan = self.plan(list_query.page_statement(
                    self._spec([], type_name, project)))
                self.assertIn(index, plan[0], plan)
                self.assertNoFullSort(plan)

    def test_inbox_starts_from_the_owner_and_member_rows(self):
        plan = ' '.join(self.plan(list_query.page_statement(self._spec(
            [('visibility', 'shared'), ('member_status', 'pending')]))))
        self.assertIn('ix_glare_member_member', plan)
        self.assertIn('ix_glare_artifact_owner_type', plan)
        self.assertNotIn('ix_glare_artifact_visibility', plan)
        self.assertNotIn('ix_glare_artifact_type_created', plan)

    def test_anonymous_shared_list_is_empty_by_construction(self):
        spec = self._spec([('visibility', 'shared')], project=None)
        with self.engine.connect() as conn:
            self.assertEqual(0, conn.execute(
                list_query.count_statement(spec)).scalar())
