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

"""A lost database connection: told apart from failing queries, answered
503 with Retry-After, logged once per outage."""

import logging

import fixtures
from oslo_db import exception as db_exc
import sqlalchemy as sa

from glare.api import errors
from glare.db import api as db_api
from glare.tests import base


def _connect_error():
    # what SQLAlchemy raises when a new connection is refused
    return sa.exc.OperationalError(None, None, Exception(
        'connection to server at "127.0.0.1", port 5432 failed: '
        'Connection refused\n\tIs the server running on that host?'))


def _query_error():
    return sa.exc.OperationalError('SELECT 1', {}, Exception('locked'))


class TestLostConnection(base.TestCase):

    def test_what_counts_as_a_lost_connection(self):
        self.assertTrue(db_api.lost_connection(
            db_exc.DBConnectionError(_query_error())))
        self.assertTrue(db_api.lost_connection(_connect_error()))
        dropped = _query_error()
        dropped.connection_invalidated = True
        self.assertTrue(db_api.lost_connection(dropped))
        self.assertTrue(db_api.lost_connection(
            db_exc.DBError(_connect_error())))

    def test_what_does_not(self):
        self.assertFalse(db_api.lost_connection(_query_error()))
        self.assertFalse(db_api.lost_connection(
            db_exc.DBError(_query_error())))
        self.assertFalse(db_api.lost_connection(
            db_exc.DBDuplicateEntry()))
        self.assertFalse(db_api.lost_connection(ValueError('x')))


class TestOutage(base.TestCase):

    def setUp(self):
        super().setUp()
        self.log = self.useFixture(fixtures.FakeLogger(
            name='glare.db.api', level=logging.INFO,
            format='%(levelname)s %(message)s'))
        self.useFixture(fixtures.MockPatchObject(db_api, 'OUTAGE',
                                                 db_api._Outage()))
        self.down = True

        @db_api._reachable
        def call():
            if self.down:
                raise _connect_error()
            return 'ok'
        self.call = call

    def test_503_with_retry_after_logged_once(self):
        for _ in range(5):
            exc = self.assertRaises(db_api.DatabaseUnavailable, self.call)
        status, headers, body = errors.from_exception(exc)
        self.assertEqual(503, status)
        self.assertIn(('Retry-After', str(db_api.RETRY_AFTER)), headers)
        self.assertIn(b'"type": "DatabaseUnavailable"', body)
        lines = self.log.output.splitlines()
        self.assertEqual(1, len(lines), lines)
        self.assertTrue(lines[0].startswith(
            'ERROR The database is unreachable (Exception: connection to '
            'server at "127.0.0.1", port 5432 failed: Connection '
            'refused)'), lines)
        self.assertNotIn('Traceback', self.log.output)

        self.down = False
        self.assertEqual('ok', self.call())
        self.assertEqual('ok', self.call())
        lines = self.log.output.splitlines()
        self.assertEqual(2, len(lines), lines)
        self.assertIn('INFO The database is reachable again', lines[1])
        self.assertIn('5 call(s) to it failed', lines[1])

        # a second outage is logged again
        self.down = True
        self.assertRaises(db_api.DatabaseUnavailable, self.call)
        self.assertEqual(3, len(self.log.output.splitlines()))

    def test_other_errors_pass_unchanged(self):
        @db_api._reachable
        def failing():
            raise _query_error()
        self.assertRaises(sa.exc.OperationalError, failing)
        self.assertEqual('', self.log.output)
