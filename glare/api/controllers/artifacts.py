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

"""/artifacts/{type}[/{id}]: list, create, show, update, delete."""

from oslo_utils import strutils
import pecan

from glare.api import conditional
from glare.api.controllers import blobs
from glare.api.controllers import bundles
from glare.api.controllers import federation_routes
from glare.api.controllers import members
from glare.api.controllers import reviews
from glare.api.controllers import signatures
from glare.api.controllers import tasks
from glare.api import method
from glare import exception
from glare.services import federated_search
from glare.services import listing


def _service():
    return pecan.request.app_services.artifacts


def _query_params(request):
    """Query parameters in order, repeated ones kept; '?&a=b' tolerated."""
    return [(k, v) for k, v in request.GET.items() if k]


def force_param(request):
    """The ?force= of a DELETE: true or false (absent: false), else 400."""
    values = request.GET.getall('force')
    if not values:
        return False
    if len(values) > 1:
        raise exception.BadRequest('force is given more than once')
    try:
        return strutils.bool_from_string(values[0], strict=True)
    except ValueError as exc:
        raise exception.BadRequest('force is true or false, not %r' %
                                   (values[0],)) from exc


_BLOBS = blobs.BlobsController()
_MEMBERS = members.MembersController()
_BUNDLES = bundles.BundlesController()
_FEDERATION = federation_routes.FederationRoutesController()
_SIGNATURES = signatures.SignaturesController()
#: the routes under an artifact, by the segment after its id
_SUB_RESOURCES = {members.SEGMENT: _MEMBERS, bundles.SEGMENT: _BUNDLES,
                  federation_routes.PUSH: _FEDERATION,
                  signatures.SEGMENT: _SIGNATURES,
                  reviews.STAR: reviews.StarController(),
                  reviews.REVIEWS: reviews.ReviewsController()}


def _segments(args):
    """The path below /artifacts; 404 for an empty type, id or field.

    A trailing slash after the type is tolerated. pecan drops empty
    segments from a controller's arguments, so '/artifacts/t//f' reached
    a handler one argument short (a TypeError, answered 500).
    """
    args = list(args)
    if len(args) == 2 and args[1] == '':
        args = args[:1]
    if not args or '' in args[:3]:
        pecan.abort(404)
    return args


def _sub_resource(args):
    """(handlers, args) of a route under an artifact: .../{id}/members,
    bundle, push, signatures, star or reviews; 404 for a path the resource
    has not."""
    handlers = _SUB_RESOURCES[args[2]].handlers(args)
    if handlers is None:
        pecan.abort(404)
    if args[2] == signatures.SEGMENT:
        # .../signatures/{field}[/{key}] (API 1.5); keys may hold '/'
        args = args[:4] + (['/'.join(args[4:])] if len(args) > 4 else [])
    return handlers, args


class ArtifactsController:
    """Dispatches on path length and method, answering 405 with Allow."""

    @pecan.expose()
    def _route(self, args, request=None):
        request = request or pecan.request
        args = _segments(args)
        verb = request.method
        if args == [bundles.IMPORT]:
            handlers = _BUNDLES.handlers(args)
        elif len(args) == 1:
            handlers = {'GET': self.list, 'POST': self.create}
        elif len(args) == 2 and args[1] == federation_routes.PULL:
            handlers = _FEDERATION.handlers(args)
        elif len(args) == 2:
            handlers = {'GET': self.show, 'PATCH': self.update,
                        'DELETE': self.delete}
        elif args[2] in _SUB_RESOURCES:
            handlers, args = _sub_resource(args)
        elif verb == 'POST' and len(args) > 3 and \
                args[-1] in tasks.BLOB_ACTIONS:
            # .../{field}[/{key}]/{action}: a background task
            action = tasks.BLOB_ACTIONS[args[-1]]
            key = '/'.join(args[3:-1])
            args = args[:3] + ([key] if key else [])
            handlers = {'POST': action}
        else:
            # .../{field}[/{key}]: the key may itself hold slashes
            args = args[:3] + (['/'.join(args[3:])] if len(args) > 3
                               else [])
            handlers = {'GET': _BLOBS.download, 'PUT': _BLOBS.upload,
                        'DELETE': _BLOBS.delete}
        if verb not in handlers:
            method.not_allowed(*sorted(handlers))
        return handlers[verb], args

    @pecan.expose()
    def list(self, type_name):
        request = pecan.request
        method.no_body(request)
        params = _query_params(request)
        federated, rest = listing.federated(params)
        if federated:
            return method.json_response(
                request.app_services.federated_search.list(
                    method.context(), type_name, params,
                    request.headers.get(federated_search.HOPS_HEADER)),
                encode=federated_search.encode)
        return method.json_response(_service().list(
            method.context(), type_name, rest))

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
        _service().delete(method.context(), type_name, artifact_id,
                          force=force_param(pecan.request))
        return method.json_response(None, 204)
