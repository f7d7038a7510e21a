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

"""Schema migrations (alembic) and the schema creation of a first start."""

import contextlib
import fcntl
import os

from alembic import command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import script as alembic_script
import sqlalchemy as sa

from glare.db import api as db_api

_HERE = os.path.dirname(os.path.abspath(__file__))
# Tables of revision 0001; finding one in a database without an alembic
# version means the schema came from elsewhere and must not be recreated.
_GLARE_TABLES = ('glare_artifacts', 'glare_artifact_tags',
                 'glare_artifact_properties', 'glare_artifact_blobs')
# Server-side locks that serialise the workers of one deployment (and
# glare-db-manage run meanwhile).
_PG_LOCK_KEY = 0x474c415245  # 'GLARE'
_MYSQL_LOCK_WAIT = 300  # seconds


class MigrationError(Exception):
    """The schema cannot be brought to the wanted revision."""


def head():
    """Return the newest revision of the migration scripts."""
    return alembic_script.ScriptDirectory(_HERE).get_current_head()


def upgrade(conf, revision='head'):
    """Migrate the [database] of conf up to revision."""
    _make_state_dir(conf)
    with _engine(conf) as engine, _schema_lock(conf, engine) as conn:
        command.upgrade(_alembic_config(conn), revision)


def stamp(conf, revision):
    """Record revision as the current one without running migrations."""
    _make_state_dir(conf)
    with _engine(conf) as engine, _schema_lock(conf, engine) as conn:
        command.stamp(_alembic_config(conn), revision)


def version(conf):
    """Return the current revision of the database, or None."""
    path = _sqlite_path(conf)
    if path is not None and not os.path.exists(path):
        return None  # asking must not create an empty database file
    with _engine(conf, write=False) as engine, engine.connect() as conn:
        return _current(conn)


def ensure_schema(conf):
    """Bring the database to head when auto_create_schema is set.

    Called at every start of the API, possibly by several workers at once:
    one query when the schema is already at head; otherwise the first
    worker migrates under a lock and the others wait and find it done.
    Returns the revision the database is at, or None when the option is
    off (production runs glare-db-manage upgrade instead).
    """
    if not conf.auto_create_schema:
        return None
    _make_state_dir(conf)
    target = head()
    with _engine(conf, write=False) as engine:
        if _quick_version(engine) == target:
            return target
    with _engine(conf) as engine, _schema_lock(conf, engine) as conn:
        current = _current(conn)
        if current is None:
            _refuse_foreign_schema(conn)
        if current != target:
            command.upgrade(_alembic_config(conn), 'head')
    return target


def _alembic_config(connection):
    cfg = alembic_config.Config(os.path.join(_HERE, 'alembic.ini'))
    cfg.attributes['connection'] = connection
    return cfg


def _current(conn):
    return alembic_migration.MigrationContext.configure(
        conn).get_current_revision()


def _quick_version(engine):
    # One statement. Any failure, a missing table above all, sends the
    # caller down the locked path, which looks properly.
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                'SELECT version_num FROM alembic_version')).scalars().all()
    except sa.exc.DBAPIError:
        return None
    return rows[0] if len(rows) == 1 else None


def _refuse_foreign_schema(conn):
    found = set(sa.inspect(conn).get_table_names()) & set(_GLARE_TABLES)
    if found:
        raise MigrationError(
            'the database has Glare tables (%s) but no migration version; '
            'if they match revision %s run "glare-db-manage stamp %s"'
            % (', '.join(sorted(found)), head(), head()))


@contextlib.contextmanager
def _engine(conf, write=True):
    # A private engine without a pool or retries: migrations run once,
    # the connection must really close to drop server-side session locks,
    # and glare-db-manage should fail at once when the server is down.
    engine = sa.create_engine(
        db_api.connection_url(conf.database.connection),
        poolclass=sa.pool.NullPool)
    if engine.dialect.name == 'sqlite':
        sa.event.listen(engine, 'connect', _sqlite_connect)
        # IMMEDIATE takes the write lock up front, so that a running API
        # worker's write cannot make the migration fail half-way.
        begin = 'BEGIN IMMEDIATE' if write else 'BEGIN'
        sa.event.listen(engine, 'begin',
                        lambda conn: conn.exec_driver_sql(begin))
    try:
        yield engine
    finally:
        engine.dispose()


def _sqlite_connect(dbapi_conn, _record):
    # The driver's implicit transactions do not cover DDL; the 'begin'
    # listener opens real ones instead.
    dbapi_conn.isolation_level = None
    dbapi_conn.execute('PRAGMA foreign_keys=ON')
    dbapi_conn.execute('PRAGMA busy_timeout=30000')


def _sqlite_path(conf):
    url = sa.engine.make_url(conf.database.connection)
    if url.get_backend_name() != 'sqlite' or url.database in (
            None, '', ':memory:'):
        return None
    return os.path.abspath(url.database)


def _make_state_dir(conf):
    # Only the embedded default's directory: a database configured
    # elsewhere in a missing directory is a mistake worth an error.
    path = _sqlite_path(conf)
    if path is None:
        return
    state = os.path.abspath(conf.state_path)
    parent = os.path.dirname(path)
    if os.path.commonpath([state, parent]) == state:
        os.makedirs(parent, mode=0o700, exist_ok=True)
    elif not os.path.isdir(parent):
        raise MigrationError('the directory of the SQLite database %s '
                             'does not exist' % path)


@contextlib.contextmanager
def _file_lock(path):
    with open(path, 'a') as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@contextlib.contextmanager
def _schema_lock(conf, engine):
    """Yield a connection in a transaction, holding the migration lock.

    The lock is released only after the transaction commits, so that the
    next holder sees the finished schema and its version row.
    """
    path = _sqlite_path(conf)
    with contextlib.ExitStack() as stack:
        if path is not None:
            stack.enter_context(_file_lock(path + '.migrate-lock'))
        conn = stack.enter_context(engine.connect())
        dialect = conn.dialect.name
        if dialect == 'postgresql':
            conn.execute(sa.text('SELECT pg_advisory_lock(:k)'),
                         {'k': _PG_LOCK_KEY})
            stack.callback(_unlock, conn, 'SELECT pg_advisory_unlock(:k)',
                           {'k': _PG_LOCK_KEY})
        elif dialect in ('mysql', 'mariadb'):
            # GET_LOCK names are server-wide: include the database.
            name = 'glare_schema_%s' % conn.exec_driver_sql(
                'SELECT DATABASE()').scalar()
            got = conn.execute(sa.text('SELECT GET_LOCK(:n, :t)'),
                               {'n': name[:64], 't': _MYSQL_LOCK_WAIT})
            if got.scalar() != 1:
                raise MigrationError('timed out waiting for another '
                                     'process migrating the schema')
            stack.callback(_unlock, conn, 'SELECT RELEASE_LOCK(:n)',
                           {'n': name[:64]})
        conn.commit()
        with conn.begin():
            yield conn


def _unlock(conn, sql, params):
    if conn.in_transaction():
        conn.rollback()
    conn.execute(sa.text(sql), params)
    conn.commit()
