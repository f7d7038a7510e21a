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

"""Fault middleware: every error leaves as the JSON error document."""

import json

from oslo_log import log as logging
import webob.exc

from glare.api import errors
from glare import exception
from glare.services import failures

LOG = logging.getLogger(__name__)
_TITLES = {400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden',
           404: 'Not Found', 405: 'Method Not Allowed',
           406: 'Not Acceptable', 409: 'Conflict',
           411: 'Length Required', 413: 'Request Entity Too Large',
           415: 'Unsupported Media Type'}


class FaultWrapper:
    """Turns exceptions (and bare HTTP error pages) into JSON errors."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        try:
            return self.app(environ, start_response)
        except exception.GlareException as exc:
            return errors.wsgi_response(start_response, exc)
        except webob.exc.HTTPException as exc:
            return self._http_error(environ, start_response, exc)
        except Exception as exc:
            unavailable = failures.unavailable(exc)
            if unavailable is not None:
                return errors.wsgi_response(start_response, unavailable)
            LOG.exception('Unexpected error while serving %s %s',
                          environ.get('REQUEST_METHOD'),
                          environ.get('PATH_INFO'))
            err = exception.GlareException(
                'The server has either erred or is incapable of performing '
                'the requested operation.')
            return errors.wsgi_response(start_response, err)

    @staticmethod
    def _http_error(environ, start_response, exc):
        code = exc.code
        body = errors.document(code, _TITLES.get(code, exc.title),
                               exc.detail or exc.explanation,
                               type(exc).__name__)
        data = json.dumps(body).encode('utf-8')
        headers = [('Content-Type', errors.JSON_TYPE),
                   ('Content-Length', str(len(data)))]
        if code == 405 and exc.headers.get('Allow'):
            headers.append(('Allow', exc.headers['Allow']))
        start_response(exc.status, headers)
        return [data]

