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

"""Blob upload and download over real HTTP: streams, limits, ranges."""

import hashlib
import http.client
import os
import socket
import threading
import time

from glare.tests.functional import base


def digests(data):
    """md5, sha1 and sha256 of data, as the service reports them."""
    return {name: hashlib.new(name, data).hexdigest()
            for name in ('md5', 'sha1', 'sha256')}


class BlobMixin:
    """Helpers shared by the blob test classes."""

    def blob_path(self, artifact_id, field, key=None):
        path = '%s/%s' % (self.url(artifact_id), field)
        return path + ('/' + key if key is not None else '')

    def put_data(self, artifact_id, field, data, key=None, headers=None,
                 content_type='application/octet-stream'):
        return self.request('PUT', self.blob_path(artifact_id, field, key),
                            headers=self.user if headers is None
                            else headers, data=data,
                            content_type=content_type)

    def upload(self, artifact_id, field, data, key=None, **kw):
        resp = self.put_data(artifact_id, field, data, key, **kw)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.json()

    def download(self, artifact_id, field, key=None, headers=None):
        return self.request('GET', self.blob_path(artifact_id, field, key),
                            headers=self.user if headers is None
                            else headers)

    def assertDataHeaders(self, resp, data):
        """A download of data carries its length and digests."""
        sums = digests(data)
        self.assertEqual(sums['md5'], resp.headers['Content-MD5'])
        self.assertEqual(sums['sha1'],
                         resp.headers['X-Openstack-Glare-Content-SHA1'])
        self.assertEqual(sums['sha256'],
                         resp.headers['X-Openstack-Glare-Content-SHA256'])
        self.assertEqual(str(len(data)), resp.headers['Content-Length'])

    def store_files(self):
        """Names of the files in the server's filesystem store."""
        path = os.path.join(self.server.workdir, 'state', 'blobs')
        return sorted(os.listdir(path)) if os.path.isdir(path) else []

    def raw_put(self, artifact_id, field, head_headers, body_parts,
                close_early=False):
        """PUT over a raw socket: headers and body parts as given."""
        path = self.blob_path(artifact_id, field)
        sock = socket.create_connection(('127.0.0.1', self.server.port))
        try:
            lines = ['PUT %s HTTP/1.1' % path, 'Host: 127.0.0.1']
            headers = dict(self.user, **head_headers)
            lines += ['%s: %s' % kv for kv in headers.items()]
            sock.sendall(('\r\n'.join(lines) + '\r\n\r\n').encode())
            for part in body_parts:
                sock.sendall(part)
            if close_early:
                return None
            sock.settimeout(30)
            data = b''
            while b'\r\n\r\n' not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
            return int(data.split(b' ', 2)[1]) if data else None
        finally:
            sock.close()

    def wait_until(self, predicate, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.1)
        return predicate()


@base.with_backends
class UploadTests(BlobMixin):

    def test_upload_and_download(self):
        af = self.create()
        data = os.urandom(3 * 1024 * 1024 + 7)
        out = self.upload(af['id'], 'blob', data,
                          content_type='application/x-test')
        blob = out['blob']
        self.assertEqual(dict(digests(data), size=len(data),
                              status='active', external=False,
                              content_type='application/x-test',
                              url='/artifacts/sample_artifact/%s/blob'
                              % af['id']), blob)
        resp = self.download(af['id'], 'blob')
        self.assertEqual(200, resp.status_code)
        self.assertEqual(data, resp.content)
        self.assertDataHeaders(resp, data)
        self.assertEqual('application/x-test', resp.headers['Content-Type'])
        self.assertEqual('bytes', resp.headers['Accept-Ranges'])

    def test_html_is_served_as_untrusted_data(self):
        # the uploader names the type; a browser opening the download must
        # not run it as a page of the service's origin
        af = self.create()
        page = b'<html><script>alert(document.cookie)</script></html>'
        self.upload(af['id'], 'blob', page, content_type='text/html')
        resp = self.download(af['id'], 'blob')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual(page, resp.content)
        self.assertEqual('text/html', resp.headers['Content-Type'])
        self.assertEqual('nosniff', resp.headers['X-Content-Type-Options'])
        self.assertEqual("sandbox; default-src 'none'",
                         resp.headers['Content-Security-Policy'])
        resp = self.download(af['id'], 'blob', headers={'Range': 'bytes=1-5'})
        self.assertEqual(206, resp.status_code)
        self.assertEqual('nosniff', resp.headers['X-Content-Type-Options'])

    def test_chunked_upload(self):
        af = self.create()
        parts = [b'a' * 1000, b'b' * 70000, b'c']
        out = self.upload(af['id'], 'blob', iter(parts))
        data = b''.join(parts)
        self.assertEqual(len(data), out['blob']['size'])
        self.assertEqual(digests(data)['sha256'], out['blob']['sha256'])
        self.assertEqual(data, self.download(af['id'], 'blob').content)

    def test_empty_blob(self):
        af = self.create()
        out = self.upload(af['id'], 'blob', b'')
        self.assertEqual(0, out['blob']['size'])
        resp = self.download(af['id'], 'blob')
        self.assertEqual((200, b'', '0'), (resp.status_code, resp.content,
                                           resp.headers['Content-Length']))
        self.assertEqual(digests(b'')['md5'], resp.headers['Content-MD5'])
        resp = self.request('GET', self.blob_path(af['id'], 'blob'),
                            headers=dict(self.user, Range='bytes=-5'))
        self.assertError(416, resp)

    def test_reupload_replaces_and_deletes_old_data(self):
        before = self.store_files()
        af = self.create()
        self.upload(af['id'], 'blob', b'first')
        after_first = self.store_files()
        self.assertEqual(len(before) + 1, len(after_first))
        out = self.upload(af['id'], 'blob', b'second!')
        self.assertEqual(7, out['blob']['size'])
        self.assertEqual(b'second!', self.download(af['id'], 'blob').content)
        self.assertEqual(len(before) + 1, len(self.store_files()))
        self.assertNotEqual(after_first, self.store_files())

    def test_size_limit_known_length(self):
        before = self.store_files()
        af = self.create()
        resp = self.put_data(af['id'], 'small_blob', b'x' * 11)
        self.assertError(413, resp)
        self.assertIsNone(self.show(af['id'])['small_blob'])
        self.assertEqual(before, self.store_files())
        self.upload(af['id'], 'small_blob', b'x' * 10)

    def test_size_limit_chunked_keeps_previous_value(self):
        af = self.create()
        self.upload(af['id'], 'small_blob', b'old')
        files = self.store_files()
        resp = self.put_data(af['id'], 'small_blob',
                             iter([b'12345', b'67890', b'1']))
        self.assertError(413, resp)
        blob = self.show(af['id'])['small_blob']
        self.assertEqual(('active', 3), (blob['status'], blob['size']))
        self.assertEqual(b'old', self.download(af['id'],
                                               'small_blob').content)
        self.assertEqual(files, self.store_files())

    def test_folder_keys_and_room(self):
        af = self.create()
        self.upload(af['id'], 'dict_of_blobs', b'a' * 1500, key='dir/one')
        resp = self.put_data(af['id'], 'dict_of_blobs', b'b' * 600,
                             key='two')
        self.assertError(413, resp)
        out = self.upload(af['id'], 'dict_of_blobs', b'b' * 500, key='two')
        self.assertEqual({'dir/one', 'two'}, set(out['dict_of_blobs']))
        self.assertEqual(
            '/artifacts/sample_artifact/%s/dict_of_blobs/dir/one' % af['id'],
            out['dict_of_blobs']['dir/one']['url'])
        self.assertEqual(b'a' * 1500, self.download(
            af['id'], 'dict_of_blobs', 'dir/one').content)
        # replacing a key only needs room for its new size
        self.upload(af['id'], 'dict_of_blobs', b'c' * 1400, key='dir/one')
        self.assertError(404, self.download(af['id'], 'dict_of_blobs',
                                            'missing'))

    def test_bad_targets(self):
        af = self.create()
        self.assertError(400, self.put_data(af['id'], 'dict_of_blobs',
                                            b'x'), 'needs a key')
        self.assertError(400, self.put_data(af['id'], 'blob', b'x',
                                            key='k'))
        self.assertError(400, self.put_data(af['id'], 'int1', b'1'))
        self.assertError(400, self.put_data(af['id'], 'nope', b'1'))
        other = self.auth(self.new_project())
        self.assertError(404, self.put_data(af['id'], 'blob', b'x',
                                            headers=other))
        self.assertError(404, self.download(af['id'], 'blob',
                                            headers=other))
        self.assertError(404, self.download(af['id'], 'blob'))

    def test_immutable_blob_of_active_artifact(self):
        af = self.create()
        self.upload(af['id'], 'dict_of_blobs', b'x', key='k')
        self.activate(af['id'])
        self.assertError(403, self.put_data(af['id'], 'dict_of_blobs',
                                            b'y', key='k'),
                         'of an active artifact')
        # a mutable blob field stays writable
        self.upload(af['id'], 'blob', b'mutable')
        self.assertEqual(b'x', self.download(af['id'], 'dict_of_blobs',
                                             'k').content)

    def test_hook_rejects_data(self):
        before = self.store_files()
        af = self.create()
        self.assertError(400, self.put_data(af['id'], 'blob',
                                            b'invalid_data'))
        self.assertIsNone(self.show(af['id'])['blob'])
        self.assertEqual(before, self.store_files())

    def test_delete_blob_rules(self):
        af = self.create()
        path = self.blob_path(af['id'], 'blob')
        self.assertError(404, self.delete(path, headers=self.user))
        self.upload(af['id'], 'blob', b'data')
        resp = self.delete(path, headers=self.user)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertError(404, self.delete(path, headers=self.user))
        self.assertError(400, self.delete(self.blob_path(af['id'], 'int1'),
                                          headers=self.user))

    def test_artifact_delete_removes_data(self):
        before = self.store_files()
        af = self.create()
        self.upload(af['id'], 'blob', b'data')
        self.upload(af['id'], 'dict_of_blobs', b'more', key='k')
        self.assertEqual(len(before) + 2, len(self.store_files()))
        resp = self.delete(self.url(af['id']), headers=self.user)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.assertEqual(before, self.store_files())

    def test_missing_length_is_411(self):
        af = self.create()
        conn = http.client.HTTPConnection('127.0.0.1', self.server.port,
                                          timeout=30)
        conn.putrequest('PUT', self.blob_path(af['id'], 'blob'))
        for k, v in self.user.items():
            conn.putheader(k, v)
        conn.putheader('Content-Type', 'application/octet-stream')
        conn.endheaders()
        resp = conn.getresponse()
        self.assertEqual(411, resp.status)
        conn.close()

    def test_short_body_leaves_nothing(self):
        before = self.store_files()
        af = self.create()
        self.upload(af['id'], 'blob', b'keep me')
        files = self.store_files()
        put_line = 'PUT %s -> ' % self.blob_path(af['id'], 'blob')
        self.raw_put(af['id'], 'blob', {'Content-Length': '100000'},
                     [b'x' * 500], close_early=True)

        def restored():
            # the aborted PUT is over (its access line is written when it
            # ends: before it, the blob may not even be saving yet)
            if self.server.log_tail(10 ** 6).count(put_line) < 2:
                return False
            blob = self.show(af['id'])['blob']
            return blob['status'] == 'active' and \
                self.store_files() == files
        self.assertTrue(self.wait_until(restored), self.show(af['id']))
        self.assertEqual(b'keep me', self.download(af['id'], 'blob').content)
        self.assertEqual(len(before) + 1, len(files))

    def test_client_disconnects_mid_chunked_stream(self):
        af = self.create()
        files = self.store_files()
        self.raw_put(af['id'], 'blob', {'Transfer-Encoding': 'chunked'},
                     [b'%x\r\n%s\r\n' % (3000, b'z' * 3000)],
                     close_early=True)
        self.assertTrue(self.wait_until(
            lambda: self.show(af['id'])['blob'] is None and
            self.store_files() == files), self.show(af['id']))

    def test_saving_blocks_other_writes(self):
        af = self.create()
        release = threading.Event()
        started = threading.Event()

        def slow():
            yield b'a' * 1000
            started.set()
            release.wait(30)
            yield b'b' * 1000

        result = {}

        def upload():
            result['resp'] = self.put_data(af['id'], 'blob', slow())
        thread = threading.Thread(target=upload)
        thread.start()
        try:
            self.assertTrue(started.wait(30))
            self.assertTrue(self.wait_until(
                lambda: (self.show(af['id'])['blob'] or {}).get('status')
                == 'saving'))
            session = base.requests.Session()
            self.addCleanup(session.close)
            self.assertError(409, self.request(
                'PUT', self.blob_path(af['id'], 'blob'), headers=self.user,
                data=b'other', session=session))
            self.assertError(409, self.delete(self.url(af['id']),
                                              headers=self.user,
                                              session=session))
            self.assertError(409, self.download(af['id'], 'blob'))
            resp = self.request('PATCH', self.url(af['id']),
                                headers=self.user, session=session,
                                json_body=[{'op': 'replace',
                                            'path': '/string_required',
                                            'value': 'x'},
                                           {'op': 'replace',
                                            'path': '/status',
                                            'value': 'active'}],
                                content_type='application/json-patch+json')
            self.assertError(409, resp)
        finally:
            release.set()
            thread.join(60)
        self.assertEqual(200, result['resp'].status_code,
                         base.brief(result['resp']))
        self.assertEqual(2000, self.show(af['id'])['blob']['size'])


@base.with_backends
class RangeTests(BlobMixin):

    def setUp(self):
        super().setUp()
        self.data = bytes(range(256)) * 40
        self.af = self.create()
        self.upload(self.af['id'], 'blob', self.data)

    def ranged(self, header):
        return self.request('GET', self.blob_path(self.af['id'], 'blob'),
                            headers=dict(self.user, Range=header))

    def test_ranges(self):
        size = len(self.data)
        for header, first, last in (('bytes=2-5', 2, 5),
                                    ('bytes=10-', 10, size - 1),
                                    ('bytes=-3', size - 3, size - 1),
                                    ('bytes=100-999999', 100, size - 1),
                                    ('bytes=-999999', 0, size - 1)):
            resp = self.ranged(header)
            self.assertEqual(206, resp.status_code, header)
            self.assertEqual(self.data[first:last + 1], resp.content, header)
            self.assertEqual('bytes %d-%d/%d' % (first, last, size),
                             resp.headers['Content-Range'])
            self.assertEqual(str(last - first + 1),
                             resp.headers['Content-Length'])
            self.assertNotIn('Content-MD5', resp.headers)
            self.assertIn('X-Openstack-Glare-Content-SHA256', resp.headers)

    def test_unsatisfiable(self):
        resp = self.ranged('bytes=%d-' % len(self.data))
        self.assertError(416, resp)
        self.assertEqual('bytes */%d' % len(self.data),
                         resp.headers['Content-Range'])
        self.assertError(416, self.ranged('bytes=-0'))

    def test_ignored_ranges_serve_everything(self):
        for header in ('bytes=0-1,5-6', 'items=0-1', 'bytes=5-2', 'junk'):
            resp = self.ranged(header)
            self.assertEqual(200, resp.status_code, header)
            self.assertEqual(self.data, resp.content)
