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

"""The error documents of both APIs, as plain data (no WSGI, no HTTP).

Every layer that answers an error renders it with these: the API's fault
middleware, the /v0.1 shim and glare-api's own HTTP server.
"""

import json

JSON_TYPE = 'application/json; charset=UTF-8'
V01_PREFIX = '/v0.1'
#: HTTP status → the key of a v0.1 error document (the names the
#: OpenStack compute API made conventional)
V01_ERROR_KEYS = {400: 'badRequest', 401: 'unauthorized', 403: 'forbidden',
                  404: 'itemNotFound', 405: 'badMethod',
                  406: 'notAcceptable', 409: 'conflictingRequest',
                  411: 'lengthRequired', 413: 'overLimit',
                  415: 'badMediaType', 416: 'requestedRangeNotSatisfiable',
                  429: 'overLimit', 501: 'notImplemented',
                  502: 'badGateway', 503: 'serviceUnavailable'}
V01_SERVER_ERROR_KEY = 'serverError'


def document(code, title, message, type_name):
    """The v1 error document (SPEC §4)."""
    return {'code': code, 'title': title, 'explanation': message,
            'error': {'message': message, 'type': type_name}}


def is_v01_path(path):
    return path == V01_PREFIX or path.startswith(V01_PREFIX + '/')


def v01_document(code, body):
    """Glare's error document (bytes) → {key: {message, code}}."""
    message = None
    try:
        doc = json.loads(body)
        if isinstance(doc, dict):
            error = doc.get('error')
            message = (error.get('message') if isinstance(error, dict)
                       else None) or doc.get('explanation')
    except ValueError:
        pass
    if not isinstance(message, str):
        message = body.decode('utf-8', 'replace').strip()
    key = V01_ERROR_KEYS.get(
        code, V01_SERVER_ERROR_KEY if code >= 500 else 'error')
    return {key: {'message': message, 'code': code}}
