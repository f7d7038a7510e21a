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

"""The access log: one line per request on the glare.api.access logger."""

import time
from urllib import parse

from oslo_context import context as oslo_context
from oslo_log import log as logging
from oslo_middleware import request_id

from glare.api import auth

class FreshLogContext:
    """Starts each request with a context of its own for the log.

    oslo.context keeps the last context made in a thread, and oslo.log
    stamps every line with it: without this, what keystonemiddleware logs
    about a rejected token carried the previous request's id, user and
    project. Sits inside RequestId (it needs the id) and outside the
    auth pipeline (it logs before the service's context exists).
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        oslo_context.RequestContext(
            request_id=environ.get(request_id.ENV_REQUEST_ID),
            overwrite=True)
        return self.app(environ, start_response)


# the plain logger under oslo.log's adapter, whose keyword handling cost a
# tenth of a line: oslo.log's formatters read the context from extra too
ACCESS_LOG = logging.getLogger('glare.api.access').logger
# what may stay as it is in a logged path and query: the rest (spaces,
# control characters, a literal %) is percent-encoded, so that a request
# cannot forge or break a log line
_PATH_SAFE = "/:@!$&'()*+,;=~"
_QUERY_SAFE = _PATH_SAFE + '?%[]'


class AccessLog:
    """One INFO line per request on the glare.api.access logger.

    ``GET /artifacts/images?limit=5 -> 200, 1234 bytes, 4.2 ms, client
    10.0.0.7``; the request id, user and project are on the line through
    the context oslo.log stamps it with: the request's own context once
    the auth layer made it, else the fresh one FreshLogContext (outside
    this middleware) made. Headers are never logged (tokens travel in
    them); the query string is, it only holds list filters.

    A body in one piece (the JSON answers) is logged when the application
    returns it; a streamed one (a download) when the server closes it, so
    that time and size are the whole transfer's. A file the server may
    sendfile() is handed over as it is, with the line written by its
    close(), or at once with its Content-Length when the server's file
    object takes no new close (uWSGI hands the file itself back).
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        started = time.monotonic()
        context = oslo_context.get_current()
        response = []

        def _start_response(status, headers, exc_info=None):
            response[:] = status, headers
            return start_response(status, headers, exc_info)

        try:
            result = self.app(environ, _start_response)
        except Exception:
            self.log(environ, context, response or ['500'], '-', started)
            raise
        if type(result) is list:
            self.log(environ, context, response,
                     sum(map(len, result)), started)
            return result
        if _is_server_file(environ, result):
            return self._server_file(environ, context, response, result,
                                     started)
        return _LoggedBody(self, environ, context, response, result,
                           started)

    def _server_file(self, environ, context, response, result, started):
        close = getattr(result, 'close', None)

        def close_and_log():
            try:
                if close is not None:
                    close()
            finally:
                self.log(environ, context, response,
                         _content_length(response), started)
        try:
            result.close = close_and_log
        except (AttributeError, TypeError):
            self.log(environ, context, response, _content_length(response),
                     started)
        return result

    @staticmethod
    def log(environ, context, response, size, started):
        if not ACCESS_LOG.isEnabledFor(logging.INFO):
            return
        uri = parse.quote(
            (environ.get('SCRIPT_NAME', '') + environ.get('PATH_INFO', '')
             ).encode('latin-1', 'replace'), safe=_PATH_SAFE)
        query = environ.get('QUERY_STRING')
        if query:
            uri += '?' + parse.quote(query.encode('latin-1', 'replace'),
                                     safe=_QUERY_SAFE)
        ACCESS_LOG.info(
            '%s %s -> %s, %s bytes, %.1f ms, client %s',
            environ.get('REQUEST_METHOD'), uri,
            response[0][:3] if response else '-', size,
            (time.monotonic() - started) * 1000,
            environ.get('REMOTE_ADDR', '-'),
            extra={'context': environ.get(auth.CONTEXT_KEY) or context})


def _is_server_file(environ, result):
    """Whether result came from the server's wsgi.file_wrapper."""
    wrapper = environ.get('wsgi.file_wrapper')
    if isinstance(wrapper, type):
        return isinstance(result, wrapper)
    return hasattr(result, 'fileno')  # uWSGI's: the file itself


def _content_length(response):
    for name, value in response[1] if len(response) > 1 else ():
        if name.lower() == 'content-length':
            return value
    return '-'


class _LoggedBody:
    """A streamed response body, counted as it goes; logged on close()."""

    def __init__(self, access_log, environ, context, response, result,
                 started):
        self._access_log = access_log
        self._environ = environ
        self._context = context
        self._response = response
        self._result = result
        self._started = started
        self._size = 0

    def __iter__(self):
        for chunk in self._result:
            self._size += len(chunk)
            yield chunk

    def close(self):
        try:
            close = getattr(self._result, 'close', None)
            if close is not None:
                close()
        finally:
            self._access_log.log(self._environ, self._context,
                                 self._response, self._size, self._started)
