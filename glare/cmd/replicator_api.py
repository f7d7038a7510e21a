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

"""How glare-replicator talks to one Glare endpoint: the public API only
(schemas, list, show, the bundle export and its HEAD, the import).

Two kinds of failure: ``Fatal`` ends the run (an endpoint that cannot be
reached or goes away, credentials refused, a listing refused); an
``ApiError`` is the answer about one artifact (its export or import
refused) and the run goes on with the others.
"""

import re
import urllib.parse

from keystoneauth1 import exceptions as ksa_exceptions
import requests

from glare.bundles import layout
from glare.cmd import bundle_auth

#: the microversion that has bundles and origins (CATALOG.md §2)
API_VERSION = 'artifact 1.3'
#: the export's answer naming the root artifact's manifest digest
DIGEST_HEADER = 'X-Glare-Bundle-Digest'
PAGE = 200
CHUNK = 1024 * 1024


class Fatal(Exception):
    """What ends a run; the message is one line."""


class Unreachable(Fatal):
    """The endpoint cannot be reached, or the connection broke."""


class ApiError(Exception):
    """An error answer about one artifact: status and one-line message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class Body:
    """Bundle chunks as a request body, counting what was sent; sent
    chunked (see SizedBody)."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self.sent = 0

    def __iter__(self):
        for chunk in self._chunks:
            self.sent += len(chunk)
            yield chunk


class SizedBody(Body):
    """A Body of known length: requests sends a Content-Length."""

    def __init__(self, chunks, length):
        super().__init__(chunks)
        self._length = length

    def __len__(self):
        return self._length


def body(chunks, length=None):
    """A (Sized)Body of chunks; length None: unknown."""
    return Body(chunks) if length is None else SizedBody(chunks, length)


class Endpoint:
    """One side of a run: side is "source" or "target"."""

    def __init__(self, api, side):
        self.api = api
        self.side = side
        self.url = api.endpoint

    def __str__(self):
        return '%s %s' % (self.side, self.url)

    def _fatal(self, e, what):
        if isinstance(e, (ksa_exceptions.ConnectFailure,
                          ksa_exceptions.ConnectTimeout)):
            return Unreachable('cannot connect to the %s: %s' % (
                self, reason(e)))
        if isinstance(e, ksa_exceptions.RequestTimeout):
            return Unreachable('the %s did not answer %s in time' % (
                self, what))
        return Fatal('the %s failed %s: %s' % (
            self, what, bundle_auth.describe(e)))

    def request(self, method, path, params=None, headers=None, what=None,
                **kwargs):
        """The response (status < 400); ApiError for an error answer,
        Fatal when the endpoint cannot be reached."""
        sent = {'OpenStack-API-Version': API_VERSION}
        sent.update(headers or {})
        what = what or '%s %s' % (method, path.split('?', 1)[0])
        try:
            resp = self.api.session.request(
                self.url + path, method, headers=sent, params=params,
                raise_exc=False, **kwargs)
        except ksa_exceptions.ClientException as e:
            raise self._fatal(e, what) from e
        if resp.status_code == 401:
            resp.close()
            raise Fatal('the %s refused the credentials (HTTP 401 from %s)'
                        % (self, what))
        if resp.status_code >= 400:
            try:
                message = bundle_auth.response_error(resp)
            finally:
                resp.close()
            raise ApiError(resp.status_code, message)
        return resp

    def json(self, path, params=None, what=None):
        resp = self.request('GET', path, params=params, what=what)
        try:
            return resp.json()
        except ValueError:
            raise Fatal('the %s answered %s with no JSON document' % (
                self, what or path)) from None

    # -- reading ---------------------------------------------------------
    def schemas(self):
        """{type name: schema} of the endpoint's artifact types."""
        try:
            doc = self.json('/schemas', what='GET /schemas')
        except ApiError as e:
            raise Fatal('the %s refused to list its types: %s' % (
                self, e)) from e
        schemas = doc.get('schemas') if isinstance(doc, dict) else None
        if not isinstance(schemas, dict):
            raise Fatal('the %s is not a Glare endpoint (GET /schemas has '
                        'no schemas)' % self)
        return schemas

    def list(self, type_name, filters=()):
        """Every artifact document of type_name the filters select
        ([(name, value)] query parameters), page after page."""
        path = '/artifacts/%s?%s' % (
            quote(type_name), urllib.parse.urlencode(
                [('limit', PAGE)] + list(filters)))
        while path:
            try:
                doc = self.json(path, what='the list of %s' % type_name)
            except ApiError as e:
                raise Fatal('the %s refused the list of %s: %s' % (
                    self, type_name, e)) from e
            yield from doc.get('artifacts') or ()
            path = doc.get('next')

    def show(self, type_name, artifact_id):
        """The artifact's document, or None when the endpoint has no such
        artifact (or will not show it)."""
        try:
            return self.json('/artifacts/%s/%s' % (
                quote(type_name), quote(artifact_id)))
        except ApiError as e:
            if e.status in (403, 404):
                return None
            raise Fatal('the %s refused to show %s/%s: %s' % (
                self, type_name, artifact_id, e)) from e

    def _bundle_path(self, type_name, artifact_id, dependencies):
        return '/artifacts/%s/%s/bundle?dependencies=%s' % (
            quote(type_name), quote(artifact_id), dependencies)

    def digest(self, type_name, artifact_id):
        """The manifest digest of the artifact's bundle (HEAD: no blob is
        read); ApiError when it cannot be exported."""
        path = self._bundle_path(type_name, artifact_id, 'none')
        try:
            resp = self.request('HEAD', path)
        except ApiError:
            # a HEAD answer has no body: ask again for the message
            self.open_bundle(type_name, artifact_id, 'none').close()
            raise
        digest = resp.headers.get(DIGEST_HEADER, '')
        if not layout.DIGEST_RE.fullmatch(digest):
            raise Fatal('the %s gave no %s for %s/%s: it is older than this '
                        'replicator' % (self, DIGEST_HEADER, type_name,
                                        artifact_id))
        return digest

    def open_bundle(self, type_name, artifact_id, dependencies):
        """The streamed response of an export (the caller closes it)."""
        return self.request('GET', self._bundle_path(
            type_name, artifact_id, dependencies), stream=True,
            what='the export of %s/%s' % (type_name, artifact_id))

    # -- writing ---------------------------------------------------------
    def import_bundle(self, body, dry_run=False, visibility=None,
                      what='a bundle'):
        """POST /artifacts/import of body (a Body), on_conflict=skip;
        the result document."""
        params = [('on_conflict', 'skip')]
        if dry_run:
            params.append(('dry_run', 'true'))
        if visibility:
            params.append(('visibility', visibility))
        try:
            resp = self.request(
                'POST', '/artifacts/import', params=params, data=body,
                headers={'Content-Type': layout.BUNDLE_MEDIA_TYPE},
                redirect=False, what='the import of %s' % what)
        except Unreachable as e:
            if body.sent:
                raise Unreachable('the %s went away during the import of '
                                  '%s (%d bytes sent): %s' % (
                                      self, what, body.sent,
                                      reason(e.__cause__))) from e
            raise
        try:
            result = resp.json()
        except ValueError:
            result = None
        if not isinstance(result, dict):
            raise Fatal('the %s answered the import of %s with no JSON '
                        'document' % (self, what))
        return result


#: the end of the nested messages of a broken connection
_REASON = re.compile(
    r'Connection reset by peer|Connection refused|Broken pipe|'
    r'Remote end closed connection without response|'
    r'Connection aborted|timed out|Name or service not known|'
    r'No route to host|\[Errno -?\d+\] [^"\'()]+')


_SHORT = re.compile(r'IncompleteRead\((\d+) bytes read, (\d+) more expected\)')


def reason(e):
    """The cause of a connection failure in a few words."""
    text = ' '.join(str(e).split())
    short = _SHORT.search(text)
    if short:
        return 'the connection broke after %s bytes, %s more expected' % (
            short.group(1), short.group(2))
    found = _REASON.findall(text)
    # the innermost cause is named last
    return found[-1].strip() if found else (text or type(e).__name__)


def quote(segment):
    return urllib.parse.quote(segment, safe='')


def stream(resp, endpoint, what, bar=None):
    """The body of a streamed response as chunks; a broken stream is
    Fatal (raised inside a request body it is no OSError, so the other
    side's connection is not blamed for it)."""
    try:
        for chunk in resp.iter_content(CHUNK):
            if bar is not None:
                bar.update(len(chunk))
            yield chunk
    except (requests.RequestException, OSError) as e:
        raise Fatal('the %s stopped sending %s: %s' % (
            endpoint, what, reason(e))) from e
