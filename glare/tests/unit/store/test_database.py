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

"""The "database" store on SQLite, and PostgreSQL and MySQL when reachable."""

import hashlib
import os
import random
import threading
import tracemalloc
import uuid

import fixtures
from oslo_config import cfg
import sqlalchemy as sa

from glare.common import chunking
from glare.common import config
from glare.db import api as db_api
from glare.db import blob_data
from glare.db import migration
from glare.db import models
from glare import exception
from glare.store import database
from glare.tests import base as test_base
from glare.tests.fixtures import db_fixtures
from glare.tests.fixtures import streams

CHUNK = chunking.CHUNK_SIZE
# odd piece sizes, so that writes straddle chunk boundaries every which way
PIECES = (1, 333331, 7, CHUNK + 13, 65537, 2 * CHUNK + 1, 1000)
CHUNKS = models.BlobDataChunk.__table__


def _conf(tmp, url):
    path = os.path.join(tmp, 'glare.conf')
    with open(path, 'w') as f:
        f.write('[DEFAULT]\nstate_path = %s\n[database]\nconnection = %s\n'
                % (os.path.join(tmp, 'state'), url))
    return config.parse_args(['glare', '--config-file', path],
                             default_config_files=[],
                             conf_obj=cfg.ConfigOpts())


def _data(size, seed=0):
    return random.Random(seed).randbytes(size)


def _pieces(data):
    pos, i = 0, 0
    while pos < len(data):
        n = PIECES[i % len(PIECES)]
        yield data[pos:pos + n]
        pos += n
        i += 1


def _stream(total, piece=300007, seed=1):
    return streams.random_pieces(total, piece, seed)


_read = streams.read_and_close


class _DatabaseStoreTests:
    backend = None
    # traced peak of a 64 MiB upload: a chunk, and the driver's copy of it
    # (hex on PostgreSQL, escaped text on MySQL, some 8 MiB with pymysql)
    write_peak = 5 * CHUNK

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(fixtures.TempDir()).path
        if self.backend == 'sqlite':
            url = 'sqlite:///%s/glare.sqlite' % tmp
        else:
            db_fixtures.skip_unless_reachable(self, self.backend)
            url = self.useFixture(db_fixtures.Database(self.backend)).url
        conf = _conf(tmp, url)
        migration.upgrade(conf)
        db_api.reset()
        self.addCleanup(db_api.reset)
        db_api.configure(conf)
        self.engine = db_api.get_engine()
        self.addCleanup(self.engine.dispose)
        self.store = database.DatabaseStore(conf)

    # -- helpers ---------------------------------------------------------
    def put(self, pieces, data_id=None):
        writer = self.store.writer(data_id or str(uuid.uuid4()))
        for piece in pieces:
            writer.write(piece)
        return writer.finish()

    def chunk_lengths(self, location):
        data_id = location[len('sql://'):]
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(CHUNKS.c.position, sa.func.length(CHUNKS.c.data))
                .where(CHUNKS.c.data_id == data_id)
                .order_by(CHUNKS.c.position)).all()

    # -- writing and reading ---------------------------------------------
    def test_round_trip(self):
        for size in (0, 1, CHUNK - 1, CHUNK, CHUNK + 1, CHUNK * 7 // 2):
            data = _data(size, seed=size)
            data_id = str(uuid.uuid4())
            location = self.put(_pieces(data), data_id)
            self.assertEqual('sql://' + data_id, location)
            self.assertEqual(size, self.store.size(location))
            reader = self.store.open(location)
            self.assertEqual(size, reader.length)
            self.assertEqual(data, _read(reader), size)
            # every chunk full but the last; empty data is one empty chunk
            lengths = self.chunk_lengths(location)
            self.assertEqual(max(1, -(-size // CHUNK)), len(lengths))
            self.assertEqual(list(range(len(lengths))),
                             [p for p, _n in lengths])
            self.assertTrue(all(n == CHUNK for _p, n in lengths[:-1]))

    def test_one_big_write_and_many_tiny_ones(self):
        data = _data(CHUNK * 5 // 2 + 3)
        location = self.put([data])
        self.assertEqual(data, _read(self.store.open(location)))
        small = _data(CHUNK + 100, seed=2)
        location = self.put(small[i:i + 4099]
                            for i in range(0, len(small), 4099))
        self.assertEqual(small, _read(self.store.open(location)))

    def test_bytes_that_need_escaping(self):
        data = b'\x00' * CHUNK + b'\'"\\\x1a\r\n%s?' * 1000 + bytes(range(256))
        location = self.put([bytearray(data[:10]), memoryview(data)[10:]])
        self.assertEqual(data, _read(self.store.open(location)))

    def test_location_is_known_before_any_write(self):
        data_id = str(uuid.uuid4())
        writer = self.store.writer(data_id)
        self.assertEqual('sql://' + data_id, writer.location)
        self.assertEqual(writer.location, writer.finish())

    def test_write_after_finish_fails(self):
        writer = self.store.writer(str(uuid.uuid4()))
        writer.write(b'abc')
        writer.finish()
        self.assertRaises(ValueError, writer.write, b'x')
        self.assertRaises(ValueError, writer.finish)

    def test_ranges(self):
        size = CHUNK * 7 // 2
        data = _data(size, seed=3)
        location = self.put(_pieces(data))
        cases = [(0, None), (0, 0), (0, 1), (1, None), (CHUNK, None),
                 (CHUNK, CHUNK), (CHUNK - 1, 2), (CHUNK - 1, 1),
                 (CHUNK + 1, CHUNK), (CHUNK - 1, CHUNK + 2),
                 (CHUNK // 2, 2 * CHUNK), (3 * CHUNK, None),
                 (size - 1, None), (size - 1, 5), (size, None), (size, 10),
                 (size + 10, None), (CHUNK + 5, 10 ** 12)]
        for offset, length in cases:
            reader = self.store.open(location, offset, length)
            end = None if length is None else offset + length
            expected = data[offset:end]
            self.assertEqual(len(expected), reader.length, (offset, length))
            self.assertEqual(expected, _read(reader), (offset, length))

    def test_range_of_empty_data(self):
        location = self.put([])
        for offset, length in ((0, None), (0, 10), (5, None)):
            reader = self.store.open(location, offset, length)
            self.assertEqual(0, reader.length)
            self.assertEqual(b'', _read(reader))

    def test_negative_range(self):
        location = self.put([b'abc'])
        self.assertRaises(exception.BadRequest, self.store.open, location,
                          -1)
        self.assertRaises(exception.BadRequest, self.store.open, location,
                          0, -1)

    def test_reads_one_chunk_at_a_time(self):
        location = self.put(_pieces(_data(CHUNK * 5 // 2, seed=4)))
        reader = self.store.open(location, CHUNK // 2)
        fetched = []
        real = blob_data.get_chunk
        self.useFixture(fixtures.MockPatchObject(
            blob_data, 'get_chunk',
            lambda ctx, d, pos: fetched.append(pos) or real(ctx, d, pos)))
        sizes = []
        for piece in reader:
            sizes.append(len(piece))
            self.assertEqual(len(sizes), len(fetched))
        reader.close()
        self.assertEqual([0, 1, 2], fetched)
        self.assertEqual([CHUNK // 2, CHUNK, CHUNK // 2], sizes)

    def test_close_stops_reading(self):
        location = self.put(_pieces(_data(CHUNK * 3, seed=5)))
        reader = self.store.open(location)
        self.assertEqual(CHUNK, len(next(iter(reader))))
        reader.close()
        self.assertRaises(StopIteration, next, iter(reader))

    def test_data_deleted_while_read(self):
        location = self.put(_pieces(_data(CHUNK * 3, seed=6)))
        reader = iter(self.store.open(location))
        next(reader)
        self.store.delete(location)
        self.assertRaises(exception.NotFound, next, reader)

    # -- missing and malformed --------------------------------------------
    def test_missing_data(self):
        location = 'sql://%s' % uuid.uuid4()
        self.assertRaises(exception.NotFound, self.store.open, location)
        self.assertRaises(exception.NotFound, self.store.size, location)
        self.store.delete(location)

    def test_malformed_locations(self):
        for location in ('sql://', 'sql://nope', 'sql:///%s' % uuid.uuid4(),
                         'sql://%s/x' % uuid.uuid4(), 'file:///tmp/x',
                         'SQL://%s' % uuid.uuid4(), None):
            for call in (self.store.open, self.store.size,
                         self.store.delete):
                self.assertRaises(exception.BadRequest, call, location)
        self.assertRaises(exception.BadRequest, self.store.writer, 'x/y')
        self.assertRaises(exception.BadRequest, self.store.writer,
                          'a' * 37)

    # -- abort and delete ---------------------------------------------------
    def test_abort_removes_everything(self):
        writer = self.store.writer(str(uuid.uuid4()))
        for piece in _pieces(_data(CHUNK * 5 // 2, seed=7)):
            writer.write(piece)
        self.assertEqual(2, len(self.chunk_lengths(writer.location)))
        writer.abort()
        self.assertEqual([], self.chunk_lengths(writer.location))
        self.assertRaises(exception.NotFound, self.store.open,
                          writer.location)
        writer.abort()
        self.assertRaises(ValueError, writer.write, b'x')

    def test_abort_before_any_write_and_after_finish(self):
        writer = self.store.writer(str(uuid.uuid4()))
        writer.abort()
        self.assertEqual([], self.chunk_lengths(writer.location))
        writer = self.store.writer(str(uuid.uuid4()))
        writer.write(b'abc')
        location = writer.finish()
        writer.abort()
        self.assertRaises(exception.NotFound, self.store.size, location)

    def test_delete_is_idempotent_and_leaves_other_data(self):
        keep = self.put([b'keep'])
        location = self.put(_pieces(_data(CHUNK * 2 + 1, seed=8)))
        self.store.delete(location)
        self.assertEqual([], self.chunk_lengths(location))
        self.assertRaises(exception.NotFound, self.store.open, location)
        self.store.delete(location)
        self.assertEqual(b'keep', _read(self.store.open(keep)))

    def test_delete_in_batches(self):
        self.useFixture(fixtures.MockPatchObject(database, 'DELETE_BATCH',
                                                 2))
        real = blob_data.delete_last_chunks
        for chunks, transactions in ((5, 3), (4, 2), (1, 1)):
            calls = []
            self.useFixture(fixtures.MockPatchObject(
                blob_data, 'delete_last_chunks',
                lambda ctx, d, n, calls=calls: calls.append(n) or real(
                    ctx, d, n)))
            location = self.put([_data(CHUNK * (chunks - 1) + 1)])
            self.assertEqual(chunks, len(self.chunk_lengths(location)))
            self.store.delete(location)
            self.assertEqual([], self.chunk_lengths(location))
            self.assertEqual([2] * transactions, calls)

    # -- bounded memory, short transactions -------------------------------
    def test_64mib_in_bounded_memory(self):
        size = 64 * CHUNK
        digest = hashlib.sha256()
        tracemalloc.start()
        self.addCleanup(tracemalloc.stop)
        writer = self.store.writer(str(uuid.uuid4()))
        for piece in _stream(size):
            digest.update(piece)
            writer.write(piece)
        location = writer.finish()
        written_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        reader = self.store.open(location)
        self.assertEqual(size, reader.length)
        read = hashlib.sha256()
        count = 0
        for piece in reader:
            read.update(piece)
            count += len(piece)
        reader.close()
        read_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        self.assertEqual(size, count)
        self.assertEqual(digest.hexdigest(), read.hexdigest())
        self.assertEqual(size, self.store.size(location))
        self.assertLess(written_peak, self.write_peak)
        self.assertLess(read_peak, 6 * CHUNK)

    def test_others_write_between_chunk_writes(self):
        """No transaction stays open between two chunks of an upload."""
        writer = self.store.writer(str(uuid.uuid4()))
        pieces = _stream(4 * CHUNK + 10, piece=CHUNK * 2 // 3)
        others = []
        for piece in pieces:
            writer.write(piece)
            done = threading.Event()

            def other(done=done):
                # its own upload and a read, on another connection
                location = self.put([b'other'])
                others.append(_read(self.store.open(location)))
                done.set()

            thread = threading.Thread(target=other, daemon=True)
            thread.start()
            # SQLite would make it wait up to busy_timeout (30 s)
            self.assertTrue(done.wait(10), 'blocked by the upload')
            thread.join()
        location = writer.finish()
        self.assertEqual([b'other'] * 7, others)
        self.assertEqual(4 * CHUNK + 10, self.store.size(location))

    def test_mysql_packet_size(self):
        packet = blob_data.max_packet(database._Context())
        if self.backend == 'mysql':
            self.assertGreaterEqual(packet, database.MIN_MYSQL_PACKET)
        else:
            self.assertIsNone(packet)


class SQLiteDatabaseStoreTest(_DatabaseStoreTests, test_base.TestCase):
    backend = 'sqlite'


class PostgreSQLDatabaseStoreTest(_DatabaseStoreTests, test_base.TestCase):
    backend = 'postgresql'
    write_peak = 10 * CHUNK


class MySQLDatabaseStoreTest(_DatabaseStoreTests, test_base.TestCase):
    backend = 'mysql'
    write_peak = 12 * CHUNK


class PacketSizeTest(test_base.TestCase):

    def test_small_packet_is_a_clear_error(self):
        e = self.assertRaises(exception.ConfigurationError,
                              database.check_packet_size, 1 << 20)
        self.assertIn('max_allowed_packet', str(e))
        self.assertIn(str(database.MIN_MYSQL_PACKET), str(e))

    def test_enough_or_not_mysql(self):
        # a check: it returns nothing and raises ConfigurationError when the
        # packet is too small (None: not MySQL)
        for packet in (None, database.MIN_MYSQL_PACKET, 64 << 20):
            self.assertIsNone(database.check_packet_size(packet))

    def test_writer_checks_once(self):
        store = database.DatabaseStore(None)
        calls = []
        self.useFixture(fixtures.MockPatchObject(
            blob_data, 'max_packet', lambda ctx: calls.append(1) or 1024))
        self.assertRaises(exception.ConfigurationError, store.writer,
                          str(uuid.uuid4()))
        self.useFixture(fixtures.MockPatchObject(
            blob_data, 'max_packet', lambda ctx: calls.append(1) or None))
        store.writer(str(uuid.uuid4()))
        store.writer(str(uuid.uuid4()))
        self.assertEqual(2, len(calls))
