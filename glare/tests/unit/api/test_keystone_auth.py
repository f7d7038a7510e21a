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

"""The keystone auth strategy without a Keystone (SPEC §2, §3).

keystonemiddleware's auth_token is really in the stack; no request here
carries a token, so it never has to reach an identity server. Validating
real tokens is left to a suite against a real Keystone.
"""

import json


from glare import context as glare_context
from glare import exception
from glare import policy
from glare.tests import base
from glare.tests.unit.api import app_fixture

URI = 'http://127.0.0.1:5000/v3'
TYPE = 'sample_artifact'
KEYSTONE_CONF = """
[api]
auth_strategy = keystone
[keystone_authtoken]
www_authenticate_uri = %s
""" % URI


def keystone_app(test, extra='', config_text=None, overrides=None):
    return test.useFixture(app_fixture.GlareApp(
        overrides=overrides,
        config_text=(KEYSTONE_CONF if config_text is None
                     else config_text) + extra))


def _json(resp):
    return json.loads(resp.body)


class KeystoneAssertions:

    def assertUnauthorized(self, resp):
        self.assertEqual(401, resp.status, resp.body)
        self.assertEqual('application/json', app_fixture.header(
            resp, 'Content-Type').split(';')[0])
        doc = _json(resp)
        self.assertEqual(401, doc['code'])
        self.assertEqual('Unauthorized', doc['error']['type'])
        self.assertTrue(doc['error']['message'])
        self.assertNotIn(b'<html', resp.body.lower())
        self.assertIn(URI, app_fixture.header(resp, 'WWW-Authenticate'))
        self.assertTrue(app_fixture.header(resp, 'x-openstack-request-id'))


class TestKeystoneWithoutToken(KeystoneAssertions, base.TestCase):

    def setUp(self):
        super().setUp()
        self.app = keystone_app(self)

    def test_api_requires_token(self):
        for method, path, body in [
                ('GET', '/artifacts/' + TYPE, b''),
                ('GET', '/artifacts/all', b''),
                ('GET', '/schemas', b''),
                ('GET', '/quotas', b''),
                ('POST', '/artifacts/' + TYPE, b'{"name": "x"}'),
                ('DELETE', '/artifacts/%s/%s' % (
                    TYPE, '0b6b0ea5-1c7e-4c6e-a7b3-7b2d5f1a9c3e'), b'')]:
            headers = {'Content-Type': 'application/json'} if body else {}
            resp = self.app.call(method, path, headers=headers, body=body)
            self.assertUnauthorized(resp)
        self.assertEqual(0, self.app.count())

    def test_rejected_request_logs_under_its_own_request_id(self):
        # a context left by an earlier request in this thread would stamp
        # what auth_token logs about this one
        from oslo_context import context as oslo_context
        oslo_context.RequestContext(request_id='req-earlier', user_id='u1',
                                    overwrite=True)
        resp = self.app.call('GET', '/artifacts/' + TYPE)
        self.assertUnauthorized(resp)
        current = oslo_context.get_current()
        self.assertEqual(app_fixture.header(resp, 'x-openstack-request-id'),
                         current.request_id)
        self.assertIsNone(current.user_id)

    def test_identity_headers_are_not_trusted(self):
        # what noauth believes, keystone does not: auth_token strips them
        resp = self.app.call('GET', '/artifacts/' + TYPE, headers={
            'X-Identity-Status': 'Confirmed', 'X-User-Id': 'u',
            'X-Project-Id': 'p', 'X-Roles': 'admin'})
        self.assertUnauthorized(resp)

    def test_public_paths_answer_without_token(self):
        for path in ('/', '/versions'):
            resp = self.app.call('GET', path)
            self.assertEqual(300, resp.status, resp.body)
            self.assertIn('versions', _json(resp))
        resp = self.app.call('GET', '/healthcheck')
        self.assertEqual(200, resp.status, resp.body)


class TestKeystoneConfiguration(KeystoneAssertions, base.TestCase):

    def test_missing_www_authenticate_uri(self):
        fixture = app_fixture.GlareApp(config_text='[api]\n'
                                       'auth_strategy = keystone\n')
        err = self.assertRaises(exception.ConfigurationError,
                                self._setup_raising, fixture)
        self.assertIn('www_authenticate_uri', str(err))

    @staticmethod
    def _setup_raising(fixture):
        # the fixture cleans up after a failed setUp; surface the cause
        try:
            fixture.setUp()
        except Exception as exc:
            inner = exc
            while getattr(inner, 'args', None) and isinstance(
                    inner.args[0], tuple) and len(inner.args[0]) == 3:
                inner = inner.args[0][1]  # fixtures.MultipleExceptions
            raise inner from exc
        else:
            fixture.cleanUp()

    def test_paste_deploy_flavor_selects_keystone(self):
        app = keystone_app(self, config_text=(
            '[paste_deploy]\nflavor = keystone\n'
            '[keystone_authtoken]\nwww_authenticate_uri = %s\n' % URI))
        self.assertUnauthorized(app.call('GET', '/artifacts/' + TYPE))

    def test_paste_deploy_flavor_without_uri_fails(self):
        fixture = app_fixture.GlareApp(
            config_text='[paste_deploy]\nflavor = keystone\n')
        err = self.assertRaises(exception.ConfigurationError,
                                self._setup_raising, fixture)
        self.assertIn('www_authenticate_uri', str(err))

    def test_explicit_auth_strategy_wins_over_flavor(self):
        app = self.useFixture(app_fixture.GlareApp(config_text=(
            '[api]\nauth_strategy = noauth\n'
            '[paste_deploy]\nflavor = keystone\n')))
        resp = app.call('GET', '/artifacts/' + TYPE)
        self.assertEqual(200, resp.status, resp.body)

    def test_noauth_flavor(self):
        app = self.useFixture(app_fixture.GlareApp(
            config_text='[paste_deploy]\nflavor = noauth\n'))
        resp = app.call('GET', '/artifacts/' + TYPE)
        self.assertEqual(200, resp.status, resp.body)


class TestAnonymousAccess(base.TestCase):

    def setUp(self):
        super().setUp()
        self.app = keystone_app(
            self, extra='[DEFAULT]\nallow_anonymous_access = True\n')
        self.public_id, self.private_id = self._seed()

    def _seed(self):
        """Seed one public and one private artifact (admin, service)."""
        services = self.app.api.services
        svc = services.artifacts
        admin = glare_context.RequestContext(
            user_id='admin', project_id='admin-project', roles=['admin'])
        with policy.request_scope():
            public = svc.create(admin, TYPE, {'name': 'pub',
                                              'string_required': 's'})
        with policy.request_scope():
            svc.update(admin, TYPE, public['id'], [
                {'op': 'replace', 'path': '/status', 'value': 'active'}])
        with policy.request_scope():
            svc.update(admin, TYPE, public['id'], [
                {'op': 'replace', 'path': '/visibility', 'value': 'public'}])
        with policy.request_scope():
            private = svc.create(admin, TYPE, {'name': 'priv'})
        return public['id'], private['id']

    def test_lists_only_public(self):
        self.assertEqual(2, self.app.count())
        for type_name in (TYPE, 'all'):
            resp = self.app.call('GET', '/artifacts/' + type_name)
            self.assertEqual(200, resp.status, resp.body)
            ids = [a['id'] for a in _json(resp)['artifacts']]
            self.assertEqual([self.public_id], ids)

    def test_show(self):
        resp = self.app.call('GET', '/artifacts/%s/%s' % (TYPE,
                                                          self.public_id))
        self.assertEqual(200, resp.status, resp.body)
        self.assertEqual('public', _json(resp)['visibility'])
        resp = self.app.call('GET', '/artifacts/%s/%s' % (TYPE,
                                                          self.private_id))
        self.assertEqual(404, resp.status, resp.body)

    def test_writes_forbidden(self):
        resp = self.app.call('POST', '/artifacts/' + TYPE,
                             headers={'Content-Type': 'application/json'},
                             body=b'{"name": "anon"}')
        self.assertEqual(403, resp.status, resp.body)
        self.assertEqual(403, _json(resp)['code'])
        self.assertEqual(2, self.app.count())
        resp = self.app.call('DELETE', '/artifacts/%s/%s' % (
            TYPE, self.public_id))
        self.assertEqual(403, resp.status, resp.body)
        resp = self.app.call(
            'PATCH', '/artifacts/%s/%s' % (TYPE, self.public_id),
            headers={'Content-Type': 'application/json-patch+json'},
            body=b'[{"op": "replace", "path": "/name", "value": "x"}]')
        self.assertEqual(403, resp.status, resp.body)
        self.assertEqual(2, self.app.count())
