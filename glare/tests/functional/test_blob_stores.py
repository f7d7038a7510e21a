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

"""Data quotas under concurrent uploads, and the database store."""

import functools
import hashlib
import os

import sqlalchemy as sa

from glare.tests.functional import base
from glare.tests.functional import test_blobs
from glare.tests.functional import test_locations


@base.with_backends
class DataQuotaTests(test_blobs.BlobMixin):
    """20 parallel uploads at the edge of a quota, on 4 API workers."""

    WORKERS = 4
    CONFIG = {'DEFAULT': {'max_uploaded_data': '1000'}}

    def _parallel_uploads(self, make_data):
        ids = [self.create()['id'] for _ in range(20)]

        def put(artifact_id, session):
            return self.request(
                'PUT', self.blob_path(artifact_id, 'blob'),
                headers=self.user, data=make_data(),
                content_type='application/octet-stream',
                session=session).status_code
        return sorted(self.fire([functools.partial(put, i) for i in ids]))

    def used(self):
        return sum((a['blob'] or {}).get('size') or 0 for a in self.list(
            'limit=100&owner=' + self.project)['artifacts'])

    def test_known_lengths_never_overshoot(self):
        self.upload(self.create()['id'], 'blob', b'x' * 500)
        codes = self._parallel_uploads(lambda: b'y' * 100)
        self.assertEqual([200] * 5 + [413] * 15, codes)
        self.assertEqual(1000, self.used())

    def test_chunked_uploads_never_overshoot(self):
        self.upload(self.create()['id'], 'blob', b'x' * 700)
        codes = self._parallel_uploads(lambda: iter([b'y' * 50] * 2))
        self.assertEqual([200] * 3 + [413] * 17, codes)
        self.assertEqual(1000, self.used())

    def test_room_comes_back_after_delete_and_failed_upload(self):
        af = self.create()
        self.upload(af['id'], 'blob', b'x' * 900)
        other = self.create()
        self.assertError(413, self.put_data(other['id'], 'blob', b'y' * 200))
        self.assertEqual(204, self.delete(self.url(af['id']),
                                          headers=self.user).status_code)
        self.upload(other['id'], 'blob', b'y' * 200)

    def test_project_override(self):
        resp = self.request('PUT', '/quotas', headers=self.admin, json_body=[
            {'project_id': self.project, 'project_quotas': [
                {'quota_name': 'max_uploaded_data:sample_artifact',
                 'quota_value': 150}]}])
        self.assertEqual(200, resp.status_code, base.brief(resp))
        af = self.create()
        self.assertError(413, self.put_data(af['id'], 'blob', b'z' * 151))
        self.upload(af['id'], 'blob', b'z' * 150)
        # other projects keep the configured quota
        self.user = self.auth(self.new_project())
        self.upload(self.create()['id'], 'blob', b'z' * 900)


@base.with_backends
class DatabaseStoreTests(test_blobs.BlobMixin):
    """[artifact_type:sample_artifact] default_store = database."""

    CONFIG = {'artifact_type:sample_artifact': {'default_store': 'database'}}

    def chunk_rows(self):
        engine = sa.create_engine(self.server.db_url)
        try:
            with engine.connect() as conn:
                return conn.execute(sa.text(
                    'SELECT COUNT(*) FROM glare_blob_data_chunks')).scalar()
        finally:
            engine.dispose()

    def test_round_trip_in_chunks(self):
        files = self.store_files()
        rows = self.chunk_rows()
        af = self.create()
        data = os.urandom(2 * 1024 * 1024 + 123)
        out = self.upload(af['id'], 'blob', iter([data[:1000], data[1000:]]))
        self.assertEqual(hashlib.sha256(data).hexdigest(),
                         out['blob']['sha256'])
        self.assertEqual(rows + 3, self.chunk_rows())
        self.assertEqual(files, self.store_files())  # nothing on disk
        self.assertEqual(data, self.download(af['id'], 'blob').content)
        resp = self.request('GET', self.blob_path(af['id'], 'blob'),
                            headers=dict(self.user,
                                         Range='bytes=1048570-1048580'))
        self.assertEqual(206, resp.status_code)
        self.assertEqual(data[1048570:1048581], resp.content)
        # replacing and deleting remove the old chunks
        self.upload(af['id'], 'blob', b'small')
        self.assertEqual(rows + 1, self.chunk_rows())
        self.assertEqual(204, self.delete(self.url(af['id']),
                                          headers=self.user).status_code)
        self.assertEqual(rows, self.chunk_rows())

    def test_failed_upload_leaves_no_chunks(self):
        rows = self.chunk_rows()
        af = self.create()
        self.assertError(413, self.put_data(af['id'], 'small_blob',
                                            iter([b'x' * 8, b'y' * 8])))
        self.assertEqual(rows, self.chunk_rows())


@base.with_backends
class MultiStoreTests(test_locations.LocationMixin):
    """Multi-store mode: two file backends, the type on the second one.

    The second uses filesystem_store_datadirs, which the direct file
    writer leaves to glance_store's own add(): both paths are exercised.
    """

    @classmethod
    def setUpClass(cls):
        cls.CONFIG = {
            'DEFAULT': {'enabled_backends':
                        'fast:file, cheap:file, web:http'},
            'locations': {'allowed_networks': '127.0.0.1/32'},
            'glance_store': {'default_backend': 'fast'},
            'fast': {'filesystem_store_datadir': '$state_path/fast'},
            'cheap': {'filesystem_store_datadir': '',
                      # one datadir: the option is multi-valued
                      'filesystem_store_datadirs': '$state_path/cheap:100'},
            'artifact_type:sample_artifact': {'default_store': 'cheap'},
        }
        super().setUpClass()

    def files(self, *names):
        found = []
        for name in names:
            path = os.path.join(self.server.workdir, 'state', name)
            if os.path.isdir(path):
                found += os.listdir(path)
        return sorted(found)

    def test_type_store_and_round_trip(self):
        before = self.files('cheap')
        af = self.create()
        data = os.urandom(300000)
        out = self.upload(af['id'], 'blob', data)
        self.assertEqual(hashlib.md5(data).hexdigest(), out['blob']['md5'])
        self.assertEqual(len(before) + 1, len(self.files('cheap')))
        self.assertEqual([], self.files('fast'))
        resp = self.download(af['id'], 'blob')
        self.assertEqual(data, resp.content)
        resp = self.request('GET', self.blob_path(af['id'], 'blob'),
                            headers=dict(self.user, Range='bytes=-10'))
        self.assertEqual(data[-10:], resp.content)
        self.upload(af['id'], 'blob', b'again')
        self.assertEqual(len(before) + 1, len(self.files('cheap')))
        self.assertEqual(204, self.delete(self.url(af['id']),
                                          headers=self.user).status_code)
        self.assertEqual(before, self.files('cheap'))

    def test_failed_upload_through_glance_store_leaves_nothing(self):
        before = self.files('cheap')
        af = self.create()
        self.assertError(413, self.put_data(af['id'], 'small_blob',
                                            iter([b'x' * 8, b'y' * 8])))
        self.assertError(400, self.put_data(af['id'], 'blob',
                                            b'invalid_data'))
        self.assertEqual(before, self.files('cheap'))
        self.assertIsNone(self.show(af['id'])['blob'])

    def test_internal_location_finds_its_backend(self):
        af = self.create(headers=self.admin)
        resp = self.set_location(af['id'], 'blob', {
            'url': self.origin_url(), 'location_type': 'internal'},
            headers=self.admin)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        down = self.download(af['id'], 'blob', headers=self.admin)
        self.assertEqual(test_locations.DATA, down.content)
        self.assertError(400, self.set_location(af['id'], 'small_blob', {
            'url': 'rbd://a/b/c/d', 'location_type': 'internal'},
            headers=self.admin))
