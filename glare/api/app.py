"""The WSGI application: the middleware stack, in order, in one place."""

import functools
import threading
import time
import types

from oslo_context import context as oslo_context
from oslo_log import log as logging
from oslo_middleware import cors
from oslo_middleware import healthcheck
from oslo_middleware import http_proxy_to_wsgi
from oslo_middleware import request_id
import pecan
from pecan import util as pecan_util
from webob import acceptparse
import webob.exc

from glare.api import auth
from glare.api.controllers import root
from glare.api import fault
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


class _FreshLogContext:
    """Starts each request with a context of its own for the log.

    oslo.context keeps the last context made in a thread, and oslo.log
    stamps every line with it: without this, what keystonemiddleware logs
    about a rejected token carried the previous request's id, user and
    project. Sits inside RequestId (it needs the id) and outside the
    auth pipeline (it logs before the service's context exists).
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        oslo_context.RequestContext(
            request_id=environ.get(request_id.ENV_REQUEST_ID),
            overwrite=True)
        return self.app(environ, start_response)


class _Request(pecan.Request):
    """pecan's request without what pecan must not do for Glare.

    The controllers read their bodies themselves (glare.api.method) and
    Accept only selects the API version (done before pecan), so pecan must
    neither negotiate a content type on Accept (it answered 406 to any
    Accept it did not know, the version media types included) nor parse
    bodies into controller arguments (a deeply nested JSON body was a 500).
    """

    @property
    def accept(self):
        return acceptparse.create_accept_header(None)

    @property
    def json(self):
        raise ValueError('controllers parse their own bodies')

    @property
    def params(self):
        return self.GET


class ErrorsHook(pecan.hooks.PecanHook):
    """pecan's own HTTP errors (no route, undecodable query) leave as
    exceptions, so that the fault middleware renders them as JSON."""

    def on_error(self, state, exc):
        if isinstance(exc, webob.exc.HTTPException) and exc.code >= 400:
            raise exc


def _cache_pecan_argspecs():
    """Inspect each controller method's signature once, not per request.

    pecan inspects the controller twice per request, building a new
    namedtuple class each time: 80 us a request, 9% of a show in cProfile.
    Controllers are long-lived objects whose signatures never change.
    """
    if not hasattr(pecan_util._getargspec, 'cache_info'):
        pecan_util._getargspec = functools.lru_cache(maxsize=1024)(
            pecan_util._getargspec)


class _Pecan(pecan.Pecan):
    """pecan, leaving response statuses to the controllers.

    pecan turns a 200 without a body into a 204, and to find out whether
    a body is empty it read it: a whole blob download went into memory
    (a 300 MB download took a worker from 111 MB to 687 MB), an empty
    blob answered 204. The controllers say 204 themselves when they mean
    it (glare.api.method.json_response).
    """

    def _handle_empty_response_body(self, state):
        pass


def _pecan_app(services):
    _cache_pecan_argspecs()
    return _Pecan(root.RootController(),
                       hooks=[ServicesHook(services), ErrorsHook()],
                       request_cls=_Request,
                       force_canonical=False,
                       guess_content_type_from_ext=False)


def build_app(conf, services=None):
    """The whole stack, outermost last:

    HTTPProxyToWSGI → request id → CORS → fault wrapper → healthcheck /
    versions (answered before auth) → auth (keystone or noauth) → context
    → version negotiation → fault wrapper → pecan.
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
    app = _FreshLogContext(app)
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

