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

"""SocketBody: request bodies of a known length read off the socket."""

import socket
import threading

from gunicorn import config as gunicorn_config
from gunicorn.http import parser as gunicorn_parser

from glare.cmd import server_bodies as api
from glare.tests import base


class TestSocketBody(base.TestCase):

    def setUp(self):
        super().setUp()
        self.server, self.client = socket.socketpair()
        self.addCleanup(self.server.close)
        self.addCleanup(self.client.close)
        self.parser = gunicorn_parser.RequestParser(
            gunicorn_config.Config(), self.server, ('127.0.0.1', 1))

    def _send(self, data):
        t = threading.Thread(target=self.client.sendall, args=(data,))
        t.start()
        self.addCleanup(t.join)

    def _request(self, body, extra=b''):
        self._send(b'PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n'
                   % len(body) + body + extra)
        req = next(self.parser)
        api.timed_body(req, self.server)
        self.assertIsInstance(req.body, api.SocketBody)
        return req

    def test_reads_exact_sizes_across_the_header_read(self):
        body = bytes(range(256)) * 41000  # 10 MiB and 10,240 bytes
        req = self._request(body)
        got = [req.body.read(1 << 20) for _i in range(10)]
        self.assertEqual([1 << 20] * 10, [len(g) for g in got])
        rest = req.body.read(1 << 20)
        self.assertEqual(b''.join(got) + rest, body)
        self.assertEqual(b'', req.body.read(1 << 20))

    def test_read_all_readline_and_the_next_request(self):
        req = self._request(b'line one\nline two\nrest', b'GET /n HTTP/1.1'
                            b'\r\nHost: h\r\n\r\n')
        self.assertEqual(b'line one\n', req.body.readline())
        self.assertEqual(b'line two\nrest', req.body.read())
        nxt = next(self.parser)
        self.assertEqual('/n', nxt.path)

    def test_unread_body_is_drained_before_the_next_request(self):
        req = self._request(b'x' * (3 << 20), b'GET /n HTTP/1.1\r\nHost: h'
                            b'\r\n\r\n')
        self.assertEqual(b'x' * 100, req.body.read(100))
        nxt = next(self.parser)
        self.assertEqual('/n', nxt.path)

    def test_client_gone_ends_the_body_early(self):
        self.client.sendall(b'PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: '
                            b'1000\r\n\r\nabc')
        req = next(self.parser)
        api.timed_body(req, self.server)
        self.client.sendall(b'def')
        self.client.shutdown(socket.SHUT_WR)
        self.assertEqual(b'abcdef', req.body.read(1000))
        self.assertEqual(b'', req.body.read(1000))

    def test_chunked_bodies_stay_with_gunicorn(self):
        self._send(b'PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: '
                   b'chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n')
        req = next(self.parser)
        api.timed_body(req, self.server)
        self.assertNotIsInstance(req.body, api.SocketBody)
        self.assertIsInstance(req.body, api.TimedBody)
        self.assertEqual(b'abc', req.body.read())


class TestBodyErrors(base.TestCase):
    """What goes wrong reading a body is the client's error, as JSON."""

    def _request(self, head):
        self.server, self.client = socket.socketpair()
        self.addCleanup(self.server.close)
        self.addCleanup(self.client.close)
        parser = gunicorn_parser.RequestParser(
            gunicorn_config.Config(), self.server, ('127.0.0.1', 1))
        self.client.sendall(b'PUT /x HTTP/1.1\r\nHost: h\r\n' + head)
        req = next(parser)
        api.timed_body(req, self.server)
        return req

    def test_pause_is_a_request_timeout(self):
        for head in (b'Content-Length: 10\r\n\r\nabc',
                     b'Transfer-Encoding: chunked\r\n\r\n3\r\nabc'):
            with self.subTest(head):
                req = self._request(head)
                self.server.settimeout(0.05)  # as SO_RCVTIMEO would
                err = self.assertRaises(
                    api.server_errors.RequestTimeout, req.body.read, 10)
                self.assertEqual(408, err.code)
                self.assertTrue(req.body.failed)

    def test_malformed_chunks_are_bad_requests(self):
        req = self._request(b'Transfer-Encoding: chunked\r\n\r\nzz\r\n')
        err = self.assertRaises(api.exception.BadRequest, req.body.read)
        self.assertIn('chunk', str(err))
        self.assertTrue(req.body.failed)

    def test_cut_short_is_a_bad_request(self):
        req = self._request(b'Transfer-Encoding: chunked\r\n\r\n10\r\nab')
        self.client.shutdown(socket.SHUT_WR)
        self.assertRaises(api.exception.BadRequest, req.body.read)
