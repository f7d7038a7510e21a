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

"""Import of blob data from a URL, in a background task.

The request is checked up front (the artifact, the field, the caller's
right to upload there, the URL); the task fetches the URL with the
hardened fetcher (glare.common.urlfetch: the [locations] address rules,
size and time bounds, every redirect checked) and streams the data into
the blob through BlobService.upload, as an upload of the caller would.
"""

import hashlib
import re
import time
import urllib.parse

from oslo_log import log as logging

from glare import exception
from glare.policies import blobs as blob_rules
from glare.policies import tasks as rules
from glare.services import task_run

LOG = logging.getLogger(__name__)

KIND = 'import'
_KEYS = {'url', 'sha256'}
MAX_URL = 2048


def _parse(body):
    """(url, sha256 or None) of an import request's body; 400 otherwise."""
    if not isinstance(body, dict):
        raise exception.BadRequest('An import request is a JSON object: '
                                   '{"url": ..., "sha256": ...}')
    unknown = set(body) - _KEYS
    if unknown:
        raise exception.BadRequest('Unknown key(s) in the import request: '
                                   '%s; it takes url and sha256'
                                   % ', '.join(sorted(unknown)))
    url = body.get('url')
    if not isinstance(url, str) or not url or len(url) > MAX_URL:
        raise exception.BadRequest('An import request needs a "url" string '
                                   'of at most %d characters' % MAX_URL)
    sha256 = body.get('sha256')
    if sha256 is not None:
        if not isinstance(sha256, str) or not re.fullmatch(
                '[0-9a-fA-F]{64}', sha256):
            raise exception.BadRequest('sha256 must be 64 hex digits')
        sha256 = sha256.lower()
    return url, sha256


def where(url):
    """scheme://host[:port] of a URL: all of it a message may show (its
    path or query may hold a token)."""
    parts = urllib.parse.urlsplit(url)
    return '%s://%s' % (parts.scheme, parts.netloc.rpartition('@')[2])


class _Fetched:
    """The response's chunks as a file: read(size) -> bytes, b'' at the
    end. With a sha256, the data is hashed as it passes and the end is
    refused when it differs: the upload then keeps nothing."""

    def __init__(self, chunks, sha256, shown, length=None):
        self._chunks = chunks
        # the upload stops reading once it has length bytes: the last
        # chunk is checked before it is handed over
        self._length = length
        self._buf = b''
        self._sha256 = sha256
        self._hash = hashlib.sha256() if sha256 else None
        self._shown = shown
        self.size = 0

    def _next(self):
        for chunk in self._chunks:
            if chunk:
                self.size += len(chunk)
                if self._hash is not None:
                    self._hash.update(chunk)
                    if self._length is not None and \
                            self.size >= self._length:
                        self._verify()
                return chunk
        self._verify()
        return b''

    def _verify(self):
        if self._hash is None:
            return
        found = self._hash.hexdigest()
        self._hash = None
        if found != self._sha256:
            raise exception.BadRequest(
                'The sha256 of the data at %s is %s, not %s: nothing was '
                'stored' % (self._shown, found, self._sha256))

    def read(self, size=-1):
        """Up to size bytes: what arrived, gathered up to a quarter of
        size at least while the data lasts. The socket may hand out small
        pieces, and every chunk costs the upload a hand-over to each
        digest thread; large ones are passed on without a copy."""
        if size is None or size < 0:
            size = float('inf')
        parts = [self._buf] if self._buf else []
        have = len(self._buf)
        self._buf = b''
        while have < min(size / 4, size):
            chunk = self._next()
            if not chunk:
                break
            parts.append(chunk)
            have += len(chunk)
        data = parts[0] if len(parts) == 1 else b''.join(parts)
        if have > size:
            data, self._buf = data[:size], data[size:]
        return data


class UrlImport:
    """POST .../{field}[/{key}]/import and the task that runs it."""

    def __init__(self, conf, blobs, task_service, fetcher):
        self.conf = conf
        self.blobs = blobs
        self.tasks = task_service
        self.fetcher = fetcher
        task_service.register(task_run.Kind(KIND, self.run))

    def request(self, context, type_name, artifact_id, field_name, key,
                body):
        """Check the request and create the task; its document."""
        url, sha256 = _parse(body)
        blob = self.blobs.blob(context, type_name, artifact_id, field_name,
                               key)
        self.blobs.check_write(context, blob, blob_rules.UPLOAD)
        context.can(rules.IMPORT, blob.target)
        # the scheme, the host and the addresses it resolves to now; the
        # task checks them again, and every redirect
        self.fetcher.check_url(url)
        return self.tasks.create(
            context, KIND, {'url': url, 'sha256': sha256,
                            'field': blob.name, 'key': blob.key},
            type_name=blob.type_name, artifact_id=blob.values['id'])

    def run(self, run):
        """Fetch and store (in a task worker)."""
        spec = run.input
        shown = where(spec['url'])
        blob = self.blobs.blob(run.context, run.type_name, run.artifact_id,
                               spec['field'], spec['key'])
        # the artifact may have changed since the request
        self.blobs.check_write(run.context, blob, blob_rules.UPLOAD)
        run.progress(0.0, 'Fetching %s' % shown, force=True)
        for attempt in (1, 2):
            fetched = self._fetch(spec, blob, shown)
            try:
                run.upload(run.type_name, run.artifact_id, spec['field'],
                           spec['key'], fetched[0], fetched[1],
                           fetched[2])
                break
            except exception.Conflict:
                if attempt == 2 or run.attempt == 1 or fetched[0].size:
                    raise
                # the upload of the attempt whose worker died is not taken
                # for dead yet: once it is, this one takes its place
                self._wait(run, self.blobs.stale_after)
            finally:
                fetched[3].close()
        size = fetched[0].size
        LOG.info('Task %s: imported %d bytes from %s into %s/%s of '
                 'artifact %s', run.id, size, shown, spec['field'],
                 spec['key'] or '', run.artifact_id)
        return 'Imported %d bytes from %s' % (size, shown)

    def _fetch(self, spec, blob, shown):
        response = self.fetcher.open(spec['url'],
                                     max_bytes=blob.field.max_blob_size)
        data = _Fetched(response.iter_chunks(), spec['sha256'], shown,
                        response.length)
        ctype = response.headers.get('Content-Type')
        return data, response.length, ctype, response

    @staticmethod
    def _wait(run, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            run.progress(None)
            time.sleep(0.2)
