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

"""The JSON error answers glare-api's HTTP server writes itself."""

import json
import uuid

from glare.common import error_documents as errors
from glare import exception

#: the error type of an answer the server layer gives before (or without)
#: the application, named like the Glare exception of the same status
TYPE_NAMES = {400: 'BadRequest', 403: 'Forbidden', 408: 'RequestTimeout',
              413: 'RequestEntityTooLarge', 414: 'RequestURITooLong',
              417: 'ExpectationFailed',
              431: 'RequestHeaderFieldsTooLarge', 501: 'NotImplemented'}
SERVER_ERROR = exception.GlareException.msg_fmt


class RequestTimeout(exception.GlareException):
    code = 408
    title = 'Request Timeout'
    msg_fmt = 'The request body stopped arriving'


def path_of(head):
    """The path of the request line at the start of head (bytes), or ''."""
    line = bytes(head[:8192]).lstrip(b'\r\n').split(b'\r\n', 1)[0]
    parts = line.split(b' ')
    if len(parts) < 2:
        return ''
    target = parts[1].decode('latin-1')
    if '://' in target:  # absolute-form
        target = '/' + target.split('://', 1)[1].partition('/')[2]
    return target.split('?', 1)[0]


def response(status, title, message, path=''):
    """A whole HTTP/1.1 answer (bytes) closing the connection.

    The SPEC's error document, or for /v0.1 paths the shape the v0.1
    clients read, with a request id as the application's answers have.
    """
    type_name = TYPE_NAMES.get(status, title.replace(' ', ''))
    if status >= 500 and status != 501:
        message, type_name = SERVER_ERROR, 'GlareException'
    body = json.dumps(errors.document(status, title, message,
                                      type_name)).encode('utf-8')
    if errors.is_v01_path(path):
        body = json.dumps(errors.v01_document(status, body)).encode('utf-8')
    head = ('HTTP/1.1 %d %s\r\n'
            'Connection: close\r\n'
            'Content-Type: %s\r\n'
            'Content-Length: %d\r\n'
            'x-openstack-request-id: req-%s\r\n'
            '\r\n' % (status, title, errors.JSON_TYPE, len(body),
                      uuid.uuid4()))
    return head.encode('latin-1') + body


class Capture:
    """A socket stand-in that keeps what gunicorn writes to it.

    gunicorn's handle_error decides the status of a malformed request and
    logs it; its page is taken apart for the status line only.
    """

    def __init__(self):
        self.data = b''

    def gettimeout(self):
        return 0.0

    def sendall(self, data):
        self.data += data

    def status(self):
        """(code, reason) of the captured answer, or (None, None)."""
        line = self.data.split(b'\r\n', 1)[0].decode('latin-1')
        parts = line.split(' ', 2)
        if len(parts) < 2 or not parts[1].isdigit():
            return None, None
        return int(parts[1]), parts[2] if len(parts) > 2 else ''
