"""/artifacts/{type}[/{id}]: list, create, show, update, delete."""

import pecan

from glare.api import conditional
from glare.api.controllers import blobs
from glare.api import method


def _service():
    return pecan.request.app_services.artifacts


def _query_params(request):
    """Query parameters in order, repeated ones kept; '?&a=b' tolerated."""
    return [(k, v) for k, v in request.GET.items() if k]


_BLOBS = blobs.BlobsController()


class ArtifactsController:
    """Dispatches on path length and method, answering 405 with Allow."""

    @pecan.expose()
    def _route(self, args, request=None):
        request = request or pecan.request
        args = [a for a in args if a != ''] if len(args) <= 2 else args
        verb = request.method
        if len(args) == 1:
            handlers = {'GET': self.list, 'POST': self.create}
        elif len(args) == 2:
            handlers = {'GET': self.show, 'PATCH': self.update,
                        'DELETE': self.delete}
        elif len(args) >= 3 and args[2]:
            # .../{field}[/{key}]: the key may itself hold slashes
            args = args[:3] + (['/'.join(args[3:])] if len(args) > 3
                               else [])
            handlers = {'GET': _BLOBS.download, 'PUT': _BLOBS.upload,
                        'DELETE': _BLOBS.delete}
        else:
            pecan.abort(404)
        if verb not in handlers:
            method.not_allowed(*sorted(handlers))
        return handlers[verb], args

    @pecan.expose()
    def list(self, type_name):
        method.no_body(pecan.request)
        return method.json_response(_service().list(
            method.context(), type_name, _query_params(pecan.request)))

    @pecan.expose()
    def create(self, type_name):
        _service().get_type(type_name)
        body = method.json_body(pecan.request, ('application/json',))
        return method.json_response(
            _service().create(method.context(), type_name, body), 201)

    @pecan.expose()
    def show(self, type_name, artifact_id):
        method.no_body(pecan.request)
        document = _service().show(method.context(), type_name, artifact_id)
        return conditional.not_modified(pecan.request, document) or \
            method.json_response(document)

    @pecan.expose()
    def update(self, type_name, artifact_id):
        _service().get_type(type_name)
        patch = method.json_body(pecan.request, (method.JSON_PATCH,))
        return method.json_response(_service().update(
            method.context(), type_name, artifact_id, patch,
            if_match=conditional.if_match(pecan.request)))

    @pecan.expose()
    def delete(self, type_name, artifact_id):
        method.no_body(pecan.request)
        _service().delete(method.context(), type_name, artifact_id)
        return method.json_response(None, 204)
