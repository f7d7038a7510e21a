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

"""POST /artifacts/{type}/{id}/members on a glare-api run with
[sharing] validate_members = True, against a real Keystone: an unknown
project id is a 400 and adds nothing; refused service credentials are a
JSON 503 that names no secret, never a 500."""

import uuid

from glare.tests.keystone import base
from glare.tests.keystone import fixture
from glare.tests.keystone import test_member_validation as validation


class _SharedArtifactTest(base.KeystoneTest):

    #: [sharing] options on top of the system reader's credentials
    SHARING = {}

    @classmethod
    def setUpClass(cls):
        cloud = fixture.cloud()  # skips when keystone is missing
        cls.EXTRA_CONFIG = {'sharing': dict(
            validation.system_reader_options(
                cloud, interface='public', region_name=fixture.REGION),
            validate_members='True', **cls.SHARING)}
        super().setUpClass()

    def shared_artifact(self):
        af = self.create()
        self.set_values(af['id'], visibility='shared')
        return af

    def members_path(self, af):
        return self.url(af['id']) + '/members'

    def members(self, af):
        resp = self.get(self.members_path(af), headers=self.user)
        self.assertEqual(200, resp.status_code, resp.text)
        return [m['member'] for m in resp.json()['members']]


class ValidateMembersTest(_SharedArtifactTest):

    def test_unknown_project_is_refused(self):
        af = self.shared_artifact()
        missing = uuid.uuid4().hex
        resp = self.post(self.members_path(af), {'member': missing},
                         headers=self.user)
        self.assertError(400, resp, 'project %s does not exist' % missing)
        self.assertEqual([], self.members(af))

    def test_existing_project_is_added(self):
        af = self.shared_artifact()
        resp = self.post(self.members_path(af),
                         {'member': self.project_b}, headers=self.user)
        self.assertEqual(201, resp.status_code, resp.text)
        self.assertEqual(self.project_b, resp.json()['member'])
        self.assertEqual([self.project_b], self.members(af))
        # the member reads it with its own Keystone token
        self.show(af['id'], headers=self.user_b)


class RefusedCredentialsTest(_SharedArtifactTest):

    WRONG = 'wrong-' + uuid.uuid4().hex
    SHARING = {'password': WRONG}

    def test_refused_credentials_are_a_503(self):
        af = self.shared_artifact()
        resp = self.post(self.members_path(af),
                         {'member': self.project_b}, headers=self.user)
        body = self.assertError(503, resp, 'refused the service credentials')
        self.assertNotIn(self.WRONG, resp.text)
        self.assertEqual('Service Unavailable', body['title'])
        self.assertEqual([], self.members(af))
