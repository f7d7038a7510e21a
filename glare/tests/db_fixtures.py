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

"""Throwaway PostgreSQL/MySQL databases for tests, skipped when unreachable.

Server URLs (any database on the server that the user may connect to):

- ``GLARE_TEST_PG_URL``, default
  ``postgresql+psycopg2://postgres@127.0.0.1:5432/test``
- ``GLARE_TEST_MYSQL_URL``, default ``mysql+pymysql://root@127.0.0.1:3306/test``

Helpers:

- ``server_url(backend)``: the URL above for ``'postgresql'`` or ``'mysql'``.
- ``unreachable(backend)``: None when the server answers, else the reason
  (checked once per process).
- ``skip_unless_reachable(test, backend)``: ``test.skipTest(...)`` with a
  message naming the variable to set, when the server does not answer; a
  failure instead when the backend is named in
  ``GLARE_TEST_REQUIRE_BACKENDS`` (comma list; CI sets it so that a server
  that is down fails the run rather than quietly skipping).
- ``create_database(backend, prefix='glare_')``: creates an empty database
  ``<prefix><hex>`` and returns ``(url, cleanup)``; ``cleanup()`` drops it,
  closing connections still open to it.
- ``Database(backend, prefix)``: a fixture around ``create_database``; its
  ``url`` attribute is the new database. Call ``skip_unless_reachable``
  first: a skip raised inside a fixture's set-up reports as an error.
"""

import os
import uuid

import fixtures
import sqlalchemy as sa

_SERVERS = {
    'postgresql': ('GLARE_TEST_PG_URL',
                   'postgresql+psycopg2://postgres@127.0.0.1:5432/test'),
    'mysql': ('GLARE_TEST_MYSQL_URL',
              'mysql+pymysql://root@127.0.0.1:3306/test'),
}
# Both drivers take this name; it keeps a dead host from stalling the run.
_CONNECT_ARGS = {'connect_timeout': 5}
_reasons = {}


def server_url(backend):
    var, default = _SERVERS[backend]
    return os.environ.get(var) or default


def _admin_engine(backend):
    # AUTOCOMMIT: CREATE/DROP DATABASE cannot run in a transaction on PG.
    return sa.create_engine(server_url(backend), poolclass=sa.pool.NullPool,
                            isolation_level='AUTOCOMMIT',
                            connect_args=_CONNECT_ARGS)


def unreachable(backend):
    if backend not in _reasons:
        engine = _admin_engine(backend)
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql('SELECT 1')
            _reasons[backend] = None
        except Exception as exc:  # any failure means: skip this backend
            _reasons[backend] = '%s: %s' % (type(exc).__name__, exc)
        finally:
            engine.dispose()
    return _reasons[backend]


def skip_unless_reachable(test, backend):
    reason = unreachable(backend)
    required = os.environ.get('GLARE_TEST_REQUIRE_BACKENDS', '').split(',')
    if reason and backend in required:
        test.fail('%s server %s is required (GLARE_TEST_REQUIRE_BACKENDS) '
                  'but not reachable: %s' % (
                      backend, _safe(server_url(backend)),
                      reason.splitlines()[0]))
    if reason:
        test.skipTest('%s server %s not reachable (set %s): %s' % (
            backend, _safe(server_url(backend)), _SERVERS[backend][0],
            reason.splitlines()[0]))


def _safe(url):
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def create_database(backend, prefix='glare_'):
    name = prefix + uuid.uuid4().hex[:12]
    engine = _admin_engine(backend)
    with engine.connect() as conn:
        if backend == 'mysql':
            conn.exec_driver_sql('CREATE DATABASE `%s` CHARACTER SET utf8mb4'
                                 % name)
        else:
            conn.exec_driver_sql('CREATE DATABASE "%s"' % name)
    url = sa.engine.make_url(server_url(backend)).set(database=name)

    def cleanup():
        with engine.connect() as conn:
            if backend == 'mysql':
                conn.exec_driver_sql('DROP DATABASE IF EXISTS `%s`' % name)
            else:
                # a test that leaked a connection must not block the drop
                conn.execute(sa.text(
                    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity '
                    'WHERE datname = :n AND pid <> pg_backend_pid()'),
                    {'n': name})
                conn.exec_driver_sql('DROP DATABASE IF EXISTS "%s"' % name)
        engine.dispose()

    return url.render_as_string(hide_password=False), cleanup


class Database(fixtures.Fixture):
    """A throwaway database on a reachable server, dropped at clean-up."""

    def __init__(self, backend, prefix='glare_'):
        super().__init__()
        self.backend = backend
        self.prefix = prefix
        self.url = None

    def _setUp(self):
        self.url, cleanup = create_database(self.backend, self.prefix)
        self.addCleanup(cleanup)
