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

"""KeepAliveThreadWorker: when a kept-alive connection stays on its thread."""

import io
import queue
import socket
import types

from gunicorn import config as gunicorn_config

from glare.cmd import api
from glare.cmd import server as glare_server
from glare.tests import base


HEAD = b'GET / HTTP/1.1\r\nHost: h\r\n\r\n'


def _worker(alive=True, ssl=False, queued=0):
    worker = glare_server.KeepAliveThreadWorker.__new__(
        glare_server.KeepAliveThreadWorker)
    worker.alive = alive
    worker.cfg = types.SimpleNamespace(is_ssl=ssl)
    work = queue.SimpleQueue()
    for _i in range(queued):
        work.put(None)
    worker.tpool = types.SimpleNamespace(_work_queue=work)
    return worker


class TestNextRequestReady(base.TestCase):

    def setUp(self):
        super().setUp()
        self.server, self.client = socket.socketpair()
        self.addCleanup(self.server.close)
        self.addCleanup(self.client.close)
        self.buffered = io.BytesIO()
        self.conn = types.SimpleNamespace(
            sock=self.server, is_http2=False,
            parser=types.SimpleNamespace(
                unreader=types.SimpleNamespace(buf=self.buffered)))

    def test_waits_briefly_for_the_next_request(self):
        self.assertFalse(_worker()._next_request_ready(self.conn))
        self.client.sendall(HEAD)
        self.assertTrue(_worker()._next_request_ready(self.conn))
        # only peeked at: the parser reads it
        self.assertEqual(HEAD, self.server.recv(100))

    def test_request_read_already(self):
        self.buffered.write(HEAD)
        self.assertTrue(_worker()._next_request_ready(self.conn))

    def test_a_head_not_whole_goes_to_the_poller(self):
        # a thread would wait for the rest of it
        self.client.sendall(HEAD[:-2])
        self.assertFalse(_worker()._next_request_ready(self.conn))
        self.buffered.write(HEAD[:5])
        self.assertFalse(_worker()._next_request_ready(self.conn))

    def test_stock_path_otherwise(self):
        self.client.sendall(HEAD)
        # another connection waits for a thread, the worker stops, TLS,
        # HTTP/2, or a thread pool without the queue gthread has today
        self.assertFalse(_worker(queued=1)._next_request_ready(self.conn))
        self.assertFalse(_worker(alive=False)._next_request_ready(self.conn))
        self.assertFalse(_worker(ssl=True)._next_request_ready(self.conn))
        worker = _worker()
        worker.tpool = object()
        self.assertFalse(worker._next_request_ready(self.conn))
        self.conn.is_http2 = True
        self.assertFalse(_worker()._next_request_ready(self.conn))

    def test_glare_api_uses_it(self):
        server = api.GlareServer.__new__(api.GlareServer)
        server.conf = types.SimpleNamespace(
            bind_host='127.0.0.1', bind_port=0, workers=1,
            client_header_timeout=7, client_body_timeout=8,
            max_discarded_body_size=9, discard_body_timeout=10)
        server.cfg = gunicorn_config.Config()
        server.load_config()
        worker = server.cfg.worker_class
        self.assertTrue(issubclass(worker,
                                   glare_server.KeepAliveThreadWorker))
        self.assertEqual((7, 8, 9, 10), (
            worker.HEADER_TIMEOUT, worker.BODY_TIMEOUT, worker.DRAIN_BYTES,
            worker.DRAIN_TIMEOUT))
        self.assertTrue(server.cfg.control_socket_disable)
