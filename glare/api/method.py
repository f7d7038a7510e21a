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

"""Tiny helpers for JSON in and out of pecan controllers (no WSME)."""

import json

import pecan
import webob

from glare.api import auth
from glare.api import errors
from glare import exception

JSON_PATCH = 'application/json-patch+json'


def context():
    return pecan.request.environ[auth.CONTEXT_KEY]


def json_response(body, status=200, content_type=errors.JSON_TYPE,
                  encode=None):
    """The response of body (None: no content); encode: what makes its
    bytes, json.dumps in UTF-8 by default."""
    if body is None:
        data = b''
    elif encode is not None:
        data = encode(body)
    else:
        data = json.dumps(body).encode('utf-8')
    resp = webob.Response(status=status, body=data, charset=None)
    if body is not None:
        resp.headers['Content-Type'] = content_type
    else:
        resp.headers.pop('Content-Type', None)
    if getattr(body, 'etag', None):
        # an artifact document (glare.services.etags.Document)
        resp.headers['ETag'] = body.etag
    return resp


def _check_text(value, depth=0):
    """Refuse strings that cannot be stored: lone surrogates."""
    if depth > 64:
        raise exception.BadRequest('The JSON document is nested too deeply')
    if isinstance(value, str):
        try:
            value.encode('utf-8')
        except UnicodeEncodeError as exc:
            raise exception.BadRequest('Invalid unicode in the request '
                                       'body') from exc
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_text(k, depth + 1)
            _check_text(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _check_text(v, depth + 1)


def json_body(request, content_types):
    """The parsed JSON body; 415 for other media types, 400 for bad JSON.

    The media type is checked first, before the body is read: a body of
    another type (an HTML page, a form) is refused as such whatever its
    size, empty or not.
    """
    ctype = (request.content_type or '').lower()
    if ctype and ctype not in content_types:
        raise exception.UnsupportedMediaType(
            'Content type %r is not supported here; use %s' % (
                ctype, ' or '.join(content_types)))
    if not request.body:
        raise exception.BadRequest('The request body is empty')
    if not ctype:
        raise exception.UnsupportedMediaType(
            'The request body has no Content-Type; use %s' %
            ' or '.join(content_types))
    try:
        text = request.body.decode('utf-8')
        value = json.loads(text, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise exception.BadRequest('Malformed JSON in the request body: %s'
                                   % exc) from exc
    _check_text(value)
    return value


def bounded_json_body(request, content_types, limit):
    """json_body of a request whose body may hold limit bytes at most
    (413 beyond): read no further than that, chunked bodies too."""
    # signatures and trust store entries (API 1.5): small documents, the
    # only JSON bodies that are bounded so far
    length = request.content_length
    if length is not None and length > limit:
        raise exception.RequestEntityTooLarge(
            'The request body (%d bytes) is larger than the %d bytes this '
            'request takes' % (length, limit))
    if length is None and 'chunked' in (
            request.headers.get('Transfer-Encoding') or '').lower():
        data = request.body_file_raw.read(limit + 1)
        if len(data) > limit:
            raise exception.RequestEntityTooLarge(
                'The request body is larger than the %d bytes this request '
                'takes' % limit)
        request.body = data
    return json_body(request, content_types)


def _no_constant(name):
    raise ValueError('%s is not valid JSON' % name)


def no_body(request):
    if request.body:
        raise exception.BadRequest('This request takes no body')


def path_args(args):
    """Path segments below a controller, trailing slashes dropped; an
    empty segment inside ('/schemas//x') names nothing: 404."""
    args = list(args)
    while args and args[-1] == '':
        args.pop()
    if '' in args:
        pecan.abort(404)
    return args


def not_allowed(*allowed):
    raise exception.MethodNotAllowed(allowed=allowed)


def get_only(request):
    """A read of a resource: 405 for another method, 400 with a body."""
    if request.method != 'GET':
        not_allowed('GET')
    no_body(request)


class LeafController:
    """A resource with nothing below it: every request goes to index(),
    and a path under it is 404."""

    @pecan.expose()
    def _route(self, args, request=None):
        if path_args(args):
            pecan.abort(404)
        return self.index, []
