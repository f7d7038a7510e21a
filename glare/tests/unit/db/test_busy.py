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

"""A writer that cannot get SQLite's write lock in time: 503, not 500."""

import os
import sqlite3
from unittest import mock

import fixtures
from oslo_config import cfg
from oslo_db import exception as db_exc
import sqlalchemy as sa

from glare.common import config
from glare.db import api as db_api
from glare import exception
from glare.tests import base


class TestBusyDatabase(base.TestCase):

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(fixtures.TempDir()).path
        self.path = os.path.join(tmp, 'glare.sqlite')
        conf_file = os.path.join(tmp, 'glare.conf')
        with open(conf_file, 'w') as f:
            f.write('[DEFAULT]\nstate_path = %s\n[database]\n'
                    'connection = sqlite:///%s\n' % (tmp, self.path))
        conf = config.parse_args(['glare', '--config-file', conf_file],
                                 default_config_files=[],
                                 conf_obj=cfg.ConfigOpts())
        # a short wait, so that the test does not sit out 30 s
        self.useFixture(fixtures.MockPatchObject(
            db_api, 'SQLITE_BUSY_TIMEOUT_MS', 100))
        db_api.reset()
        self.addCleanup(db_api.reset)
        db_api.configure(conf)
        engine = db_api.get_engine()
        self.addCleanup(engine.dispose)
        with engine.begin() as conn:
            conn.exec_driver_sql('CREATE TABLE t (x INTEGER)')

        @db_api.writer
        def write(context, session):
            session.execute(sa.text('INSERT INTO t VALUES (1)'))
        self.write = write
        self.context = type('Context', (), {})

    def test_locked_database_is_503_with_retry_after(self):
        other = sqlite3.connect(self.path, isolation_level=None)
        self.addCleanup(other.close)
        other.execute('BEGIN IMMEDIATE')
        with mock.patch.object(db_api.LOG, 'warning') as warning:
            exc = self.assertRaises(exception.ServiceUnavailable,
                                    self.write, self.context())
        self.assertEqual(503, exc.code)
        self.assertEqual({'Retry-After': '1'}, exc.headers)
        self.assertIn('busy', exc.message)
        warning.assert_called_once()
        other.execute('ROLLBACK')
        # once the lock is free, the same write goes through
        self.write(self.context())
        self.assertEqual(1, other.execute('SELECT count(*) FROM t')
                         .fetchone()[0])

    def test_other_database_errors_stay_as_they_are(self):
        @db_api.writer
        def broken(context, session):
            session.execute(sa.text('INSERT INTO missing VALUES (1)'))
        exc = self.assertRaises((db_exc.DBError, sa.exc.SQLAlchemyError),
                                broken, self.context())
        self.assertNotIsInstance(exc, exception.ServiceUnavailable)
