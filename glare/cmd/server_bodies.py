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

"""glare-api's request bodies: client errors and pauses as Glare errors,
and a known-length body read straight off the socket."""

import socket

from gunicorn.http import body as gunicorn_body
from gunicorn.http import errors as gunicorn_errors

from glare.cmd import server_errors
from glare import exception

#: what a socket read raises when the client sent nothing in time
IDLE = (BlockingIOError, TimeoutError)


def _timed_out(body):
    body.failed = True
    return server_errors.RequestTimeout(
        'The request body paused for longer than the server waits '
        '(client_body_timeout)')


class TimedBody(gunicorn_body.Body):
    """wsgi.input whose errors are the client's, as Glare exceptions.

    A read pausing longer than client_body_timeout is a 408
    (RequestTimeout), malformed chunks or a body cut short a 400: the
    application answers them as JSON, where they were 500s.
    """

    def _read_reader(self, size):
        try:
            return super()._read_reader(size)
        except IDLE as exc:
            raise _timed_out(self) from exc
        except gunicorn_errors.NoMoreData as exc:
            raise exception.BadRequest('The request body ended early') from exc
        except gunicorn_errors.ParseException as exc:
            raise exception.BadRequest(
                'Malformed request body: %s' % exc) from exc


class SocketBody(TimedBody):
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
        except IDLE as exc:
            raise _timed_out(self) from exc
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
            # SO_RCVTIMEO (client_body_timeout) passes without a byte, or
            # a Python timeout (set while a body is drained) cuts it short
            try:
                data = self._sock.recv(want, socket.MSG_WAITALL)
            except IDLE:
                if parts:  # what came before the pause is the client's
                    reader.length -= sum(len(p) for p in parts)
                raise
            if not data:
                break
            parts.append(data)
            want -= len(data)
        return parts[0] if len(parts) == 1 else b''.join(parts)


def timed_body(req, sock):
    """req.body as a SocketBody when it is plain bytes of a known length,
    else as a TimedBody."""
    body = getattr(req, 'body', None)
    if type(body) is not gunicorn_body.Body:
        return
    if type(body.reader) is gunicorn_body.LengthReader and \
            type(sock) is socket.socket:
        req.body = SocketBody(body.reader, sock)
    else:
        req.body = TimedBody(body.reader)
