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

"""glare-scrubber: arguments, exit codes and what a run purges (SQLite)."""

import datetime
import io
import os
import signal
import threading
import uuid

import fixtures
from oslo_config import cfg
import sqlalchemy as sa

from glare.cmd import scrubber as cmd
from glare.common import config
from glare import context as glare_context
from glare.db import api as db_api
from glare.db import artifacts as db
from glare.db import migration
from glare.db import models
from glare.services import composition
from glare.services import scrubber
from glare.tests import base

ARTIFACTS = models.Artifact.__table__
BLOBS = models.ArtifactBlob.__table__
UPLOADS = models.BlobUpload.__table__
TRASH = models.StoreTrash.__table__
T0 = datetime.datetime(2026, 5, 1, 12, 0, 0)
US = datetime.timedelta(microseconds=1)


class _State(base.TestCase):
    """A temporary state directory, its glare.conf and SQLite database."""

    migrate = True

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.state = os.path.join(self.tmp, 'state')
        self.datadir = os.path.join(self.state, 'blobs')
        self.conf_file = self.write_conf('glare.conf', (
            '[DEFAULT]\nstate_path = %s\n'
            'custom_artifact_types_modules = glare.tests.sample_artifact\n'
            '[database]\nconnection = sqlite:///%s/glare.sqlite\n'
            % (self.state, self.state)))
        db_api.reset()
        self.addCleanup(db_api.reset)
        if self.migrate:
            migration.upgrade(self.parse())

    def write_conf(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def parse(self, *extra):
        return config.parse_args(
            ['glare-scrubber', '--config-file', self.conf_file] +
            list(extra), default_config_files=[], conf_obj=cfg.ConfigOpts())


class TestMain(_State):
    """Arguments, configuration and database errors, exit codes."""

    def setUp(self):
        super().setUp()
        self.stderr = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', self.stderr))
        # oslo.log set-up changes the test process's root logger
        self.useFixture(fixtures.MockPatchObject(config, 'setup_logging'))
        for signum in (signal.SIGTERM, signal.SIGINT):
            self.addCleanup(signal.signal, signum, signal.getsignal(signum))
        self.once = self.useFixture(fixtures.MockPatchObject(
            scrubber.Scrubber, 'run_once',
            return_value=scrubber.Result(0, 0, 0, 0))).mock
        self.forever = self.useFixture(fixtures.MockPatchObject(
            scrubber.Scrubber, 'run_forever')).mock

    def main(self, *args):
        return cmd.main(['glare-scrubber', '--config-file', self.conf_file] +
                        list(args))

    def test_once_by_default(self):
        self.assertEqual(0, self.main())
        self.assertEqual((1, 0), (self.once.call_count,
                                  self.forever.call_count))

    def test_daemon_flag(self):
        self.assertEqual(0, self.main('--daemon'))
        self.assertEqual((0, 1), (self.once.call_count,
                                  self.forever.call_count))

    def test_daemon_option_and_nodaemon_flag(self):
        self.write_conf('daemon.conf', '[scrubber]\ndaemon = True\n')
        daemon = os.path.join(self.tmp, 'daemon.conf')
        self.assertEqual(0, self.main('--config-file', daemon))
        self.assertEqual(1, self.forever.call_count)
        self.assertEqual(0, self.main('--config-file', daemon,
                                      '--nodaemon'))
        self.assertEqual(1, self.once.call_count)

    def test_later_config_file_wins(self):
        late = self.write_conf('late.conf', '[scrubber]\nscrub_time = 7\n'
                               'scrub_pool_size = 3\n')
        conf = self.parse('--config-file', late)
        self.assertEqual((7, 3), (conf.scrubber.scrub_time,
                                  conf.scrubber.scrub_pool_size))

    def test_missing_config_file(self):
        self.assertEqual(2, cmd.main(['glare-scrubber', '--config-file',
                                      os.path.join(self.tmp, 'nope')]))
        self.assertIn('glare-scrubber: error: Failed to find some config '
                      'files', self.stderr.getvalue())

    def test_bad_option_value(self):
        for text in ('[scrubber]\nscrub_time = -1\n',
                     '[scrubber]\nscrub_pool_size = 0\n',
                     '[scrubber]\nwakeup_time = soon\n',
                     '[DEFAULT]\nstale_upload_timeout = 0\n'):
            bad = self.write_conf('bad.conf', text)
            self.assertEqual(2, self.main('--config-file', bad), text)
            self.assertIn('is not valid', self.stderr.getvalue(), text)
        self.assertEqual(0, self.once.call_count)

    def test_unknown_argument(self):
        self.assertRaises(SystemExit, self.main, '--bogus')

    def test_database_unreachable(self):
        down = self.write_conf('down.conf', (
            '[database]\nconnection = '
            'postgresql+psycopg2://glare:secret@127.0.0.1:1/glare\n'))
        self.assertEqual(1, self.main('--config-file', down))
        err = self.stderr.getvalue()
        self.assertIn('glare-scrubber: error: database postgresql', err)
        self.assertIn('127.0.0.1', err)
        self.assertNotIn('secret', err)
        self.assertEqual(0, self.once.call_count)

    def test_schema_not_current(self):
        os.remove(os.path.join(self.state, 'glare.sqlite'))
        migration.upgrade(self.parse(), '0001')
        self.assertEqual(1, self.main())
        self.assertIn('glare-db-manage upgrade', self.stderr.getvalue())

    def test_failed_purges_exit_non_zero(self):
        self.once.return_value = scrubber.Result(0, 0, 3, 2)
        self.assertEqual(1, self.main())
        self.assertIn('2 deleted artifact(s) could not be purged',
                      self.stderr.getvalue())

    def test_run_error_exits_non_zero(self):
        self.once.side_effect = sa.exc.OperationalError(
            'SELECT 1', {}, Exception('server has gone away'))
        self.assertEqual(1, self.main())
        self.assertIn('server has gone away', self.stderr.getvalue())

    def test_signals_stop_after_the_current_item(self):
        self.assertEqual(0, self.main('--daemon'))
        handler = signal.getsignal(signal.SIGTERM)
        self.assertTrue(callable(handler))
        stopping = []
        fake = type('Fake', (), {'stop': lambda s: stopping.append(1)})()
        cmd._stop_on_signals(fake)
        os.kill(os.getpid(), signal.SIGTERM)
        self.assertEqual([1], stopping)
        # a second signal is not caught any more
        self.assertIs(signal.SIG_DFL, signal.getsignal(signal.SIGTERM))
        self.assertTrue(callable(signal.getsignal(signal.SIGINT)))


class TestNoSchema(_State):

    migrate = False

    def test_no_database_file_is_created(self):
        stderr = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', stderr))
        self.useFixture(fixtures.MockPatchObject(config, 'setup_logging'))
        self.assertEqual(1, cmd.main(['glare-scrubber', '--config-file',
                                      self.conf_file]))
        self.assertIn('no Glare schema', stderr.getvalue())
        self.assertFalse(os.path.exists(os.path.join(self.state,
                                                     'glare.sqlite')))


class _Stub:
    """Stands for ArtifactService / BlobService where a test needs it."""

    def __init__(self, purge=None):
        self.purged = []
        self._purge = purge
        self.lock = threading.Lock()

    def purge(self, context, artifact_id):
        if self._purge is not None:
            self._purge(artifact_id)
        with self.lock:
            self.purged.append(artifact_id)

    def clean_up(self, context):
        return 0, 0


class TestPurgeSelection(_State):
    """Which deleted artifacts a run purges, against a real database."""

    def setUp(self):
        super().setUp()
        self.conf = self.parse()
        db_api.configure(self.conf)
        self.engine = db_api.get_engine()
        self.addCleanup(self.engine.dispose)
        self.context = glare_context.get_admin_context()

    def add(self, updated_at, status='deleted', blobs=()):
        artifact_id = str(uuid.uuid4())
        with self.engine.begin() as conn:
            conn.execute(ARTIFACTS.insert(), dict(
                id=artifact_id, type_name='sample_artifact',
                name='af-' + artifact_id[:8], version_prefix=0,
                version_suffix='', version_meta='', visibility='private',
                status=status, owner='p', created_at=updated_at,
                updated_at=updated_at, uniq_key=None))
            for i, blob in enumerate(blobs):
                row = dict(id=str(uuid.uuid4()), artifact_id=artifact_id,
                           name='dict_of_blobs', key_name='k%d' % i,
                           external=False, managed=True, size=1,
                           status='active', created_at=updated_at,
                           updated_at=updated_at)
                row.update(blob)
                conn.execute(BLOBS.insert(), row)
        return artifact_id

    def remaining(self):
        with self.engine.connect() as conn:
            return set(conn.execute(sa.select(ARTIFACTS.c.id)).scalars())

    def scrubber(self, services=None, batch_size=scrubber.BATCH_SIZE,
                 **options):
        for name, value in options.items():
            self.conf.set_override(name, value, group='scrubber')
        if services is None:
            services = composition.build_services(self.conf)
        return scrubber.Scrubber(self.conf, services, batch_size)

    def stub_services(self, **kw):
        stub = _Stub(**kw)
        return stub, type('Services', (), {'artifacts': stub,
                                           'blobs': stub})()

    def test_scrub_time_boundary(self):
        purged = {self.add(T0 - datetime.timedelta(seconds=61)),
                  self.add(T0 - datetime.timedelta(seconds=60) - US)}
        kept = {self.add(T0 - datetime.timedelta(seconds=60)),
                self.add(T0 - datetime.timedelta(seconds=59)),
                self.add(T0),
                self.add(T0 - datetime.timedelta(hours=1), 'active'),
                self.add(T0 - datetime.timedelta(hours=1), 'drafted'),
                self.add(T0 - datetime.timedelta(hours=1), 'deactivated')}
        self.assertEqual((2, 0), self.scrubber(scrub_time=60).scrub(T0))
        self.assertEqual(kept, self.remaining())
        self.assertEqual(set(), purged & self.remaining())

    def test_scrub_time_zero_purges_everything_deleted_until_now(self):
        done = self.add(T0 - US)
        kept = {self.add(T0), self.add(T0 + datetime.timedelta(seconds=5))}
        self.assertEqual((1, 0), self.scrubber(scrub_time=0).scrub(T0))
        self.assertEqual(kept, self.remaining())
        self.assertNotIn(done, self.remaining())

    def test_default_now_is_the_database_clock(self):
        old = self.add(db_api.now() - datetime.timedelta(seconds=5))
        recent = self.add(db_api.now())
        self.assertEqual((1, 0), self.scrubber(scrub_time=3).scrub())
        self.assertEqual({recent}, self.remaining())
        self.assertNotIn(old, self.remaining())

    def test_pages_in_order_without_repeats(self):
        same = T0 - datetime.timedelta(seconds=10)
        ids = sorted(self.add(same) for _i in range(3))
        first = self.add(T0 - datetime.timedelta(seconds=20))
        last = self.add(T0 - datetime.timedelta(seconds=5))
        self.add(T0 - datetime.timedelta(seconds=30), 'active')
        seen, after = [], None
        while True:
            page = db.deleted_before(self.context, T0, 2, after)
            self.assertLessEqual(len(page), 2)
            if not page:
                break
            seen.extend(r.id for r in page)
            after = (page[-1].updated_at, page[-1].id)
        self.assertEqual([first] + ids + [last], seen)

    def test_batches_and_a_failing_purge(self):
        ids = [self.add(T0 - datetime.timedelta(seconds=100 - i))
               for i in range(7)]
        attempts = []

        def purge(artifact_id):
            attempts.append(artifact_id)
            if artifact_id == ids[2]:
                raise RuntimeError('store down')
        stub, services = self.stub_services(purge=purge)
        run = self.scrubber(services, batch_size=2, scrub_time=0)
        self.assertEqual((6, 1), run.scrub(T0))
        # each artifact tried once, oldest first, the failed one not again
        self.assertEqual(ids, attempts)
        self.assertEqual(ids[:2] + ids[3:], stub.purged)

    def test_pool_purges_in_parallel(self):
        for i in range(6):
            self.add(T0 - datetime.timedelta(seconds=i + 1))
        barrier = threading.Barrier(3, timeout=20)
        stub, services = self.stub_services(
            purge=lambda _id: barrier.wait())
        run = self.scrubber(services, batch_size=3, scrub_time=0,
                            scrub_pool_size=3)
        # three purges must be in progress at once to pass the barrier
        self.assertEqual((6, 0), run.scrub(T0))
        self.assertEqual(6, len(set(stub.purged)))

    def test_stop_finishes_the_current_item_only(self):
        for i in range(5):
            self.add(T0 - datetime.timedelta(seconds=i + 1))
        holder = {}
        stub, services = self.stub_services(
            purge=lambda _id: holder['run'].stop())
        holder['run'] = self.scrubber(services, scrub_time=0)
        self.assertEqual((1, 0), holder['run'].scrub(T0))
        self.assertEqual(1, len(stub.purged))

    def test_run_forever_survives_a_failed_run(self):
        calls = []
        stub, services = self.stub_services()
        run = self.scrubber(services, wakeup_time=1)

        def run_once():
            calls.append(1)
            if len(calls) == 1:
                raise sa.exc.OperationalError('SELECT', {}, Exception('x'))
            run.stop()
        run.run_once = run_once
        run.run_forever()
        self.assertEqual(2, len(calls))

    # -- with the real services: what is deleted from the store ----------
    def store_file(self, name, data=b'data', directory=None):
        directory = directory or self.datadir
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, name)
        with open(path, 'wb') as f:
            f.write(data)
        return path

    def table(self, table):
        with self.engine.connect() as conn:
            return conn.execute(sa.select(table)).all()

    def test_purge_deletes_only_data_the_service_wrote(self):
        run = self.scrubber(scrub_time=0)  # builds the stores
        managed = self.store_file(str(uuid.uuid4()))
        admin_set = self.store_file(str(uuid.uuid4()))
        elsewhere = self.store_file('image', directory=os.path.join(
            self.tmp, 'outside'))
        artifact_id = self.add(T0 - US, blobs=[
            {'url': 'file://' + managed},
            {'url': 'http://example.com/x', 'external': True,
             'managed': False},
            {'url': 'file://' + admin_set, 'managed': False},
            {'url': 'file://' + elsewhere, 'managed': False},
            # an external blob wrongly marked managed is still not touched
            {'url': 'file://' + elsewhere, 'external': True}])
        kept = self.add(T0, blobs=[{'url': 'file://' + self.store_file(
            str(uuid.uuid4()))}])
        self.assertEqual((1, 0), run.scrub(T0))
        self.assertEqual({kept}, self.remaining())
        self.assertFalse(os.path.exists(managed))
        self.assertTrue(os.path.exists(admin_set))
        self.assertTrue(os.path.exists(elsewhere))
        self.assertEqual([], [b for b in self.table(BLOBS)
                              if b.artifact_id == artifact_id])
        self.assertEqual([], self.table(TRASH))

    def test_run_once_undoes_dead_uploads_and_empties_the_trash(self):
        run = self.scrubber(scrub_time=0)
        partial = self.store_file(str(uuid.uuid4()), b'part')
        trashed = self.store_file(str(uuid.uuid4()), b'old')
        artifact_id = self.add(T0, status='drafted', blobs=[
            {'url': None, 'status': 'saving', 'size': None}])
        with self.engine.begin() as conn:
            long_ago = db_api.now() - datetime.timedelta(hours=1)
            conn.execute(UPLOADS.insert(), dict(
                id=os.path.basename(partial), artifact_id=artifact_id,
                blob_name='dict_of_blobs', key_name='k0',
                type_name='sample_artifact', owner='p', reserved=4,
                store='file', location='file://' + partial,
                created_at=long_ago, heartbeat_at=long_ago))
            conn.execute(TRASH.insert(), dict(location='file://' + trashed,
                                              created_at=long_ago))
        gone = self.add(T0 - US)
        self.assertEqual(scrubber.Result(1, 1, 1, 0), run.run_once())
        self.assertFalse(os.path.exists(partial))
        self.assertFalse(os.path.exists(trashed))
        self.assertEqual([], self.table(UPLOADS))
        self.assertEqual([], self.table(BLOBS))
        self.assertEqual([], self.table(TRASH))
        self.assertEqual({artifact_id}, self.remaining())
        self.assertNotIn(gone, self.remaining())
