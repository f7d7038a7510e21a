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

"""The WSGI application: the middleware stack, in order, in one place."""

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
from glare.api import media
from glare.api import pecan_compat
from glare.api import versions
from glare.conf import api as api_conf
from glare.web import catalog as web_catalog
from glare.web import controllers as web_controllers
from glare.web import errors as web_errors

LOG = logging.getLogger(__name__)


class ServicesHook(pecan.hooks.PecanHook):
    """Gives controllers the service objects, built once per process."""

    def __init__(self, services):
        self.services = services

    def before(self, state):
        state.request.app_services = self.services


def _pecan_app(services, catalog=None):
    return pecan_compat.make_app(root.RootController(),
                                 [ServicesHook(services),
                                  web_controllers.CatalogHook(catalog)])


def build_app(conf, services):
    """The whole stack over services, outermost last:

    HTTPProxyToWSGI → request id → v0.1 token and errors → CORS → HTML
    errors of the web catalog (when it is on) → fault wrapper →
    healthcheck / versions (answered before auth) → auth (keystone or
    noauth) → context → version negotiation → fault wrapper
    → pecan.

    The database facade and the policy enforcer are set up by the caller
    (glare.wsgi.build), as are the services.
    """
    strategy = api_conf.auth_strategy(conf)
    # the web catalog (/catalog) is another client of the same services
    catalog = web_catalog.Catalog(conf) if conf.catalog.enabled else None
    app = _pecan_app(services, catalog)
    # errors from the controllers pass through version negotiation as
    # responses, so they carry the version headers too
    app = versions.VersionNegotiation(fault.FaultWrapper(app))
    app = auth.ContextMiddleware(app, conf, strategy)
    if strategy == 'keystone':
        app = auth.keystone_pipeline(app, conf)
    app = versions.PublicPaths(app, healthcheck.Healthcheck(
        None, {'backends': '', 'detailed': False}))
    app = fault.FaultWrapper(app)
    if catalog is not None:
        app = web_errors.HtmlErrors(app, catalog)
    app = cors.CORS(app, conf)
    app = legacy_api.LegacyAPI(app)
    app = media.DefaultContentType(app)
    app = access_log.AccessLog(app)
    app = access_log.FreshLogContext(app)
    app = request_id.RequestId(app)
    app = http_proxy_to_wsgi.HTTPProxyToWSGI(app, conf)
    LOG.info('Glare API ready: auth strategy %s, artifact types %s',
             strategy, ', '.join(services.registry.names()))
    return app
