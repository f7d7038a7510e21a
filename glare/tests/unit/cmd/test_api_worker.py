"""KeepAliveThreadWorker: when a kept-alive connection stays on its thread."""

import io
import queue
import socket
import types

from gunicorn import config as gunicorn_config

from glare.cmd import api
from glare.tests import base


def _worker(alive=True, ssl=False, queued=0):
    worker = api.KeepAliveThreadWorker.__new__(api.KeepAliveThreadWorker)
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
        self.client.sendall(b'GET / HTTP/1.1\r\n')
        self.assertTrue(_worker()._next_request_ready(self.conn))

    def test_request_read_already(self):
        self.buffered.write(b'GET / HTTP/1.1\r\n')
        self.assertTrue(_worker()._next_request_ready(self.conn))

    def test_stock_path_otherwise(self):
        self.client.sendall(b'GET / HTTP/1.1\r\n')
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
        server.conf = types.SimpleNamespace(bind_host='127.0.0.1',
                                            bind_port=0, workers=1)
        server.cfg = gunicorn_config.Config()
        server.load_config()
        self.assertIs(api.KeepAliveThreadWorker, server.cfg.worker_class)
