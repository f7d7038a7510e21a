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

"""allow_anonymous_access = True behind a real Keystone: callers without a
valid token read public artifacts and nothing else (SPEC §3)."""

from glare.tests.functional import base as functional
from glare.tests.keystone import base


class AnonymousAccessTests(base.KeystoneTest):

    EXTRA_CONFIG = {'DEFAULT': {'allow_anonymous_access': True}}

    def setUp(self):
        super().setUp()
        self.private = self.create(string_required='s')
        public = self.create(string_required='s')
        self.activate(public['id'])
        self.public = self.publish(public['id'])
        self.ids = 'id=in:%s,%s' % (self.private['id'], self.public['id'])

    def _assert_public_only(self, headers):
        for type_name in (functional.SAMPLE, 'all'):
            page = self.list(self.ids, headers=headers, type_name=type_name)
            self.assertEqual([self.public['id']],
                             [a['id'] for a in page['artifacts']])
            self.assertEqual(1, page['total_count'])
        self.assertEqual(self.public, self.show(self.public['id'],
                                                headers=headers))
        self.assertError(404, self.get(self.url(self.private['id']),
                                       headers=headers))
        resp = self.get('/schemas/' + functional.SAMPLE, headers=headers)
        self.assertEqual(200, resp.status_code, functional.brief(resp))

    def _assert_no_writes(self, headers):
        self.assertError(403, self.post(self.url(), {
            'name': self.unique()}, headers=headers))
        for af in (self.private, self.public):
            self.assertError(403, self.patch(self.url(af['id']), [
                {'op': 'replace', 'path': '/description', 'value': 'x'}],
                headers=headers))
            self.assertError(403, self.delete(self.url(af['id']),
                                              headers=headers))
        self.assertError(403, self.get('/quotas', headers=headers))
        self.assertEqual(self.private, self.show(self.private['id']))
        self.assertEqual(self.public, self.show(self.public['id']))

    def test_no_token_reads_public_only(self):
        self._assert_public_only({})

    def test_no_token_writes_403(self):
        self._assert_no_writes({})

    def test_invalid_token_is_anonymous(self):
        # "without a valid token": an invalid one counts as none
        headers = {'X-Auth-Token': base.FAKE_FERNET}
        self._assert_public_only(headers)
        self._assert_no_writes(headers)

    def test_tokens_still_count(self):
        self.assertEqual(self.private, self.show(self.private['id']))
        self.assertEqual(
            sorted([self.private['id'], self.public['id']]),
            sorted(self.list_ids(self.ids)))
        af = self.create()
        self.assertEqual(self.project, af['owner'])
        self.assertError(404, self.get(self.url(self.private['id']),
                                       headers=self.user_b))
        self.assertEqual(self.private, self.show(self.private['id'],
                                                 headers=self.admin))
