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

"""DELETE of a blob holding stored data (v1 and v0.1): where new data may
be uploaded, the data leaves the store and its bytes the quota."""

import threading

from glare.tests.functional import base
from glare.tests.functional import test_blobs
from glare.tests.functional import test_quotas

V01_MURANO = '/v0.1/artifacts/murano/v1'


@base.with_backends
class BlobDeleteTests(test_blobs.BlobMixin):

    def delete_blob(self, artifact_id, field, key=None, headers=None):
        return self.delete(self.blob_path(artifact_id, field, key),
                           headers=self.user if headers is None else headers)

    def test_drafted_blob_and_folder_key_leave_the_store(self):
        af = self.create()
        before = self.store_files()
        self.upload(af['id'], 'blob', b'blob data')
        self.upload(af['id'], 'dict_of_blobs', b'key data', key='k')
        self.upload(af['id'], 'dict_of_blobs', b'other', key='o')
        stored = self.store_files()
        self.assertEqual(len(before) + 3, len(stored))
        resp = self.delete_blob(af['id'], 'blob')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertIsNone(resp.json()['blob'])
        self.assertEqual(resp.json(), self.show(af['id']))
        self.assertError(404, self.download(af['id'], 'blob'))
        self.assertError(404, self.delete_blob(af['id'], 'blob'))
        after_blob = self.store_files()
        self.assertEqual(len(stored) - 1, len(after_blob))
        resp = self.delete_blob(af['id'], 'dict_of_blobs', 'k')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual(['o'], sorted(resp.json()['dict_of_blobs']))
        self.assertEqual(len(after_blob) - 1, len(self.store_files()))
        self.assertEqual(b'other', self.download(af['id'], 'dict_of_blobs',
                                                 'o').content)
        # the field takes data again
        self.upload(af['id'], 'blob', b'new data')
        self.assertEqual(b'new data',
                         self.download(af['id'], 'blob').content)
        self.assertEqual(204, self.delete(self.url(af['id']),
                                          headers=self.user).status_code)
        self.assertEqual(before, self.store_files())

    def test_active_artifacts_keep_immutable_blobs(self):
        af = self.create()
        self.upload(af['id'], 'blob', b'mutable')
        self.upload(af['id'], 'dict_of_blobs', b'frozen', key='k')
        self.activate(af['id'])
        stored = self.store_files()
        for headers in (self.user, self.admin):
            self.assertError(403, self.delete_blob(
                af['id'], 'dict_of_blobs', 'k', headers=headers), 'active')
        self.assertEqual(stored, self.store_files())
        # a mutable field takes new data on an active artifact: it may be
        # emptied too
        resp = self.delete_blob(af['id'], 'blob')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual(len(stored) - 1, len(self.store_files()))
        self.upload(af['id'], 'blob', b'again')
        self.set_values(af['id'], headers=self.admin, status='deactivated')
        self.assertError(403, self.delete_blob(af['id'], 'blob',
                                               headers=self.admin))
        self.assertEqual(b'again', self.download(
            af['id'], 'blob', headers=self.admin).content)

    def test_other_projects_may_not_delete(self):
        af = self.create()
        self.upload(af['id'], 'blob', b'mine')
        self.assertError(404, self.delete_blob(
            af['id'], 'blob', headers=self.auth(self.new_project())))
        self.assertEqual(b'mine', self.download(af['id'], 'blob').content)

    def test_blob_being_uploaded_409(self):
        af = self.create()
        self.upload(af['id'], 'blob', b'old')
        release, started = threading.Event(), threading.Event()

        def slow():
            yield b'a' * 1000
            started.set()
            release.wait(30)
            yield b'b' * 1000

        result = {}
        thread = threading.Thread(target=lambda: result.update(
            resp=self.put_data(af['id'], 'blob', slow())))
        thread.start()
        try:
            self.assertTrue(started.wait(30))
            self.assertTrue(self.wait_until(
                lambda: self.show(af['id'])['blob']['status'] == 'saving'))
            with base.requests.Session() as session:
                self.assertError(409, self.delete(
                    self.blob_path(af['id'], 'blob'), headers=self.user,
                    session=session), 'being uploaded')
        finally:
            release.set()
            thread.join(60)
        self.assertEqual(200, result['resp'].status_code,
                         base.brief(result['resp']))
        self.assertEqual(2000, self.show(af['id'])['blob']['size'])

    def test_freed_bytes_leave_the_quota(self):
        resp = self.request('PUT', '/quotas', headers=self.admin,
                            json_body=test_quotas.quotas_body(
                                (self.project, {test_quotas.DATA: 10})))
        self.assertEqual(200, resp.status_code, base.brief(resp))
        af = self.create()
        self.upload(af['id'], 'blob', b'12345678')
        self.assertError(413, self.put_data(af['id'], 'dict_of_blobs',
                                            b'12345678', key='k'))
        self.assertEqual(200, self.delete_blob(af['id'], 'blob').status_code)
        self.upload(af['id'], 'dict_of_blobs', b'12345678', key='k')

    # -- v0.1, as Murano uses it -------------------------------------------
    def test_v01_blob_delete(self):
        resp = self.post(V01_MURANO + '/drafts', {
            'name': self.unique('org.example.A'), 'version': '1.0.0',
            'type': 'Application', 'display_name': 'A'}, headers=self.user)
        self.assertEqual(201, resp.status_code, base.brief(resp))
        path = '%s/%s/archive' % (V01_MURANO, resp.json()['id'])
        before = self.store_files()
        resp = self.request('PUT', path, self.user, data=b'zip data',
                            content_type='application/octet-stream')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual(len(before) + 1, len(self.store_files()))
        resp = self.delete(path, headers=self.user)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertIsNone(resp.json()['archive'])
        self.assertEqual(before, self.store_files())
        resp = self.delete(path, headers=self.user)
        self.assertEqual(404, resp.status_code, base.brief(resp))
        self.assertEqual(['itemNotFound'], list(resp.json()))
