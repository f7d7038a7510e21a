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

"""/v0.1/artifacts/{type}/v{type_version}/...: routing and the handlers."""

import pecan
import webob

from glare.api.controllers import artifacts
from glare.api.controllers import blobs
from glare.api.controllers.v0_1 import documents
from glare.api import method

#: the media types a v0.1 patch comes in (Murano's client sends the
#: second; the Glance v2 one as it happens)
PATCH_TYPES = ('application/json', 'application/json-patch+json',
               'application/openstack-images-v2.1-json-patch')


def _services():
    return pecan.request.app_services


def _query(request):
    return [(k, v) for k, v in request.GET.items() if k]


class _Type:
    """The artifact type a request names, checked against its version."""

    def __init__(self, type_name, type_version):
        self.cls = _services().artifacts.get_type(type_name)
        documents.check_type_version(self.cls, type_version)
        self.name = type_name
        # links repeat the version as the client wrote it (v1, v1.0...)
        self.path = documents.type_path(type_name, type_version[1:])

    def render(self, doc):
        return documents.artifact(self.cls, doc)


def _respond(body, status=200):
    return method.json_response(body, status)


class V01Controller:
    """Dispatches on the path below /v0.1 and the method (405 with Allow)."""

    @pecan.expose()
    def _route(self, args, request=None):
        request = request or pecan.request
        args = list(args)
        while args and args[-1] == '':
            args.pop()
        if len(args) < 3 or args[0] != 'artifacts' or '' in args:
            pecan.abort(404)
        rest = args[3:]
        handlers = self._handlers(rest, request.method)
        if request.method not in handlers:
            method.not_allowed(*sorted(handlers))
        return handlers[request.method], args[1:3] + rest

    def _handlers(self, rest, verb):
        if not rest:
            return {'GET': self.list}
        if rest == ['drafts']:
            return {'GET': self.drafts, 'POST': self.create}
        if len(rest) == 1:
            return {'GET': self.show, 'PATCH': self.update,
                    'DELETE': self.delete}
        if len(rest) == 2 and rest[1] == 'publish':
            return {'POST': self.publish}
        if rest[-1] == 'download' and len(rest) in (3, 4) and verb == 'GET':
            return {'GET': self.download}
        if len(rest) in (2, 3):
            return {'PUT': self.upload, 'DELETE': self.delete_blob}
        pecan.abort(404)

    # -- artifacts -------------------------------------------------------
    def _list(self, type_name, type_version, drafts):
        request = pecan.request
        method.no_body(request)
        af_type = _Type(type_name, type_version)
        pairs = _query(request)
        body = _services().artifacts.list(
            method.context(), type_name,
            documents.list_params(pairs, drafts))
        artifacts = [af_type.render(a) for a in body['artifacts']]
        out = {'artifacts': artifacts}
        out.update(documents.page_links(
            af_type.path + ('/drafts' if drafts else ''), pairs, artifacts,
            'next' in body))
        return _respond(out)

    @pecan.expose()
    def list(self, type_name, type_version):
        return self._list(type_name, type_version, drafts=False)

    @pecan.expose()
    def drafts(self, type_name, type_version, _drafts=None):
        return self._list(type_name, type_version, drafts=True)

    @pecan.expose()
    def create(self, type_name, type_version, _drafts=None):
        af_type = _Type(type_name, type_version)
        body = method.json_body(pecan.request, ('application/json',))
        doc = _services().artifacts.create(
            method.context(), type_name,
            documents.create_body(af_type.cls, body))
        return _respond(af_type.render(doc), 201)

    @pecan.expose()
    def show(self, type_name, type_version, artifact_id):
        method.no_body(pecan.request)
        af_type = _Type(type_name, type_version)
        return _respond(af_type.render(_services().artifacts.show(
            method.context(), type_name, artifact_id)))

    @pecan.expose()
    def update(self, type_name, type_version, artifact_id):
        af_type = _Type(type_name, type_version)
        ops = method.json_body(pecan.request, PATCH_TYPES)
        return _respond(af_type.render(_services().artifacts.update(
            method.context(), type_name, artifact_id,
            documents.patch(af_type.cls, ops))))

    @pecan.expose()
    def delete(self, type_name, type_version, artifact_id):
        method.no_body(pecan.request)
        _Type(type_name, type_version)
        _services().artifacts.delete(
            method.context(), type_name, artifact_id,
            force=artifacts.force_param(pecan.request))
        return method.json_response(None, 204)

    @pecan.expose()
    def publish(self, type_name, type_version, artifact_id, _publish=None):
        """Activates the artifact; makes it public too when it was
        created public (v0.1 takes visibility on drafts)."""
        af_type = _Type(type_name, type_version)
        context = method.context()
        service = _services().artifacts
        values = service.load(context, type_name, artifact_id)
        return _respond(af_type.render(service.update(
            context, type_name, artifact_id,
            documents.publish_patch(values))))

    # -- blobs -----------------------------------------------------------
    @pecan.expose()
    def upload(self, type_name, type_version, artifact_id, field_name,
               key=None):
        af_type = _Type(type_name, type_version)
        environ = pecan.request.environ
        length, chunked = blobs.request_length(environ)
        doc = _services().blobs.upload(
            method.context(), type_name, artifact_id, field_name, key,
            blobs.request_body(environ, chunked), length, chunked,
            pecan.request.headers.get('Content-Type'))
        return _respond(af_type.render(doc))

    @pecan.expose()
    def download(self, type_name, type_version, artifact_id, field_name,
                 *rest):
        method.no_body(pecan.request)
        _Type(type_name, type_version)
        key = rest[0] if len(rest) == 2 else None
        result = _services().downloads.download(
            method.context(), type_name, artifact_id, field_name, key)
        headers = dict(result.headers)
        if result.status == 200:
            # the v0.1 clients stream only this type instead of reading
            # the body as text
            headers['Content-Type'] = 'application/octet-stream'
        headerlist = list(headers.items())
        if result.length is not None:
            headerlist.append(('Content-Length', str(result.length)))
        return webob.Response(status=result.status, headerlist=headerlist,
                              app_iter=result.body)

    @pecan.expose()
    def delete_blob(self, type_name, type_version, artifact_id, field_name,
                    key=None):
        """Removes a blob: stored data or a location (as in v1)."""
        method.no_body(pecan.request)
        af_type = _Type(type_name, type_version)
        return _respond(af_type.render(_services().blobs.delete_blob(
            method.context(), type_name, artifact_id, field_name, key)))
