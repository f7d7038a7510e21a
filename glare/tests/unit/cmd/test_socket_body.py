"""SocketBody: request bodies of a known length read off the socket."""

import socket
import threading

from gunicorn import config as gunicorn_config
from gunicorn.http import parser as gunicorn_parser

from glare.cmd import api
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
        api._socket_body(req, self.server)
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
        api._socket_body(req, self.server)
        self.client.sendall(b'def')
        self.client.shutdown(socket.SHUT_WR)
        self.assertEqual(b'abcdef', req.body.read(1000))
        self.assertEqual(b'', req.body.read(1000))

    def test_chunked_bodies_stay_with_gunicorn(self):
        self._send(b'PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: '
                   b'chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n')
        req = next(self.parser)
        api._socket_body(req, self.server)
        self.assertNotIsInstance(req.body, api.SocketBody)
        self.assertEqual(b'abc', req.body.read())
