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

"""A private PostgreSQL cluster for tests that stop and start the database.

The machine's shared server must never be stopped (other test runs use
it), so a test that needs a real outage gets a cluster of its own:
``initdb`` in a temporary directory, ``pg_ctl`` start/stop, on a free
loopback port, trust authentication, no Unix socket elsewhere than its
own directory. Run as root, the binaries run as the ``postgres`` user
(PostgreSQL refuses root).

- ``binaries()``: the directory of initdb/pg_ctl (the newest installed
  version), or None.
- ``skip_unless_available(test)``: skipTest with a message when there are
  none; a failure instead when ``postgresql`` is in
  ``GLARE_TEST_REQUIRE_BACKENDS`` (as ``glare.tests.db_fixtures`` does).
- ``Cluster()``: ``start()``, ``stop(mode='fast')``, ``destroy()``;
  ``url(database)`` is a SQLAlchemy URL of a database on it;
  ``create_database(name)``.
"""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time

import sqlalchemy as sa

from glare.tests import processes

START_TIMEOUT = 60
_USER = 'postgres'


def binaries():
    """The bin directory of the newest PostgreSQL installed, or None."""
    found = []
    for path in glob.glob('/usr/lib/postgresql/*/bin'):
        version = os.path.basename(os.path.dirname(path))
        if all(os.access(os.path.join(path, b), os.X_OK)
               for b in ('initdb', 'pg_ctl', 'postgres')):
            try:
                found.append((float(version), path))
            except ValueError:
                continue
    return max(found)[1] if found else None


def skip_unless_available(test):
    if binaries():
        return
    required = os.environ.get('GLARE_TEST_REQUIRE_BACKENDS', '').split(',')
    reason = ('no PostgreSQL server binaries (initdb, pg_ctl) under '
              '/usr/lib/postgresql/*/bin')
    if 'postgresql' in required:
        test.fail('postgresql is required (GLARE_TEST_REQUIRE_BACKENDS) '
                  'but there are %s' % reason)
    test.skipTest(reason)


class ClusterFailed(Exception):
    """The cluster did not start or stop."""


class Cluster:
    """One PostgreSQL cluster in a temporary directory."""

    def __init__(self):
        self.bindir = binaries()
        self.port = None
        self.workdir = tempfile.mkdtemp(prefix='glare-pg-')
        self.datadir = os.path.join(self.workdir, 'data')
        self.log_path = os.path.join(self.workdir, 'postgres.log')
        self._as_user = os.geteuid() == 0
        if self._as_user:
            # the postgres user writes the cluster's files
            entry = pwd.getpwnam(_USER)
            os.chown(self.workdir, entry.pw_uid, entry.pw_gid)
            os.chmod(self.workdir, 0o700)

    def _run(self, *argv, timeout=START_TIMEOUT, check=True):
        cmd = [os.path.join(self.bindir, argv[0])] + list(argv[1:])
        if self._as_user:
            cmd = ['runuser', '-u', _USER, '--'] + cmd
        proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, cwd=self.workdir,
                              timeout=timeout)
        if check and proc.returncode:
            raise ClusterFailed('%s failed (%s):\n%s\n%s' % (
                argv[0], proc.returncode,
                proc.stdout.decode('utf-8', 'replace'), self.log_tail()))
        return proc

    def log_tail(self, size=4000):
        try:
            with open(self.log_path, 'rb') as f:
                return f.read()[-size:].decode('utf-8', 'replace')
        except OSError:
            return ''

    def init(self):
        self._run('initdb', '-D', self.datadir, '-U', _USER,
                  '--auth=trust', '--no-sync', '-E', 'UTF8',
                  '--locale=C')

    def start(self):
        """Start (again, on the same port once it has one)."""
        if self.port is None:
            self.port = processes.free_port()
        options = ('-c listen_addresses=127.0.0.1 -p %d -k %s '
                   '-c fsync=off -c full_page_writes=off' % (
                       self.port, self.workdir))
        self._run('pg_ctl', '-D', self.datadir, '-l', self.log_path,
                  '-o', options, '-w', '-t', str(START_TIMEOUT), 'start')
        self._wait_until_up()

    def _wait_until_up(self):
        engine = sa.create_engine(self.url('postgres'),
                                  poolclass=sa.pool.NullPool,
                                  connect_args={'connect_timeout': 2})
        deadline = time.monotonic() + START_TIMEOUT
        try:
            while True:
                try:
                    with engine.connect() as conn:
                        conn.exec_driver_sql('SELECT 1')
                    return
                except sa.exc.OperationalError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
        finally:
            engine.dispose()

    def stop(self, mode='fast'):
        """pg_ctl stop: 'fast' ends the sessions, 'immediate' crashes."""
        self._run('pg_ctl', '-D', self.datadir, '-m', mode, '-w', '-t',
                  str(START_TIMEOUT), 'stop')

    def running(self):
        return self._run('pg_ctl', '-D', self.datadir, 'status',
                         check=False).returncode == 0

    def destroy(self):
        if os.path.isdir(self.datadir) and self.running():
            self._run('pg_ctl', '-D', self.datadir, '-m', 'immediate',
                      'stop', check=False)
        if not os.environ.get('GLARE_TEST_KEEP_LOGS'):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def url(self, database):
        return 'postgresql+psycopg2://%s@127.0.0.1:%d/%s' % (
            _USER, self.port, database)

    def create_database(self, name):
        engine = sa.create_engine(self.url('postgres'),
                                  poolclass=sa.pool.NullPool,
                                  isolation_level='AUTOCOMMIT')
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql('CREATE DATABASE "%s"' % name)
        finally:
            engine.dispose()
        return self.url(name)
