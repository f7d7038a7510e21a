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

"""Errors of catalog pages as HTML pages; every other path is untouched."""

import json

from glare.web import catalog as web_catalog

#: headers of an error that the HTML page keeps
_KEPT = ('allow', 'www-authenticate', 'retry-after', 'vary',
         'openstack-api-version')


def _is_catalog(path):
    return path == web_catalog.PREFIX or path.startswith(
        web_catalog.PREFIX + '/')


def _message(body):
    try:
        doc = json.loads(body.decode('utf-8'))
        return doc['title'], doc['error']['message']
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None, None


class HtmlErrors:
    """Under /catalog, the JSON error document of any layer (policy,
    auth, a bad filter, an unknown page) is re-told as an HTML page with
    the same status, message and headers, under the catalog's
    Content-Security-Policy. Only installed when the catalog is on."""

    def __init__(self, app, catalog):
        self.app = app
        self.catalog = catalog

    def __call__(self, environ, start_response):
        if not _is_catalog(environ.get('PATH_INFO') or ''):
            return self.app(environ, start_response)
        captured = {}

        def _start(status, headers, exc_info=None):
            ctype = next((v for k, v in headers
                          if k.lower() == 'content-type'), '')
            if int(status[:3]) >= 400 and ctype.startswith(
                    'application/json'):
                captured['status'], captured['headers'] = status, headers
                return lambda data: None
            return start_response(status, headers, exc_info)

        result = self.app(environ, _start)
        if 'status' not in captured:
            return result
        try:
            body = b''.join(result)
        finally:
            if hasattr(result, 'close'):
                result.close()
        title, message = _message(body)
        status = captured['status']
        html = self.catalog.env.get_template('error.html').render(
            title=self.catalog.title, root=environ.get('SCRIPT_NAME', ''),
            assets=self.catalog.asset_tags, code=int(status[:3]),
            error_title=title or status[4:], message=message,
            anonymous=True).encode('utf-8')
        headers = [(k, v) for k, v in captured['headers']
                   if k.lower() in _KEPT]
        headers += [('Content-Type', web_catalog.HTML_TYPE),
                    ('Content-Length', str(len(html))),
                    ('Cache-Control', 'no-store')]
        headers += list(web_catalog.SECURITY_HEADERS)
        start_response(status, headers)
        return [] if environ.get('REQUEST_METHOD') == 'HEAD' else [html]
