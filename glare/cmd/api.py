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

"""glare-api: serve the API from worker processes under gunicorn."""

import gc
import sys

from gunicorn.app import base as gunicorn_base
from oslo_log import log as logging

from glare.cmd import server
from glare.common import config
from glare import conf as glare_conf
from glare.conf import federation as federation_conf

LOG = logging.getLogger(__name__)


class GlareServer(gunicorn_base.BaseApplication):
    """gunicorn embedded: pre-forked workers, native threads, no eventlet.

    Each worker builds its own application after the fork, so database
    connections are never shared between processes, and then starts its
    background work (post_worker_init).

    app_factory() returns the worker's glare.wsgi.API.
    """

    def __init__(self, conf, app_factory):
        self.conf = conf
        self.app_factory = app_factory
        self.api = None
        super().__init__()

    def load_config(self):
        settings = {
            'bind': '%s:%s' % (_host(self.conf.bind_host),
                               self.conf.bind_port),
            'workers': self.conf.workers,
            'worker_class': server.KeepAliveThreadWorker.configured(
                self.conf),
            'threads': 8,
            'keepalive': 75,
            'timeout': 600,
            'graceful_timeout': 600,
            'accesslog': None,
            'errorlog': '-',
            'loglevel': 'info',
            'proc_name': 'glare-api',
            'preload_app': False,
            # gunicorn's control socket defaults to one per user
            # ($XDG_RUNTIME_DIR or ~/.gunicorn): a second glare-api of the
            # same user took it over. glare-api is run by its signals.
            'control_socket_disable': True,
            'post_worker_init': _worker_ready,
            'worker_exit': _worker_exit,
        }
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self):
        self.api = self.app_factory()
        app = self.api.application
        # The ~130,000 objects of the loaded service live as long as the
        # worker; a full collection walked them all (130 ms here) now and
        # then in the middle of a request. Frozen, collections only look
        # at what requests allocate.
        gc.collect()
        gc.freeze()
        return app


def _worker_ready(worker):
    """gunicorn's post_worker_init: the worker built its API (load())."""
    from glare import wsgi  # imported by the app factory already
    wsgi.start_background_work(worker.app.api)


def _worker_exit(server, worker):
    """gunicorn's worker_exit: the worker stopped serving (SIGTERM, or
    max requests); what it counted is written before it goes."""
    api = getattr(worker.app, 'api', None)
    if api is not None:
        from glare import wsgi
        wsgi.stop_background_work(api)


def _host(host):
    return '[%s]' % host if ':' in host and not host.startswith('[') \
        else host


def prepare(conf, argv):
    """Parse config, set up logging, create the schema when asked."""
    config.parse_args(argv, conf_obj=conf)
    config.setup_logging(conf)
    if conf.auto_create_schema:
        from glare.db import migration
        migration.ensure_schema(conf)


def main(argv=None):
    conf = glare_conf.CONF
    prepare(conf, sys.argv if argv is None else argv)
    try:
        # checked once here, before the workers: a clean message and exit
        federation_conf.check_upstreams(conf)
    except federation_conf.BadUpstreams as e:
        LOG.error('Cannot start glare-api: %s', e)
        return 1

    def factory():
        from glare import wsgi
        return wsgi.build(conf)

    LOG.info('Starting glare-api on %s:%s with %d worker(s)',
             conf.bind_host, conf.bind_port, conf.workers)
    GlareServer(conf, factory).run()


if __name__ == '__main__':
    sys.exit(main())
