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

"""The service's engine: SQLite connections pooled, with their pragmas."""

import os

import fixtures
from oslo_config import cfg
from oslo_db.sqlalchemy import engines
import sqlalchemy as sa

from glare.common import config
from glare.db import api as db_api
from glare.tests import base


class TestSQLiteEngine(base.TestCase):

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(tmp, 'glare.conf')
        with open(path, 'w') as f:
            f.write('[DEFAULT]\nstate_path = %s\n[database]\n'
                    'connection = sqlite:///%s/glare.sqlite\n' % (tmp, tmp))
        conf = config.parse_args(['glare', '--config-file', path],
                                 default_config_files=[],
                                 conf_obj=cfg.ConfigOpts())
        db_api.reset()
        self.addCleanup(db_api.reset)
        db_api.configure(conf)
        self.engine = db_api.get_engine()
        self.addCleanup(self.engine.dispose)

    def test_connections_are_pooled(self):
        self.assertIsInstance(self.engine.pool, sa.pool.QueuePool)
        with self.engine.connect() as conn:
            first = conn.connection.dbapi_connection
        with self.engine.connect() as conn:
            self.assertIs(first, conn.connection.dbapi_connection)

    def test_pooled_connections_get_the_pragmas(self):
        with self.engine.connect() as conn:
            self.assertEqual('wal', conn.exec_driver_sql(
                'PRAGMA journal_mode').scalar())
            self.assertEqual(1, conn.exec_driver_sql(
                'PRAGMA foreign_keys').scalar())
            self.assertEqual(30000, conn.exec_driver_sql(
                'PRAGMA busy_timeout').scalar())

    def test_no_sleep_at_check_in(self):
        self.assertFalse(sa.event.contains(self.engine, 'checkin',
                                           engines._thread_yield))

    def _begins(self, fn):
        seen = []

        def record(conn, cursor, statement, *args):
            if statement.startswith('BEGIN'):
                seen.append(statement)
        sa.event.listen(self.engine, 'before_cursor_execute', record)
        self.addCleanup(sa.event.remove, self.engine,
                        'before_cursor_execute', record)
        fn(type('Context', (), {})())
        return seen

    def test_writers_begin_immediate(self):
        # a deferred writer that reads first cannot wait for the lock:
        # SQLite answers "database is locked" at its first write
        @db_api.writer
        def write(context, session):
            session.execute(sa.text('SELECT 1'))

        @db_api.reader
        def read(context, conn):
            conn.execute(sa.text('SELECT 1'))
        self.assertEqual(['BEGIN IMMEDIATE'], self._begins(write))
        self.assertEqual(['BEGIN'], self._begins(read))
