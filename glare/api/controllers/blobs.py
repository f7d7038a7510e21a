"""/artifacts/{type}/{id}/{field}[/{key}]: blob upload, download, delete."""

import pecan
import webob

from glare.api import method
from glare import exception
from glare.store import base as store_base

LOCATION_TYPE = 'application/vnd+openstack.glare-custom-location+json'


def _services():
    return pecan.request.app_services


def _key(key):
    # '.../folder/' names no key: the service answers that with a 400
    return key or None


def _length(environ):
    """(Content-Length or None, chunked?) of the request."""
    chunked = 'chunked' in environ.get('HTTP_TRANSFER_ENCODING',
                                       '').lower()
    length = environ.get('CONTENT_LENGTH')
    if length in (None, '') or chunked:
        return None, chunked
    try:
        length = int(length)
    except ValueError:
        length = -1
    if length < 0:
        raise exception.BadRequest('Invalid Content-Length')
    return length, chunked


class BlobsController:
    """Reached through ArtifactsController._route with 3 or 4 arguments."""

    @pecan.expose()
    def upload(self, type_name, artifact_id, field_name, key=None):
        """PUT: blob data, or a location with the custom media type."""
        request = pecan.request
        context = method.context()
        if (request.content_type or '').lower() == LOCATION_TYPE:
            body = method.json_body(request, (LOCATION_TYPE,))
            return method.json_response(_services().locations.set(
                context, type_name, artifact_id, field_name, _key(key),
                body))
        environ = request.environ
        length, chunked = _length(environ)
        return method.json_response(_services().blobs.upload(
            context, type_name, artifact_id, field_name, _key(key),
            environ['wsgi.input'], length, chunked,
            request.headers.get('Content-Type')))

    @pecan.expose()
    def download(self, type_name, artifact_id, field_name, key=None):
        request = pecan.request
        method.no_body(request)
        result = _services().downloads.download(
            method.context(), type_name, artifact_id, field_name,
            _key(key), request.headers.get('Range'))
        headers = list(result.headers.items())
        if result.length is not None:
            headers.append(('Content-Length', str(result.length)))
        wrapper = request.environ.get('wsgi.file_wrapper')
        body = result.body
        if result.file is not None and wrapper is not None:
            # the WSGI server may then sendfile() from the file's position
            body = wrapper(result.file, store_base.CHUNK_SIZE)
        return webob.Response(status=result.status, headerlist=headers,
                              app_iter=body)

    @pecan.expose()
    def delete(self, type_name, artifact_id, field_name, key=None):
        method.no_body(pecan.request)
        return method.json_response(_services().blobs.delete_external(
            method.context(), type_name, artifact_id, field_name,
            _key(key)))
