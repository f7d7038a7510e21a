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

"""The "database" store: blob data kept in SQL, in chunks of CHUNK_SIZE.

Data ``<id>`` is the rows ``(id, 0..n)`` of glare_blob_data_chunks; every
chunk but the last holds exactly CHUNK_SIZE bytes, so that byte ``b`` is in
chunk ``b // CHUNK_SIZE`` and a range is read without scanning. Empty data
is one empty chunk (no chunk at all means no data). Each chunk is written,
read or deleted in its own short transaction: an upload never holds a
transaction open (SQLite has one writer at a time) and no more than a
chunk or two is ever in memory. Do not call into this store from inside
an open transaction.
"""

import re

from oslo_log import log as logging

from glare.common import chunking
from glare.db import blob_data
from glare import exception
from glare.store import base

LOG = logging.getLogger(__name__)

SCHEME = 'sql://'
_ID = re.compile(r'^[0-9a-fA-F]{8}(-?[0-9a-fA-F]{4}){3}-?[0-9a-fA-F]{12}$')
# chunks deleted per transaction
DELETE_BATCH = 16
# pymysql sends a chunk escaped in the query text: up to twice its size
MIN_MYSQL_PACKET = 2 * chunking.CHUNK_SIZE + 64 * 1024


class _Context:
    """A context of its own per call: never joins a caller's transaction."""


def location_for(data_id):
    if not isinstance(data_id, str) or not _ID.match(data_id):
        raise exception.BadRequest('Invalid data id for the database '
                                   'store: %r' % (data_id,))
    return SCHEME + data_id


def data_id_of(location):
    """The data id of a sql:// location; BadRequest when malformed."""
    if isinstance(location, str) and location.startswith(SCHEME) and \
            _ID.match(location[len(SCHEME):]):
        return location[len(SCHEME):]
    raise exception.BadRequest('Invalid database store location: %r'
                               % (location,))


def check_packet_size(max_packet):
    """ConfigurationError when MySQL cannot take a chunk in one packet."""
    if max_packet is not None and max_packet < MIN_MYSQL_PACKET:
        msg = ('The database store needs MySQL max_allowed_packet of at '
               'least %d bytes (a %d-byte chunk, escaped) but the server '
               'allows %d: raise max_allowed_packet (e.g. to 16M) in the '
               'MySQL server configuration' % (
                   MIN_MYSQL_PACKET, chunking.CHUNK_SIZE, max_packet))
        LOG.error(msg)
        raise exception.ConfigurationError(msg)


def _delete(data_id):
    while blob_data.delete_last_chunks(_Context(), data_id, DELETE_BATCH):
        pass


class _Writer:
    """Buffers up to a chunk; inserts each full chunk in a transaction."""

    def __init__(self, data_id):
        self.location = location_for(data_id)
        self._data_id = data_id
        self._buf = bytearray()
        self._position = 0
        self._closed = False

    def _insert(self, data):
        blob_data.insert_chunk(_Context(), self._data_id, self._position,
                               bytes(data))
        self._position += 1

    def write(self, chunk):
        if self._closed:
            raise ValueError('write to a finished or aborted writer')
        view = memoryview(chunk).cast('B')
        if self._buf:
            room = chunking.CHUNK_SIZE - len(self._buf)
            self._buf += view[:room]
            view = view[room:]
            if len(self._buf) < chunking.CHUNK_SIZE:
                return
            self._insert(self._buf)
            self._buf = bytearray()
        # whole chunks straight from the caller's data, no buffer copy
        while len(view) >= chunking.CHUNK_SIZE:
            self._insert(view[:chunking.CHUNK_SIZE])
            view = view[chunking.CHUNK_SIZE:]
        self._buf += view

    def finish(self):
        if self._closed:
            raise ValueError('finish of a finished or aborted writer')
        if self._buf or not self._position:
            self._insert(self._buf)
        self._buf = bytearray()
        self._closed = True
        return self.location

    def abort(self):
        self._closed = True
        self._buf = bytearray()
        _delete(self._data_id)


def _chunks(data_id, offset, length):
    position, skip = divmod(offset, chunking.CHUNK_SIZE)
    left = length
    while left > 0:
        data = blob_data.get_chunk(_Context(), data_id, position)
        if data is None or len(data) <= skip:
            raise exception.NotFound('Blob data changed in the database '
                                     'store while being read')
        if skip or len(data) - skip > left:
            data = data[skip:skip + left]
        left -= len(data)
        skip = 0
        position += 1
        yield data


class DatabaseStore:
    def __init__(self, conf):
        self.conf = conf
        self._packet_checked = False

    def _check_packet(self):
        if not self._packet_checked:
            check_packet_size(blob_data.max_packet(_Context()))
            self._packet_checked = True

    def writer(self, data_id):
        """write(chunk), finish() -> location, abort(); location known."""
        writer = _Writer(data_id)
        self._check_packet()
        return writer

    def _size(self, data_id):
        last = blob_data.last_chunk(_Context(), data_id)
        if last is None:
            raise exception.NotFound('Blob data not found in the store')
        position, length = last
        return position * chunking.CHUNK_SIZE + length

    def open(self, location, offset=0, length=None):
        """A Reader of length bytes (None: to the end) from offset."""
        data_id = data_id_of(location)
        if offset < 0 or (length is not None and length < 0):
            raise exception.BadRequest('Invalid range: offset %s, length %s'
                                       % (offset, length))
        left = max(self._size(data_id) - offset, 0)
        length = left if length is None else min(length, left)
        return base.Reader(_chunks(data_id, offset, length), length)

    def size(self, location):
        return self._size(data_id_of(location))

    def delete(self, location):
        """Remove the data, a batch of chunks per transaction."""
        _delete(data_id_of(location))
