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

"""Blob locations over real HTTP: verified external URLs, SSRF guard,
redirect and proxy downloads, internal locations."""

import hashlib
import http.server
import threading

import requests

from glare.tests.functional import base
from glare.tests.functional import test_blobs

LOCATION_TYPE = 'application/vnd+openstack.glare-custom-location+json'
DATA = b'external data ' * 1000


class _Origin(http.server.BaseHTTPRequestHandler):
    """/data: DATA; /redirect?to=URL: 302 to URL; counts requests."""

    hits = []

    def do_GET(self):
        type(self).hits.append(self.path)
        if self.path.startswith('/redirect?to='):
            self.send_response(302)
            self.send_header('Location', self.path[len('/redirect?to='):])
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        if self.path == '/changed':
            body = DATA.upper()  # same length, other bytes
        elif self.path == '/data':
            body = DATA
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header('Content-Type', 'application/x-origin')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self):
        self.send_response(200 if self.path == '/data' else 404)
        self.send_header('Content-Length', str(len(DATA)))
        self.end_headers()

    def log_message(self, *args):
        pass


def _serve(host):
    server = http.server.ThreadingHTTPServer((host, 0), _Origin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class LocationMixin(test_blobs.BlobMixin):

    @classmethod
    def setUpClass(cls):
        cls.origin = _serve('127.0.0.1')
        cls.addClassCleanup(cls.origin.server_close)
        cls.addClassCleanup(cls.origin.shutdown)
        cls.private = _serve('127.0.0.2')
        cls.addClassCleanup(cls.private.server_close)
        cls.addClassCleanup(cls.private.shutdown)
        super().setUpClass()

    def origin_url(self, path='/data', server=None):
        host, port = (server or self.origin).server_address[:2]
        return 'http://%s:%d%s' % (host, port, path)

    def set_location(self, artifact_id, field, body, key=None,
                     headers=None):
        return self.request('PUT', self.blob_path(artifact_id, field, key),
                            headers=self.user if headers is None
                            else headers, json_body=body,
                            content_type=LOCATION_TYPE)


@base.with_backends
class VerifiedLocationTests(LocationMixin):
    """Defaults, with the origin server's address allow-listed as if it
    were a public host (127.0.0.2 stays private)."""

    CONFIG = {'locations': {'allowed_networks': '127.0.0.1/32'}}

    def test_verified_external_location(self):
        af = self.create()
        md5 = hashlib.md5(DATA).hexdigest()
        resp = self.set_location(af['id'], 'blob', {
            'url': self.origin_url(), 'md5': md5})
        self.assertEqual(200, resp.status_code, base.brief(resp))
        blob = resp.json()['blob']
        self.assertEqual({
            'url': self.origin_url(), 'size': len(DATA), 'md5': md5,
            'sha1': hashlib.sha1(DATA).hexdigest(),
            'sha256': hashlib.sha256(DATA).hexdigest(), 'external': True,
            'status': 'active', 'content_type': 'application/x-origin'},
            blob)
        down = self.download(af['id'], 'blob')
        self.assertEqual(301, down.status_code)
        self.assertEqual(self.origin_url(), down.headers['Location'])
        self.assertEqual(md5, down.headers['Content-MD5'])
        self.assertEqual(blob['sha256'],
                         down.headers['X-Openstack-Glare-Content-SHA256'])
        # a location over an existing blob
        self.assertError(409, self.set_location(af['id'], 'blob', {
            'url': self.origin_url()}))
        # upload over an external blob: delete the location first
        self.assertError(409, self.put_data(af['id'], 'blob', b'x'))
        resp = self.delete(self.blob_path(af['id'], 'blob'),
                           headers=self.user)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertIsNone(resp.json()['blob'])
        self.upload(af['id'], 'blob', b'now stored')

    def test_checksum_mismatch(self):
        af = self.create()
        self.assertError(400, self.set_location(af['id'], 'blob', {
            'url': self.origin_url(), 'sha256': '0' * 64}), 'sha256')
        self.assertIsNone(self.show(af['id'])['blob'])

    def test_size_limits_apply_to_external_data(self):
        af = self.create()
        self.assertError(413, self.set_location(af['id'], 'small_blob', {
            'url': self.origin_url()}))
        # dict_of_blobs holds 2000 bytes; DATA is bigger
        self.assertError(413, self.set_location(af['id'], 'dict_of_blobs', {
            'url': self.origin_url()}, key='k'))
        self.assertEqual({}, self.show(af['id'])['dict_of_blobs'])

    def test_private_and_bad_urls_refused(self):
        af = self.create()
        before = len(_Origin.hits)
        port = self.private.server_address[1]
        for url in ('http://169.254.169.254/latest/meta-data/',
                    'http://2130706433/', 'http://0x7f000001/',
                    'http://[::1]/', 'http://127.0.0.2:%d/data' % port,
                    'http://[::ffff:127.0.0.2]:%d/data' % port,
                    'http://0177.0.0.2:%d/data' % port,
                    'file:///etc/passwd', 'filesystem:///etc/passwd',
                    'swift+config://ref/c/o', 'gopher://x/', 'nonsense',
                    # public (allow-listed) URL redirecting to a private one
                    self.origin_url('/redirect?to=' + self.origin_url(
                        server=self.private))):
            self.assertError(400, self.set_location(af['id'], 'blob', {
                'url': url}), message_contains=None)
        self.assertEqual(['/redirect?to=' + self.origin_url(
            server=self.private)], _Origin.hits[before:])
        self.assertIsNone(self.show(af['id'])['blob'])

    def test_bad_bodies(self):
        af = self.create()
        for body in ({}, {'url': 5}, {'url': self.origin_url(),
                                      'md5': 'xyz'},
                     {'url': self.origin_url(), 'unknown': 1},
                     {'url': self.origin_url(), 'location_type': 'other'},
                     ['not', 'an', 'object']):
            self.assertError(400, self.set_location(af['id'], 'blob', body))

    def test_internal_locations(self):
        af = self.create()
        self.assertError(403, self.set_location(af['id'], 'blob', {
            'url': self.origin_url(), 'location_type': 'internal'}))
        for url in ('file:///etc/passwd', 'filesystem:///x',
                    'swift+config://ref/c/o', 'sql://x'):
            self.assertError(403, self.set_location(af['id'], 'blob', {
                'url': url, 'location_type': 'internal'},
                headers=self.admin))
        self.assertError(400, self.set_location(af['id'], 'blob', {
            'url': 'unknown-scheme://x/y', 'location_type': 'internal'},
            headers=self.admin))
        self.assertIsNone(self.show(af['id'])['blob'])


@base.with_backends
class InternalLocationTests(LocationMixin):
    """An admin points a blob at data in a configured store (the http
    store here); the service streams it and never deletes it. The http
    store fetches URLs too: the same address rules apply."""

    CONFIG = {'locations': {'allowed_networks': '127.0.0.1/32'}}

    def test_internal_http_location_to_private_address(self):
        af = self.create(headers=self.admin)
        self.assertError(400, self.set_location(af['id'], 'blob', {
            'url': self.origin_url(server=self.private),
            'location_type': 'internal'}, headers=self.admin))

    def test_internal_http_location(self):
        af = self.create(headers=self.admin)
        resp = self.set_location(af['id'], 'blob', {
            'url': self.origin_url(), 'location_type': 'internal'},
            headers=self.admin)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        blob = resp.json()['blob']
        self.assertFalse(blob['external'])
        self.assertEqual(len(DATA), blob['size'])
        self.assertNotIn('127.0.0.1', blob['url'])  # never shown
        down = self.download(af['id'], 'blob', headers=self.admin)
        self.assertEqual(200, down.status_code, base.brief(down))
        self.assertEqual(DATA, down.content)
        resp = self.delete(self.url(af['id']), headers=self.admin)
        self.assertEqual(204, resp.status_code, base.brief(resp))


@base.with_backends
class ProxyLocationTests(LocationMixin):
    """Upstream-compatible checks and downloads through the service."""

    CONFIG = {'locations': {'verify_external': 'False',
                            'allow_private_networks': 'True',
                            'external_download': 'proxy'}}

    def test_unverified_location_and_proxy_download(self):
        af = self.create()
        before = len(_Origin.hits)
        md5 = hashlib.md5(DATA).hexdigest()
        resp = self.set_location(af['id'], 'blob', {
            'url': self.origin_url(), 'md5': md5})
        self.assertEqual(200, resp.status_code, base.brief(resp))
        blob = resp.json()['blob']
        self.assertEqual((None, md5, None), (blob['size'], blob['md5'],
                                             blob['sha256']))
        self.assertEqual(before, len(_Origin.hits))  # nothing fetched
        down = self.download(af['id'], 'blob')
        self.assertEqual(200, down.status_code, base.brief(down))
        self.assertEqual(DATA, down.content)
        self.assertEqual(md5, down.headers['Content-MD5'])
        self.assertEqual('application/x-origin',
                         down.headers['Content-Type'])

    def test_changed_data_is_cut_short(self):
        af = self.create()
        resp = self.set_location(af['id'], 'blob', {
            'url': self.origin_url('/changed'),
            'sha256': hashlib.sha256(DATA).hexdigest()})
        self.assertEqual(200, resp.status_code, base.brief(resp))
        # the body stops one byte short of its Content-Length
        self.assertRaises(requests.exceptions.RequestException,
                          self.download, af['id'], 'blob')

    def test_unresolvable_host_stored_as_given(self):
        af = self.create()
        resp = self.set_location(af['id'], 'blob', {
            'url': 'http://no-such-host.invalid/x'})
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertError(502, self.download(af['id'], 'blob'))

    def test_non_http_schemes_still_refused(self):
        af = self.create()
        for url in ('file:///etc/passwd', 'ftp://x/y'):
            self.assertError(400, self.set_location(af['id'], 'blob', {
                'url': url}))
