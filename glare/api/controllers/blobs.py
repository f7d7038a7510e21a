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

"""/artifacts/{type}/{id}/{field}[/{key}]: blob upload, download, delete."""

import pecan
import webob

from glare.api import method
from glare.common import chunking
from glare import exception

LOCATION_TYPE = 'application/vnd+openstack.glare-custom-location+json'


def _services():
    return pecan.request.app_services


def _key(key):
    # '.../folder/' names no key: the service answers that with a 400
    return key or None


def request_length(environ):
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


class _UwsgiChunks:
    """A chunked request body under uWSGI, as a file.

    uWSGI gives a chunked body without a Content-Length to wsgi.input as an
    empty stream (an upload would be stored as an empty blob) but hands
    its chunks out through uwsgi.chunked_read().
    """

    def __init__(self):
        import uwsgi  # only importable inside a uWSGI worker
        self._next = uwsgi.chunked_read
        self._buf = bytearray()
        self._done = False

    def read(self, size=-1):
        while not self._done and (size < 0 or len(self._buf) < size):
            chunk = self._next()
            if not chunk:
                self._done = True
            else:
                self._buf += chunk
        if size < 0:
            size = len(self._buf)
        out = bytes(self._buf[:size])
        del self._buf[:size]
        return out


def request_body(environ, chunked):
    """The request body as a file, whatever the WSGI server."""
    if not chunked or environ.get('wsgi.input_terminated'):
        # the server delivers the whole body and then EOF (PEP 3333
        # extension; gunicorn and mod_wsgi say so)
        return environ['wsgi.input']
    if 'uwsgi.version' in environ:
        return _UwsgiChunks()
    raise exception.LengthRequired(
        'This WSGI server cannot stream a body without Content-Length; '
        'send the Content-Length')


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
        length, chunked = request_length(environ)
        return method.json_response(_services().blobs.upload(
            context, type_name, artifact_id, field_name, _key(key),
            request_body(environ, chunked), length, chunked,
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
        # uWSGI's file wrapper sends from byte 0 whatever the file's
        # position: a range past 0 goes through the iterator there
        if result.file is not None and wrapper is not None and (
                'uwsgi.version' not in request.environ or
                result.file.tell() == 0):
            # the WSGI server may then sendfile() from the file's position
            body = wrapper(result.file, chunking.CHUNK_SIZE)
        return webob.Response(status=result.status, headerlist=headers,
                              app_iter=body)

    @pecan.expose()
    def delete(self, type_name, artifact_id, field_name, key=None):
        method.no_body(pecan.request)
        return method.json_response(_services().blobs.delete_blob(
            method.context(), type_name, artifact_id, field_name,
            _key(key)))
