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

"""/artifacts/{type}/{id}/bundle and /artifacts/import: bundles."""

import pecan
import webob

from glare.api.controllers import blobs
from glare.api import method
from glare.bundles import layout
from glare import exception

SEGMENT = 'bundle'
IMPORT = 'import'
#: the media types an import takes
IMPORT_TYPES = (layout.BUNDLE_MEDIA_TYPE, 'application/x-tar')


def _service():
    return pecan.request.app_services.bundles


def query(request, allowed):
    """{name: value} of the query; 400 for a parameter not in allowed or
    given more than once (a typo must not change what a request does)."""
    out = {}
    for name, value in request.GET.items():
        if not name:
            continue
        if name not in allowed:
            raise exception.BadRequest(
                'Unknown query parameter %r; this request takes %s' % (
                    name, ', '.join(sorted(allowed))))
        if name in out:
            raise exception.BadRequest('%s is given more than once' % name)
        out[name] = value
    return out


class BundlesController:
    """Handlers of the bundle routes; ArtifactsController dispatches."""

    def handlers(self, args):
        """{method: handler} for the path args ('import', or type, id,
        'bundle'), or None when the path names no bundle route."""
        if len(args) == 1 and args[0] == IMPORT:
            return {'POST': self.import_bundle}
        if len(args) == 3:
            return {'GET': self.export, 'HEAD': self.export_head}
        return None

    @pecan.expose()
    def import_bundle(self, _segment):
        request = pecan.request
        ctype = (request.content_type or '').lower()
        if ctype not in IMPORT_TYPES:
            raise exception.UnsupportedMediaType(
                'An import takes a bundle (%s), not %r' % (
                    ' or '.join(IMPORT_TYPES), ctype))
        params = query(request, ('dry_run', 'on_conflict', 'visibility'))
        environ = request.environ
        length, chunked = blobs.request_length(environ)
        if length is None and not chunked:
            raise exception.LengthRequired()
        return method.json_response(_service().import_bundle(
            method.context(), blobs.request_body(environ, chunked), length,
            params))

    @pecan.expose()
    def export(self, type_name, artifact_id, _segment):
        return self._export(type_name, artifact_id, with_body=True)

    @pecan.expose()
    def export_head(self, type_name, artifact_id, _segment):
        """The headers GET would answer (X-Glare-Bundle-Digest among
        them); the body's generator is never started, so no blob is
        read."""
        return self._export(type_name, artifact_id, with_body=False)

    def _export(self, type_name, artifact_id, with_body):
        request = pecan.request
        method.no_body(request)
        params = query(request, ('dependencies',))
        result = _service().export(
            method.context(), type_name, artifact_id,
            params.get('dependencies', 'closure'))
        headers = list(result.headers.items())
        if result.length is not None:
            headers.append(('Content-Length', str(result.length)))
        return webob.Response(status=200, headerlist=headers,
                              app_iter=result.body if with_body else [])
