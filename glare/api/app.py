"""The WSGI application: the middleware stack, in order, in one place."""

import threading
import time
import types

from oslo_log import log as logging
from oslo_middleware import cors
from oslo_middleware import healthcheck
from oslo_middleware import http_proxy_to_wsgi
from oslo_middleware import request_id
import pecan

from glare.api import access_log
from glare.api import auth
from glare.api.controllers import root
from glare.api.controllers.v0_1 import middleware as legacy_api
from glare.api import fault
from glare.api import pecan_compat
from glare.api import versions
from glare.common import urlfetch
from glare.conf import api as api_conf
from glare.conf import artifact_type
from glare import context as glare_context
from glare.db import api as db_api
from glare import notification
from glare.objects import registry as type_registry
from glare import policy
from glare.services import artifacts
from glare.services import blobs
from glare.services import downloads
from glare.services import locations
from glare.services import quotas
from glare.store import api as store_api

LOG = logging.getLogger(__name__)


class ServicesHook(pecan.hooks.PecanHook):
    """Gives controllers the service objects, built once per process."""

    def __init__(self, services):
        self.services = services

    def before(self, state):
        state.request.app_services = self.services


def build_services(conf):
    registry = type_registry.TypeRegistry.load(conf)
    for name in registry.names():
        artifact_type.register_type_opts(conf, name)
    stores = store_api.Stores(conf)
    for name in registry.names():
        if name != type_registry.ALL:
            stores.check_store(stores.store_for(name))
    trash = blobs.Trash(stores)
    notifier = notification.Notifier(conf)
    artifact_service = artifacts.ArtifactService(conf, registry, trash,
                                                 notifier)
    blob_service = blobs.BlobService(conf, artifact_service, stores, trash)
    fetcher = urlfetch.Fetcher(conf)
    return types.SimpleNamespace(
        registry=registry,
        notifier=notifier,
        artifacts=artifact_service,
        blobs=blob_service,
        downloads=downloads.DownloadService(conf, blob_service, fetcher),
        locations=locations.LocationService(conf, blob_service, fetcher),
        quotas=quotas.QuotaService(conf, registry, notifier))


def _pecan_app(services):
    return pecan_compat.make_app(root.RootController(),
                                 [ServicesHook(services)])


def build_app(conf, services=None):
    """The whole stack, outermost last:

    HTTPProxyToWSGI → request id → v0.1 token and errors → CORS → fault
    wrapper → healthcheck / versions (answered before auth) → auth
    (keystone or noauth) → context → version negotiation → fault wrapper
    → pecan.
    """
    db_api.configure(conf)
    policy.init(conf)
    services = services or build_services(conf)
    strategy = api_conf.auth_strategy(conf)
    app = _pecan_app(services)
    # errors from the controllers pass through version negotiation as
    # responses, so they carry the version headers too
    app = versions.VersionNegotiation(fault.FaultWrapper(app))
    app = auth.ContextMiddleware(app, conf, strategy)
    if strategy == 'keystone':
        app = auth.keystone_pipeline(app, conf)
    app = versions.PublicPaths(app, healthcheck.Healthcheck(
        None, {'backends': '', 'detailed': False}))
    app = fault.FaultWrapper(app)
    app = cors.CORS(app, conf)
    app = legacy_api.LegacyAPI(app)
    app = access_log.AccessLog(app)
    app = access_log.FreshLogContext(app)
    app = request_id.RequestId(app)
    app = http_proxy_to_wsgi.HTTPProxyToWSGI(app, conf)
    LOG.info('Glare API ready: auth strategy %s, artifact types %s',
             strategy, ', '.join(services.registry.names()))
    _clean_up_in_background(services)
    return app


def _clean_up_in_background(services):
    """Undo uploads a dead worker left and empty the store trash: at
    start, then every stale_upload_timeout seconds.

    A worker restarted right after a crash finds the dead uploads not yet
    stale; the next rounds get them without waiting for glare-scrubber.
    In a thread: the worker serves at once, and the clean-up only touches
    uploads whose heartbeat stopped, never live ones. Two small queries a
    round when there is nothing to do.
    """
    def run():
        while True:
            try:
                undone, trashed = services.blobs.clean_up(
                    glare_context.get_admin_context())
                if undone or trashed:
                    LOG.info('Clean-up: %d dead upload(s) undone, %d '
                             'trashed blob(s) deleted', undone, trashed)
            except Exception:
                LOG.exception('Clean-up failed; it runs again in %d s',
                              services.blobs.stale_after)
            time.sleep(services.blobs.stale_after)
    threading.Thread(target=run, name='glare-clean-up', daemon=True).start()

