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

"""Runs of zeros: found without reading them, stored without writing them.

A disk image is mostly zeros (a raw image made by ``qemu-img convert`` of a
2 GiB disk holding 1 GiB of data is 1 GiB of holes). :class:`SparseFile`
reads a file as a stream of chunks and returns its holes
(``SEEK_DATA``/``SEEK_HOLE``) as chunks of one shared zero buffer, neither
read from the disk nor the page cache; :func:`is_zero` tells a writer that
a chunk can be a hole (a seek) rather than a write.
"""

import errno
import os

from glare.common import chunking

#: one chunk of zeros, shared (bytes are immutable: safe to hand to the
#: digest threads any number of times)
ZEROS = bytes(chunking.CHUNK_SIZE)


def zeros(size):
    """size zero bytes: the shared buffer when size is a whole chunk."""
    return ZEROS if size == len(ZEROS) else bytes(size)


def is_zero(chunk):
    """Whether chunk (bytes-like, any length) is all zeros. memcmp speed
    (about 0.02 s a GiB), no copy; a chunk with data usually differs in
    its first bytes."""
    if chunk is ZEROS:
        return True
    size = len(chunk)
    if size <= len(ZEROS):
        return ZEROS.startswith(chunk)
    view = memoryview(chunk)
    return all(ZEROS.startswith(view[i:i + len(ZEROS)])
               for i in range(0, size, len(ZEROS)))


class SparseFile:
    """A file's data as read(size) → bytes (b'' at the end), its holes
    given as zeros without reading them.

    Where the file system does not report holes (or ``SEEK_DATA`` does not
    exist) the whole file is data and read as usual. The file must not
    change while it is read (a private scratch file).
    """

    def __init__(self, path):
        self._fd = os.open(path, os.O_RDONLY)
        self.size = os.fstat(self._fd).st_size
        self._pos = 0
        #: where the data run being read ends; a hole starts there
        self._data_end = 0
        #: where the hole being skipped ends
        self._hole_end = 0
        self._holes = hasattr(os, 'SEEK_DATA')
        #: bytes given as zeros without reading them (for the log)
        self.skipped = 0

    def _locate(self):
        """Find what starts at _pos: a data run or a hole (to where)."""
        if not self._holes:
            self._data_end = self.size
            return
        try:
            data = os.lseek(self._fd, self._pos, os.SEEK_DATA)
        except OSError as exc:
            if exc.errno == errno.ENXIO:
                # no data after _pos: a hole to the end
                self._hole_end = self.size
                return
            # EINVAL: the file system cannot tell; read it all
            self._holes = False
            self._data_end = self.size
            return
        if data > self._pos:
            self._hole_end = min(data, self.size)
            return
        self._data_end = min(os.lseek(self._fd, self._pos, os.SEEK_HOLE),
                             self.size)

    def read(self, size=-1):
        if self._fd is None:
            raise ValueError('read of a closed file')
        if size is None or size < 0:
            size = self.size - self._pos
        size = min(size, self.size - self._pos)
        if size <= 0:
            return b''
        if self._pos >= self._data_end and self._pos >= self._hole_end:
            self._locate()
        if self._pos < self._hole_end:
            size = min(size, self._hole_end - self._pos)
            self._pos += size
            self.skipped += size
            return zeros(size)
        size = min(size, self._data_end - self._pos)
        data = os.pread(self._fd, size, self._pos)
        if not data:
            raise OSError('%d bytes short of the end of the file'
                          % (self.size - self._pos))
        self._pos += len(data)
        return data

    def close(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
