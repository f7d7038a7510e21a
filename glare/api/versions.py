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

"""API versions: the versions document and microversion negotiation."""

import json
import re

from glare.api import errors
from glare import exception

MEDIA_TYPE = 'application/vnd.openstack.artifacts-%s'
MIN_VERSION = (1, 0)
MAX_VERSION = (1, 6)
DEFAULT_VERSION = (1, 0)
HEADER = 'OpenStack-API-Version'
SERVICE_TYPE = 'artifact'
ENVIRON_KEY = 'glare.api_version'
_ACCEPT_RE = re.compile(
    r'application/vnd\.openstack\.artifacts-([^\s;,]+)')


def text(version):
    return '%d.%d' % version


def versions_document(host_url):
    out = []
    # 1.2: sharing with projects (CATALOG.md §1); 1.3: bundles (§2);
    # 1.4: federation (§3); 1.5: signatures and the trust store (§4);
    # 1.6: catalog fields, stars, reviews and download counts (§5)
    for minor, status in ((0, 'STABLE'), (1, 'SUPPORTED'), (2, 'SUPPORTED'),
                          (3, 'SUPPORTED'), (4, 'SUPPORTED'),
                          (5, 'SUPPORTED'), (6, 'CURRENT')):
        v = (1, minor)
        out.append({
            'id': 'v' + text(v), 'version': text(v), 'status': status,
            'min_version': text(MIN_VERSION),
            'media-type': MEDIA_TYPE % text(v),
            'links': [{'rel': 'self', 'href': host_url.rstrip('/') + '/'}],
        })
    return {'versions': out}


def _parse(value):
    if value == 'latest':
        return MAX_VERSION
    m = re.match(r'^(\d{1,5})\.(\d{1,5})$', value)
    if not m:
        raise exception.BadRequest('Malformed API version %r' % value)
    return int(m.group(1)), int(m.group(2))


def negotiate(environ):
    """The requested version, or 400 (malformed) / 406 (out of range)."""
    requested = None
    accept = environ.get('HTTP_ACCEPT', '')
    m = _ACCEPT_RE.search(accept)
    if m:
        requested = _parse(m.group(1))
    else:
        header = environ.get('HTTP_OPENSTACK_API_VERSION', '').strip()
        if header:
            service, _sp, value = header.partition(' ')
            if service.lower() != SERVICE_TYPE or not value.strip():
                raise exception.BadRequest(
                    'Malformed %s header %r' % (HEADER, header))
            requested = _parse(value.strip())
    if requested is None:
        return DEFAULT_VERSION
    if not MIN_VERSION <= requested <= MAX_VERSION:
        exc = exception.NotAcceptable(
            'Version %s is not supported; this service supports %s to %s' % (
                text(requested), text(MIN_VERSION), text(MAX_VERSION)))
        exc.body_extra = {'min_version': text(MIN_VERSION),
                          'max_version': text(MAX_VERSION)}
        raise exc
    return requested


class VersionNegotiation:
    """Picks the API version of a request and echoes it in the response."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        try:
            version = negotiate(environ)
        except exception.GlareException as exc:
            return errors.wsgi_response(start_response, exc)
        environ[ENVIRON_KEY] = version
        echo = '%s %s' % (SERVICE_TYPE, text(version))

        def _start(status, headers, exc_info=None):
            headers.append((HEADER, echo))
            headers.append(('Vary', HEADER))
            return start_response(status, headers, exc_info)
        return self.app(environ, _start)


class PublicPaths:
    """Answers /, /versions and /healthcheck before auth; passes the rest."""

    def __init__(self, app, healthcheck):
        self.app = app
        self.healthcheck = healthcheck

    def __call__(self, environ, start_response):
        path = environ.get('PATH_INFO', '') or '/'
        if path in ('/', '/versions', '/versions/'):
            return self._versions(environ, start_response)
        if path.rstrip('/') == '/healthcheck':
            if environ['REQUEST_METHOD'] not in ('GET', 'HEAD'):
                # oslo.middleware answers any method with the status
                return errors.wsgi_response(start_response,
                                            exception.MethodNotAllowed(
                                                allowed=('GET', 'HEAD')))
            return self.healthcheck(environ, start_response)
        return self.app(environ, start_response)

    @staticmethod
    def _versions(environ, start_response):
        if environ['REQUEST_METHOD'] not in ('GET', 'HEAD'):
            return errors.wsgi_response(start_response,
                                        exception.MethodNotAllowed(
                                            allowed=('GET', 'HEAD')))
        scheme = environ.get('wsgi.url_scheme', 'http')
        host = environ.get('HTTP_HOST') or '%s:%s' % (
            environ.get('SERVER_NAME'), environ.get('SERVER_PORT'))
        prefix = environ.get('SCRIPT_NAME', '')
        body = json.dumps(versions_document(
            '%s://%s%s' % (scheme, host, prefix))).encode('utf-8')
        start_response('300 Multiple Choices',
                       [('Content-Type', errors.JSON_TYPE),
                        ('Content-Length', str(len(body)))])
        return [body] if environ['REQUEST_METHOD'] == 'GET' else []
