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

"""Slow and idle clients cannot starve glare-api's worker threads.

Server-layer behaviour, whatever the database: SQLite only.
"""

import socket
import threading
import time

import requests

from glare.tests.functional import base
from glare.tests.functional import rawhttp
from glare.tests.functional import test_blobs

SLOW = 100          # connections sending their head a byte a second
HOLD = 30           # seconds they are held
FAST_LIMIT = 1.0    # seconds a normal request may take meanwhile
SLOW_HEAD = (b'GET /versions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ' +
             b'a' * 200)


class _Trickle(threading.Thread):
    """Sends each socket the next byte of SLOW_HEAD once a second."""

    def __init__(self, socks, seconds):
        super().__init__(daemon=True)
        self.socks = socks
        self.seconds = seconds
        self.sent = 0
        self.errors = []

    def run(self):
        for i in range(self.seconds):
            for s in self.socks:
                try:
                    s.send(SLOW_HEAD[i:i + 1])
                except OSError as e:
                    self.errors.append(e)
            self.sent = i + 1
            time.sleep(1)


class SlowHeadsTest(base.FunctionalTest):
    """100 heads a byte a second for 30 s; normal requests still fast."""

    BACKEND = 'sqlite'
    # longer than HOLD: the slow heads are kept, not cut at the deadline
    CONFIG = {'DEFAULT': {'client_header_timeout': HOLD + 30}}

    def test_slow_heads_do_not_hold_the_threads(self):
        socks = []
        try:
            for _i in range(SLOW):
                socks.append(socket.create_connection(
                    ('127.0.0.1', self.server.port), timeout=10))
            trickle = _Trickle(socks, HOLD)
            trickle.start()
            timings = []
            session = requests.Session()
            self.addCleanup(session.close)
            deadline = time.monotonic() + HOLD
            while time.monotonic() < deadline:
                for client in (requests, session):  # new and kept-alive
                    start = time.monotonic()
                    resp = client.get(self.server.url + '/versions',
                                      timeout=FAST_LIMIT * 5)
                    timings.append(time.monotonic() - start)
                    self.assertEqual(300, resp.status_code)
                time.sleep(0.1)
            trickle.join(5)
            self.assertEqual([], trickle.errors)
            self.assertGreater(len(timings), 100)
            self.assertLess(max(timings), FAST_LIMIT,
                            '%d requests, slowest %.3f s' % (
                                len(timings), max(timings)))
            # the slow heads were kept all along: each is served once it
            # ends
            for s in socks:
                s.sendall(SLOW_HEAD[trickle.sent:] + b'\r\n\r\n')
            for s in socks:
                answer = rawhttp.read_answer(s)
                self.assertIsNotNone(answer)
                self.assertEqual(300, answer.status, answer)
        finally:
            for s in socks:
                s.close()


    def test_clients_that_do_not_close(self):
        # told to close, these clients keep their connections open: the
        # server's lingering close must not stall everyone else meanwhile
        socks = []
        try:
            for _i in range(5):
                s = socket.create_connection(
                    ('127.0.0.1', self.server.port), timeout=10)
                socks.append(s)
                s.sendall(b'GET /versions HTTP/1.1\r\nHost: h\r\n'
                          b'Connection: close\r\n\r\n')
                self.assertEqual(300, rawhttp.read_answer(s).status)
            start = time.monotonic()
            resp = requests.get(self.server.url + '/versions',
                                timeout=FAST_LIMIT * 20)
            self.assertEqual(300, resp.status_code)
            self.assertLess(time.monotonic() - start, FAST_LIMIT)
            # and each is closed in the end
            for s in socks:
                self.assertEqual(b'', s.recv(100))
        finally:
            for s in socks:
                s.close()


class DeadlinesTest(test_blobs.BlobMixin, base.FunctionalTest):
    """Past client_header_timeout / client_body_timeout: a 408 or a close."""

    BACKEND = 'sqlite'
    TIMEOUT = 2
    CONFIG = {'DEFAULT': {'client_header_timeout': TIMEOUT,
                          'client_body_timeout': TIMEOUT}}

    def connect(self):
        s = socket.create_connection(('127.0.0.1', self.server.port),
                                     timeout=10)
        self.addCleanup(s.close)
        return s

    def assertTimedOut(self, answer, started, v01=False):
        waited = time.monotonic() - started
        self.assertIsNotNone(answer)
        self.assertEqual(408, answer.status, answer)
        self.assertEqual('application/json; charset=UTF-8',
                         answer.headers.get('content-type'), answer)
        self.assertTrue(answer.headers.get(
            'x-openstack-request-id', '').startswith('req-'), answer)
        doc = answer.json()
        if v01:
            self.assertEqual(408, doc['error']['code'], doc)
        else:
            self.assertEqual(408, doc['code'], doc)
            self.assertEqual('RequestTimeout', doc['error']['type'], doc)
        self.assertGreater(waited, self.TIMEOUT - 0.5)
        self.assertLess(waited, self.TIMEOUT + 3)
        return doc

    def test_head_not_finished(self):
        for path, v01 in ((b'/versions', False), (b'/v0.1/artifacts', True)):
            with self.subTest(v01=v01):
                s = self.connect()
                started = time.monotonic()
                s.sendall(b'GET ' + path + b' HTTP/1.1\r\nHost: 127.0.0')
                self.assertTimedOut(rawhttp.read_answer(s), started, v01)

    def test_kept_alive_head_not_finished(self):
        s = self.connect()
        s.sendall(b'GET /versions HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
        self.assertEqual(300, rawhttp.read_answer(s).status)
        time.sleep(self.TIMEOUT + 1)  # idle kept-alive: no deadline yet
        started = time.monotonic()
        s.sendall(b'GET /versions HTTP/1.1\r\nHo')
        self.assertTimedOut(rawhttp.read_answer(s), started)

    def test_nothing_sent(self):
        s = self.connect()
        started = time.monotonic()
        self.assertEqual(b'', s.recv(100))  # closed without an answer
        self.assertLess(time.monotonic() - started, self.TIMEOUT + 3)

    def test_body_pause(self):
        for chunked in (False, True):
            with self.subTest(chunked=chunked):
                artifact = self.create()
                path = self.blob_path(artifact['id'], 'blob').encode()
                framing = (b'Transfer-Encoding: chunked\r\n\r\n5\r\nabcde'
                           if chunked else
                           b'Content-Length: 1000\r\n\r\nabcde')
                s = self.connect()
                s.sendall(b'PUT ' + path + b' HTTP/1.1\r\nHost: h\r\n'
                          b'X-Auth-Token: ' +
                          self.user['X-Auth-Token'].encode() +
                          b'\r\nContent-Type: application/octet-stream\r\n'
                          + framing)
                started = time.monotonic()
                self.assertTimedOut(rawhttp.read_answer(s), started)
                self.assertIsNone(self.show(artifact['id'])['blob'])

    def test_slow_but_steady_head_is_served(self):
        s = self.connect()
        head = b'GET /versions HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'
        for i in range(0, len(head), 4):  # about a second in all
            s.sendall(head[i:i + 4])
            time.sleep(0.08)
        self.assertEqual(300, rawhttp.read_answer(s).status)
