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

"""Every answer names its media type, the bodiless ones included."""

#: what an answer without a body is labelled. Not JSON: there is no JSON
#: document in it, and glanceclient (the v0.1 clients) parses any
#: application/json answer it gets, failing on an empty one.
EMPTY_TYPE = 'text/plain; charset=UTF-8'


class DefaultContentType:
    """Adds Content-Type to answers that have none.

    Upstream's answers always had one (a 204 too), and clients written
    against it read the header unconditionally. The answers without one
    are the bodiless ones: a 204, a redirect, oslo.middleware's answers to
    a CORS preflight and to HEAD /healthcheck.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        def _start(status, headers, exc_info=None):
            if not any(k.lower() == 'content-type' for k, _v in headers):
                headers = list(headers) + [('Content-Type', EMPTY_TYPE)]
            return start_response(status, headers, exc_info)
        return self.app(environ, _start)
