"""The root of the v1 API: schemas and artifacts."""

import pecan

from glare.api.controllers import artifacts
from glare.api import method


class SchemasController:
    """GET /schemas and /schemas/{type}."""

    @pecan.expose()
    def _route(self, args, request=None):
        request = request or pecan.request
        args = [a for a in args if a]
        if len(args) > 1:
            pecan.abort(404)
        if request.method != 'GET':
            method.not_allowed('GET')
        return (self.show if args else self.index), args

    @pecan.expose()
    def index(self):
        method.no_body(pecan.request)
        return method.json_response(
            {'schemas': pecan.request.app_services.artifacts.schemas(
                method.context())},
            content_type='application/schema+json; charset=UTF-8')

    @pecan.expose()
    def show(self, type_name):
        method.no_body(pecan.request)
        return method.json_response(
            {'schemas': pecan.request.app_services.artifacts.schemas(
                method.context(), type_name)},
            content_type='application/schema+json; charset=UTF-8')


class RootController:
    schemas = SchemasController()
    artifacts = artifacts.ArtifactsController()
