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

"""glare-scrubber against a real glare-api: delayed delete and crash undo.

The scrubber runs as its own process with the server's configuration file
(and, where a test needs other [scrubber] options, a second file after it:
later files win), as an operator's cron job or daemon would.
"""

import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import psutil
import sqlalchemy as sa

from glare.tests.functional import base
from glare.tests.functional import test_blobs

STALE = 2  # [DEFAULT] stale_upload_timeout of the server and the scrubber
SCRIPT = os.path.join(os.path.dirname(sys.executable), 'glare-scrubber')
# an address literal: the service resolves host names even when it does
# not fetch, and tests must not depend on DNS
EXTERNAL_URL = 'http://192.0.2.10/x'
LOCATION_TYPE = 'application/vnd+openstack.glare-custom-location+json'
FIRST_PART = b'p' * (3 << 19)  # 1.5 MiB: one 1 MiB store chunk gets written


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


@base.with_backends
class ScrubberTests(test_blobs.BlobMixin):

    CONFIG = {
        'DEFAULT': {'delayed_delete': 'True',
                    'stale_upload_timeout': str(STALE)},
        # upstream-compatible locations: the URL is stored, never fetched
        'locations': {'verify_external': 'False',
                      'allow_private_networks': 'True'},
    }

    # -- the scrubber process --------------------------------------------
    def scrubber_cmd(self, module=False, **options):
        """glare-scrubber with the server's config, then [scrubber] options
        from a second file."""
        cmd = [sys.executable, '-m', 'glare.cmd.scrubber'] \
            if module or not os.path.exists(SCRIPT) else [SCRIPT]
        cmd += ['--config-file', os.path.join(self.server.workdir,
                                              'glare.conf')]
        if options:
            path = os.path.join(self.server.workdir, 'scrubber-%s.conf' %
                                self.unique('opts'))
            with open(path, 'w') as f:
                f.write('[scrubber]\n' + ''.join(
                    '%s = %s\n' % kv for kv in options.items()))
            cmd += ['--config-file', path]
        return cmd

    def scrub(self, *args, expect=0, module=False, **options):
        """Run glare-scrubber once; returns its output."""
        proc = subprocess.run(
            self.scrubber_cmd(module, **options) + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, cwd=self.server.workdir, timeout=120)
        output = proc.stdout.decode('utf-8', 'replace')
        self.assertEqual(expect, proc.returncode, output)
        self.assertNotIn('Traceback', output)
        return output

    # -- the database, read directly -------------------------------------
    def db_rows(self, table, **where):
        engine = sa.create_engine(self.server.db_url,
                                  poolclass=sa.pool.NullPool)
        try:
            meta = sa.MetaData()
            t = sa.Table(table, meta, autoload_with=engine)
            query = sa.select(t).where(*[t.c[k] == v
                                         for k, v in where.items()])
            with engine.connect() as conn:
                return conn.execute(query).all()
        finally:
            engine.dispose()

    # -- helpers -----------------------------------------------------------
    def show_as_admin(self, artifact_id):
        return self.get(self.url(artifact_id), headers=self.admin)

    def new_files(self, before):
        return sorted(set(self.store_files()) - set(before))

    def deleted_artifact_with_data(self):
        """An artifact with two stored blobs, deleted (delayed)."""
        before = self.store_files()
        af = self.create()
        self.upload(af['id'], 'blob', b'one')
        self.upload(af['id'], 'dict_of_blobs', b'two', key='k')
        files = self.new_files(before)
        self.assertEqual(2, len(files))
        resp = self.delete(self.url(af['id']), headers=self.user)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        return af, files

    # -- delayed delete and scrub_time -----------------------------------
    def test_deleted_artifact_kept_until_scrub_time(self):
        af, files = self.deleted_artifact_with_data()
        shown = self.show(af['id'])
        self.assertEqual('deleted', shown['status'])
        self.assertEqual(3, shown['blob']['size'])
        self.assertError(403, self.download(af['id'], 'blob'))
        self.assertTrue(set(files) <= set(self.store_files()))

        out = self.scrub(scrub_time=3600)
        self.assertIn('0 deleted artifact(s) purged', out)
        self.assertEqual('deleted', self.show(af['id'])['status'])
        self.assertTrue(set(files) <= set(self.store_files()))

        self.scrub(scrub_time=0, module=True)
        self.assertError(404, self.show_as_admin(af['id']))
        self.assertEqual([], sorted(set(files) & set(self.store_files())))
        self.assertEqual([], self.db_rows('glare_artifact_blobs',
                                          artifact_id=af['id']))
        self.assertEqual([], self.db_rows('glare_store_trash'))

    def test_scrub_time_counts_from_the_delete(self):
        af, files = self.deleted_artifact_with_data()
        time.sleep(3)
        self.scrub(scrub_time=60)
        self.assertEqual('deleted', self.show(af['id'])['status'])
        self.scrub(scrub_time=2)
        self.assertError(404, self.show_as_admin(af['id']))
        self.assertEqual([], sorted(set(files) & set(self.store_files())))

    def test_live_artifacts_are_never_purged(self):
        af = self.create()
        self.upload(af['id'], 'blob', b'live')
        self.scrub(scrub_time=0)
        self.assertEqual(b'live', self.download(af['id'], 'blob').content)

    def test_external_location_is_a_record_only(self):
        before = self.store_files()
        af = self.create()
        resp = self.request(
            'PUT', self.blob_path(af['id'], 'blob'), headers=self.user,
            json_body={'url': EXTERNAL_URL,
                       'md5': hashlib.md5(b'x').hexdigest(),
                       'location_type': 'external'},
            content_type=LOCATION_TYPE)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertTrue(resp.json()['blob']['external'])
        self.upload(af['id'], 'dict_of_blobs', b'stored', key='k')
        stored = self.new_files(before)
        self.assertEqual(1, len(stored))
        self.assertEqual(204, self.delete(self.url(af['id']),
                                          headers=self.user).status_code)
        out = self.scrub(scrub_time=0)
        self.assertIn('1 deleted artifact(s) purged, 0 failed', out)
        # the store was never asked to delete the URL: no failed deletes,
        # nothing left in the trash for a retry
        self.assertNotIn('Could not delete', out)
        self.assertNotIn(' ERROR ', out)
        self.assertEqual([], self.db_rows('glare_store_trash'))
        self.assertError(404, self.show_as_admin(af['id']))
        self.assertEqual([], sorted(set(stored) & set(self.store_files())))

    # -- daemon ------------------------------------------------------------
    def start_daemon(self, **options):
        """glare-scrubber --daemon; returns the process and a function
        that reads its log."""
        log_path = os.path.join(self.server.workdir,
                                '%s.log' % self.unique('scrubber-daemon'))
        with open(log_path, 'wb') as log:
            proc = subprocess.Popen(
                self.scrubber_cmd(**options) + ['--daemon'], stdout=log,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                cwd=self.server.workdir)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())

        def log_text():
            with open(log_path, 'rb') as f:
                return f.read().decode('utf-8', 'replace')
        return proc, log_text

    def test_daemon_stops_on_sigterm(self):
        af, files = self.deleted_artifact_with_data()
        proc, log_text = self.start_daemon(wakeup_time=600, scrub_time=0)
        self.assertTrue(self.wait_until(lambda: 'Scrubber run:' in
                                        log_text(), timeout=60), log_text())
        self.assertError(404, self.show_as_admin(af['id']))
        self.assertIsNone(proc.poll(), log_text())  # sleeping, not gone
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(0, proc.wait(30), log_text())
        self.assertIn('Scrubber stopped', log_text())
        self.assertNotIn('Traceback', log_text())

    # -- crash of an API worker during an upload -------------------------
    def start_upload(self, artifact_id):
        """A chunked upload that sends 1.5 MiB and then waits, its socket
        left open; returns the new (partial) store file."""
        before = self.store_files()
        sock = socket.create_connection(('127.0.0.1', self.server.port))
        self.addCleanup(sock.close)
        lines = ['PUT %s HTTP/1.1' % self.blob_path(artifact_id, 'blob'),
                 'Host: 127.0.0.1', 'Transfer-Encoding: chunked',
                 'Content-Type: application/octet-stream']
        lines += ['%s: %s' % kv for kv in self.user.items()]
        sock.sendall(('\r\n'.join(lines) + '\r\n\r\n').encode() +
                     b'%x\r\n' % len(FIRST_PART) + FIRST_PART + b'\r\n')
        datadir = os.path.join(self.server.workdir, 'state', 'blobs')

        def partial_written():
            new = self.new_files(before)
            return len(new) == 1 and os.path.getsize(
                os.path.join(datadir, new[0])) > 0
        self.assertTrue(self.wait_until(
            lambda: (self.show(artifact_id)['blob'] or {}).get('status')
            == 'saving'), self.show(artifact_id))
        self.assertTrue(self.wait_until(partial_written),
                        self.store_files())
        return self.new_files(before)[0]

    def kill_worker(self):
        """SIGKILL the worker, the master stopped (SIGSTOP) meanwhile.

        A running master forks a new worker at once, and that worker's
        start-up clean-up would undo the upload too when it boots after
        the heartbeat went stale: stopped, only the scrubber cleans up.
        """
        master = psutil.Process(self.server.process.pid)
        workers = [p for p in master.children()
                   if p.status() != psutil.STATUS_ZOMBIE]
        self.assertEqual(1, len(workers), workers)
        master.suspend()
        self.addCleanup(_resume, master)
        workers[0].kill()
        # a zombie until the (stopped) master reaps it
        self.assertTrue(self.wait_until(lambda: _dead(workers[0]), 30))
        return master

    def wait_until_stale(self):
        time.sleep(STALE + 1)

    def assert_dead_upload(self, artifact_id, partial):
        """What a dead upload leaves, as the database and store show it."""
        self.assertIn(partial, self.store_files())
        uploads = self.db_rows('glare_blob_uploads', artifact_id=artifact_id)
        self.assertEqual(1, len(uploads))
        self.assertEqual(partial, uploads[0].id)
        blobs = self.db_rows('glare_artifact_blobs', artifact_id=artifact_id,
                             name='blob')
        self.assertEqual(['saving'], [b.status for b in blobs])

    def test_crash_before_first_upload_restores_nothing(self):
        before = self.store_files()
        af = self.create()
        partial = self.start_upload(af['id'])
        master = self.kill_worker()
        self.assert_dead_upload(af['id'], partial)
        self.wait_until_stale()
        out = self.scrub()
        self.assertIn('1 dead upload(s) undone', out)
        self.assertEqual([], self.db_rows('glare_blob_uploads',
                                          artifact_id=af['id']))
        self.assertEqual([], self.db_rows('glare_artifact_blobs',
                                          artifact_id=af['id']))
        self.assertEqual(before, self.store_files())
        master.resume()
        self.assertIsNone(self.show(af['id'])['blob'])
        self.assertError(404, self.download(af['id'], 'blob'))
        # the blob takes an upload again
        self.upload(af['id'], 'blob', b'after the crash')

    def test_crash_during_reupload_keeps_the_old_data(self):
        af = self.create()
        old = b'old data ' * 1000
        self.upload(af['id'], 'blob', old)
        before = self.store_files()
        shown = self.show(af['id'])['blob']
        partial = self.start_upload(af['id'])
        master = self.kill_worker()
        self.assert_dead_upload(af['id'], partial)
        self.wait_until_stale()
        self.assertIn('1 dead upload(s) undone', self.scrub())
        self.assertEqual([], self.db_rows('glare_blob_uploads',
                                          artifact_id=af['id']))
        self.assertEqual(before, self.store_files())
        master.resume()
        self.assertEqual(shown, self.show(af['id'])['blob'])
        resp = self.download(af['id'], 'blob')
        self.assertEqual(200, resp.status_code)
        self.assertEqual(old, resp.content)
        self.assertEqual(_sha256(old),
                         resp.headers['X-Openstack-Glare-Content-SHA256'])

    def test_live_upload_is_left_alone(self):
        """An upload running longer than stale_upload_timeout, its data
        flowing (so its worker beats), survives scrubber runs."""
        # a daemon started first: its runs come every second, without the
        # start-up time of a new process within the upload's life
        daemon, log_text = self.start_daemon(wakeup_time=1,
                                             scrub_time=3600)
        self.assertTrue(self.wait_until(
            lambda: 'Scrubber run:' in log_text(), timeout=60), log_text())
        af = self.create()
        chunk = b'L' * (1 << 20)
        most = 9  # the field takes 10 MiB
        sent = []
        done = threading.Event()

        def slow_body():
            # a store chunk every 0.8 s: the worker beats after each one
            while not done.wait(0 if not sent else 0.8) and \
                    len(sent) < most:
                sent.append(time.monotonic())
                yield chunk
        result = {}

        def upload():
            result['resp'] = self.put_data(af['id'], 'blob', slow_body())
        thread = threading.Thread(target=upload)
        thread.start()
        try:
            self.assertTrue(self.wait_until(
                lambda: (self.show(af['id'])['blob'] or {}).get('status')
                == 'saving'))
            time.sleep(STALE + 0.2)
            runs = log_text().count('Scrubber run:')
            # one whole run after the upload got older than the timeout
            self.assertTrue(self.wait_until(
                lambda: log_text().count('Scrubber run:') >= runs + 2,
                timeout=30), log_text())
            self.assertLess(len(sent), most, 'the upload ran out of data '
                            'before the scrubber ran')
            self.assertEqual('saving', self.show(af['id'])['blob']['status'])
        finally:
            done.set()
            thread.join(60)
            daemon.send_signal(signal.SIGTERM)
            self.assertEqual(0, daemon.wait(30), log_text())
        self.assertNotIn('1 dead upload(s) undone', log_text())
        self.assertEqual(200, result['resp'].status_code,
                         base.brief(result['resp']))
        blob = self.show(af['id'])['blob']
        self.assertEqual(len(sent) * len(chunk), blob['size'])
        self.assertEqual(_sha256(chunk * len(sent)), blob['sha256'])

    def test_restart_of_the_api_undoes_the_dead_upload(self):
        before = self.store_files()
        af = self.create()
        partial = self.start_upload(af['id'])
        # the whole API dies: master and worker
        os.killpg(self.server.process.pid, signal.SIGKILL)
        self.server.stop()
        self.assert_dead_upload(af['id'], partial)
        self.wait_until_stale()
        self.server.start()

        def undone():
            return not self.db_rows('glare_blob_uploads',
                                    artifact_id=af['id'])
        self.assertTrue(self.wait_until(undone, timeout=30),
                        self.server.log_tail())
        self.assertIsNone(self.show(af['id'])['blob'])
        self.assertEqual(before, self.store_files())
        self.assertIn('Clean-up: 1 dead upload(s) undone',
                      self.server.log_tail(20000))


def _resume(process):
    try:
        process.resume()
    except psutil.NoSuchProcess:
        pass


def _dead(process):
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
