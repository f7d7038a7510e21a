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

"""glare-api's HTTP worker: gunicorn's gthread with bounded client reads.

It extends gthread's worker and connection internals: what it relies on is
checked by glare/tests/unit/test_library_compat.py (TestGunicorn), and
requirements.txt caps gunicorn at the release those checks passed with.
"""

import collections
import errno
import functools
import select
import selectors
import socket
import struct
import threading
import time

from gunicorn import util as gunicorn_util
from gunicorn.workers import gthread

from glare.cmd import server_bodies as bodies
from glare.cmd import server_errors
from glare import exception

#: the largest request head (line and headers) read before a thread gets
#: the request: heads are buffered on the poller, so this bounds the
#: memory of a worker's connections (1000 x 64 KiB); gunicorn alone would
#: take up to 800 KiB in each of its threads
MAX_HEAD = 64 * 1024
#: gunicorn's ceiling of limit_request_line
MAX_REQUEST_LINE = 8190
#: after an error the server answered itself: how long, and how much of
#: what the client still sends, is read and dropped before closing, so
#: that its answer is not lost to a reset
ERROR_LINGER = 2.0
ERROR_LINGER_BYTES = 1 << 20
#: an idle new connection of a stopping worker is closed after this long
STOP_IDLE_LINGER = gthread.STOP_KEEPALIVE_LINGER

_current = threading.local()


def _head_state(head, scanned, line_cap):
    """'done' when head (bytearray) holds a whole request head, or one the
    parser refuses at once; 'large' when too large; else None.

    Only what came after `scanned` is searched, so that a head arriving a
    byte at a time costs linear time.
    """
    end = head.find(b'\r\n\r\n', max(scanned - 3, 0))
    if end >= 0:
        return 'done' if end + 4 <= MAX_HEAD else 'large'
    # RFC 9112 2.2: a line ends with CRLF; gunicorn refuses a bare LF at
    # once rather than wait for more
    skip = 2 if head[:2] == b'\r\n' else 0  # one empty line is allowed
    pos = head.find(b'\n', max(scanned, skip))
    line_ended = head.find(b'\n', skip, max(scanned, skip)) >= 0
    while pos >= 0:
        if pos == 0 or head[pos - 1] != 0x0D:
            return 'done'
        line_ended = True
        pos = head.find(b'\n', pos + 1)
    if line_cap and not line_ended and len(head) - skip > line_cap + 2:
        return 'done'  # gunicorn answers 414
    if len(head) > MAX_HEAD:
        return 'large'
    return None


class KeepAliveThreadWorker(gthread.ThreadWorker):
    """gthread, with three changes.

    A request's head (line and headers) is read on the main thread's
    poller, without blocking, and a pool thread gets the request only once
    its head is all there: stock gthread gives a thread any connection
    that has sent a byte, and the thread then waits, without a deadline,
    for the rest of the head, so that a few clients sending a byte a
    second held every thread. A head must arrive within
    HEADER_TIMEOUT seconds of its first byte (of the connection, for a new
    one): past it the client gets a 408 if it sent anything. Each recv()
    of a body waits at most BODY_TIMEOUT (SO_RCVTIMEO), and a body the
    application left unread (a 413 before the upload was read) is read
    and dropped, up to DRAIN_BYTES and DRAIN_TIMEOUT, so that a client
    that sends all of its body before reading the answer reads it.

    A kept-alive client's next request is served on its thread. Stock
    gthread gives a kept-alive connection back to the main thread's
    poller after every response, and its next request is handed to a pool
    thread again: two thread hand-offs a request, each a GIL hand-over.
    strace of a worker serving 1000 show requests of one keep-alive
    client: 42 system calls a request (10 to 26 futex, 2 epoll_wait, 2
    heartbeat utimensat), 22 with this worker (no futex); its CPU per
    request fell by a fifth. A thread waits at most LINGER seconds, and
    only while no other connection is queued for a thread, for a whole
    head.

    Errors gunicorn answers itself (a malformed request) are the JSON
    error document (server_errors). TLS and HTTP/2, which glare-api does
    not configure, go the stock way.
    """

    LINGER = 0.005
    HEADER_TIMEOUT = 20
    BODY_TIMEOUT = 60
    DRAIN_BYTES = 32 << 20
    DRAIN_TIMEOUT = 10

    @classmethod
    def configured(cls, conf):
        """This worker with the limits of the [DEFAULT] options."""
        return type(cls.__name__, (cls,), dict(
            HEADER_TIMEOUT=conf.client_header_timeout,
            BODY_TIMEOUT=conf.client_body_timeout,
            DRAIN_BYTES=conf.max_discarded_body_size,
            DRAIN_TIMEOUT=conf.discard_body_timeout))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # (deadline, generation, conn) of connections on the poller in a
        # state of ours; conn.glare_gen tells a stale entry
        self._waiting = collections.deque()

    # -- which connections are ours --------------------------------------
    def _stock(self):
        return self.cfg.is_ssl or 'h2' in (self.cfg.http_protocols or '')

    def _line_cap(self):
        limit = self.cfg.limit_request_line
        if limit == 0:
            return 0
        return limit if 0 < limit < MAX_REQUEST_LINE else MAX_REQUEST_LINE

    # -- the poller: heads, lingering closes, deadlines ------------------
    def accept(self, listener):
        if self._stock():
            return super().accept(listener)
        try:
            sock, addr = listener.accept()
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED,
                               errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = gthread.TConn(self.cfg, sock, addr, listener.getsockname())
        self._await_head(conn, b'')

    def on_client_socket_readable(self, conn, client):
        if self._stock():
            return super().on_client_socket_readable(conn, client)
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._await_head(conn, b'')
        self._on_head_readable(conn, client)

    def finish_request(self, conn, fs):
        if self._stock():
            return super().finish_request(conn, fs)
        try:
            result = fs.result() if not fs.cancelled() else False
        except Exception:
            result = False
        if result is True and conn.parser.unreader.buf.getvalue():
            # the client sent (part of) its next request already
            self._await_head(conn, conn.parser.unreader.take_buffered())
        elif result:
            super().finish_request(conn, fs)  # kept alive
        else:
            # stock gthread lingers here on the main thread, blocking
            # every connection of the worker for up to 2 s while a client
            # that was told to close keeps its connection open
            self._linger_close(conn)

    def _wait(self, conn, state, timeout, callback):
        conn.sock.setblocking(False)
        conn.glare_state = state
        conn.glare_gen = getattr(conn, 'glare_gen', 0) + 1
        conn.glare_since = time.monotonic()
        self._waiting.append((conn.glare_since + timeout, conn.glare_gen,
                              conn))
        self.poller.register(conn.sock, selectors.EVENT_READ,
                             functools.partial(callback, conn))

    def _unwait(self, conn):
        conn.glare_state = None
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass

    def _close(self, conn):
        self.nr_conns -= 1
        conn.close()

    def _await_head(self, conn, data):
        conn.glare_head = bytearray(data)
        conn.glare_scanned = 0
        if data and self._check_head(conn):
            return
        self._wait(conn, 'head', self.HEADER_TIMEOUT, self._on_head_readable)

    def _on_head_readable(self, conn, _client):
        if conn.glare_state != 'head':
            return
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b''
        if not data:  # the client went away
            self._unwait(conn)
            self._close(conn)
            return
        conn.glare_head += data
        self._check_head(conn)

    def _check_head(self, conn):
        """Hand over or refuse a finished head; whether it was."""
        state = _head_state(conn.glare_head, conn.glare_scanned,
                            self._line_cap())
        conn.glare_scanned = len(conn.glare_head)
        if state is None:
            return False
        if getattr(conn, 'glare_state', None) == 'head':
            self._unwait(conn)
        if state == 'large':
            self._answer(conn, 431, 'Request Header Fields Too Large',
                         'The request line and headers exceed %d bytes'
                         % MAX_HEAD)
        else:
            self._hand_over(conn)
        return True

    def _hand_over(self, conn):
        head = bytes(conn.glare_head)
        conn.glare_head = None
        if conn.parser is None:
            conn.init()  # the HTTP/1 parser: no TLS, no HTTP/2 here
        conn.parser.unreader.unread(head)
        conn.glare_first = head[:8192]
        conn.data_ready = True
        if not getattr(conn, 'glare_rcvtimeo', False):
            # bounds every blocking recv() of the pool threads: a body's
            # pauses (the heads are whole by then)
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO,
                                 struct.pack('ll', self.BODY_TIMEOUT, 0))
            conn.glare_rcvtimeo = True
        self.enqueue_req(conn)

    def _answer(self, conn, status, title, message):
        """Answer from the main thread, then linger and close."""
        data = server_errors.response(status, title, message,
                                      server_errors.path_of(conn.glare_head))
        self.log.warning('Invalid request from ip=%s: %s',
                         conn.client[0] if conn.client else '', message)
        try:
            conn.sock.send(data)  # small: fits the empty send buffer
        except OSError:
            pass
        self._linger_close(conn)

    def _linger_close(self, conn):
        """Close after the peer had a moment to read the answer.

        Closing with unread bytes from the client would reset the
        connection, and the client may lose the answer: the end is sent,
        what the client still sends is read and dropped on the poller
        (ERROR_LINGER, ERROR_LINGER_BYTES), then the socket closes.
        """
        try:
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self._close(conn)
            return
        conn.glare_left = ERROR_LINGER_BYTES
        self._wait(conn, 'linger', ERROR_LINGER, self._on_linger_readable)

    def _on_linger_readable(self, conn, _client):
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b''
        conn.glare_left -= len(data)
        if not data or conn.glare_left <= 0:
            self._unwait(conn)
            self._close(conn)

    def murder_pending(self):
        super().murder_pending()
        now = time.monotonic()
        waiting = self._waiting
        while waiting and waiting[0][0] <= now:
            self._expire(*waiting.popleft())
        if not self.alive:
            # stopping: idle connections go as kept-alive ones do
            for _deadline, gen, conn in list(waiting):
                if (conn.glare_state == 'head' and not conn.glare_head and
                        now - conn.glare_since >= STOP_IDLE_LINGER):
                    self._expire(None, gen, conn)

    def murder_keepalived(self, force=False):
        super().murder_keepalived(force)
        if force:
            while self._waiting:
                _deadline, gen, conn = self._waiting.popleft()
                if conn.glare_gen == gen and conn.glare_state:
                    self._unwait(conn)
                    self._close(conn)

    def _expire(self, _deadline, gen, conn):
        if conn.glare_gen != gen or conn.glare_state is None:
            return
        state = conn.glare_state
        self._unwait(conn)
        if state == 'head' and conn.glare_head:
            self._answer(conn, 408, 'Request Timeout',
                         'The request line and headers did not arrive '
                         'within %s seconds (client_header_timeout)'
                         % self.HEADER_TIMEOUT)
        else:
            self._close(conn)

    # -- the pool threads --------------------------------------------------
    def handle(self, conn):
        _current.conn = conn
        keepalive = super().handle(conn)
        while keepalive is True and self._next_request_ready(conn):
            keepalive = super().handle(conn)
        return keepalive

    def handle_request(self, req, conn):
        if not (self.cfg.is_ssl or conn.is_http2):
            bodies.timed_body(req, conn.sock)
        keepalive = super().handle_request(req, conn)
        return self._drain(req, conn) and keepalive

    def _drain(self, req, conn):
        """Read and drop what the application left of the body; whether
        all of it was (else the connection closes)."""
        body = req.body
        if body is None:
            return True
        if getattr(body, 'failed', False) or conn.is_http2:
            return False
        if not body.buf.tell() and getattr(body.reader, 'length', None) == 0:
            return True  # read to its end: the usual case
        deadline = time.monotonic() + self.DRAIN_TIMEOUT
        left = self.DRAIN_BYTES
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                conn.sock.settimeout(remaining)
                data = body.read(min(1 << 20, left + 1))
                if not data:
                    return True
                left -= len(data)
                if left < 0:
                    return False
        except (OSError, exception.GlareException, ValueError):
            body.failed = True
            return False
        finally:
            try:
                conn.sock.settimeout(None)
            except OSError:
                pass

    def handle_error(self, req, client, addr, exc):
        """gunicorn's choice of status and its log line, as JSON."""
        capture = server_errors.Capture()
        super().handle_error(req, capture, addr, exc)
        status, title = capture.status()
        if status is None:
            return
        path = getattr(req, 'path', None) or getattr(
            getattr(exc, 'req', None), 'path', None)
        if not isinstance(path, str):
            conn = getattr(_current, 'conn', None)
            path = server_errors.path_of(getattr(conn, 'glare_first', b''))
        data = server_errors.response(status, title, str(exc), path)
        try:
            gunicorn_util.write_nonblock(client, data)
        except Exception:
            self.log.debug('Failed to send error message.')

    def set_accept_enabled(self, enabled):
        super().set_accept_enabled(enabled)
        if not enabled and not self.alive:
            # stopping: refuse new connections now rather than once the
            # requests in flight are done (until then they would wait
            # unanswered in the listen queue); closing twice is harmless
            for listener in self.sockets:
                listener.close()

    def _next_request_ready(self, conn):
        """Whether the connection's next request head is all there."""
        queue = getattr(self.tpool, '_work_queue', None)
        if (not self.alive or self.cfg.is_ssl or conn.is_http2 or
                queue is None or not queue.empty()):
            return False
        held = conn.parser.unreader.buf.getvalue()
        if not held:
            readable, _w, _x = select.select([conn.sock], [], [],
                                             self.LINGER)
            if not readable:
                return False
            try:
                held = conn.sock.recv(MAX_HEAD, socket.MSG_PEEK |
                                      socket.MSG_DONTWAIT)
            except OSError:
                return True  # the thread meets the error as gunicorn does
            if not held:
                return True  # closed: gunicorn ends the connection
        if _head_state(bytearray(held), 0, 0) != 'done':
            return False  # the rest of the head arrives on the poller
        conn.glare_first = held[:8192]
        return True
