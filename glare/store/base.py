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

"""What every store shares: the reader type."""

from oslo_log import log as logging

from glare import exception

LOG = logging.getLogger(__name__)


class Reader:
    """Data from a location: iterate for chunks, close() when done.

    ``file`` is an open file positioned at the first byte when the data is
    a local file, so that the WSGI server can sendfile() it; ``length`` is
    the number of bytes this reader yields.
    """

    def __init__(self, chunks, length, file=None):
        self._chunks = chunks
        self.length = length
        self.file = file
        self._sent = 0
        self._closed = False

    def __iter__(self):
        """The chunks; ServiceUnavailable when the store fails or stops
        before ``length`` bytes.

        The response has begun by then: the error makes the WSGI server
        drop the connection, so that the client sees a body shorter than
        its Content-Length (or an unterminated chunked one), never a
        short body that looks complete.
        """
        try:
            for chunk in self._chunks:
                self._sent += len(chunk)
                yield chunk
        except exception.GlareException:
            raise
        except Exception as exc:
            LOG.warning('The store failed after %d bytes of a download: '
                        '%s: %s', self._sent, type(exc).__name__, exc)
            raise exception.ServiceUnavailable(
                'The store failed during the download') from exc
        if self.length is not None and self._sent < self.length and \
                not self._closed:
            LOG.warning('The store ended a download after %d of %d bytes',
                        self._sent, self.length)
            raise exception.ServiceUnavailable(
                'The store sent %d of %d bytes' % (self._sent, self.length))

    def close(self):
        self._closed = True
        for thing in (self._chunks, self.file):
            close = getattr(thing, 'close', None)
            if close is not None:
                close()
