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

"""Tokens from a real Keystone: accepted, missing, garbage, revoked,
expired, without a project; the catalog (SPEC §3)."""

import datetime
import time

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session

from glare.tests.functional import base as functional
from glare.tests.keystone import base
from glare.tests.keystone import fixture


class TokenTests(base.KeystoneTest):
    """allow_anonymous_access = False (the default)."""

    def test_keystone_token_accepted(self):
        af = self.create()
        self.assertEqual(self.project, af['owner'])
        self.assertEqual(af, self.show(af['id']))
        self.assertEqual([af['id']], self.list_ids('id=' + af['id']))
        schemas = self.get('/schemas', headers=self.user)
        self.assertEqual(200, schemas.status_code, functional.brief(schemas))
        self.assertIn(functional.SAMPLE, schemas.json()['schemas'])

    def test_no_token_401(self):
        af = self.create()
        for method, path, body in (
                ('GET', self.url(), None),
                ('GET', self.url(af['id']), None),
                ('GET', self.url(type_name='all'), None),
                ('GET', '/schemas', None),
                ('GET', '/quotas', None),
                ('POST', self.url(), {'name': 'x'}),
                ('PATCH', self.url(af['id']), []),
                ('DELETE', self.url(af['id']), None)):
            resp = self.request(
                method, path, json_body=body,
                content_type='application/json-patch+json'
                if method == 'PATCH' else None)
            self.assertUnauthorized(resp)
        self.assertEqual(af, self.show(af['id']))

    def test_public_paths_need_no_token(self):
        for path in ('/', '/versions'):
            resp = self.get(path)
            self.assertEqual(300, resp.status_code, functional.brief(resp))
        resp = self.get('/healthcheck')
        self.assertEqual(200, resp.status_code, functional.brief(resp))

    def test_garbage_token_401(self):
        noauth_style = 'u:%s:admin' % self.project
        for token in ('garbage', base.FAKE_FERNET, noauth_style):
            self.assertUnauthorized(self.get(
                self.url(), headers={'X-Auth-Token': token}))
            self.assertUnauthorized(self.post(
                self.url(), {'name': self.unique()},
                headers={'X-Auth-Token': token}))

    def test_identity_headers_are_not_trusted(self):
        # keystonemiddleware replaces what the client claims to be
        private_b = self.create(headers=self.user_b)
        claims = dict(self.user, **{
            'X-Identity-Status': 'Confirmed', 'X-Roles': 'admin',
            'X-Project-Id': self.project_b, 'X-Tenant-Id': self.project_b,
            'X-User-Id': 'someone-else'})
        af = self.create(headers=claims)
        self.assertEqual(self.project, af['owner'])
        self.assertError(404, self.get(self.url(private_b['id']),
                                       headers=claims))
        self.assertUnauthorized(self.get(self.url(), headers={
            'X-Identity-Status': 'Confirmed', 'X-Roles': 'admin',
            'X-Project-Id': self.project_b}))

    def test_v01_token_percent_encoded(self):
        # Murano's client sends the token quoted; /v0.1 decodes it before
        # keystonemiddleware reads it, v1 does not
        token = self.user['X-Auth-Token']
        encoded = {'X-Auth-Token': ''.join('%%%02X' % b
                                           for b in token.encode())}
        created = self.request('POST', '/v0.1/artifacts/murano/v1/drafts',
                               headers=encoded, json_body={
                                   'name': 'io.test.Encoded',
                                   'type': 'Application',
                                   'display_name': 'Encoded'})
        self.assertEqual(201, created.status_code,
                         functional.brief(created))
        self.assertEqual(self.project, created.json()['owner'])
        drafts = self.get('/v0.1/artifacts/murano/v1/drafts',
                          headers=encoded)
        self.assertEqual(200, drafts.status_code, functional.brief(drafts))
        self.assertIn(created.json()['id'],
                      [a['id'] for a in drafts.json()['artifacts']])
        self.assertUnauthorized(self.get(self.url(), headers=encoded))
        bad = self.get('/v0.1/artifacts/murano/v1/drafts',
                       headers={'X-Auth-Token': '%67arbage'})
        self.assertEqual(401, bad.status_code, functional.brief(bad))
        self.assertIn('unauthorized', bad.json())

    def test_revoked_token_401(self):
        token, _body = self.cloud.password_token(
            self.cloud.personas['member-a'])
        self.cloud.revoke(token)
        self.assertFalse(self.cloud.token_is_valid(token))
        self.assertUnauthorized(self.get(self.url(),
                                         headers={'X-Auth-Token': token}))

    def test_expired_token_401(self):
        token, body = self.cloud.short_lived_token('member-a', 6)
        expires = fixture.parse_time(body['expires_at'])
        headers = {'X-Auth-Token': token}
        # valid now (Glare caches the validation)...
        self.assertEqual(self.project, body['project']['id'])
        af = self.create(headers=headers)
        self.assertEqual(af, self.show(af['id'], headers=headers))
        # ...and no longer after its expiry, cached or not
        left = (expires - datetime.datetime.now(
            datetime.timezone.utc)).total_seconds()
        self.assertLess(left, 7, body['expires_at'])
        time.sleep(max(left, 0) + 1.5)  # the token's own lifetime
        self.assertFalse(self.cloud.token_is_valid(token))
        self.assertUnauthorized(self.get(self.url(af['id']),
                                         headers=headers))
        self.assertUnauthorized(self.post(self.url(), {'name': 'late'},
                                          headers=headers))
        self.assertEqual(af, self.show(af['id']))

    def test_token_without_project_401(self):
        # a system-scoped token (even an admin's) carries no project:
        # Glare takes it as anonymous
        headers = self.cloud.headers('system-admin')
        self.assertUnauthorized(self.get(self.url(), headers=headers))
        self.assertUnauthorized(self.post(self.url(), {'name': 'x'},
                                          headers=headers))

    def test_catalog_finds_glare(self):
        persona = self.cloud.personas['member-a']
        session = ks_session.Session(auth=v3.Password(
            auth_url=self.cloud.auth_url, user_id=persona.user_id,
            password=persona.password, project_id=persona.project_id))
        self.addCleanup(session.session.close)
        where = {'service_type': fixture.SERVICE_TYPE,
                 'interface': 'public', 'region_name': fixture.REGION}
        self.assertEqual(self.server.url,
                         session.get_endpoint(**where).rstrip('/'))
        af = self.create()
        resp = session.get(self.url() + '?id=' + af['id'],
                           endpoint_filter=where, raise_exc=False)
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual([af['id']],
                         [a['id'] for a in resp.json()['artifacts']])


class UncachedTokenTests(base.KeystoneTest):
    """token_cache_time = -1: Glare asks Keystone about every request, so
    a revocation takes effect at once. (With the default cache a token
    Glare has already accepted stays accepted for token_cache_time, 300 s,
    after its revocation.)"""

    EXTRA_CONFIG = {'keystone_authtoken': {'token_cache_time': -1}}

    def test_revoked_after_use_401(self):
        token, _body = self.cloud.password_token(
            self.cloud.personas['member-a'])
        headers = {'X-Auth-Token': token}
        af = self.create(headers=headers)
        self.assertEqual(af, self.show(af['id'], headers=headers))
        self.cloud.revoke(token)
        self.assertUnauthorized(self.get(self.url(af['id']),
                                         headers=headers))
        self.assertEqual(af, self.show(af['id']))
