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

"""glare-api's HTTP server: malformed requests, early answers, its socket.

What these check happens in the server layer, before or around the
application, whatever the database: they run on SQLite only.
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import unittest

import requests

from glare.tests.functional import base
from glare.tests.functional import rawhttp
from glare.tests.functional import test_blobs

MIB = 1024 * 1024
HOST = b'Host: 127.0.0.1\r\n'
LONG_LINE = b'GET /artifacts/' + b'a' * 9000 + b' HTTP/1.1\r\n'


def _put(path, headers, body=b''):
    return (b'PUT ' + path + b' HTTP/1.1\r\n' + HOST + headers +
            b'Content-Type: application/octet-stream\r\n\r\n' + body)


class MalformedRequestTest(base.FunctionalTest):
    """Whatever gunicorn refuses is answered with the JSON error document."""

    BACKEND = 'sqlite'

    def setUp(self):
        super().setUp()
        with open(self.server.log_path, 'rb') as f:
            start = f.seek(0, 2)

        def no_crash():
            with open(self.server.log_path, 'rb') as f:
                f.seek(start)
                log = f.read().decode('utf-8', 'replace')
            for sign in ('Traceback', 'Booting worker', 'Worker exiting'):
                self.assertNotIn(sign, log)
        self.addCleanup(no_crash)

    def raw(self, request):
        answer = rawhttp.exchange(self.server.port, request)
        self.assertIsNotNone(answer, 'closed without an answer: %r'
                             % request[:200])
        return answer

    def assertJsonError(self, status, answer, v01=False):
        self.assertEqual(status, answer.status, answer)
        self.assertEqual('application/json; charset=UTF-8',
                         answer.headers.get('content-type'), answer)
        self.assertTrue(answer.headers.get(
            'x-openstack-request-id', '').startswith('req-'), answer)
        doc = answer.json()
        if v01:
            self.assertEqual(1, len(doc), doc)
            error = next(iter(doc.values()))
            self.assertEqual(status, error['code'], doc)
            self.assertIsInstance(error['message'], str, doc)
            return doc
        self.assertEqual(status, doc['code'], doc)
        self.assertIsInstance(doc['title'], str, doc)
        self.assertIsInstance(doc['explanation'], str, doc)
        self.assertIsInstance(doc['error']['message'], str, doc)
        self.assertIsInstance(doc['error']['type'], str, doc)
        return doc

    def requests_v1_and_v01(self, make):
        """make(path) for a v1 path and a v0.1 one."""
        return ((False, make(b'/artifacts/sample_artifact/x/blob')),
                (True, make(b'/v0.1/artifacts/sample_artifact/v1.0/x/blob')))

    def test_malformed_content_length(self):
        cases = {
            'not a number': b'Content-Length: abc\r\n',
            'negative': b'Content-Length: -1\r\n',
            'two values': b'Content-Length: 1\r\nContent-Length: 2\r\n',
            'and chunked': b'Content-Length: 1\r\n'
                           b'Transfer-Encoding: chunked\r\n',
        }
        for name, headers in cases.items():
            for v01, request in self.requests_v1_and_v01(
                    lambda p, h=headers: _put(p, h, b'x')):
                with self.subTest(name, v01=v01):
                    self.assertJsonError(400, self.raw(request), v01)

    def test_invalid_header_names(self):
        for header in (b'Bad Name: x\r\n', b'X(y): 1\r\n',
                       b': empty\r\n'):
            for v01, request in self.requests_v1_and_v01(
                    lambda p, h=header: b'GET ' + p + b' HTTP/1.1\r\n' +
                    HOST + h + b'\r\n'):
                with self.subTest(header, v01=v01):
                    self.assertJsonError(400, self.raw(request), v01)

    def test_request_line_over_the_limit(self):
        doc = self.assertJsonError(414, self.raw(LONG_LINE + HOST + b'\r\n'))
        self.assertEqual('RequestURITooLong', doc['error']['type'])
        self.assertJsonError(414, self.raw(
            b'GET /v0.1/' + b'a' * 9000 + b' HTTP/1.1\r\n' + HOST + b'\r\n'),
            v01=True)
        # the line alone, still without its end: answered at once
        self.assertJsonError(414, self.raw(LONG_LINE[:-2]))

    def test_invalid_request_lines(self):
        for line in (b'GARBAGE\r\n', b'GET / HTTP/9.9\r\n',
                     b'GET / HTTP/1.1 extra\r\n', b'get / HTTP/1.1\r\n',
                     b'GET\x01 / HTTP/1.1\r\n', b'GET /\x7f HTTP/1.1\r\n',
                     b'GET / HTTP/1.1\nHost: x\n\n'):
            with self.subTest(line):
                self.assertJsonError(400, self.raw(line + HOST + b'\r\n'))

    def test_headers_too_large(self):
        cases = {
            'one field': b'X-Big: ' + b'a' * 9000 + b'\r\n',
            'too many fields': b''.join(b'X-H%d: v\r\n' % i
                                        for i in range(120)),
            'whole head': b''.join(b'X-H%d: %s\r\n' % (i, b'a' * 4000)
                                   for i in range(20)),
        }
        for name, headers in cases.items():
            with self.subTest(name):
                doc = self.assertJsonError(431, self.raw(
                    b'GET /versions HTTP/1.1\r\n' + HOST + headers +
                    b'\r\n'))
                self.assertEqual('RequestHeaderFieldsTooLarge',
                                 doc['error']['type'])

    def test_transfer_codings(self):
        self.assertJsonError(501, self.raw(_put(
            b'/artifacts/sample_artifact/x/blob',
            b'Transfer-Encoding: foo\r\n')))
        self.assertJsonError(400, self.raw(_put(
            b'/artifacts/sample_artifact/x/blob',
            b'Transfer-Encoding: chunked, chunked\r\n')))
        self.assertJsonError(400, self.raw(
            b'PUT /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n'))

    def test_malformed_chunks(self):
        artifact = self.create()
        path = ('/artifacts/sample_artifact/%s/blob' % artifact['id'])
        auth = ('X-Auth-Token: %s\r\n' % self.user['X-Auth-Token']).encode()
        for name, body in (('size', b'zz\r\nabc\r\n0\r\n\r\n'),
                           ('terminator', b'3\r\nabcXX0\r\n\r\n'),
                           ('cut short', b'10\r\nabc')):
            with self.subTest(name):
                request = _put(path.encode(), auth +
                               b'Transfer-Encoding: chunked\r\n', body)
                with socket.create_connection(
                        ('127.0.0.1', self.server.port), timeout=10) as s:
                    s.sendall(request)
                    if name == 'cut short':
                        s.shutdown(socket.SHUT_WR)
                    answer = rawhttp.read_answer(s)
                self.assertJsonError(400, answer)
        # nothing was kept
        self.assertIsNone(self.show(artifact['id'])['blob'])

    def test_valid_requests_still_served(self):
        answer = self.raw(b'GET /versions HTTP/1.1\r\n' + HOST +
                          b'Connection: close\r\n\r\n')
        self.assertEqual(300, answer.status)
        # one empty line before the request line is allowed (RFC 9112)
        answer = self.raw(b'\r\nGET /versions HTTP/1.1\r\n' + HOST +
                          b'Connection: close\r\n\r\n')
        self.assertEqual(300, answer.status)


class EarlyAnswerTest(test_blobs.BlobMixin, base.FunctionalTest):
    """A 413 given before the body was read reaches a client that sends
    its whole body before reading the answer (requests, curl)."""

    BACKEND = 'sqlite'
    QUOTA = 2 * MIB
    DRAIN = 16 * MIB
    CONFIG = {'DEFAULT': {'max_uploaded_data': QUOTA,
                          'max_discarded_body_size': DRAIN}}

    def put_stream(self, artifact_id, field, size, chunked):
        whole = b'x' * size
        data = whole
        if chunked:
            step = 256 * 1024
            data = (whole[i:i + step] for i in range(0, size, step))
        return self.put_data(artifact_id, field, data)

    def test_field_cap(self):
        # small_blob holds 10 bytes
        for chunked in (False, True):
            with self.subTest(chunked=chunked):
                artifact = self.create()
                resp = self.put_stream(artifact['id'], 'small_blob',
                                       4 * MIB, chunked)
                self.assertError(413, resp)
                self.assertIsNone(self.show(artifact['id'])['small_blob'])

    def test_quota(self):
        for chunked in (False, True):
            with self.subTest(chunked=chunked):
                self.project = self.new_project()
                self.user = self.auth(self.project)
                artifact = self.create()
                resp = self.put_stream(artifact['id'], 'blob', 6 * MIB,
                                       chunked)
                self.assertError(413, resp)
                # the connection stays usable, or was closed cleanly
                self.assertEqual(200, self.get(
                    self.url(artifact['id']), headers=self.user).status_code)

    def test_curl(self):
        if shutil.which('curl') is None:
            raise unittest.SkipTest('curl is not installed')
        artifact = self.create()
        with tempfile.NamedTemporaryFile() as f:
            f.write(b'x' * (4 * MIB))
            f.flush()
            for chunked in ([], ['-H', 'Transfer-Encoding: chunked']):
                with self.subTest(chunked=bool(chunked)):
                    out = subprocess.run(
                        ['curl', '-sS', '-X', 'PUT', '--data-binary',
                         '@' + f.name, '-H',
                         'X-Auth-Token: ' + self.user['X-Auth-Token'],
                         '-H', 'Content-Type: application/octet-stream'] +
                        chunked + ['-w', '\n%{http_code}',
                                   self.server.url + self.blob_path(
                                       artifact['id'], 'small_blob')],
                        capture_output=True, timeout=60, check=True)
                    body, _sep, code = out.stdout.rpartition(b'\n')
                    self.assertEqual(b'413', code, out)
                    self.assertEqual(413, json.loads(body)['code'])

    def test_bounded(self):
        # past max_discarded_body_size the connection is closed: the
        # server does not read an upload of any size it refused
        artifact = self.create()
        total = self.DRAIN + 48 * MIB
        head = _put(self.blob_path(artifact['id'], 'small_blob').encode(),
                    b'X-Auth-Token: %s\r\nContent-Length: %d\r\n' % (
                        self.user['X-Auth-Token'].encode(), total))
        chunk = b'x' * MIB
        sent = 0
        with socket.create_connection(('127.0.0.1', self.server.port),
                                      timeout=20) as s:
            s.sendall(head)
            try:
                while sent < total:
                    s.sendall(chunk)
                    sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError, socket.timeout):
                pass
        # what the kernel buffers on both ends comes on top of the bound
        self.assertLess(sent, self.DRAIN + 16 * MIB)


class SharedHomeServer(base.GlareServer):
    """A glare-api whose HOME is given and with no XDG_RUNTIME_DIR."""

    def __init__(self, workdir, home):
        super().__init__(workdir, 'sqlite:///%s' % os.path.join(
            workdir, 'state', 'glare.sqlite'))
        self.home = home

    def spawn(self, attempt):
        argv, env = super().spawn(attempt)
        env['HOME'] = self.home
        env.pop('XDG_RUNTIME_DIR', None)
        return argv, env


class SameHomeTest(unittest.TestCase):
    """Two glare-api of one user keep out of each other's way."""

    def test_two_servers_one_home(self):
        root = tempfile.mkdtemp(prefix='glare-home-')
        self.addCleanup(shutil.rmtree, root, True)
        home = os.path.join(root, 'home')
        os.makedirs(home)
        servers = []
        for name in ('a', 'b'):
            workdir = os.path.join(root, name)
            os.makedirs(workdir)
            server = SharedHomeServer(workdir, home)
            self.addCleanup(server.stop)
            server.start()
            servers.append(server)
        for server in servers:
            self.assertEqual(300, requests.get(server.url + '/versions',
                                               timeout=10).status_code)
        # no per-user control socket to share (or to leave behind)
        self.assertFalse(os.path.exists(os.path.join(home, '.gunicorn')))
        self.assertEqual([], [os.path.join(d, f) for d, _s, files in
                              os.walk(root) for f in files
                              if f.endswith('.ctl')])
        servers[0].stop()
        self.assertEqual(300, requests.get(servers[1].url + '/versions',
                                           timeout=10).status_code)
        for server in servers:
            with open(server.log_path) as f:
                self.assertNotIn('control socket', f.read().lower())
