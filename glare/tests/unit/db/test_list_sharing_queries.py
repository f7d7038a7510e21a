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

"""Lists under sharing decide visibility and membership in their own query.

Requests go through the whole in-process stack (``GlareApp``: middleware,
policy, services, a real database) and every SQL statement they run is
recorded by an SQLAlchemy ``before_cursor_execute`` listener on the
service's engine. A list runs the same statements whatever its page size,
however many artifacts are shared with the caller and on whichever page it
is: the membership is a condition of the list query (and of its count and
marker look-up), never a query of its own, a query per artifact or a
filter applied after the page was read. On SQLite the plan of each of
those statements looks members up in ix_glare_member_member, as a fresh
database without ANALYZE statistics plans it (test_query_plan.py checks
the other list plans the same way).
"""

import json
import re

import sqlalchemy as sa

from glare.db import api as db_api
from glare.tests import base
from glare.tests.fixtures import db_fixtures
from glare.tests.unit.api import app_fixture

TYPE = 'sample_artifact'
BASE = '/artifacts/' + TYPE
MEMBERS = 'glare_artifact_members'
PATCH_TYPE = 'application/json-patch+json'
OWNER, MEMBER, OTHER, ADMIN = 'proj-owner', 'proj-member', 'proj-other', \
    'proj-admin'
#: the lists of the member (and of nobody): query parameters, path, who
CASES = {
    'default': ({}, BASE, MEMBER),
    'inbox': ({'visibility': 'shared', 'member_status': 'pending'}, BASE,
              MEMBER),
    'every status': ({'member_status': 'all'}, BASE, MEMBER),
    'community': ({'visibility': 'community'}, BASE, MEMBER),
    'all types': ({}, '/artifacts/all', MEMBER),
    'anonymous': ({}, BASE, None),
}


def token(project, role='member'):
    return {'X-Auth-Token': 'u-%s:%s:%s' % (project, project, role)}


ANONYMOUS = {'X-Identity-Status': 'Invalid'}


def _query(params):
    return '&'.join('%s=%s' % kv for kv in params.items())


class _Recorder:
    """The statements the engine runs while it is on."""

    def __init__(self, engine):
        self.engine = engine
        self.on = False
        self.statements = []
        sa.event.listen(engine, 'before_cursor_execute', self._record)

    def remove(self):
        sa.event.remove(self.engine, 'before_cursor_execute', self._record)

    def _record(self, conn, cursor, statement, parameters, context,
                executemany):
        if self.on:
            self.statements.append((statement, parameters))

    def __enter__(self):
        self.statements = []
        self.on = True
        return self

    def __exit__(self, *exc):
        self.on = False

    @property
    def selects(self):
        return [(s, p) for s, p in self.statements
                if s.lstrip().upper().startswith(('SELECT', 'WITH'))]


def _tables(statement):
    return set(re.findall(r'\bglare_\w+', statement))


class SharingListStatementsMixin:
    """The data: artifacts of every visibility, shared with MEMBER in
    every status, and member rows that grant nothing."""

    BACKEND = 'sqlite'

    def setUp(self):
        super().setUp()
        overrides = {'allow_anonymous_access': True}
        if self.BACKEND != 'sqlite':
            db_fixtures.skip_unless_reachable(self, self.BACKEND)
            db = self.useFixture(db_fixtures.Database(self.BACKEND,
                                                      prefix='glare_lsq_'))
            overrides['database.connection'] = db.url
        self.app = self.useFixture(app_fixture.GlareApp(overrides))
        self.expected = {key: set() for key in CASES}
        self._populate()
        self.recorder = _Recorder(db_api.get_engine())
        self.addCleanup(self.recorder.remove)

    # -- requests ---------------------------------------------------------
    def call(self, method, path, headers, body=None, query='',
             content_type='application/json', expect=None):
        hdrs = dict(headers)
        data = b''
        if body is not None:
            data = json.dumps(body).encode('utf-8')
            hdrs['Content-Type'] = content_type
        resp = self.app.call(method, path, query=query, headers=hdrs,
                             body=data)
        if expect is not None:
            self.assertEqual(expect, resp.status, resp.body)
        return json.loads(resp.body) if resp.body else None

    def create(self, project, name):
        return self.call('POST', BASE, token(project),
                         {'name': name, 'version': '1.0',
                          'tags': ['t1', 't2'], 'str1': name,
                          'dict_of_str': {'k': name},
                          'string_required': 'x'},
                         expect=201)['id']

    def patch(self, project, artifact_id, path, value, role='member'):
        self.call('PATCH', '%s/%s' % (BASE, artifact_id),
                  token(project, role),
                  [{'op': 'replace', 'path': path, 'value': value}],
                  content_type=PATCH_TYPE, expect=200)

    def share(self, owner, artifact_id, member, status):
        url = '%s/%s/members' % (BASE, artifact_id)
        self.call('POST', url, token(owner), {'member': member}, expect=201)
        if status != 'pending':
            self.call('PUT', '%s/%s' % (url, member), token(member),
                      {'status': status}, expect=200)

    def _new(self, project, name, visibility='private', keys=()):
        artifact_id = self.create(project, name)
        if visibility in ('community', 'public'):
            self.patch(project, artifact_id, '/status', 'active')
        if visibility == 'public':
            self.patch(ADMIN, artifact_id, '/visibility', 'public',
                       role='admin')
        elif visibility != 'private':
            self.patch(project, artifact_id, '/visibility', visibility)
        for key in keys:
            self.expected[key].add(artifact_id)
        return artifact_id

    def _populate(self):
        everyone = ('default', 'every status', 'all types', 'anonymous')
        for n in range(3):
            self._new(OTHER, 'pub-%d' % n, 'public', everyone)
        for n in range(2):
            self._new(OWNER, 'comm-%d' % n, 'community', ('community',))
        self._new(MEMBER, 'own-comm', 'community',
                  ('default', 'every status', 'all types', 'community'))
        for n in range(2):
            self._new(MEMBER, 'own-priv-%d' % n, 'private',
                      ('default', 'every status', 'all types'))
        self._new(MEMBER, 'own-shared', 'shared',
                  ('default', 'every status', 'all types', 'inbox'))
        statuses = ['accepted'] * 3 + ['pending'] * 3 + ['rejected'] * 2
        for n, status in enumerate(statuses):
            keys = {'accepted': ('default', 'all types'),
                    'pending': ('inbox',), 'rejected': ()}[status]
            artifact_id = self._new(OWNER, 'shared-%d' % n, 'shared',
                                    keys + ('every status',))
            self.share(OWNER, artifact_id, MEMBER, status)
        # shared with another project only
        for n in range(2):
            self.share(OTHER, self._new(OTHER, 'theirs-%d' % n, 'shared'),
                       OWNER, 'accepted')
        # shared once, then private again: the member row grants nothing
        gone = self._new(OWNER, 'unshared', 'shared')
        self.share(OWNER, gone, MEMBER, 'accepted')
        self.patch(OWNER, gone, '/visibility', 'private')
        # noise: private artifacts of the owner
        for n in range(3):
            self._new(OWNER, 'priv-%d' % n)

    # -- a list, recorded -------------------------------------------------
    def list_page(self, key, limit, marker=None):
        params, path, project = CASES[key]
        params = dict(params, limit=limit)
        if marker:
            params['marker'] = marker
        headers = token(project) if project else ANONYMOUS
        with self.recorder as rec:
            body = self.call('GET', path, headers, query=_query(params),
                             expect=200)
        return body, rec.selects

    def walk(self, key, limit):
        """Every page (by marker, as next gives it): the ids, and the
        statements of each page that listed something."""
        ids, statements, marker = [], [], None
        while True:
            body, selects = self.list_page(key, limit, marker)
            if body['artifacts']:
                statements.append(selects)
            self.assertEqual(len(self.expected[key]), body['total_count'],
                             key)
            page = [a['id'] for a in body['artifacts']]
            ids += page
            if 'next' not in body:
                # the page is full whenever the list goes on: nothing was
                # dropped from it after it was read
                self.assertLess(len(page), limit, key)
                return ids, statements
            self.assertEqual(limit, len(page), key)
            marker = page[-1]
            self.assertIn('marker=' + marker, body['next'])

    # -- tests -------------------------------------------------------------
    def test_each_list_is_complete_and_exact(self):
        for key in CASES:
            for limit in (1, 4, 100):
                ids, _statements = self.walk(key, limit)
                self.assertEqual(len(ids), len(set(ids)), (key, limit))
                self.assertEqual(self.expected[key], set(ids), (key, limit))

    def test_statements_do_not_depend_on_the_page_size(self):
        for key in CASES:
            counts = {}
            for limit in (1, 2, 5, 25):
                _body, selects = self.list_page(key, limit)
                counts[limit] = len(selects)
            self.assertEqual(1, len(set(counts.values())), (key, counts))

    def test_statements_do_not_depend_on_the_page(self):
        # a page after a marker adds the marker's look-up, once (an empty
        # page has nothing to load: fewer statements, not compared)
        for key in CASES:
            if len(self.expected[key]) < 4:
                continue
            _ids, statements = self.walk(key, 1)
            counts = [len(s) for s in statements]
            self.assertEqual(1, len(set(counts[1:])), (key, counts))
            self.assertEqual(counts[0] + 1, counts[1], (key, counts))

    def test_membership_is_decided_inside_the_list_query(self):
        for key in ('default', 'inbox', 'every status', 'all types'):
            _body, selects = self.list_page(key, 25, None)
            with_members = [s for s, _p in selects if MEMBERS in s]
            # the count and the page, each deciding it in its WHERE
            self.assertEqual(2, len(with_members), (key, with_members))
            for statement in with_members:
                self.assertIn('glare_artifacts', _tables(statement) -
                              {MEMBERS}, statement)
            # nothing else reads the members: no query per artifact, no
            # list of the caller's memberships fetched first
            others = [s for s, _p in selects if MEMBERS not in s]
            for statement in others:
                self.assertNotIn('member', statement.lower(), statement)

    def test_more_shared_artifacts_same_statements(self):
        before = {}
        for key in ('default', 'inbox', 'every status'):
            before[key] = len(self.list_page(key, 5)[1])
        for n in range(6):
            artifact_id = self._new(OWNER, 'more-%d' % n, 'shared',
                                    ('every status',))
            self.share(OWNER, artifact_id, MEMBER, ('accepted', 'pending',
                                                    'rejected')[n % 3])
        for key, count in before.items():
            self.assertEqual(count, len(self.list_page(key, 5)[1]), key)

    def test_community_list_reads_members_only_inside_the_list_query(self):
        _body, selects = self.list_page('community', 25)
        with_members = [s for s, _p in selects if MEMBERS in s]
        self.assertLessEqual(len(with_members), 2, with_members)
        for statement in with_members:
            self.assertIn('glare_artifacts', _tables(statement) - {MEMBERS},
                          statement)

    def test_anonymous_list_never_reads_members(self):
        _body, selects = self.list_page('anonymous', 25)
        self.assertTrue(selects)
        self.assertFalse([s for s, _p in selects if MEMBERS in s])


class TestSharingListStatementsSqlite(SharingListStatementsMixin,
                                      base.TestCase):

    def plans(self, key):
        """EXPLAIN QUERY PLAN of each recorded statement that reads the
        members, with the parameters it ran with."""
        first, selects = self.list_page(key, 2)
        self.assertTrue(first['artifacts'], key)
        _body, marker_selects = self.list_page(
            key, 2, first['artifacts'][-1]['id'])
        out = []
        engine = db_api.get_engine()
        with engine.connect() as conn:
            for statement, params in selects + marker_selects:
                if MEMBERS not in statement:
                    continue
                rows = conn.exec_driver_sql(
                    'EXPLAIN QUERY PLAN ' + statement, params).all()
                out.append((statement, [r[-1] for r in rows]))
        return out

    def test_member_lookup_uses_its_index(self):
        for key in ('default', 'inbox', 'every status', 'all types'):
            plans = self.plans(key)
            self.assertTrue(plans, key)
            for statement, plan in plans:
                text = '\n'.join(plan)
                self.assertIn('ix_glare_member_member', text,
                              (key, statement, plan))
                aliases = {MEMBERS} | set(re.findall(
                    MEMBERS + r'(?: AS)? (\w+)', statement))
                for line in plan:
                    words = line.split()
                    # a SCAN of the members table reads all of it
                    self.assertFalse(
                        words[:1] == ['SCAN'] and len(words) > 1 and
                        words[1] in aliases, (key, line, plan))


class TestSharingListStatementsPostgresql(SharingListStatementsMixin,
                                          base.TestCase):
    BACKEND = 'postgresql'


class TestSharingListStatementsMysql(SharingListStatementsMixin,
                                     base.TestCase):
    BACKEND = 'mysql'
