"""glare-api: serve the API from worker processes under gunicorn."""

import gc
import select
import socket
import sys

from gunicorn.app import base as gunicorn_base
from gunicorn.http import body as gunicorn_body
from gunicorn.workers import gthread
from oslo_log import log as logging

from glare.common import config
from glare import conf as glare_conf

LOG = logging.getLogger(__name__)


class SocketBody(gunicorn_body.Body):
    """wsgi.input of a request with a Content-Length, read off the socket.

    gunicorn reads a body through its Unreader and Body buffers: a 1 MiB
    read() was a few recv()s of what the socket held, each appended to a
    BytesIO, joined, sliced and appended to another BytesIO. perf of a
    worker taking 256 MiB uploads: 31% of the request thread in memmove
    (0.11 s of CPU per 256 MiB), on a 2-core machine where the three
    digests already need all but a fraction of both cores. Here read(n)
    is one recv(n, MSG_WAITALL) into a new bytes object: the kernel's copy
    out of the socket is the only one.

    Bytes gunicorn read ahead with the headers come first, and the
    LengthReader's count stays right, so that gunicorn drains what the
    application left unread before the next request of the connection.
    readline() (and anything already in this Body's own buffer) goes the
    stock way.
    """

    def __init__(self, reader, sock):
        super().__init__(reader)
        self._sock = sock

    def read(self, size=None):
        if self.buf.tell():
            return super().read(size)
        reader = self.reader
        size = self.getsize(size)
        size = min(size, reader.length)
        if size <= 0:
            return b''
        try:
            data = self._read(reader, size)
        except Exception:
            self.failed = True
            raise
        if len(data) < size:
            reader.length = 0  # the client went away: end of the body
        else:
            reader.length -= size
        return data

    def _read(self, reader, size):
        unreader = reader.unreader
        held = unreader.buf.seek(0, 2)  # read ahead with the headers
        head = unreader.read(min(size, held)) if held else b''
        if len(head) == size:
            return head
        parts = [head] if head else []
        want = size - len(head)
        while want:
            # one system call, however the client's bytes arrive, unless
            # a timeout (set while gunicorn drains a body) cuts it short
            data = self._sock.recv(want, socket.MSG_WAITALL)
            if not data:
                break
            parts.append(data)
            want -= len(data)
        return parts[0] if len(parts) == 1 else b''.join(parts)


def _socket_body(req, sock):
    """req.body as a SocketBody when it is plain bytes of a known length."""
    body = getattr(req, 'body', None)
    if type(body) is gunicorn_body.Body and \
            type(body.reader) is gunicorn_body.LengthReader and \
            type(sock) is socket.socket:
        req.body = SocketBody(body.reader, sock)


class KeepAliveThreadWorker(gthread.ThreadWorker):
    """gthread, serving a kept-alive client's next request on its thread,
    and reading request bodies straight off the socket (SocketBody).

    Stock gthread gives a kept-alive connection back to the main thread's
    poller after every response, and its next request is handed to a pool
    thread again: two thread hand-offs a request, each a GIL hand-over.
    strace of a worker serving 1000 show requests of one keep-alive
    client: 42 system calls a request (10 to 26 futex, 2 epoll_wait, 2
    heartbeat utimensat), 22 with this worker (no futex); its CPU per
    request fell by a fifth. A thread waits at most LINGER seconds, and only
    while no other connection is queued for a thread; anything else (TLS,
    HTTP/2, a stopping worker) goes the stock way.
    """

    LINGER = 0.005

    def handle_request(self, req, conn):
        if not (self.cfg.is_ssl or conn.is_http2):
            _socket_body(req, conn.sock)
        return super().handle_request(req, conn)

    def handle(self, conn):
        keepalive = super().handle(conn)
        while keepalive is True and self._next_request_ready(conn):
            keepalive = super().handle(conn)
        return keepalive

    def set_accept_enabled(self, enabled):
        super().set_accept_enabled(enabled)
        if not enabled and not self.alive:
            # stopping: refuse new connections now rather than once the
            # requests in flight are done (until then they would wait
            # unanswered in the listen queue); closing twice is harmless
            for listener in self.sockets:
                listener.close()

    def _next_request_ready(self, conn):
        queue = getattr(self.tpool, '_work_queue', None)
        if (not self.alive or self.cfg.is_ssl or conn.is_http2 or
                queue is None or not queue.empty()):
            return False
        if conn.parser.unreader.buf.getvalue():
            return True  # read already, with the previous request
        readable, _w, _x = select.select([conn.sock], [], [], self.LINGER)
        return bool(readable)


class GlareServer(gunicorn_base.BaseApplication):
    """gunicorn embedded: pre-forked workers, native threads, no eventlet.

    Each worker builds its own application after the fork, so database
    connections are never shared between processes, and then starts its
    background work (post_worker_init).

    app_factory() returns the worker's glare.wsgi.API.
    """

    def __init__(self, conf, app_factory):
        self.conf = conf
        self.app_factory = app_factory
        self.api = None
        super().__init__()

    def load_config(self):
        settings = {
            'bind': '%s:%s' % (_host(self.conf.bind_host),
                               self.conf.bind_port),
            'workers': self.conf.workers,
            'worker_class': KeepAliveThreadWorker,
            'threads': 8,
            'keepalive': 75,
            'timeout': 600,
            'graceful_timeout': 600,
            'accesslog': None,
            'errorlog': '-',
            'loglevel': 'info',
            'proc_name': 'glare-api',
            'preload_app': False,
            'post_worker_init': _worker_ready,
        }
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self):
        self.api = self.app_factory()
        app = self.api.application
        # The ~130,000 objects of the loaded service live as long as the
        # worker; a full collection walked them all (130 ms here) now and
        # then in the middle of a request. Frozen, collections only look
        # at what requests allocate.
        gc.collect()
        gc.freeze()
        return app


def _worker_ready(worker):
    """gunicorn's post_worker_init: the worker built its API (load())."""
    from glare import wsgi  # imported by the app factory already
    wsgi.start_background_work(worker.app.api)


def _host(host):
    return '[%s]' % host if ':' in host and not host.startswith('[') \
        else host


def prepare(conf, argv):
    """Parse config, set up logging, create the schema when asked."""
    config.parse_args(argv, conf_obj=conf)
    config.setup_logging(conf)
    if conf.auto_create_schema:
        from glare.db import migration
        migration.ensure_schema(conf)


def main(argv=None):
    conf = glare_conf.CONF
    prepare(conf, sys.argv if argv is None else argv)

    def factory():
        from glare import wsgi
        return wsgi.build(conf)

    LOG.info('Starting glare-api on %s:%s with %d worker(s)',
             conf.bind_host, conf.bind_port, conf.workers)
    GlareServer(conf, factory).run()


if __name__ == '__main__':
    sys.exit(main())
