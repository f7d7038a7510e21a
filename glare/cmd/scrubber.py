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

"""glare-scrubber: purge artifacts left 'deleted', undo dead uploads."""

import signal
import sys
import threading

from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_log import log as logging
import sqlalchemy as sa

from glare.common import config
from glare.db import api as db_api
from glare.db import migration

LOG = logging.getLogger(__name__)
PROG = 'glare-scrubber'

# None unless given: [scrubber] daemon decides then
cli_opts = [
    cfg.BoolOpt('daemon', default=None,
                help='Scrub every [scrubber] wakeup_time seconds until '
                     'SIGTERM or SIGINT (--nodaemon: once and exit). '
                     'Overrides [scrubber] daemon.'),
]


class StartError(Exception):
    """The scrubber cannot run with this configuration or database."""


def describe(exc, conf):
    # Driver errors carry the useful text in .orig; the URL tells which
    # database was meant, without its password.
    if isinstance(exc, db_exc.DBError) and exc.inner_exception is not None:
        exc = exc.inner_exception
    if isinstance(exc, sa.exc.DBAPIError):
        url = sa.engine.make_url(conf.database.connection)
        return 'database %s: %s' % (
            url.render_as_string(hide_password=True), exc.orig)
    return str(exc) or type(exc).__name__


def check_schema(conf):
    """StartError unless the database answers and its schema is current:
    purging through a schema of another release could remove the wrong
    rows."""
    current = migration.version(conf)
    wanted = migration.head()
    if current is None:
        raise StartError('the database has no Glare schema; run '
                         '"glare-db-manage upgrade" (or start glare-api once '
                         'with auto_create_schema)')
    if current != wanted:
        raise StartError('the database schema is at revision %s, this '
                         'release needs %s; run "glare-db-manage upgrade"'
                         % (current, wanted))


def _options(conf):
    """Read every option the scrubber uses now, so that a bad value is a
    start-up error rather than a failure in the middle of a run."""
    daemon = conf.daemon
    if daemon is None:
        daemon = conf.scrubber.daemon
    for name in ('wakeup_time', 'scrub_time', 'scrub_pool_size'):
        conf.scrubber[name]
    conf['stale_upload_timeout']
    return daemon


def build(conf):
    """A Scrubber over the service objects the API uses."""
    # imported here: argument and option errors are reported without
    # loading the API, the stores and the artifact types first
    from glare.services import composition
    from glare.services import scrubber
    db_api.configure(conf)
    check_schema(conf)
    return scrubber.Scrubber(conf, composition.build_services(conf))


def _stop_on_signals(scrubber):
    def handler(signum, _frame):
        LOG.info('%s: signal %d, stopping once the current item is done',
                 PROG, signum)
        scrubber.stop()
        # a second signal stops at once
        signal.signal(signum, signal.SIG_DFL)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, handler)


def _in_thread(fn):
    """fn() in a thread while the main thread only waits for it.

    Signal handlers run in the main thread: waiting in join() there, it
    holds none of the locks that stop() takes, wherever fn() is.
    """
    outcome = {}

    def target():
        try:
            outcome['value'] = fn()
        except BaseException as exc:  # re-raised in the main thread
            outcome['error'] = exc
    thread = threading.Thread(target=target, name=PROG)
    thread.start()
    while thread.is_alive():
        thread.join(1)
    if 'error' in outcome:
        raise outcome['error']
    return outcome.get('value')


def _fail(message):
    sys.stderr.write('%s: error: %s\n' % (PROG, message))


def main(argv=None):
    argv = sys.argv if argv is None else argv
    conf = cfg.ConfigOpts()
    conf.register_cli_opts(cli_opts)
    try:
        config.parse_args(argv, conf_obj=conf)
        daemon = _options(conf)
    except cfg.Error as exc:
        _fail(exc)
        return 2
    config.setup_logging(conf)
    try:
        scrubber = build(conf)
    except Exception as exc:  # configuration, database, stores, types
        LOG.debug('Cannot start', exc_info=True)
        _fail(describe(exc, conf))
        return 1
    _stop_on_signals(scrubber)
    if daemon:
        LOG.info('%s: scrubbing every %d seconds', PROG,
                 conf.scrubber.wakeup_time)
        _in_thread(scrubber.run_forever)
        return 0
    try:
        result = _in_thread(scrubber.run_once)
    except Exception as exc:
        LOG.debug('Scrubber run failed', exc_info=True)
        _fail(describe(exc, conf))
        return 1
    if result.failed:
        _fail('%d deleted artifact(s) could not be purged; see the log'
              % result.failed)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
