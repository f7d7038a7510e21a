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

"""The JSON error document, shared by every layer that answers an error."""

from http import client
import json

from glare.common import error_documents
from glare import exception

JSON_TYPE = error_documents.JSON_TYPE
document = error_documents.document


def from_exception(exc):
    """(status, headers, body bytes) for a GlareException."""
    body = document(exc.code, exc.title, exc.message, type(exc).__name__)
    headers = [('Content-Type', JSON_TYPE)]
    if isinstance(exc, exception.MethodNotAllowed) and exc.allowed:
        headers.append(('Allow', ', '.join(exc.allowed)))
    headers.extend(getattr(exc, 'headers', {}).items())
    extra = getattr(exc, 'body_extra', None)
    if extra:
        body.update(extra)
    return exc.code, headers, json.dumps(body).encode('utf-8')


def wsgi_response(start_response, exc):
    status, headers, body = from_exception(exc)
    reason = client.responses.get(status, exc.title)
    headers.append(('Content-Length', str(len(body))))
    start_response('%d %s' % (status, reason), headers)
    return [body]
