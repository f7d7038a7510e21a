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

"""Keystone roles through Glare's policy: project isolation, members,
admins, the service role, and readers under a persona policy."""

import uuid

from glare.policies import base as personas
from glare.tests.functional import base as functional
from glare.tests.keystone import base

IMAGES = 'images'


class DefaultPolicyTests(base.KeystoneTest):
    """The policy in code (glare/policies), unchanged."""

    def test_project_isolation(self):
        private = self.create(string_required='s')
        ids = 'id=' + private['id']
        self.assertError(404, self.get(self.url(private['id']),
                                       headers=self.user_b))
        self.assertEqual([], self.list_ids(ids, headers=self.user_b))
        self.assertEqual([], self.list_ids(ids, headers=self.user_b,
                                           type_name='all'))
        self.assertError(404, self.patch(self.url(private['id']), [
            {'op': 'replace', 'path': '/description', 'value': 'b'}],
            headers=self.user_b))
        self.assertError(404, self.delete(self.url(private['id']),
                                          headers=self.user_b))
        # B's own artifacts stay B's
        mine_b = self.create(headers=self.user_b)
        self.assertEqual(self.project_b, mine_b['owner'])
        self.assertError(404, self.get(self.url(mine_b['id']),
                                       headers=self.user))
        # an admin (of another project) sees both
        self.assertEqual(private, self.show(private['id'],
                                            headers=self.admin))
        self.assertEqual([private['id']], self.list_ids(ids,
                                                        headers=self.admin))
        self.assertEqual(mine_b, self.show(mine_b['id'], headers=self.admin))
        # once public, B sees A's artifact too, and still cannot change it
        self.activate(private['id'])
        public = self.publish(private['id'])
        self.assertEqual(public, self.show(public['id'], headers=self.user_b))
        self.assertError(403, self.patch(self.url(public['id']), [
            {'op': 'replace', 'path': '/description', 'value': 'b'}],
            headers=self.user_b))

    def test_member_lifecycle_in_own_project(self):
        af = self.create(int1=1)
        self.assertEqual('drafted', af['status'])
        self.assertEqual(2, self.set_values(af['id'], int1=2)['int1'])
        self.assertEqual('active', self.activate(af['id'])['status'])
        # publishing is the admin's
        self.assertError(403, self.patch(self.url(af['id']), [
            {'op': 'replace', 'path': '/visibility', 'value': 'public'}],
            headers=self.user))
        resp = self.delete(self.url(af['id']), headers=self.user)
        self.assertEqual(204, resp.status_code, functional.brief(resp))
        self.assertError(404, self.get(self.url(af['id']),
                                       headers=self.user))

    def test_admin_publishes_and_manages_public(self):
        af = self.create(string_required='s')
        self.activate(af['id'])
        public = self.set_values(af['id'], headers=self.admin,
                                 visibility='public')
        self.assertEqual('public', public['visibility'])
        self.assertEqual(self.project, public['owner'])
        # a public artifact is the admin's to change or delete
        self.assertError(403, self.patch(self.url(af['id']), [
            {'op': 'replace', 'path': '/description', 'value': 'x'}],
            headers=self.user))
        self.assertError(403, self.delete(self.url(af['id']),
                                          headers=self.user))
        self.assertEqual('by admin', self.set_values(
            af['id'], headers=self.admin,
            description='by admin')['description'])
        self.assertEqual('deactivated', self.set_values(
            af['id'], headers=self.admin, status='deactivated')['status'])
        resp = self.delete(self.url(af['id']), headers=self.admin)
        self.assertEqual(204, resp.status_code, functional.brief(resp))

    def test_quotas_are_for_admins(self):
        self.assertError(403, self.get('/quotas', headers=self.user))
        resp = self.get('/quotas', headers=self.admin)
        self.assertEqual(200, resp.status_code, functional.brief(resp))
        resp = self.get('/project-quotas', headers=self.user)
        self.assertEqual(200, resp.status_code, functional.brief(resp))
        self.assertError(403, self.get('/project-quotas/' + self.project_b,
                                       headers=self.user))

    def test_service_role_sets_image_references(self):
        # images.kernel_id/ramdisk_id/instance_uuid: admin or service
        kernel = str(uuid.uuid4())
        url = self.url(type_name=IMAGES)
        self.assertError(403, self.post(url, {
            'name': self.unique(), 'kernel_id': kernel}, headers=self.user))
        by_service = self.create(kernel_id=kernel, type_name=IMAGES,
                                 headers=self.service)
        self.assertEqual(kernel, by_service['kernel_id'])
        self.assertEqual(self.cloud.projects['service'], by_service['owner'])
        mine = self.create(type_name=IMAGES)
        self.assertError(403, self.patch(self.url(mine['id'], IMAGES), [
            {'op': 'replace', 'path': '/ramdisk_id', 'value': kernel}],
            headers=self.user))
        by_admin = self.set_values(mine['id'], headers=self.admin,
                                   type_name=IMAGES, ramdisk_id=kernel)
        self.assertEqual(kernel, by_admin['ramdisk_id'])
        # the service role is no admin: other projects' private data
        # stays hidden from it
        self.assertError(404, self.get(self.url(mine['id'], IMAGES),
                                       headers=self.service))


class PersonaPolicyTests(base.KeystoneTest):
    """A policy file built from the personas of glare/policies/base.py:
    writing needs the member role in the owning project (or admin), so
    Keystone's reader role reads only."""

    POLICY = {
        'artifact:create': personas.PROJECT_MEMBER_OR_ADMIN,
        'admin_or_owner': personas.PROJECT_MEMBER_OR_ADMIN,
    }

    def test_reader_reads_only(self):
        af = self.create(int1=1)
        self.assertEqual(af, self.show(af['id'], headers=self.reader))
        self.assertEqual([af['id']], self.list_ids('id=' + af['id'],
                                                   headers=self.reader))
        self.assertError(403, self.post(self.url(), {
            'name': self.unique()}, headers=self.reader))
        self.assertError(403, self.patch(self.url(af['id']), [
            {'op': 'replace', 'path': '/int1', 'value': 2}],
            headers=self.reader))
        self.assertError(403, self.patch(self.url(af['id']), [
            {'op': 'replace', 'path': '/string_required', 'value': 's'},
            {'op': 'replace', 'path': '/status', 'value': 'active'}],
            headers=self.reader))
        self.assertError(403, self.delete(self.url(af['id']),
                                          headers=self.reader))
        self.assertEqual(af, self.show(af['id']))

    def test_member_and_admin_write(self):
        af = self.create(int1=1)
        self.assertEqual(2, self.set_values(af['id'], int1=2)['int1'])
        self.assertEqual(3, self.set_values(af['id'], headers=self.admin,
                                            int1=3)['int1'])
        self.activate(af['id'])
        self.assertEqual('public', self.publish(af['id'])['visibility'])
        other = self.create()
        resp = self.delete(self.url(other['id']), headers=self.user)
        self.assertEqual(204, resp.status_code, functional.brief(resp))
