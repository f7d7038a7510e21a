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

"""The writers of glare.store.api.Stores: file, glance_store and database.

Real stores only: glance_store's filesystem driver in a temporary
directory (with one data directory, written by Glare's own file writer;
with several, through the driver's add() in a thread) and the database
store on SQLite. The upload size limits and the digests of an upload are
the service's (glare.services.blobs) and are tested over HTTP; a store
writer keeps what it is given, and the driver holds data to the size it
was announced.
"""

import hashlib
import os
import resource
import signal
import stat
import uuid

import fixtures

from glare.common import chunking
from glare.db import api as db_api
from glare.db import migration
from glare import exception
from glare.store import api as store_api
from glare.tests import base
from glare.tests.fixtures import streams

CHUNK = chunking.CHUNK_SIZE


def _stream(total, piece=CHUNK // 3 + 7, seed=0):
    return streams.random_pieces(total, piece, seed)


_read = streams.read_and_close


def _sha256(pieces):
    digest = hashlib.sha256()
    for piece in pieces:
        digest.update(piece)
    return digest.hexdigest()


class StoresTestCase(base.TestCase):
    """Stores over a glance_store file store in a temporary directory."""

    datadirs = None  # several data directories: the glance_store path

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.config = self.useFixture(base.ConfigFixture())
        self.conf = self.config.conf
        self.config.set(state_path=self.tmp)
        self.config.set_in('glance_store', stores=['file', 'http'],
                           default_store='file')
        if self.datadirs:
            paths = [os.path.join(self.tmp, name) for name in self.datadirs]
            self.config.set_in(
                'glance_store', filesystem_store_datadir=None,
                filesystem_store_datadirs=['%s:%d' % (p, 100 - i)
                                           for i, p in enumerate(paths)])
            self.dirs = paths
        else:
            self.dirs = [os.path.join(self.tmp, 'blobs')]
        self.stores = store_api.Stores(self.conf)

    def files(self):
        """{name: size} of every file in the data directories."""
        return {name: os.path.getsize(os.path.join(d, name))
                for d in self.dirs if os.path.isdir(d)
                for name in os.listdir(d)}

    def write(self, pieces, size=None, data_id=None):
        writer = self.stores.writer('file', data_id or str(uuid.uuid4()),
                                    size)
        for piece in pieces:
            writer.write(piece)
        return writer.finish()

    def check_round_trip(self, total):
        location = self.write(_stream(total, seed=total))
        self.assertEqual(total, self.stores.size(location))
        reader = self.stores.open(location)
        self.assertEqual(total, reader.length)
        self.assertEqual(_sha256(_stream(total, seed=total)),
                         _sha256(reader))
        reader.close()
        return location


class TestFileWriter(StoresTestCase):
    """One data directory: Glare writes the file glance_store would."""

    def test_streamed_round_trips(self):
        for total in (0, 1, CHUNK - 1, CHUNK, 3 * CHUNK + 5):
            location = self.check_round_trip(total)
            path = location[len('file://'):]
            self.assertEqual(self.dirs[0], os.path.dirname(path))
        self.assertEqual(5, len(self.files()))

    def test_location_is_known_before_any_write(self):
        data_id = str(uuid.uuid4())
        writer = self.stores.writer('file', data_id)
        path = os.path.join(self.dirs[0], data_id)
        self.assertEqual('file://' + path, writer.location)
        # the file exists from the start: crash clean-up finds it
        self.assertEqual({data_id: 0}, self.files())
        writer.write(b'abc')
        self.assertEqual(writer.location, writer.finish())
        self.assertEqual(b'abc', _read(self.stores.open(writer.location)))

    def test_file_permissions(self):
        location = self.write([b'private'])
        mode = stat.S_IMODE(os.stat(location[len('file://'):]).st_mode)
        self.assertEqual(0o600, mode)
        self.config.set_in('glance_store', filesystem_store_file_perm=640)
        location = self.write([b'shared'])
        mode = stat.S_IMODE(os.stat(location[len('file://'):]).st_mode)
        self.assertEqual(0o640, mode)

    def test_glance_store_reads_and_deletes_what_it_wrote(self):
        location = self.write(_stream(CHUNK + 1))
        # a range goes through Glare's file reader, the size through
        # glance_store's driver: both agree on the file
        reader = self.stores.open(location, CHUNK - 1, 2)
        self.assertEqual(2, reader.length)
        self.assertEqual(b''.join(_stream(CHUNK + 1))[CHUNK - 1:CHUNK + 1],
                         _read(reader))
        # a file shorter than the length asked for (changed behind the
        # service's back): an error, not a short body that looks whole
        reader = self.stores.open(location, CHUNK - 1, 5)
        self.assertRaises(exception.ServiceUnavailable, _read, reader)
        self.assertIsNotNone(self.stores.open(location).file)
        self.stores.delete(location)
        self.assertEqual({}, self.files())
        self.assertRaises(exception.NotFound, self.stores.open, location)
        # data already gone is no error
        self.assertIsNone(self.stores.delete(location))

    def test_abort_mid_stream_leaves_nothing(self):
        writer = self.stores.writer('file', str(uuid.uuid4()))
        for piece in _stream(2 * CHUNK):
            writer.write(piece)
        self.assertEqual(1, len(self.files()))
        writer.abort()
        self.assertEqual({}, self.files())
        writer.abort()  # twice: nothing left to remove, no error
        self.assertEqual({}, self.files())

    def test_abort_after_finish_removes_the_data(self):
        # the upload failed after its data was written (e.g. the record)
        writer = self.stores.writer('file', str(uuid.uuid4()))
        writer.write(b'abc')
        location = writer.finish()
        writer.abort()
        self.assertEqual({}, self.files())
        self.assertRaises(exception.NotFound, self.stores.open, location)

    def test_a_full_disk_is_storage_full_and_abort_cleans_up(self):
        # the kernel's file size limit fails write() with EFBIG, as a full
        # disk fails it with ENOSPC, without filling a disk
        limit = 2 * CHUNK
        old_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
        old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        self.addCleanup(signal.signal, signal.SIGXFSZ, old_handler)
        data_id = str(uuid.uuid4())
        writer = self.stores.writer('file', data_id)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, old_limit[1]))
        try:
            pieces = _stream(4 * CHUNK)
            writer.write(next(pieces))
            for piece in pieces:
                if self.files()[data_id] + len(piece) > limit:
                    break
                writer.write(piece)
            self.assertRaises(exception.StorageFull, writer.write, piece)
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
        self.assertEqual([limit], list(self.files().values()))
        writer.abort()
        self.assertEqual({}, self.files())


class TestSparseFileWriter(StoresTestCase):
    """Chunks of zeros become holes of the store's file: the data reads
    back the same (whole, in ranges), its size is the data's."""

    def holes_supported(self):
        probe = os.path.join(self.tmp, 'probe')
        with open(probe, 'wb') as f:
            f.truncate(4 * CHUNK)
        try:
            return os.stat(probe).st_blocks * 512 < CHUNK
        finally:
            os.unlink(probe)

    def store(self, pieces):
        location = self.write(pieces)
        data = b''.join(pieces)
        self.assertEqual(len(data), self.stores.size(location))
        reader = self.stores.open(location)
        self.assertEqual(len(data), reader.length)
        self.assertEqual(data, _read(reader))
        path = location[len('file://'):]
        self.assertEqual(len(data), os.path.getsize(path))
        return location, data, os.stat(path).st_blocks * 512

    def test_zero_chunks_at_start_middle_and_end(self):
        data = os.urandom(CHUNK)
        pieces = [bytes(CHUNK), bytes(CHUNK), data[:CHUNK // 2],
                  bytes(CHUNK), data, bytes(CHUNK), bytes(CHUNK),
                  bytes(1000)]  # a partial last chunk of zeros
        location, whole, allocated = self.store(pieces)
        if self.holes_supported():
            # 1.5 MiB of data (and file system blocks around it)
            self.assertLess(allocated, 3 * CHUNK)
        # ranges inside a hole, across its edges, from data into a hole
        for offset, length in ((0, 10), (CHUNK - 3, 6),
                               (2 * CHUNK + CHUNK // 2 - 2, 4),
                               (3 * CHUNK, 3 * CHUNK + 1000),
                               (len(whole) - 1001, 1001)):
            reader = self.stores.open(location, offset, length)
            self.assertEqual(whole[offset:offset + length], _read(reader),
                             (offset, length))
        self.stores.delete(location)
        self.assertEqual({}, self.files())

    def test_only_zeros(self):
        for pieces in ([bytes(CHUNK)], [bytes(3 * CHUNK + 5)],
                       [bytes(7)], [bytes(CHUNK), bytes(0), bytes(11)]):
            _location, whole, allocated = self.store(pieces)
            if self.holes_supported():
                self.assertEqual(0, allocated, len(whole))

    def test_zeros_inside_data_chunks_are_kept(self):
        # a chunk that is not all zeros is written as it is
        chunk = bytes(CHUNK - 1) + b'\x01'
        self.store([chunk, b'\x01' + bytes(CHUNK - 1), bytes(10) + b'x'])

    def test_chunks_of_any_size(self):
        pieces = []
        for n, size in enumerate((1, CHUNK // 3 + 7, 2 * CHUNK + 1, 4096,
                                  CHUNK, CHUNK - 1)):
            pieces.append(bytes(size))
            pieces.append(bytes([n + 1]) * (size % 5000 + 1))
        self.store(pieces + [bytes(2 * CHUNK + 3)])

    def test_abort_after_zeros_leaves_nothing(self):
        for pieces in ([bytes(CHUNK), os.urandom(10), bytes(2 * CHUNK)],
                       [bytes(CHUNK)] * 3):
            writer = self.stores.writer('file', str(uuid.uuid4()))
            for piece in pieces:
                writer.write(piece)
            writer.abort()
            self.assertEqual({}, self.files())

    def test_a_hole_past_the_file_size_limit_is_storage_full(self):
        # zeros past what the disk (here: the file size limit) allows
        # fail the upload when the file gets its length, and abort removes
        # the file
        limit = 2 * CHUNK
        old_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
        old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        self.addCleanup(signal.signal, signal.SIGXFSZ, old_handler)
        writer = self.stores.writer('file', str(uuid.uuid4()))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, old_limit[1]))
        try:
            writer.write(b'data')
            writer.write(bytes(4 * CHUNK))
            self.assertRaises(exception.StorageFull, writer.finish)
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
        writer.abort()
        self.assertEqual({}, self.files())


class TestAdoptingFileWriter(StoresTestCase):
    """A file of the service's on the store's file system is moved into
    place, not copied: the writer only counts what the caller read."""

    def scratch_file(self, data, name='scratch'):
        path = os.path.join(self.tmp, name)
        with open(path, 'wb') as f:
            f.write(data)
        return path

    def feed(self, writer, path):
        with open(path, 'rb') as f:
            for chunk in iter(lambda: f.read(CHUNK), b''):
                writer.write(chunk)

    def test_moved_into_place(self):
        data = os.urandom(2 * CHUNK + 5)
        path = self.scratch_file(data)
        inode = os.stat(path).st_ino
        writer = self.stores.writer('file', str(uuid.uuid4()))
        self.assertTrue(writer.adopt(path))
        self.feed(writer, path)
        # nothing in the store's file until the end
        self.assertEqual([0], list(self.files().values()))
        location = writer.finish()
        self.assertFalse(os.path.exists(path))
        stored = location[len('file://'):]
        self.assertEqual(inode, os.stat(stored).st_ino)
        self.assertEqual(0o600, stat.S_IMODE(os.stat(stored).st_mode))
        self.assertEqual(data, _read(self.stores.open(location)))
        self.assertEqual(len(data), self.stores.size(location))
        # the upload failed after its data was stored: abort removes it
        writer.abort()
        self.assertEqual({}, self.files())

    def test_file_permissions(self):
        self.config.set_in('glance_store', filesystem_store_file_perm=640)
        path = self.scratch_file(b'shared')
        writer = self.stores.writer('file', str(uuid.uuid4()))
        self.assertTrue(writer.adopt(path))
        self.feed(writer, path)
        stored = writer.finish()[len('file://'):]
        self.assertEqual(0o640, stat.S_IMODE(os.stat(stored).st_mode))

    def test_abort_before_the_end_keeps_the_file_where_it_was(self):
        path = self.scratch_file(os.urandom(CHUNK + 1))
        writer = self.stores.writer('file', str(uuid.uuid4()))
        self.assertTrue(writer.adopt(path))
        writer.write(b'x' * CHUNK)
        writer.abort()
        self.assertEqual({}, self.files())
        self.assertEqual(CHUNK + 1, os.path.getsize(path))

    def test_fewer_bytes_than_the_file_is_an_error(self):
        path = self.scratch_file(os.urandom(CHUNK + 1))
        writer = self.stores.writer('file', str(uuid.uuid4()))
        self.assertTrue(writer.adopt(path))
        writer.write(b'x' * CHUNK)
        self.assertRaises(exception.GlareException, writer.finish)
        writer.abort()
        self.assertEqual({}, self.files())
        self.assertTrue(os.path.exists(path))

    def test_a_file_changed_while_read_is_an_error(self):
        path = self.scratch_file(b'a' * 100)
        writer = self.stores.writer('file', str(uuid.uuid4()))
        self.assertTrue(writer.adopt(path))
        self.feed(writer, path)
        with open(path, 'ab') as f:
            f.write(b'more')
        self.assertRaises(exception.GlareException, writer.finish)
        writer.abort()
        self.assertEqual({}, self.files())
        # another file put in its place
        path = self.scratch_file(b'b' * 100, 'other')
        writer = self.stores.writer('file', str(uuid.uuid4()))
        self.assertTrue(writer.adopt(path))
        self.feed(writer, path)
        os.rename(self.scratch_file(b'c' * 100, 'third'), path)
        self.assertRaises(exception.GlareException, writer.finish)
        writer.abort()
        self.assertEqual({}, self.files())

    def test_not_taken_once_data_was_written(self):
        path = self.scratch_file(b'abc')
        writer = self.stores.writer('file', str(uuid.uuid4()))
        writer.write(b'abc')
        self.assertFalse(writer.adopt(path))
        location = writer.finish()
        self.assertTrue(os.path.exists(path))
        self.assertEqual(b'abc', _read(self.stores.open(location)))

    def test_not_taken_from_another_file_system(self):
        other = '/dev/shm'
        if not os.path.isdir(other) or os.stat(other).st_dev == os.stat(
                self.tmp).st_dev:
            self.skipTest('no other file system to take a file from')
        shm = self.useFixture(fixtures.TempDir(rootdir=other)).path
        path = os.path.join(shm, 'scratch')
        with open(path, 'wb') as f:
            f.write(b'abc')
        writer = self.stores.writer('file', str(uuid.uuid4()))
        self.assertFalse(writer.adopt(path))
        writer.write(b'abc')
        location = writer.finish()
        self.assertTrue(os.path.exists(path))
        self.assertEqual(b'abc', _read(self.stores.open(location)))


def _resident(path):
    """Bytes of the file in the page cache (mincore over a mapping)."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                          ctypes.c_int, ctypes.c_int, ctypes.c_long)
    libc.munmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t)
    libc.mincore.argtypes = (ctypes.c_void_p, ctypes.c_size_t,
                             ctypes.c_char_p)
    size = os.path.getsize(path)
    page = os.sysconf('SC_PAGE_SIZE')
    fd = os.open(path, os.O_RDONLY)
    try:
        addr = libc.mmap(None, size, 1, 1, fd, 0)  # PROT_READ, MAP_SHARED
        if addr in (None, ctypes.c_void_p(-1).value):
            raise OSError(ctypes.get_errno(), 'mmap')
        try:
            vec = ctypes.create_string_buffer((size + page - 1) // page)
            if libc.mincore(addr, size, vec) != 0:
                raise OSError(ctypes.get_errno(), 'mincore')
            return sum(b & 1 for b in vec.raw) * page
        finally:
            libc.munmap(addr, size)
    finally:
        os.close(fd)


class TestFileWriterPageCache(StoresTestCase):
    """What the file writer stored is on the disk and out of the page
    cache once finished (Linux): a blob's pages do not push the service's
    own out of memory."""

    SIZE = 3 * store_api._FileWriter.WRITEBACK_STEP + CHUNK + 5

    def setUp(self):
        super().setUp()
        if not store_api._FileWriter._libc_sync_file_range():
            self.skipTest('no sync_file_range here')
        # a file the test writes itself is in the page cache: the check
        # can see pages (not on tmpfs, whose pages cannot be dropped)
        probe = os.path.join(self.tmp, 'probe')
        with open(probe, 'wb') as f:
            f.write(os.urandom(4 * CHUNK))
        if _resident(probe) < 4 * CHUNK:
            self.skipTest('written pages are not seen in the page cache')
        fd = os.open(probe, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
        if _resident(probe) > CHUNK:
            self.skipTest('this file system keeps pages it is told to drop')

    def test_written_data_is_dropped_as_it_goes_and_at_the_end(self):
        data_id = str(uuid.uuid4())
        writer = self.stores.writer('file', data_id, self.SIZE)
        path = os.path.join(self.dirs[0], data_id)
        step = store_api._FileWriter.WRITEBACK_STEP
        pieces = list(_stream(self.SIZE, piece=CHUNK))
        written = 0
        for piece in pieces:
            writer.write(piece)
            written += len(piece)
            if written == 3 * step:
                # the first step is dropped once the third is written:
                # at most the two last steps are cached meanwhile
                self.assertLessEqual(_resident(path), 2 * step)
        location = writer.finish()
        self.assertEqual(0, _resident(path))
        self.assertEqual(_sha256(pieces),
                         _sha256(self.stores.open(location)))

    def test_an_adopted_file_is_dropped_at_the_end(self):
        path = os.path.join(self.tmp, 'scratch')
        with open(path, 'wb') as f:
            f.write(os.urandom(self.SIZE))
        self.assertGreater(_resident(path), 0)
        writer = self.stores.writer('file', str(uuid.uuid4()))
        self.assertTrue(writer.adopt(path))
        with open(path, 'rb') as f:
            for chunk in iter(lambda: f.read(CHUNK), b''):
                writer.write(chunk)
        stored = writer.finish()[len('file://'):]
        self.assertEqual(0, _resident(stored))

    def test_a_refused_drop_still_stores_the_data(self):
        # the drop is a hint: a file system that refuses it loses nothing
        calls = []

        def refuse(*args):
            calls.append(args)
            raise OSError(22, 'Invalid argument')
        self.useFixture(fixtures.MonkeyPatch('os.posix_fadvise', refuse))
        pieces = list(_stream(self.SIZE, piece=CHUNK))
        location = self.write(pieces)
        self.assertGreaterEqual(len(calls), 3)
        self.assertEqual(_sha256(pieces),
                         _sha256(self.stores.open(location)))


class TestGlanceWriter(StoresTestCase):
    """Several data directories: glance_store's own add() writes."""

    datadirs = ('first', 'second')

    def test_streamed_round_trips(self):
        for total in (1, CHUNK, 3 * CHUNK + 5):
            location = self.check_round_trip(total)
            self.assertTrue(location.startswith('file://' + self.dirs[0]),
                            location)
        self.assertEqual(3, len(self.files()))

    def test_location_is_known_when_finished(self):
        writer = self.stores.writer('file', str(uuid.uuid4()))
        self.assertIsNone(writer.location)
        writer.write(b'abc')
        location = writer.finish()
        self.assertEqual(b'abc', _read(self.stores.open(location)))

    def test_nothing_reaches_the_store_before_the_first_write(self):
        data_id = str(uuid.uuid4())
        writer = self.stores.writer('file', data_id, 3)
        self.assertEqual({}, self.files())
        writer.write(b'abc')
        writer.finish()
        self.assertEqual({data_id: 3}, self.files())

    def test_abort_mid_stream_leaves_nothing(self):
        writer = self.stores.writer('file', str(uuid.uuid4()))
        for piece in _stream(3 * CHUNK):
            writer.write(piece)
        writer.abort()
        self.assertEqual({}, self.files())

    def test_abort_after_finish_removes_the_data(self):
        writer = self.stores.writer('file', str(uuid.uuid4()))
        writer.write(b'abc')
        location = writer.finish()
        writer.abort()
        self.assertEqual({}, self.files())
        self.assertRaises(exception.NotFound, self.stores.open, location)

    def test_abort_before_any_write_asks_the_store_nothing(self):
        writer = self.stores.writer('file', str(uuid.uuid4()))
        writer.location = 'file:///nowhere/planned'
        writer._delete = lambda *a: self.fail('the store was asked')
        writer.abort()

    def test_more_data_than_announced_is_cut_and_removed(self):
        writer = self.stores.writer('file', str(uuid.uuid4()), CHUNK)

        def upload():
            for piece in _stream(4 * CHUNK):
                writer.write(piece)
            writer.finish()

        error = self.assertRaises(exception.ServiceUnavailable, upload)
        self.assertIn('The store failed', str(error))
        writer.abort()
        self.assertEqual({}, self.files())

    def test_a_failing_store_keeps_what_it_did_not_write(self):
        data_id = str(uuid.uuid4())
        for path in self.dirs:
            os.makedirs(path, exist_ok=True)
            with open(os.path.join(path, data_id), 'wb') as f:
                f.write(b'older')
        writer = self.stores.writer('file', data_id, 3)

        def upload():
            # the driver fails in its thread: the next write, or finish,
            # says so, whichever comes first
            writer.write(b'new')
            writer.finish()

        error = self.assertRaises(exception.ServiceUnavailable, upload)
        self.assertIn('Duplicate', str(error))
        writer.abort()
        self.assertEqual({data_id: 5}, self.files())


class TestDatabaseWriter(StoresTestCase):
    """The 'database' store through the same Stores interface."""

    def setUp(self):
        super().setUp()
        self.config.set_in('database', connection='sqlite:///%s/glare.sqlite'
                           % self.tmp)
        migration.upgrade(self.conf)
        db_api.reset()
        self.addCleanup(db_api.reset)
        db_api.configure(self.conf)
        self.addCleanup(lambda: db_api.get_engine().dispose())

    def test_streamed_round_trip(self):
        data_id = str(uuid.uuid4())
        writer = self.stores.writer(store_api.DATABASE, data_id, None)
        self.assertEqual('sql://' + data_id, writer.location)
        for piece in _stream(2 * CHUNK + 3):
            writer.write(piece)
        location = writer.finish()
        self.assertEqual(2 * CHUNK + 3, self.stores.size(location))
        self.assertEqual(b''.join(_stream(2 * CHUNK + 3)),
                         _read(self.stores.open(location)))
        self.assertEqual({}, self.files())

    def test_abort_mid_stream_leaves_nothing(self):
        writer = self.stores.writer(store_api.DATABASE, str(uuid.uuid4()))
        for piece in _stream(2 * CHUNK + 3):
            writer.write(piece)
        writer.abort()
        self.assertRaises(exception.NotFound, self.stores.open,
                          writer.location)
        self.assertRaises(exception.NotFound, self.stores.size,
                          writer.location)
