"""The WSGI application: the middleware stack, in order, in one place."""

import functools
import threading
import time
import types
from urllib import parse

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
from glare.api.controllers.v0_1 import middleware as legacy_api
from glare.api import fault
from glare.api import media
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


# the plain logger under oslo.log's adapter, whose keyword handling cost a
# tenth of a line: oslo.log's formatters read the context from extra too
ACCESS_LOG = logging.getLogger('glare.api.access').logger
# what may stay as it is in a logged path and query: the rest (spaces,
# control characters, a literal %) is percent-encoded, so that a request
# cannot forge or break a log line
_PATH_SAFE = "/:@!$&'()*+,;=~"
_QUERY_SAFE = _PATH_SAFE + '?%[]'


class _AccessLog:
    """One INFO line per request on the glare.api.access logger.

    ``GET /artifacts/images?limit=5 -> 200, 1234 bytes, 4.2 ms, client
    10.0.0.7``; the request id, user and project are on the line through
    the context oslo.log stamps it with: the request's own context once
    the auth layer made it, else the fresh one _FreshLogContext (outside
    this middleware) made. Headers are never logged (tokens travel in
    them); the query string is, it only holds list filters.

    A body in one piece (the JSON answers) is logged when the application
    returns it; a streamed one (a download) when the server closes it, so
    that time and size are the whole transfer's. A file the server may
    sendfile() is handed over as it is, with the line written by its
    close(), or at once with its Content-Length when the server's file
    object takes no new close (uWSGI hands the file itself back).
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        started = time.monotonic()
        context = oslo_context.get_current()
        response = []

        def _start_response(status, headers, exc_info=None):
            response[:] = status, headers
            return start_response(status, headers, exc_info)

        try:
            result = self.app(environ, _start_response)
        except Exception:
            self.log(environ, context, response or ['500'], '-', started)
            raise
        if type(result) is list:
            self.log(environ, context, response,
                     sum(map(len, result)), started)
            return result
        if _is_server_file(environ, result):
            return self._server_file(environ, context, response, result,
                                     started)
        return _LoggedBody(self, environ, context, response, result,
                           started)

    def _server_file(self, environ, context, response, result, started):
        close = getattr(result, 'close', None)

        def close_and_log():
            try:
                if close is not None:
                    close()
            finally:
                self.log(environ, context, response,
                         _content_length(response), started)
        try:
            result.close = close_and_log
        except (AttributeError, TypeError):
            self.log(environ, context, response, _content_length(response),
                     started)
        return result

    @staticmethod
    def log(environ, context, response, size, started):
        if not ACCESS_LOG.isEnabledFor(logging.INFO):
            return
        uri = parse.quote(
            (environ.get('SCRIPT_NAME', '') + environ.get('PATH_INFO', '')
             ).encode('latin-1', 'replace'), safe=_PATH_SAFE)
        query = environ.get('QUERY_STRING')
        if query:
            uri += '?' + parse.quote(query.encode('latin-1', 'replace'),
                                     safe=_QUERY_SAFE)
        ACCESS_LOG.info(
            '%s %s -> %s, %s bytes, %.1f ms, client %s',
            environ.get('REQUEST_METHOD'), uri,
            response[0][:3] if response else '-', size,
            (time.monotonic() - started) * 1000,
            environ.get('REMOTE_ADDR', '-'),
            extra={'context': environ.get(auth.CONTEXT_KEY) or context})


def _is_server_file(environ, result):
    """Whether result came from the server's wsgi.file_wrapper."""
    wrapper = environ.get('wsgi.file_wrapper')
    if isinstance(wrapper, type):
        return isinstance(result, wrapper)
    return hasattr(result, 'fileno')  # uWSGI's: the file itself


def _content_length(response):
    for name, value in response[1] if len(response) > 1 else ():
        if name.lower() == 'content-length':
            return value
    return '-'


class _LoggedBody:
    """A streamed response body, counted as it goes; logged on close()."""

    def __init__(self, access_log, environ, context, response, result,
                 started):
        self._access_log = access_log
        self._environ = environ
        self._context = context
        self._response = response
        self._result = result
        self._started = started
        self._size = 0

    def __iter__(self):
        for chunk in self._result:
            self._size += len(chunk)
            yield chunk

    def close(self):
        try:
            close = getattr(self._result, 'close', None)
            if close is not None:
                close()
        finally:
            self._access_log.log(self._environ, self._context,
                                 self._response, self._size, self._started)


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
    app = media.DefaultContentType(app)
    app = _AccessLog(app)
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
            except db_api.DatabaseUnavailable:
                pass  # logged once per outage by glare.db.api
            except Exception:
                LOG.exception('Clean-up failed; it runs again in %d s',
                              services.blobs.stale_after)
            time.sleep(services.blobs.stale_after)
    threading.Thread(target=run, name='glare-clean-up', daemon=True).start()

