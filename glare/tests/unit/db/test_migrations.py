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

"""Tests of the migrations, ensure_schema and glare-db-manage."""

import datetime
import os
import subprocess
import sys
import uuid

import fixtures
from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import engines
from oslo_db.sqlalchemy import test_migrations
import sqlalchemy as sa

from glare.common import config
from glare.db import api as db_api
from glare.db import migration
from glare.db import models
from glare.tests import base
from glare.tests.fixtures import db_fixtures

_TOP = os.path.dirname(os.path.dirname(os.path.abspath(config.__file__)))
HEAD = '0012'


#: an artifacts row in the columns of 0001 (later migrations add theirs)
_OLD_ARTIFACT = sa.text(
    "INSERT INTO glare_artifacts (id, type_name, name, version_prefix, "
    "version_suffix, version_meta, visibility, status, owner, created_at, "
    "updated_at) VALUES (:id, 'images', :name, 1, '', '', :visibility, "
    ":status, 'p', :t, :t)")


def _old_artifact(conn, when, artifact_id='a1', name='n',
                  visibility='private', status='drafted'):
    conn.execute(_OLD_ARTIFACT, {'id': artifact_id, 'name': name,
                                 'visibility': visibility, 'status': status,
                                 't': when})
# Waits for a start signal, so that the workers really race.
_ENSURE_CHILD = '''
import os, sys, time
from oslo_config import cfg
from glare.common import config
from glare.db import migration
conf = config.parse_args(['glare', '--config-file', sys.argv[1]],
                         default_config_files=[], conf_obj=cfg.ConfigOpts())
while not os.path.exists(sys.argv[2]):
    time.sleep(0.005)
print(migration.ensure_schema(conf))
'''


def _run(args, **kwargs):
    env = dict(os.environ, PYTHONPATH=os.path.dirname(_TOP))
    return subprocess.run([sys.executable] + args, env=env, text=True,
                          capture_output=True, timeout=120, **kwargs)


def _popen(args):
    env = dict(os.environ, PYTHONPATH=os.path.dirname(_TOP))
    return subprocess.Popen([sys.executable] + args, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


class _MigrationTests(test_migrations.ModelsMigrationsSync):
    """Checks run on every backend; subclasses give the database URL."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.state_path = os.path.join(self.tmp, 'state')
        self.conf_file = self.write_conf(self.database_url())
        self.conf = self.load_conf(self.conf_file)

    def database_url(self):
        raise NotImplementedError

    def write_conf(self, url, name='glare.conf'):
        path = os.path.join(self.tmp, name)
        with open(path, 'w') as f:
            f.write('[DEFAULT]\nstate_path = %s\n' % self.state_path)
            if url:
                f.write('[database]\nconnection = %s\n' % url)
        return path

    def load_conf(self, path):
        return config.parse_args(['glare', '--config-file', path],
                                 default_config_files=[],
                                 conf_obj=cfg.ConfigOpts())

    # ModelsMigrationsSync hooks
    def get_engine(self):
        if not hasattr(self, '_engine'):
            os.makedirs(self.state_path, exist_ok=True)  # for SQLite
            # built like the service's engine, so that SQLite enforces
            # the foreign keys as it does there
            self._engine = engines.create_engine(
                self.conf.database.connection, sqlite_fk=True,
                max_retries=1)
            db_api.install_engine_hooks(self._engine)
            self.addCleanup(self._engine.dispose)
        return self._engine

    def get_metadata(self):
        return models.Base.metadata

    def db_sync(self, engine):
        migration.upgrade(self.conf)
        if engine.dialect.name == 'sqlite':
            # before oslo.db's clean-up, which would drop the FTS5 table's
            # own tables after the FTS5 table took them with it
            self.addCleanup(self._drop_fts, engine)

    @staticmethod
    def _drop_fts(engine):
        with engine.begin() as conn:
            conn.exec_driver_sql('DROP TABLE IF EXISTS glare_artifact_fts')

    def include_object(self, obj, name, type_, reflected, compare_to):
        # SQLite's FTS5 table and its shadow tables are made by the
        # migration's DDL, not by the models
        if type_ == 'table' and name.startswith('glare_artifact_fts'):
            return False
        # an index of the models made on other databases only (ddl_if)
        ddl_if = getattr(obj, '_ddl_if', None)
        if type_ == 'index' and not reflected and ddl_if is not None and \
                ddl_if.dialect is not None:
            dialects = ((ddl_if.dialect,) if isinstance(ddl_if.dialect, str)
                        else tuple(ddl_if.dialect))
            if self.get_engine().dialect.name not in dialects:
                return False
        return super().include_object(obj, name, type_, reflected,
                                      compare_to)

    # the checks
    def test_head(self):
        self.assertEqual(HEAD, migration.head())

    def test_version_before_and_after_upgrade(self):
        self.assertIsNone(migration.version(self.conf))
        migration.upgrade(self.conf)
        self.assertEqual(HEAD, migration.version(self.conf))
        migration.upgrade(self.conf)  # at head already: nothing to do
        self.assertEqual(HEAD, migration.version(self.conf))

    def test_stamp(self):
        migration.stamp(self.conf, 'head')
        self.assertEqual(HEAD, migration.version(self.conf))
        self.assertNotIn('glare_artifacts',
                         sa.inspect(self.get_engine()).get_table_names())
        migration.stamp(self.conf, 'base')
        self.assertIsNone(migration.version(self.conf))

    def test_foreign_keys_cascade(self):
        migration.upgrade(self.conf)
        insp = sa.inspect(self.get_engine())
        for table in ('glare_artifact_tags', 'glare_artifact_properties',
                      'glare_artifact_blobs'):
            fks = insp.get_foreign_keys(table)
            self.assertEqual([(['artifact_id'], 'glare_artifacts', ['id'],
                               'CASCADE')],
                             [(fk['constrained_columns'], fk['referred_table'],
                               fk['referred_columns'],
                               fk['options'].get('ondelete', '').upper())
                              for fk in fks], table)

    def test_round_trip_and_cascade(self):
        migration.upgrade(self.conf)
        when = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456)
        art = models.Artifact.__table__
        tag = models.ArtifactTag.__table__
        prop = models.ArtifactProperty.__table__
        with self.get_engine().begin() as conn:
            conn.execute(art.insert().values(
                id='a1', type_name='images', name='n', version_prefix=1,
                version_suffix='', version_meta='', visibility='private',
                status='drafted', owner='p', created_at=when,
                updated_at=when, uniq_key='k'))
            conn.execute(tag.insert(), [{'artifact_id': 'a1', 'value': v}
                                        for v in ('x', 'X')])
            conn.execute(prop.insert().values(artifact_id='a1', name='f',
                                              numeric_value=0.1))
        with self.get_engine().begin() as conn:
            self.assertEqual(when, conn.execute(
                sa.select(art.c.created_at)).scalar())
            self.assertEqual(0.1, conn.execute(
                sa.select(prop.c.numeric_value)).scalar())
            conn.execute(art.delete())
            self.assertEqual(0, conn.execute(
                sa.select(sa.func.count()).select_from(tag)).scalar())

    def test_0003_gives_existing_artifacts_revision_0(self):
        migration.upgrade(self.conf, '0002')
        when = datetime.datetime(2024, 5, 6, 7, 8, 9)
        with self.get_engine().begin() as conn:
            _old_artifact(conn, when)
        migration.upgrade(self.conf)
        art = models.Artifact.__table__
        with self.get_engine().begin() as conn:
            self.assertEqual(0, conn.execute(
                sa.select(art.c.revision)).scalar())
            # a row inserted without it starts at 0 too
            conn.execute(art.insert().values(
                id='a2', type_name='images', name='n2', version_prefix=1,
                version_suffix='', version_meta='', visibility='private',
                status='drafted', owner='p', created_at=when,
                updated_at=when))
            self.assertEqual([0, 0], conn.execute(
                sa.select(art.c.revision).order_by(art.c.id)).scalars()
                .all())

    def test_0004_keeps_visibility_and_adds_members(self):
        migration.upgrade(self.conf, '0003')
        when = datetime.datetime(2024, 5, 6, 7, 8, 9)
        with self.get_engine().begin() as conn:
            for aid, vis in (('a1', 'private'), ('a2', 'public')):
                _old_artifact(conn, when, aid, name=aid, visibility=vis,
                              status='active')
        migration.upgrade(self.conf)
        art = models.Artifact.__table__
        members = models.ArtifactMember.__table__
        with self.get_engine().begin() as conn:
            self.assertEqual([('a1', 'private'), ('a2', 'public')],
                             [tuple(r) for r in conn.execute(
                                 sa.select(art.c.id, art.c.visibility)
                                 .order_by(art.c.id))])
            conn.execute(members.insert().values(
                artifact_id='a1', member='q', status='pending',
                created_at=when, updated_at=when))
        # one row per (artifact, member)
        with self.get_engine().connect() as conn:
            self.assertRaises(db_exc.DBDuplicateEntry, conn.execute,
                              members.insert().values(
                                  artifact_id='a1', member='q',
                                  status='accepted', created_at=when,
                                  updated_at=when))

    def test_0005_gives_existing_artifacts_no_origin(self):
        migration.upgrade(self.conf, '0004')
        when = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456)
        with self.get_engine().begin() as conn:
            _old_artifact(conn, when)
        migration.upgrade(self.conf)
        art = models.Artifact.__table__
        digest = 'sha256:' + 'a' * 64
        cols = (art.c.origin_id, art.c.origin_cloud_id, art.c.origin_upstream,
                art.c.origin_digest)
        with self.get_engine().begin() as conn:
            self.assertEqual((None,) * 4, tuple(conn.execute(
                sa.select(*cols)).one()))
            conn.execute(art.update().values(
                origin_id='b' * 36, origin_cloud_id='c' * 255,
                origin_upstream=None, origin_digest=digest))
            self.assertEqual(('b' * 36, 'c' * 255, None, digest),
                             tuple(conn.execute(sa.select(*cols)).one()))

    def test_0007_adds_the_trust_store_and_unsigned_blobs(self):
        migration.upgrade(self.conf, '0006')
        when = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456)
        with self.get_engine().begin() as conn:
            _old_artifact(conn, when)
            conn.execute(sa.text(
                "INSERT INTO glare_artifact_blobs (id, artifact_id, name, "
                "key_name, external, status, created_at, updated_at) "
                "VALUES ('b1', 'a1', 'image', '', false, 'active', :t, "
                ":t)"), {'t': when})
        migration.upgrade(self.conf)
        blobs = models.ArtifactBlob.__table__
        trust = models.TrustCertificate.__table__
        record = '{"verified": true, "signature": "%s"}' % ('A' * 3000)
        with self.get_engine().begin() as conn:
            # the blob that was there has no signature
            self.assertIsNone(conn.execute(
                sa.select(blobs.c.signature)).scalar())
            conn.execute(blobs.update().values(signature=record))
            self.assertEqual(record, conn.execute(
                sa.select(blobs.c.signature)).scalar())
            pem = '-----BEGIN CERTIFICATE-----\n%s\n' % ('M' * 70000)
            for entry_id, owner, scope in (('t1', 'p', 'project'),
                                           ('t2', None, 'global')):
                conn.execute(trust.insert().values(
                    id=entry_id, name='n' * 255, owner=owner, scope=scope,
                    kind='certificate', pem=pem, fingerprint_sha256='f' * 64,
                    subject='CN=' + 's' * 2000, not_before=when,
                    not_after=when, created_at=when))
            rows = conn.execute(sa.select(
                trust.c.id, trust.c.owner, trust.c.not_after,
                sa.func.length(trust.c.pem)).order_by(trust.c.id)).all()
            self.assertEqual([('t1', 'p', when, len(pem)),
                              ('t2', None, when, len(pem))],
                             [tuple(r) for r in rows])
        indexes = {i['name']: i['column_names'] for i in sa.inspect(
            self.get_engine()).get_indexes('glare_trust_certificates')}
        self.assertEqual(['owner', 'fingerprint_sha256'],
                         indexes['ix_glare_trust_owner_fingerprint'])

    def test_0008_adds_stars_reviews_and_their_counters(self):
        migration.upgrade(self.conf, '0007')
        when = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456)
        with self.get_engine().begin() as conn:
            _old_artifact(conn, when)
        migration.upgrade(self.conf)
        art = models.Artifact.__table__
        stars = models.ArtifactStar.__table__
        reviews = models.ArtifactReview.__table__
        review = dict(artifact_id='a1', user_id='u1', project_id='p',
                      rating=5, comment='<b>x</b>' * 500, created_at=when,
                      updated_at=when)
        with self.get_engine().begin() as conn:
            # the artifact that was there has no stars and no reviews
            self.assertEqual((0, 0, 0, None), tuple(conn.execute(sa.select(
                art.c.star_count, art.c.rating_count, art.c.rating_sum,
                art.c.rating_average)).one()))
            conn.execute(stars.insert().values(artifact_id='a1',
                                               user_id='u1', created_at=when))
            conn.execute(reviews.insert().values(id='r1', **review))
            self.assertEqual((review['comment'], False), tuple(
                conn.execute(sa.select(reviews.c.comment,
                                       reviews.c.hidden)).one()))
        # one star and one review per user and artifact
        for table, row in ((stars, dict(artifact_id='a1', user_id='u1',
                                        created_at=when)),
                           (reviews, dict(review, id='r2'))):
            with self.get_engine().begin() as conn:
                self.assertRaises(db_exc.DBDuplicateEntry, conn.execute,
                                  table.insert().values(**row))
        with self.get_engine().begin() as conn:
            conn.execute(art.delete())
            for table in (stars, reviews):
                self.assertEqual(0, conn.execute(sa.select(
                    sa.func.count()).select_from(table)).scalar())
        insp = sa.inspect(self.get_engine())
        for table in ('glare_artifact_stars', 'glare_artifact_reviews'):
            self.assertEqual(
                [(['artifact_id'], 'glare_artifacts', 'CASCADE')],
                [(fk['constrained_columns'], fk['referred_table'],
                  fk['options'].get('ondelete', '').upper())
                 for fk in insp.get_foreign_keys(table)], table)
        indexes = {i['name']: i['column_names'] for i in
                   insp.get_indexes('glare_artifact_reviews')}
        self.assertEqual(['artifact_id', 'created_at', 'id'],
                         indexes['ix_glare_review_artifact_created'])

    def test_0009_counts_downloads_from_zero(self):
        migration.upgrade(self.conf, '0008')
        when = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456)
        with self.get_engine().begin() as conn:
            _old_artifact(conn, when, visibility='public', status='active')
        migration.upgrade(self.conf)
        art = models.Artifact.__table__
        days = models.ArtifactDownloads.__table__
        with self.get_engine().begin() as conn:
            # the artifact that was there has no downloads
            self.assertEqual((0, 0, None), tuple(conn.execute(sa.select(
                art.c.downloads_total, art.c.downloads_recent,
                art.c.downloads_recent_day)).one()))
            conn.execute(days.insert().values(
                artifact_id='a1', day=when.date(), count=2 ** 40))

        def again():
            with self.get_engine().begin() as conn:
                conn.execute(days.insert().values(
                    artifact_id='a1', day=when.date(), count=1))
        # one row per artifact and day
        self.assertRaises(db_exc.DBDuplicateEntry, again)
        with self.get_engine().begin() as conn:
            # an artifact's rows go with it
            conn.execute(art.delete())
            self.assertEqual(0, conn.execute(
                sa.select(sa.func.count()).select_from(days)).scalar())
        indexes = {i['name']: i['column_names'] for i in sa.inspect(
            self.get_engine()).get_indexes('glare_artifacts')}
        self.assertEqual(['type_name', 'downloads_total'],
                         indexes['ix_glare_artifact_type_downloads'])

    def test_0010_indexes_the_existing_artifacts(self):
        migration.upgrade(self.conf, '0009')
        when = datetime.datetime(2024, 5, 6, 7, 8, 9)
        with self.get_engine().begin() as conn:
            _old_artifact(conn, when, name='Ubuntu Noble')
            _old_artifact(conn, when, artifact_id='a2', name='other')
            conn.execute(sa.text(
                "UPDATE glare_artifacts SET description = 'A cloud image' "
                "WHERE id = 'a1'"))
            conn.execute(sa.text(
                "INSERT INTO glare_artifact_tags (artifact_id, value) "
                "VALUES ('a1', 'lts')"))
            conn.execute(sa.text(
                "INSERT INTO glare_artifact_properties (artifact_id, name, "
                "string_value) VALUES ('a1', 'os_distro', 'ubuntu24')"))
        migration.upgrade(self.conf)
        from glare.db import fulltext
        arts = models.Artifact.__table__

        def found(q):
            with self.get_engine().connect() as conn:
                return sorted(conn.execute(sa.select(arts.c.id).where(
                    fulltext.condition(conn.dialect.name, fulltext.parse(q),
                                       arts.c.id))).scalars())
        self.assertEqual(['a1'], found('noble cloud lts ubuntu24'))
        self.assertEqual(['a2'], found('other'))
        self.assertEqual(['a2'], found('-noble'))
        # the index follows the rows from now on: gone with the artifact
        with self.get_engine().begin() as conn:
            conn.execute(arts.delete().where(arts.c.id == 'a1'))
        self.assertEqual([], found('noble'))

    def test_0011_adds_the_tasks_table(self):
        migration.upgrade(self.conf, '0010')
        self.assertNotIn('glare_tasks',
                         sa.inspect(self.get_engine()).get_table_names())
        migration.upgrade(self.conf)
        tasks = models.Task.__table__
        when = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456)
        with self.get_engine().begin() as conn:
            conn.execute(tasks.insert().values(
                id='t1', type='import', status='pending', owner='p',
                input='{}', identity='{}', created_at=when, updated_at=when))
            row = conn.execute(sa.select(tasks)).one()
        # the defaults of a new task, and the fractions of its times
        self.assertEqual((0.0, 0, False, when), (
            row.progress, row.attempts, bool(row.cancel_requested),
            row.created_at))
        indexes = {i['name']: i['column_names'] for i in sa.inspect(
            self.get_engine()).get_indexes('glare_tasks')}
        self.assertEqual(['status', 'lease_expires_at'],
                         indexes['ix_glare_task_status_lease'])
        self.assertEqual(['owner', 'created_at'],
                         indexes['ix_glare_task_owner_created'])
        self.assertEqual(['created_at'], indexes['ix_glare_task_created'])

    def test_0012_indexes_the_search_rows_visibility(self):
        # artifacts of before the search rows, indexed by 0010
        migration.upgrade(self.conf, '0009')
        when = datetime.datetime(2024, 5, 6, 7, 8, 9)
        with self.get_engine().begin() as conn:
            _old_artifact(conn, when, name='Ubuntu Noble',
                          visibility='public', status='active')
            _old_artifact(conn, when, artifact_id='a2', name='Ubuntu Jammy')
        migration.upgrade(self.conf, '0011')
        engine = self.get_engine()
        self.assertNotIn('ix_glare_search_visibility', [
            i['name'] for i in sa.inspect(engine).get_indexes(
                'glare_artifact_search')])
        migration.upgrade(self.conf)
        indexes = {i['name']: i['column_names'] for i in sa.inspect(
            engine).get_indexes('glare_artifact_search')}
        if engine.dialect.name == 'postgresql':
            self.assertEqual(['visibility', 'type_name'],
                             indexes['ix_glare_search_visibility'])
        else:
            # the full-text index of SQLite and MySQL combines with no
            # other: none is made there
            self.assertNotIn('ix_glare_search_visibility', indexes)
        # the search rows made before it are found through it
        from glare.db import fulltext
        search = fulltext.SEARCH
        with engine.connect() as conn:
            self.assertEqual(['a1'], conn.execute(sa.select(
                search.c.artifact_id).where(
                search.c.visibility == 'public',
                search.c.type_name == 'images',
                search.c.artifact_id.in_(fulltext._ids(fulltext.matches(
                    conn.dialect.name, fulltext.parse('ubuntu'),
                    score=False))))).scalars().all())

    def test_ensure_schema_idempotent(self):
        self.assertEqual(HEAD, migration.ensure_schema(self.conf))
        self.assertEqual(HEAD, migration.ensure_schema(self.conf))
        self.assertEqual(HEAD, migration.version(self.conf))

    def test_ensure_schema_off(self):
        self.conf.set_override('auto_create_schema', False)
        self.assertIsNone(migration.ensure_schema(self.conf))
        self.assertIsNone(migration.version(self.conf))

    def test_ensure_schema_refuses_unversioned_tables(self):
        models.Base.metadata.create_all(self.get_engine())
        self.addCleanup(models.Base.metadata.drop_all, self.get_engine())
        self.assertRaisesRegex(migration.MigrationError, 'stamp',
                               migration.ensure_schema, self.conf)

    def test_ensure_schema_concurrent(self):
        go = os.path.join(self.tmp, 'go')
        procs = [_popen(['-c', _ENSURE_CHILD, self.conf_file, go])
                 for _ in range(4)]
        open(go, 'w').close()
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            self.assertEqual(0, proc.returncode, err)
            self.assertEqual(HEAD, out.strip(), err)
        self.assertEqual(HEAD, migration.version(self.conf))
        self.test_models_sync()


class SQLiteMigrationTest(_MigrationTests, base.TestCase):

    def database_url(self):
        return None  # the default: sqlite under state_path

    def test_default_database_is_under_state_path(self):
        self.assertEqual(
            'sqlite:///%s/glare.sqlite' % self.state_path,
            self.conf.database.connection)

    def test_ensure_schema_creates_state_path(self):
        self.assertFalse(os.path.exists(self.state_path))
        migration.ensure_schema(self.conf)
        self.assertTrue(os.path.isdir(self.state_path))
        self.assertEqual(0o700, os.stat(self.state_path).st_mode & 0o777)

    def test_version_does_not_create_the_database(self):
        os.makedirs(self.state_path)
        self.assertIsNone(migration.version(self.conf))
        self.assertEqual([], os.listdir(self.state_path))

    def test_ensure_schema_at_head_runs_one_query(self):
        migration.ensure_schema(self.conf)
        statements = []

        def count(conn, cursor, statement, *args):
            # the transaction start is not a query
            if statement.strip().upper() != 'BEGIN':
                statements.append(statement)

        sa.event.listen(sa.engine.Engine, 'before_cursor_execute', count)
        self.addCleanup(sa.event.remove, sa.engine.Engine,
                        'before_cursor_execute', count)
        self.assertEqual(HEAD, migration.ensure_schema(self.conf))
        self.assertEqual(1, len(statements), statements)

    def test_upgrade_elsewhere_needs_its_directory(self):
        url = 'sqlite:///%s/missing/glare.sqlite' % self.tmp
        conf = self.load_conf(self.write_conf(url, 'other.conf'))
        self.assertRaisesRegex(migration.MigrationError, 'does not exist',
                               migration.upgrade, conf)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, 'missing')))


class _ServerMigrationTests(_MigrationTests):
    backend = None

    def database_url(self):
        db_fixtures.skip_unless_reachable(self, self.backend)
        return self.useFixture(
            db_fixtures.Database(self.backend, 'glare_mig_')).url


class PostgreSQLMigrationTest(_ServerMigrationTests, base.TestCase):
    backend = 'postgresql'


class MySQLMigrationTest(_ServerMigrationTests, base.TestCase):
    backend = 'mysql'

    def test_table_options(self):
        migration.upgrade(self.conf)
        with self.get_engine().connect() as conn:
            tables = conn.execute(sa.text(
                'SELECT table_name, engine, table_collation '
                'FROM information_schema.tables '
                'WHERE table_schema = DATABASE() '
                "AND table_name LIKE 'glare%'")).all()
            precision = conn.execute(sa.text(
                'SELECT DISTINCT datetime_precision '
                'FROM information_schema.columns '
                "WHERE table_schema = DATABASE() AND data_type = 'datetime'"
            )).scalars().all()
        self.assertEqual(len(models.Base.metadata.tables), len(tables))
        for name, engine, collation in tables:
            # a binary collation that does not pad ('a' != 'a ')
            self.assertEqual('InnoDB', engine, name)
            self.assertIn(collation, ('utf8mb4_nopad_bin',
                                      'utf8mb4_0900_bin'), name)
        self.assertEqual([6], precision)


class DBManageTest(base.TestCase):
    """glare-db-manage run as a separate process."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.conf_file = self.write_conf(
            '[DEFAULT]\nstate_path = %s/state\n' % self.tmp)

    def write_conf(self, text):
        path = os.path.join(self.tmp, uuid.uuid4().hex + '.conf')
        with open(path, 'w') as f:
            f.write(text)
        return path

    def manage(self, *args, conf_file=None, rc=0):
        proc = _run(['-m', 'glare.cmd.db_manage', '--config-file',
                     conf_file or self.conf_file] + list(args))
        self.assertEqual(rc, proc.returncode, proc.stderr)
        return proc

    def test_upgrade_version_stamp(self):
        self.assertEqual('None', self.manage('version').stdout.strip())
        self.manage('upgrade')
        self.assertEqual(HEAD, self.manage('version').stdout.strip())
        self.manage('stamp', 'base')
        self.assertEqual('None', self.manage('version').stdout.strip())
        self.manage('stamp', HEAD)
        self.assertEqual(HEAD, self.manage('version').stdout.strip())

    def test_upgrade_to_revision(self):
        self.manage('upgrade', HEAD)
        self.assertEqual(HEAD, self.manage('version').stdout.strip())

    def test_unknown_revision(self):
        proc = self.manage('stamp', 'nope', rc=1)
        self.assertIn("'nope'", proc.stderr)
        self.assertNotIn('Traceback', proc.stderr)

    def test_unreachable_database(self):
        conf_file = self.write_conf(
            '[database]\nconnection = '
            'postgresql+psycopg2://glare:secret@127.0.0.1:1/glare\n')
        proc = self.manage('upgrade', conf_file=conf_file, rc=1)
        self.assertIn('glare-db-manage upgrade: error: database '
                      'postgresql+psycopg2://glare:***@127.0.0.1:1/glare',
                      proc.stderr)
        self.assertNotIn('secret', proc.stderr)
        self.assertNotIn('Traceback', proc.stderr)

    def test_missing_command(self):
        proc = self.manage(rc=2)
        self.assertIn('command', proc.stderr)
