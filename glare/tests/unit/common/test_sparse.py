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

"""glare.common.sparse: zero runs found without reading, on real files
of the test's temporary directory."""

import os

import fixtures

from glare.common import chunking
from glare.common import sparse
from glare.tests import base

CHUNK = chunking.CHUNK_SIZE


def _make(path, size, pieces):
    """A sparse file of size bytes with pieces [(offset, bytes)] written;
    the rest holes."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for offset, data in pieces:
            os.pwrite(fd, data, offset)
        os.ftruncate(fd, size)
    finally:
        os.close(fd)
    return path


def _expected(size, pieces):
    data = bytearray(size)
    for offset, piece in pieces:
        data[offset:offset + len(piece)] = piece
    return bytes(data)


class IsZeroTest(base.TestCase):

    def test_zero_chunks_of_any_length(self):
        for size in (0, 1, 4095, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK):
            self.assertTrue(sparse.is_zero(bytes(size)), size)
            self.assertTrue(sparse.is_zero(bytearray(size)), size)
            self.assertTrue(sparse.is_zero(memoryview(bytes(size))), size)
        self.assertTrue(sparse.is_zero(sparse.ZEROS))

    def test_one_byte_of_data_anywhere(self):
        for size in (1, 4096, CHUNK - 1, CHUNK, 2 * CHUNK + 3):
            for where in (0, size // 2, size - 1):
                data = bytearray(size)
                data[where] = 1
                self.assertFalse(sparse.is_zero(bytes(data)),
                                 (size, where))

    def test_zeros(self):
        self.assertIs(sparse.ZEROS, sparse.zeros(CHUNK))
        self.assertEqual(bytes(10), sparse.zeros(10))
        self.assertEqual(b'', sparse.zeros(0))


class SparseFileTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def holes_supported(self):
        """Whether the test's file system reports holes (tmpfs and ext4
        do; some do not, and then everything is data)."""
        path = _make(os.path.join(self.tmp, 'probe'), 4 * CHUNK,
                     [(3 * CHUNK, b'x')])
        fd = os.open(path, os.O_RDONLY)
        try:
            return os.lseek(fd, 0, os.SEEK_DATA) > 0
        except OSError:
            return False
        finally:
            os.close(fd)
            os.unlink(path)

    def read_all(self, path, size=CHUNK):
        chunks = []
        with sparse.SparseFile(path) as f:
            while True:
                chunk = f.read(size)
                if not chunk:
                    break
                self.assertLessEqual(len(chunk), size)
                chunks.append(chunk)
            self.assertEqual(b'', f.read(size))
            skipped = f.skipped
        return chunks, skipped

    def check(self, size, pieces, read_size=CHUNK):
        path = _make(os.path.join(self.tmp, 'f'), size, pieces)
        chunks, skipped = self.read_all(path, read_size)
        self.assertEqual(_expected(size, pieces), b''.join(chunks))
        return chunks, skipped

    def test_holes_at_start_middle_and_end(self):
        pieces = [(3 * CHUNK + 5, b'a' * (CHUNK + 7)),
                  (7 * CHUNK, os.urandom(2 * CHUNK))]
        size = 12 * CHUNK + 123  # a partial last chunk, in a hole
        chunks, skipped = self.check(size, pieces)
        if self.holes_supported():
            # the holes (at file system block granularity) are not read
            self.assertGreater(skipped, 7 * CHUNK)
            self.assertTrue(any(c is sparse.ZEROS for c in chunks))
        for read_size in (1000, CHUNK // 3, 2 * CHUNK):
            self.check(size, pieces, read_size)

    def test_all_hole_and_all_data(self):
        chunks, skipped = self.check(3 * CHUNK + 1, [])
        if self.holes_supported():
            self.assertEqual(3 * CHUNK + 1, skipped)
        data = os.urandom(2 * CHUNK + 9)
        chunks, skipped = self.check(len(data), [(0, data)])
        self.assertEqual(0, skipped)
        self.assertEqual([CHUNK, CHUNK, 9], [len(c) for c in chunks])

    def test_data_ends_the_file(self):
        self.check(5 * CHUNK + 17, [(5 * CHUNK, b'z' * 17)])

    def test_empty_file(self):
        self.assertEqual(([], 0), self.read_all(
            _make(os.path.join(self.tmp, 'empty'), 0, [])))

    def test_whole_file_in_one_read(self):
        pieces = [(CHUNK, b'q' * 10)]
        path = _make(os.path.join(self.tmp, 'f'), 3 * CHUNK, pieces)
        with sparse.SparseFile(path) as f:
            self.assertEqual(3 * CHUNK, f.size)
            data = b''
            while True:
                chunk = f.read()
                if not chunk:
                    break
                data += chunk
        self.assertEqual(_expected(3 * CHUNK, pieces), data)

    def test_closed(self):
        path = _make(os.path.join(self.tmp, 'f'), 10, [])
        f = sparse.SparseFile(path)
        f.close()
        f.close()
        self.assertRaises(ValueError, f.read, 1)

    def test_file_system_without_holes(self):
        # SEEK_DATA unknown to the file system: all of it is data
        path = _make(os.path.join(self.tmp, 'f'), 2 * CHUNK,
                     [(CHUNK, b'd')])
        f = sparse.SparseFile(path)
        self.addCleanup(f.close)
        f._holes = False
        data = b''.join(iter(lambda: f.read(CHUNK), b''))
        self.assertEqual(_expected(2 * CHUNK, [(CHUNK, b'd')]), data)
        self.assertEqual(0, f.skipped)

    def test_file_cut_while_read_is_an_error(self):
        path = _make(os.path.join(self.tmp, 'f'), 2 * CHUNK,
                     [(0, os.urandom(2 * CHUNK))])
        with sparse.SparseFile(path) as f:
            f.read(CHUNK)
            os.truncate(path, CHUNK)
            self.assertRaises(OSError, f.read, CHUNK)
