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

"""Database access: the enginefacade context manager and its set-up."""

import contextvars
import functools
import threading
import time

from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from oslo_log import log as logging
from oslo_utils import timeutils
import sqlalchemy as sa

from glare import exception

LOG = logging.getLogger(__name__)
#: seconds a client is asked to wait (Retry-After) while the database is
#: unreachable: a restart of the database server takes a few
RETRY_AFTER = 5
context_manager = enginefacade.transaction_context()
_configured = False
#: how long a SQLite writer waits for the database's write lock
SQLITE_BUSY_TIMEOUT_MS = 30000
#: Retry-After of the 503 answered when a lock could not be had in time
BUSY_RETRY_AFTER = 1
# set while a writer transaction is open, so that SQLite takes its write
# lock at BEGIN (a deferred read-then-write transaction could otherwise fail
# with "database is locked" when another API worker wrote in between)
_in_writer = contextvars.ContextVar('glare_db_writer', default=False)


def configure(conf):
    """Point the facade at [database]; safe to call more than once."""
    global _configured
    if _configured:
        return
    # No eventlet here: oslo.db's time.sleep(0) on every connection
    # check-in only hands the CPU away (thread_checkin).
    options = dict(conf.database.items())
    options['connection'] = connection_url(conf.database.connection)
    context_manager.configure(thread_checkin=False, **options)
    context_manager.append_on_engine_create(install_engine_hooks)
    context_manager.append_on_engine_create(_pool_sqlite_connections)
    _configured = True


def connection_url(url):
    """[database] connection, with utf8mb4 for MySQL unless it says.

    oslo.db adds charset=utf8 to a MySQL URL without a charset, and such a
    connection cannot carry the 4-byte characters utf8mb4 tables store.
    """
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() in ('mysql', 'mariadb') and \
            'charset' not in parsed.query:
        parsed = parsed.update_query_dict({'charset': 'utf8mb4'})
        return parsed.render_as_string(hide_password=False)
    return url


def reset():
    """Forget the engine (tests switch databases)."""
    global context_manager, _configured
    context_manager = enginefacade.transaction_context()
    _configured = False


def get_engine():
    return context_manager.writer.get_engine()


#: bytes of the database file each connection maps in (at most)
SQLITE_MMAP_SIZE = 256 * 1024 * 1024
#: KiB of each connection's page cache
SQLITE_CACHE_KIB = 16 * 1024


def _sqlite_pragmas(dbapi_conn, _record):
    # oslo.db turns the driver's own BEGIN off; ours is _sqlite_begin
    cur = dbapi_conn.cursor()
    cur.execute('PRAGMA journal_mode=WAL')
    cur.execute('PRAGMA synchronous=NORMAL')
    cur.execute('PRAGMA foreign_keys=ON')
    cur.execute('PRAGMA busy_timeout=%d' % SQLITE_BUSY_TIMEOUT_MS)
    # LIKE is case-sensitive on PostgreSQL and MySQL (binary collation)
    cur.execute('PRAGMA case_sensitive_like=ON')
    # Reads through the OS page cache mapped in, and a larger cache of
    # our own: a list or search that looks up thousands of rows by key
    # (the matches of a common word) otherwise makes a read() call for
    # most of them (SQLite's own cache holds 2 MiB).
    cur.execute('PRAGMA mmap_size=%d' % SQLITE_MMAP_SIZE)
    cur.execute('PRAGMA cache_size=-%d' % SQLITE_CACHE_KIB)
    cur.close()


def _sqlite_begin(conn):
    # runs before oslo.db's own BEGIN listener, which then sees the marker
    if 'in_transaction' not in conn.info:
        conn.exec_driver_sql('BEGIN IMMEDIATE' if _in_writer.get()
                             else 'BEGIN')
        conn.info['in_transaction'] = True


def install_engine_hooks(engine):
    if engine.dialect.name == 'sqlite' and not getattr(
            engine, '_glare_hooks', False):
        sa.event.listen(engine, 'connect', _sqlite_pragmas)
        remove_oslo_sqlite_begin(engine)
        sa.event.listen(engine, 'begin', _sqlite_begin, insert=True)
        engine._glare_hooks = True
        # oslo.db opened a first connection before these hooks existed
        engine.dispose()


def remove_oslo_sqlite_begin(engine):
    """Remove oslo.db's BEGIN listener (_sqlite_emit_begin) from an engine.

    A library patch (checked in glare/tests/unit/test_library_compat.py):
    oslo.db's engines.py listens on an SQLite engine's "begin" with a
    closure named _sqlite_emit_begin; it ran first despite insert=True, so
    every writer began DEFERRED: one that read before writing got
    "database is locked" at once, without the busy timeout, when another
    worker wrote in between. _sqlite_begin replaces it.
    """
    for listener in list(engine.dispatch.begin):
        if getattr(listener, '__name__', '') == '_sqlite_emit_begin':
            sa.event.remove(engine, 'begin', listener)


def _pool_sqlite_connections(engine):
    """Keep SQLite connections open between requests.

    oslo.db gives SQLite file databases a NullPool: every transaction then
    opens a connection, runs the pragmas, and on closing the last one
    checkpoints the WAL into the database file with an fsync. A QueuePool
    (SQLAlchemy's own default for SQLite files, whose connections may move
    between threads) keeps them, with the same event listeners. No
    pre-ping: a local file has no connection to lose.

    A library patch (checked in glare/tests/unit/test_library_compat.py):
    the QueuePool is made from the NullPool's private attributes, as
    SQLAlchemy's Pool.recreate() does.
    """
    old = engine.pool
    if engine.dialect.name != 'sqlite' or not isinstance(
            old, sa.pool.NullPool):
        return
    engine.pool = sa.pool.QueuePool(
        old._creator, pool_size=5, max_overflow=10, recycle=old._recycle,
        logging_name=old._orig_logging_name,
        reset_on_return=old._reset_on_return, _dispatch=old.dispatch,
        dialect=old._dialect)
    old.dispose()


class DatabaseUnavailable(exception.ServiceUnavailable):
    """The database cannot be reached: 503, the client retries later."""

    def __init__(self):
        super().__init__('The database is unreachable; retry in a few '
                         'seconds')
        self.headers = {'Retry-After': str(RETRY_AFTER)}


def lost_connection(exc):
    """Whether exc says the database cannot be reached (not: a query that
    failed on a working connection)."""
    if isinstance(exc, db_exc.DBConnectionError):
        return True
    if isinstance(exc, db_exc.DBError):
        exc = exc.inner_exception
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    # oslo.db passes connect failures of recent libpq versions ("connection
    # to server ... failed", "the database system is shutting down") on as
    # they are: a DBAPI error without a statement is one of connecting
    return exc.connection_invalidated or (
        isinstance(exc, sa.exc.OperationalError) and exc.statement is None)


class _Outage:
    """Logs once when the database becomes unreachable, and once when it
    answers again, rather than a traceback per request."""

    def __init__(self):
        self._lock = threading.Lock()
        self.since = None
        self.refused = 0

    def began(self, exc):
        with self._lock:
            self.refused += 1
            if self.since is not None:
                return
            self.since = time.monotonic()
        cause = getattr(exc, 'orig', None) or getattr(
            exc, 'inner_exception', None) or exc
        cause = getattr(cause, 'orig', None) or cause
        reason = (str(cause).strip().splitlines() or [''])[0][:300]
        LOG.error('The database is unreachable (%s: %s); requests that '
                  'need it answer 503 until it is back',
                  type(cause).__name__, reason)

    def ended(self):
        if self.since is None:  # the usual case: no lock taken
            return
        with self._lock:
            if self.since is None:
                return
            down, refused = time.monotonic() - self.since, self.refused
            self.since, self.refused = None, 0
        LOG.info('The database is reachable again after %.1f s; %d '
                 'call(s) to it failed meanwhile (answered 503)', down,
                 refused)


OUTAGE = _Outage()


def unavailable(exc):
    """The 503 for a lost connection (logged once per outage)."""
    OUTAGE.began(exc)
    return DatabaseUnavailable()


def _reachable(fn):
    """Lost connections become DatabaseUnavailable; a success ends an
    outage."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:
            if lost_connection(exc):
                raise unavailable(exc) from exc
            raise
        OUTAGE.ended()
        return result
    return wrapper


def _busy(exc):
    """A lock wait that outlasted the database's timeout (and retries)."""
    if isinstance(exc, db_exc.DBDeadlock):
        return True
    # SQLite's, raw when it comes from our BEGIN IMMEDIATE listener
    inner = getattr(exc, 'inner_exception', None) or exc
    return isinstance(inner, sa.exc.OperationalError) and \
        'database is locked' in str(inner)


def writer(fn):
    """Run fn(context, session, ...) in a write transaction, with retries.

    A lock that cannot be had in time (SQLite's busy timeout, a deadlock
    or lock wait timeout that the retries did not get past) is a 503 the
    client may retry, not a 500.
    """

    @oslo_db_api.wrap_db_retry(max_retries=5, retry_on_deadlock=True,
                               retry_interval=0.05, inc_retry_interval=True)
    def attempt(context, *args, **kwargs):
        token = _in_writer.set(True)
        try:
            with context_manager.writer.using(context) as session:
                return fn(context, session, *args, **kwargs)
        finally:
            _in_writer.reset(token)

    @functools.wraps(fn)
    @_reachable
    def wrapper(context, *args, **kwargs):
        try:
            return attempt(context, *args, **kwargs)
        except (db_exc.DBError, sa.exc.OperationalError) as exc:
            if not _busy(exc):
                raise
            LOG.warning('%s: the database stayed locked: %s',
                        fn.__name__, exc)
            err = exception.ServiceUnavailable(
                'The database is busy with other changes; retry the '
                'request')
            err.headers = {'Retry-After': str(BUSY_RETRY_AFTER)}
            raise err from exc
    return wrapper


def reader(fn):
    """Run fn(context, conn, ...) in a read transaction.

    conn is a Core Connection (execute(), scalars(); no ORM Session
    methods): readers run plain select()s, and a Session's set-up and
    tear-down cost a show request more than its own four queries. Inside a
    writer's transaction conn is that transaction's connection.
    """

    @functools.wraps(fn)
    @_reachable
    def wrapper(context, *args, **kwargs):
        with context_manager.reader.connection.using(context) as conn:
            return fn(context, conn, *args, **kwargs)
    return wrapper


def now():
    """The current UTC time as the naive datetime the tables store."""
    return timeutils.utcnow().replace(tzinfo=None)
