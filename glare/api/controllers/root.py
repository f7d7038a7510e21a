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

"""The root of the API: v1 (schemas, artifacts, quotas), v0.1 and the
web catalog."""

import pecan

from glare.api.controllers import artifacts
# registers the blob action POST .../image/convert
from glare.api.controllers import conversion  # noqa: F401
from glare.api.controllers import federation
from glare.api.controllers import quotas
from glare.api.controllers import reviews
from glare.api.controllers import tasks
from glare.api.controllers import trust
from glare.api.controllers.v0_1 import routes as v0_1
from glare.api import method
from glare.web import controllers as web


class SchemasController:
    """GET /schemas and /schemas/{type}."""

    @pecan.expose()
    def _route(self, args, request=None):
        args = method.path_args(args)
        if len(args) > 1:
            pecan.abort(404)
        return (self.show if args else self.index), args

    @staticmethod
    def _only_get():
        # pecan sends /schemas straight to index, around _route
        method.get_only(pecan.request)

    @pecan.expose()
    def index(self):
        self._only_get()
        return method.json_response(
            {'schemas': pecan.request.app_services.artifacts.schemas(
                method.context())},
            content_type='application/schema+json; charset=UTF-8')

    @pecan.expose()
    def show(self, type_name):
        self._only_get()
        return method.json_response(
            {'schemas': pecan.request.app_services.artifacts.schemas(
                method.context(), type_name)},
            content_type='application/schema+json; charset=UTF-8')


class RootController:
    schemas = SchemasController()
    artifacts = artifacts.ArtifactsController()
    quotas = quotas.QuotasController()
    federation = federation.FederationController()
    # the trust store (API 1.5)
    trust = trust.TrustController()
    # the caller's starred artifacts (API 1.6)
    stars = reviews.StarsController()
    # background tasks (issue 20)
    tasks = tasks.TasksController()
    # the web catalog (CATALOG.md section 6)
    catalog = web.CatalogController()


# not a Python name: routed explicitly
pecan.route(RootController, 'project-quotas',
            quotas.ProjectQuotasController())
# the Glance "v3" artifacts API Murano speaks
pecan.route(RootController, 'v0.1', v0_1.V01Controller())
