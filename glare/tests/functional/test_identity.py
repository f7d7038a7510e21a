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

"""noauth identities, anonymous access and property protection (SPEC §3,
DEVELOPERS.md "Context and policy")."""

import uuid

from glare.tests.functional import base

ANONYMOUS = {'X-Identity-Status': 'Confirmed', 'X-User-Id': 'nobody'}


def headers_identity(project, roles='member', tenant_header=False):
    return {'X-Identity-Status': 'Confirmed', 'X-User-Id': 'u-' + project,
            'X-Tenant-Id' if tenant_header else 'X-Project-Id': project,
            'X-Roles': roles}


@base.with_backends
class NoauthTests:
    """The default noauth deployment: allow_anonymous_access = False."""

    def test_no_identity_is_the_local_admin(self):
        first = self.create(headers={})
        second = self.create(headers={})
        self.assertTrue(first['owner'])
        self.assertEqual(first['owner'], second['owner'])
        # OSC sends this token in noauth mode: the same local identity
        third = self.create(headers={'X-Auth-Token': 'notused'})
        self.assertEqual(first['owner'], third['owner'])
        # an admin: sees other projects' private artifacts, publishes
        private = self.create()
        self.assertEqual(private, self.show(private['id'], headers={}))
        self.activate(first['id'], headers={})
        self.assertEqual('public', self.set_values(
            first['id'], headers={}, visibility='public')['visibility'])

    def test_token_identity(self):
        project = self.new_project()
        af = self.create(headers={'X-Auth-Token': 'me:%s:member' % project})
        self.assertEqual(project, af['owner'])
        # a member of another project does not see it; an admin does
        self.assertError(404, self.get(self.url(af['id']), headers={
            'X-Auth-Token': 'me:%s:member' % self.new_project()}))
        self.show(af['id'], headers={
            'X-Auth-Token': 'boss:%s:member,admin' % self.new_project()})

    def test_percent_encoded_token(self):
        project = self.new_project()
        af = self.create(headers={'X-Auth-Token': 'me%%3A%s%%3Amember' %
                                  project})
        self.assertEqual(project, af['owner'])

    def test_identity_headers(self):
        project = self.new_project()
        af = self.create(headers=headers_identity(project))
        self.assertEqual(project, af['owner'])
        tenant = self.new_project()
        af = self.create(headers=headers_identity(tenant,
                                                  tenant_header=True))
        self.assertEqual(tenant, af['owner'])
        self.show(af['id'], headers=headers_identity(tenant))
        self.assertError(404, self.get(self.url(af['id']),
                                       headers=headers_identity(project)))
        # roles are a comma list; admin among them makes an admin
        self.show(af['id'], headers=headers_identity(
            self.new_project(), roles='reader, admin'))

    def test_confirmed_without_project_is_anonymous_401(self):
        af = self.create()
        for method, path, body in (
                ('GET', self.url(), None), ('GET', self.url(af['id']), None),
                ('POST', self.url(), {'name': 'x'}),
                ('PATCH', self.url(af['id']), []),
                ('DELETE', self.url(af['id']), None),
                ('GET', '/schemas', None)):
            resp = self.request(
                method, path, headers=ANONYMOUS, json_body=body,
                content_type='application/json-patch+json'
                if method == 'PATCH' else None)
            self.assertError(401, resp)
        self.show(af['id'])

    def test_identity_status_other_than_confirmed_is_anonymous_401(self):
        af = self.create()
        for headers in ({'X-Identity-Status': 'Anonymous'},
                        {'X-Identity-Status': 'Invalid', 'X-User-Id': 'u',
                         'X-Project-Id': self.project, 'X-Roles': 'admin'}):
            with self.subTest(headers=headers):
                self.assertError(401, self.get(self.url(af['id']),
                                               headers=headers))

    def test_image_kernel_id_admin_or_service_only(self):
        kernel = str(uuid.uuid4())
        url = self.url(type_name='images')
        self.assertError(403, self.post(url, {'name': 'img',
                                              'kernel_id': kernel},
                                        headers=self.user))
        self.assertEqual(0, self.count_own('images'))
        as_admin = self.create(kernel_id=kernel, type_name='images',
                               headers=self.admin)
        self.assertEqual(kernel, as_admin['kernel_id'])
        service = self.auth(self.new_project(), 'service')
        as_service = self.create(kernel_id=kernel, type_name='images',
                                 headers=service)
        self.assertEqual(kernel, as_service['kernel_id'])
        mine = self.create(type_name='images', min_ram=1)
        resp = self.patch(self.url(mine['id'], 'images'), [
            {'op': 'replace', 'path': '/kernel_id', 'value': kernel}],
            headers=self.user)
        self.assertError(403, resp)
        # the owner still changes the other fields, and reads kernel_id
        self.assertEqual(2, self.set_values(mine['id'], type_name='images',
                                            min_ram=2)['min_ram'])
        self.assertIsNone(self.show(mine['id'],
                                    type_name='images')['kernel_id'])
        self.assertEqual(kernel, self.set_values(
            mine['id'], type_name='images', headers=self.admin,
            kernel_id=kernel)['kernel_id'])
        self.assertEqual(kernel, self.show(mine['id'],
                                           type_name='images')['kernel_id'])
        self.assertError(400, self.post(url, {'name': 'img',
                                              'kernel_id': 'not-a-uuid'},
                                        headers=self.admin))


@base.with_backends
class AnonymousAccessTests:
    """allow_anonymous_access = True: anonymous callers read public data."""

    CONFIG = {'DEFAULT': {'allow_anonymous_access': True}}

    def test_anonymous_sees_public_only(self):
        private = self.create()
        public = self.create(string_required='r')
        self.activate(public['id'])
        public = self.publish(public['id'])
        ids = 'id=in:%s,%s' % (private['id'], public['id'])
        page = self.list(ids, headers=ANONYMOUS)
        self.assertEqual([public['id']], [a['id'] for a in
                                          page['artifacts']])
        self.assertEqual(1, page['total_count'])
        self.assertEqual(public, self.show(public['id'],
                                           headers=ANONYMOUS))
        self.assertError(404, self.get(self.url(private['id']),
                                       headers=ANONYMOUS))
        self.assertEqual([public['id']], self.list_ids(
            ids, headers=ANONYMOUS, type_name='all'))
        resp = self.get('/schemas/sample_artifact', headers=ANONYMOUS)
        self.assertEqual(200, resp.status_code, base.brief(resp))

    def test_anonymous_writes_403(self):
        public = self.create(string_required='r')
        self.activate(public['id'])
        public = self.publish(public['id'])
        self.assertError(403, self.post(self.url(), {'name': 'x'},
                                        headers=ANONYMOUS))
        self.assertError(403, self.patch(self.url(public['id']), [
            {'op': 'replace', 'path': '/description', 'value': 'x'}],
            headers=ANONYMOUS))
        self.assertError(403, self.delete(self.url(public['id']),
                                          headers=ANONYMOUS))
        self.assertEqual(public, self.show(public['id']))

    def test_documented_anonymous_headers(self):
        # the ways the docs of allow_anonymous_access give to be anonymous
        private = self.create()
        public = self.create(string_required='r')
        resp = self.request('PUT', self.url(public['id']) + '/blob',
                            headers=self.user, data=b'public data',
                            content_type='application/octet-stream')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.activate(public['id'])
        self.publish(public['id'])
        ids = 'id=in:%s,%s' % (private['id'], public['id'])
        for headers in ({'X-Identity-Status': 'Anonymous'},
                        {'X-Identity-Status': 'Invalid', 'X-User-Id': 'u',
                         'X-Project-Id': self.project},
                        {'X-User-Id': 'someone'}):
            with self.subTest(headers=headers):
                self.assertEqual([public['id']],
                                 self.list_ids(ids, headers=headers))
                resp = self.get(self.url(public['id']) + '/blob',
                                headers=headers)
                self.assertEqual(200, resp.status_code, base.brief(resp))
                self.assertEqual(b'public data', resp.content)
                self.assertError(403, self.post(self.url(), {'name': 'x'},
                                                headers=headers))

    def test_identified_callers_unchanged(self):
        af = self.create()
        self.assertEqual(self.project, af['owner'])
        self.assertEqual([af['id']], self.list_ids('id=' + af['id']))


@base.with_backends
class PropertyProtectionTests:
    """A policy file making sample_artifact.str1 admin-only, and opening
    images.kernel_id to everyone."""

    POLICY = {
        'artifact:property:sample_artifact.str1:write': 'role:admin',
        'artifact:property:sample_artifact.str1:read': 'role:admin',
        'artifact:property:images.kernel_id:write': '',
        'context_is_admin': 'role:admin or role:cloud-admin',
    }

    def test_admin_rule_from_policy_file(self):
        af = self.create(string_required='r')
        operator = self.auth(self.new_project(), 'cloud-admin')
        self.assertEqual(af, self.show(af['id'], headers=operator))
        self.activate(af['id'])
        self.assertEqual('public', self.set_values(
            af['id'], headers=operator, visibility='public')['visibility'])
        # the property rules above name role:admin, not the admin rule
        self.assertNotIn('str1', self.show(af['id'], headers=operator))

    def test_write_protected_on_create(self):
        self.assertError(403, self.post(self.url(), {
            'name': self.unique(), 'str1': 'secret'}, headers=self.user))
        self.assertEqual(0, self.count_own())
        af = self.create({'str1': 'secret'}, headers=self.admin)
        self.assertEqual('secret', af['str1'])

    def test_write_protected_on_update(self):
        af = self.create(int1=1)
        self.assertError(403, self.patch(self.url(af['id']), [
            {'op': 'replace', 'path': '/str1', 'value': 'x'}],
            headers=self.user))
        self.assertEqual(2, self.set_values(af['id'], int1=2)['int1'])
        new = self.set_values(af['id'], headers=self.admin, str1='hidden')
        self.assertEqual('hidden', new['str1'])

    def test_read_protected_field_hidden_from_non_admins(self):
        af = self.create(int1=5)
        self.assertNotIn('str1', af)
        self.set_values(af['id'], headers=self.admin, str1='hidden')
        shown = self.show(af['id'])
        self.assertNotIn('str1', shown)
        self.assertEqual(5, shown['int1'])
        listed = self.list('id=' + af['id'])['artifacts']
        self.assertEqual([af['id']], [a['id'] for a in listed])
        self.assertNotIn('str1', listed[0])
        via_all = self.list('id=' + af['id'], type_name='all')['artifacts']
        self.assertNotIn('str1', via_all[0])
        self.assertNotIn('str1', self.show(af['id'], type_name='all'))
        # admins read it everywhere
        self.assertEqual('hidden', self.show(af['id'],
                                             headers=self.admin)['str1'])
        self.assertEqual('hidden', self.list(
            'id=' + af['id'], headers=self.admin)['artifacts'][0]['str1'])

    def test_unprotected_fields_and_types_unchanged(self):
        af = self.create(int1=1)
        self.assertEqual(1, af['int1'])
        image = self.create({'kernel_id': str(uuid.uuid4())},
                            type_name='images')
        self.assertIsNotNone(image['kernel_id'])
