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

"""A crashed upload does not block its blob: once its heartbeat is a few
beats late, a retry takes its place, and its partial data is deleted.

A live upload keeps beating, however slow its client, and is never taken
over. Two retries of a dead upload never both win.
"""

import datetime
import os
import signal
import socket
import threading
import time
import uuid

import sqlalchemy as sa

from glare.tests.functional import base
from glare.tests.functional import test_blobs

RETRY_WITHIN = 30  # seconds from the crash to a successful retry
FIRST_PART = b'p' * (3 << 19)  # 1.5 MiB: one 1 MiB store chunk gets written
LAST_PART = b'q' * 1000


class CrashMixin(test_blobs.BlobMixin):

    def datadir(self):
        return os.path.join(self.server.workdir, 'state', 'blobs')

    def start_upload(self, artifact_id):
        """A chunked upload that sends FIRST_PART and waits, its socket
        left open: (socket, the new partial store file)."""
        before = self.store_files()
        sock = socket.create_connection(('127.0.0.1', self.server.port))
        self.addCleanup(sock.close)
        lines = ['PUT %s HTTP/1.1' % self.blob_path(artifact_id, 'blob'),
                 'Host: 127.0.0.1', 'Transfer-Encoding: chunked',
                 'Content-Type: application/octet-stream']
        lines += ['%s: %s' % kv for kv in self.user.items()]
        sock.sendall(('\r\n'.join(lines) + '\r\n\r\n').encode() +
                     b'%x\r\n' % len(FIRST_PART) + FIRST_PART + b'\r\n')

        def partial_written():
            new = sorted(set(self.store_files()) - set(before))
            return len(new) == 1 and os.path.getsize(
                os.path.join(self.datadir(), new[0])) > 0
        self.assertTrue(self.wait_until(
            lambda: (self.show(artifact_id)['blob'] or {}).get('status')
            == 'saving'), self.show(artifact_id))
        self.assertTrue(self.wait_until(partial_written),
                        self.store_files())
        new, = set(self.store_files()) - set(before)
        return sock, new

    def db_engine(self):
        engine = sa.create_engine(self.server.db_url,
                                  poolclass=sa.pool.NullPool)
        self.addCleanup(engine.dispose)
        return engine


@base.with_backends
class CrashedUploadTests(CrashMixin):
    """The default stale_upload_timeout: a retry wins within 30 s."""

    def test_retry_after_the_whole_api_died(self):
        af = self.create()
        old = b'old data ' * 1000
        before = self.store_files()
        self.upload(af['id'], 'blob', old)
        old_file, = set(self.store_files()) - set(before)
        sock, partial = self.start_upload(af['id'])
        # the whole service dies: master and worker, no clean-up at all
        os.killpg(self.server.process.pid, signal.SIGKILL)
        killed = time.monotonic()
        self.server.stop()
        sock.close()
        self.assertIn(partial, self.store_files())
        self.server.start()

        new = os.urandom(3 << 20)
        attempts = 0
        while True:
            attempts += 1
            resp = self.put_data(af['id'], 'blob', new)
            waited = time.monotonic() - killed
            if resp.status_code != 409 or waited > RETRY_WITHIN:
                break
            self.assertError(409, resp, 'being uploaded already')
            time.sleep(0.5)
        self.assertEqual(200, resp.status_code, '%s after %.1f s, %d '
                         'attempts' % (base.brief(resp), waited, attempts))
        self.assertLess(waited, RETRY_WITHIN)
        # the dead upload's data is gone, and so is the data it replaced
        files = self.store_files()
        self.assertNotIn(partial, files)
        self.assertNotIn(old_file, files)
        self.assertEqual(1, len(set(files) - set(before)), files)
        resp = self.download(af['id'], 'blob')
        self.assertEqual(200, resp.status_code)
        self.assertEqual(new, resp.content)
        self.assertDataHeaders(resp, new)
        log = self.server.log_tail(200000)
        # the retry took the dead upload's place; on a slow machine the
        # restarted server's first clean-up may have undone it already
        took_over = 'Upload %s to blob/ of artifact %s stopped beating' % (
            partial, af['id'])
        self.assertTrue(took_over in log or
                        'Clean-up: 1 dead upload(s) undone' in log, log)
        self.assertNotIn('Traceback', log)


@base.with_backends
class ConcurrentRetryTests(CrashMixin):
    """What a dead worker leaves (its upload's record, the blob saving,
    partial data), met by several retries at once."""

    RETRIES = 4

    def leave_dead_upload(self, artifact_id):
        """The records and partial file of an upload whose worker died a
        minute ago; returns the file's path."""
        os.makedirs(self.datadir(), exist_ok=True)
        upload_id = str(uuid.uuid4())
        path = os.path.join(self.datadir(), upload_id)
        with open(path, 'wb') as f:
            f.write(b'partial')
        long_ago = (datetime.datetime.now(datetime.timezone.utc)
                    .replace(tzinfo=None) - datetime.timedelta(minutes=1))
        meta = sa.MetaData()
        engine = self.db_engine()
        uploads = sa.Table('glare_blob_uploads', meta, autoload_with=engine)
        blobs = sa.Table('glare_artifact_blobs', meta, autoload_with=engine)
        with engine.begin() as conn:
            conn.execute(uploads.insert(), dict(
                id=upload_id, artifact_id=artifact_id, blob_name='blob',
                key_name='', type_name=base.SAMPLE, owner=self.project,
                reserved=0, store='file', location='file://' + path,
                created_at=long_ago, heartbeat_at=long_ago))
            conn.execute(blobs.insert(), dict(
                id=str(uuid.uuid4()), artifact_id=artifact_id, name='blob',
                key_name='', external=False, managed=True,
                status='saving', created_at=long_ago, updated_at=long_ago))
        return path

    def open_put(self, artifact_id, length):
        """A PUT whose headers and first byte are sent, the rest not."""
        sock = socket.create_connection(('127.0.0.1', self.server.port))
        self.addCleanup(sock.close)
        lines = ['PUT %s HTTP/1.1' % self.blob_path(artifact_id, 'blob'),
                 'Host: 127.0.0.1', 'Content-Length: %d' % length,
                 'Content-Type: application/octet-stream',
                 'Connection: close']
        lines += ['%s: %s' % kv for kv in self.user.items()]
        sock.sendall(('\r\n'.join(lines) + '\r\n\r\n').encode() + b'r')
        return sock

    @staticmethod
    def status(sock, timeout):
        sock.settimeout(timeout)
        data = b''
        try:
            while b'\r\n' not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            return None
        return int(data.split(b' ', 2)[1]) if data else 'closed'

    def test_one_of_concurrent_retries_takes_over(self):
        af = self.create()
        partial = self.leave_dead_upload(af['id'])
        self.assertError(409, self.download(af['id'], 'blob'))
        barrier = threading.Barrier(self.RETRIES)
        socks = [None] * self.RETRIES
        length = 1000

        def retry(i):
            barrier.wait(30)
            socks[i] = self.open_put(af['id'], length)
        threads = [threading.Thread(target=retry, args=(i,))
                   for i in range(self.RETRIES)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        # the losers are answered at once; the winner waits for its body
        statuses = [self.status(s, 5) for s in socks]
        self.assertEqual(sorted([409] * (self.RETRIES - 1) + [-1]),
                         sorted(-1 if s is None else s for s in statuses))
        winner = socks[statuses.index(None)]
        winner.sendall(b'r' * (length - 1))
        self.assertEqual(200, self.status(winner, 30))
        self.assertFalse(os.path.exists(partial))
        self.assertEqual(b'r' * length,
                         self.download(af['id'], 'blob').content)
        self.assertIn('stopped beating', self.server.log_tail(200000))


STALE = 2


@base.with_backends
class LiveUploadTests(CrashMixin):
    """A short stale_upload_timeout: a paused client is not a dead
    worker, its upload keeps its blob."""

    CONFIG = {'DEFAULT': {'stale_upload_timeout': str(STALE)}}

    def test_paused_live_upload_is_not_taken_over(self):
        af = self.create()
        sock, partial = self.start_upload(af['id'])
        # the client sends nothing for longer than the timeout (the
        # clean-up runs every STALE seconds meanwhile)
        time.sleep(STALE * 2.5)
        self.assertError(409, self.put_data(af['id'], 'blob', b'other'),
                         'being uploaded already')
        sock.sendall(b'%x\r\n' % len(LAST_PART) + LAST_PART +
                     b'\r\n0\r\n\r\n')
        sock.settimeout(30)
        head = sock.recv(4096)
        self.assertTrue(head.startswith(b'HTTP/1.1 200'), head[:300])
        data = FIRST_PART + LAST_PART
        resp = self.download(af['id'], 'blob')
        self.assertEqual(data, resp.content)
        self.assertDataHeaders(resp, data)
        self.assertIn(partial, self.store_files())
        log = self.server.log_tail(200000)
        self.assertNotIn('stopped beating', log)
        self.assertNotIn('dead upload(s) undone', log)
