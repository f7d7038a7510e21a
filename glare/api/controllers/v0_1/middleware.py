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

"""What /v0.1 requests need around the stack: their token and error shape."""

import json
from urllib import parse

from glare.common import error_documents

PREFIX = error_documents.V01_PREFIX
ERROR_KEYS = error_documents.V01_ERROR_KEYS
SERVER_ERROR_KEY = error_documents.V01_SERVER_ERROR_KEY
#: error bodies are small: anything bigger is passed on as it is
_MAX_ERROR_BODY = 64 * 1024


def is_v01(environ):
    return error_documents.is_v01_path(environ.get('PATH_INFO', ''))


error_document = error_documents.v01_document


class LegacyAPI:
    """For /v0.1 requests: decodes the token, reshapes error documents.

    The v0.1 clients send X-Auth-Token percent-encoded (glanceclient
    quotes every header); Keystone tokens hold no '%', so a token with
    one is decoded before the auth layer reads it. v1 requests pass
    untouched. Sits outside every layer that may answer an error (the
    fault wrappers, version negotiation, auth), so that each error a v0.1
    client gets has the one shape its client library reads.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if not is_v01(environ):
            return self.app(environ, start_response)
        token = environ.get('HTTP_X_AUTH_TOKEN')
        if token and '%' in token:
            environ['HTTP_X_AUTH_TOKEN'] = parse.unquote(token)
        captured = {}

        def _start(status, headers, exc_info=None):
            code = int(status.split(' ', 1)[0])
            ctype = dict((k.lower(), v) for k, v in headers).get(
                'content-type', '')
            if code < 400 or not ctype.startswith('application/json'):
                return start_response(status, headers, exc_info)
            captured.update(status=status, headers=headers, code=code)
            return captured.setdefault('chunks', []).append

        result = self.app(environ, _start)
        if 'status' not in captured:
            return result
        try:
            data = b''.join(captured['chunks'])
            for chunk in result:
                data += chunk
                if len(data) > _MAX_ERROR_BODY:
                    break
        finally:
            close = getattr(result, 'close', None)
            if close is not None:
                close()
        body = json.dumps(error_document(captured['code'], data)).encode(
            'utf-8')
        headers = [(k, v) for k, v in captured['headers']
                   if k.lower() != 'content-length']
        headers.append(('Content-Length', str(len(body))))
        start_response(captured['status'], headers)
        return [body]
