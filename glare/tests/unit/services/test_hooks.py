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

"""Type hooks around create, update, lifecycle and delete (TYPES.md Hooks).

Requests go through the whole in-process stack (``GlareApp``) with the
``hook_artifact`` test type, whose hooks record every call and can be told
to raise.
"""

import json

import sqlalchemy as sa

from glare import context
from glare.db import api as db_api
from glare.db import artifacts as db_artifacts
from glare import exception
from glare.tests import base
from glare.tests import hook_artifact
from glare.tests.unit.api import app_fixture

TYPE = 'hook_artifact'
BASE = '/artifacts/' + TYPE
PATCH_TYPE = {'Content-Type': 'application/json-patch+json'}


def row_exists(artifact_id):
    with db_api.get_engine().connect() as conn:
        return bool(conn.execute(
            sa.text('SELECT COUNT(*) FROM glare_artifacts WHERE id = :id'),
            {'id': artifact_id}).scalar())


class HookTestBase(base.TestCase):

    def setUp(self):
        super().setUp()
        hook_artifact.reset()
        self.addCleanup(hook_artifact.reset)
        self.app = self.useFixture(app_fixture.GlareApp({
            'custom_artifact_types_modules': ['glare.tests.hook_artifact'],
        }))

    # -- requests ---------------------------------------------------------
    def request(self, method, path, body=None, headers=None):
        data = b'' if body is None else json.dumps(body).encode('utf-8')
        hdrs = dict(headers or {})
        if body is not None and 'Content-Type' not in hdrs:
            hdrs['Content-Type'] = 'application/json'
        resp = self.app.call(method, path, headers=hdrs, body=data)
        doc = json.loads(resp.body) if resp.body else None
        return resp, doc

    def create(self, **values):
        values.setdefault('name', 'hooked')
        resp, doc = self.request('POST', BASE, values)
        self.assertEqual(201, resp.status, resp.body)
        return doc

    def patch(self, artifact_id, ops, expect=200):
        resp, doc = self.request('PATCH', '%s/%s' % (BASE, artifact_id),
                                 ops, headers=PATCH_TYPE)
        self.assertEqual(expect, resp.status, resp.body)
        return doc

    def status(self, artifact_id, status, expect=200):
        return self.patch(artifact_id, [{'op': 'replace', 'path': '/status',
                                         'value': status}], expect)

    def show(self, artifact_id):
        resp, doc = self.request('GET', '%s/%s' % (BASE, artifact_id))
        self.assertEqual(200, resp.status, resp.body)
        return doc

    def assertError(self, resp, doc, code, type_name=None):
        self.assertEqual(code, resp.status, resp.body)
        self.assertEqual('application/json',
                         app_fixture.header(resp, 'Content-Type')
                         .split(';')[0])
        self.assertEqual(code, doc['code'])
        self.assertIn('message', doc['error'])
        if type_name:
            self.assertEqual(type_name, doc['error']['type'])

    @staticmethod
    def calls():
        return hook_artifact.names()

    @staticmethod
    def clear():
        del hook_artifact.CALLS[:], hook_artifact.PATCHES[:]
        del hook_artifact.PROBES[:]


class TestHookCalls(HookTestBase):

    def test_create(self):
        hook_artifact.PROBE = lambda af: row_exists(af.get('id'))
        doc = self.create(name='a1', str1='hello', int1=7)
        self.assertEqual(['pre_create', 'post_create'], self.calls())
        (_n, pre_status, pre), (_n2, post_status, post) = hook_artifact.CALLS
        # pre sees the values (and the id it will get) before the insert
        self.assertEqual('drafted', pre_status)
        self.assertEqual('a1', pre['name'])
        self.assertEqual('hello', pre['str1'])
        self.assertEqual(7, pre['int1'])
        self.assertEqual(doc['id'], pre['id'])
        # post sees the stored artifact
        self.assertEqual('drafted', post_status)
        self.assertEqual(doc['id'], post['id'])
        self.assertEqual('hello', post['str1'])
        self.assertEqual([('pre_create', False), ('post_create', True)],
                         hook_artifact.PROBES)

    def test_update(self):
        doc = self.create(str1='old')
        self.clear()
        ops = [{'op': 'replace', 'path': '/str1', 'value': 'new'}]
        new = self.patch(doc['id'], ops)
        self.assertEqual('new', new['str1'])
        self.assertEqual(['pre_update', 'post_update'], self.calls())
        self.assertEqual([ops], hook_artifact.PATCHES)
        pre = hook_artifact.CALLS[0][2]
        post = hook_artifact.CALLS[1][2]
        self.assertEqual('new', pre['str1'])
        self.assertEqual('new', post['str1'])
        self.assertEqual(doc['id'], post['id'])

    def test_noop_patch_calls_no_hook(self):
        doc = self.create(str1='same')
        self.clear()
        self.patch(doc['id'], [{'op': 'replace', 'path': '/str1',
                                'value': 'same'}])
        self.patch(doc['id'], [])
        self.assertEqual([], self.calls())

    def test_lifecycle(self):
        doc = self.create()
        self.clear()
        self.status(doc['id'], 'active')
        self.assertEqual(['pre_activate', 'post_activate'], self.calls())
        self.assertEqual(['drafted', 'active'],
                         [c[1] for c in hook_artifact.CALLS])

        self.clear()
        self.status(doc['id'], 'deactivated')
        self.assertEqual(['pre_deactivate', 'post_deactivate'],
                         self.calls())
        self.assertEqual(['active', 'deactivated'],
                         [c[1] for c in hook_artifact.CALLS])

        self.clear()
        self.status(doc['id'], 'active')
        self.assertEqual(['pre_reactivate', 'post_reactivate'],
                         self.calls())
        self.assertEqual(['deactivated', 'active'],
                         [c[1] for c in hook_artifact.CALLS])

        self.clear()
        new = self.patch(doc['id'], [{'op': 'replace', 'path': '/visibility',
                                      'value': 'public'}])
        self.assertEqual('public', new['visibility'])
        self.assertEqual(['pre_publish', 'post_publish'], self.calls())
        self.assertEqual('private',
                         hook_artifact.CALLS[0][2]['visibility'])
        self.assertEqual('public', hook_artifact.CALLS[1][2]['visibility'])

    def test_fields_and_activate_in_one_patch(self):
        doc = self.create()
        self.clear()
        self.patch(doc['id'], [
            {'op': 'replace', 'path': '/str1', 'value': 'x'},
            {'op': 'replace', 'path': '/status', 'value': 'active'}])
        self.assertEqual(['pre_update', 'pre_activate', 'post_update',
                          'post_activate'], self.calls())

    def test_post_hooks_see_the_artifact_as_written(self):
        # the typed object of a patch is made once and changed in place:
        # its post-hooks see every field as the database has it
        # (the timestamps of the write included)
        doc = self.create(str1='old')
        self.clear()
        self.patch(doc['id'], [
            {'op': 'replace', 'path': '/str1', 'value': 'new'},
            {'op': 'replace', 'path': '/status', 'value': 'active'}])
        stored = hook_artifact.HookArtifact.from_values(db_artifacts.get(
            context.get_admin_context(),
            {hook_artifact.HookArtifact.get_type_name():
             hook_artifact.HookArtifact.fields}, doc['id'])
        ).to_values()
        posts = [c[2] for c in hook_artifact.CALLS if c[0].startswith(
            'post_')]
        self.assertEqual(2, len(posts))
        for values in posts:
            self.assertEqual(stored, values)
        self.assertEqual('active', stored['status'])
        self.assertIsNotNone(stored['activated_at'])
        pre_update = hook_artifact.CALLS[0][2]
        self.assertEqual('drafted', pre_update['status'])
        self.assertIsNone(pre_update['activated_at'])

    def test_delete(self):
        hook_artifact.PROBE = lambda af: row_exists(af.get('id'))
        doc = self.create()
        self.clear()
        resp, _doc = self.request('DELETE', '%s/%s' % (BASE, doc['id']))
        self.assertEqual(204, resp.status, resp.body)
        self.assertEqual(['pre_delete', 'post_delete'], self.calls())
        self.assertEqual(doc['id'], hook_artifact.CALLS[0][2]['id'])
        self.assertEqual([('pre_delete', True), ('post_delete', False)],
                         hook_artifact.PROBES)


class TestFailingHooks(HookTestBase):
    """A hook's own error is a 4xx JSON error; the request changes nothing."""

    ERRORS = [
        (ValueError('bad value'), 400, 'BadRequest'),
        (RuntimeError('boom'), 400, 'BadRequest'),
        (exception.Forbidden('no way'), 403, 'Forbidden'),
        (exception.Conflict('clash'), 409, 'Conflict'),
    ]

    def test_pre_create(self):
        for exc, code, type_name in self.ERRORS:
            hook_artifact.RAISE['pre_create'] = exc
            resp, doc = self.request('POST', BASE, {'name': 'nope'})
            self.assertError(resp, doc, code, type_name)
            self.assertEqual(0, self.app.count())
            resp, doc = self.request('GET', BASE)
            self.assertEqual([], doc['artifacts'])
        self.assertNotIn('post_create', self.calls())

    def test_pre_update(self):
        af = self.create(str1='old')
        before = self.show(af['id'])
        for exc, code, type_name in self.ERRORS:
            hook_artifact.RAISE['pre_update'] = exc
            resp, doc = self.request(
                'PATCH', '%s/%s' % (BASE, af['id']),
                [{'op': 'replace', 'path': '/str1', 'value': 'new'}],
                headers=PATCH_TYPE)
            self.assertError(resp, doc, code, type_name)
            self.assertEqual(before, self.show(af['id']))
        self.assertNotIn('post_update', self.calls())

    def _transition_fails(self, hook, prepare, ops):
        for exc, code, type_name in self.ERRORS:
            af = self.create(name='%s-%s' % (hook, code) +
                             type(exc).__name__)
            prepare(af['id'])
            before = self.show(af['id'])
            hook_artifact.RAISE[hook] = exc
            resp, doc = self.request('PATCH', '%s/%s' % (BASE, af['id']),
                                     ops, headers=PATCH_TYPE)
            del hook_artifact.RAISE[hook]
            self.assertError(resp, doc, code, type_name)
            self.assertEqual(before, self.show(af['id']))

    def test_pre_activate(self):
        self._transition_fails(
            'pre_activate', lambda i: None,
            [{'op': 'replace', 'path': '/status', 'value': 'active'}])

    def test_pre_deactivate(self):
        self._transition_fails(
            'pre_deactivate', lambda i: self.status(i, 'active'),
            [{'op': 'replace', 'path': '/status', 'value': 'deactivated'}])

    def test_pre_reactivate(self):
        def prepare(i):
            self.status(i, 'active')
            self.status(i, 'deactivated')
        self._transition_fails(
            'pre_reactivate', prepare,
            [{'op': 'replace', 'path': '/status', 'value': 'active'}])

    def test_pre_publish(self):
        self._transition_fails(
            'pre_publish', lambda i: self.status(i, 'active'),
            [{'op': 'replace', 'path': '/visibility', 'value': 'public'}])

    def test_pre_activate_with_field_change(self):
        af = self.create(str1='old')
        before = self.show(af['id'])
        hook_artifact.RAISE['pre_activate'] = ValueError('not ready')
        resp, doc = self.request('PATCH', '%s/%s' % (BASE, af['id']), [
            {'op': 'replace', 'path': '/str1', 'value': 'new'},
            {'op': 'replace', 'path': '/status', 'value': 'active'}],
            headers=PATCH_TYPE)
        self.assertError(resp, doc, 400, 'BadRequest')
        self.assertEqual(before, self.show(af['id']))
        self.assertNotIn('post_update', self.calls())

    def test_pre_delete(self):
        af = self.create()
        for exc, code, type_name in self.ERRORS:
            hook_artifact.RAISE['pre_delete'] = exc
            resp, doc = self.request('DELETE', '%s/%s' % (BASE, af['id']))
            self.assertError(resp, doc, code, type_name)
            self.assertEqual(1, self.app.count())
            self.assertEqual('drafted', self.show(af['id'])['status'])
        self.assertNotIn('post_delete', self.calls())

    def test_post_hooks_fail_as_4xx(self):
        # a post hook runs after the write; its failure is still the
        # caller's 4xx JSON error, never a 500
        for hook, do in [
                ('post_create',
                 lambda: self.request('POST', BASE, {'name': 'pc'})),
                ('post_update',
                 lambda: self.request(
                     'PATCH', '%s/%s' % (BASE, self.af['id']),
                     [{'op': 'replace', 'path': '/str1', 'value': 'z'}],
                     headers=PATCH_TYPE)),
                ('post_activate',
                 lambda: self.request(
                     'PATCH', '%s/%s' % (BASE, self.af['id']),
                     [{'op': 'replace', 'path': '/status',
                       'value': 'active'}], headers=PATCH_TYPE)),
                ('post_delete',
                 lambda: self.request('DELETE',
                                      '%s/%s' % (BASE, self.af['id'])))]:
            self.af = self.create(name='base-' + hook)
            hook_artifact.RAISE[hook] = RuntimeError('late')
            resp, doc = do()
            del hook_artifact.RAISE[hook]
            self.assertError(resp, doc, 400, 'BadRequest')
