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

"""/artifacts/all: a read-only view of every type (SPEC §5)."""

from glare.tests.functional import base
from glare.tests.functional import test_blobs
from glare.tests.functional import test_locations

ALL = '/artifacts/all'


class AllTests(test_blobs.BlobMixin, base.FunctionalTest):
    BACKEND = 'sqlite'

    def setUp(self):
        super().setUp()
        self.af = self.create(name=self.unique('all'))
        self.upload(self.af['id'], 'blob', b'data')
        self.env = self.create(type_name='heat_environments')

    def test_reads(self):
        ids = [a['id'] for a in self.list(
            'owner=' + self.project, type_name='all')['artifacts']]
        self.assertEqual(sorted([self.af['id'], self.env['id']]),
                         sorted(ids))
        body = self.show(self.af['id'], type_name='all')
        self.assertEqual('sample_artifact', body['type_name'])
        body = self.show(self.env['id'], type_name='all')
        self.assertEqual('heat_environments', body['type_name'])
        resp = self.get('%s/%s/blob' % (ALL, self.af['id']),
                        headers=self.user)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual(b'data', resp.content)
        self.assertEqual(200, self.get('/schemas/all',
                                       headers=self.user).status_code)

    def assertReadOnly(self, resp):
        self.assertError(403, resp, 'read-only')

    def test_writes_refused(self):
        one = '%s/%s' % (ALL, self.af['id'])
        self.assertReadOnly(self.post(ALL, {'name': 'x'},
                                      headers=self.user))
        self.assertReadOnly(self.patch(one, [{'op': 'replace',
                                              'path': '/name',
                                              'value': 'y'}],
                                       headers=self.user))
        self.assertReadOnly(self.delete(one, headers=self.user))
        self.assertReadOnly(self.request(
            'PUT', one + '/blob', headers=self.user, data=b'new',
            content_type='application/octet-stream'))
        self.assertReadOnly(self.request(
            'PUT', one + '/dict_of_blobs/k', headers=self.user, data=b'new',
            content_type='application/octet-stream'))
        self.assertReadOnly(self.request(
            'PUT', one + '/blob', headers=self.user,
            json_body={'url': 'http://example.com/x', 'md5': 'a' * 32,
                       'sha1': 'a' * 40, 'sha256': 'a' * 64},
            content_type=test_locations.LOCATION_TYPE))
        self.assertReadOnly(self.delete(one + '/blob', headers=self.user))
        # admins too
        self.assertReadOnly(self.delete(one, headers=self.admin))
        # nothing changed
        body = self.show(self.af['id'])
        self.assertEqual(self.af['name'], body['name'])
        self.assertEqual(4, body['blob']['size'])
        self.assertIsNone(body['dict_of_blobs'] or None)
