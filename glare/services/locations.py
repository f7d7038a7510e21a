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

"""Blob locations: external URLs (verified, SSRF-guarded) and internal ones."""

import re
import urllib.parse

from oslo_log import log as logging

from glare.common import hashing
from glare.db import blobs as db
from glare import exception
from glare.objects import uploads
from glare.policies import blobs as rules
from glare.services import hooks

LOG = logging.getLogger(__name__)

_KEYS = {'url', 'md5', 'sha1', 'sha256', 'location_type'}
_HEX = {'md5': 32, 'sha1': 40, 'sha256': 64}


def _parse(body):
    if not isinstance(body, dict):
        raise exception.BadRequest('A location is a JSON object')
    unknown = set(body) - _KEYS
    if unknown:
        raise exception.BadRequest('Unknown location keys: %s' %
                                   ', '.join(sorted(unknown)))
    url = body.get('url')
    if not isinstance(url, str) or not url or len(url) > 2048:
        raise exception.BadRequest('A location needs a "url" string of at '
                                   'most 2048 characters')
    kind = body.get('location_type', 'external')
    if kind not in ('external', 'internal'):
        raise exception.BadRequest('location_type is "external" or '
                                   '"internal"')
    sums = {}
    for name, length in _HEX.items():
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or not re.fullmatch(
                '[0-9a-fA-F]{%d}' % length, value):
            raise exception.BadRequest('%s must be %d hex digits' %
                                       (name, length))
        sums[name] = value.lower()
    return url, kind, sums


def _check_scheme(url):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ('http', 'https') or not parts.netloc:
        raise exception.BadRequest('An external location is an http or '
                                   'https URL')


class _Fetched:
    """The data at a location as a file: read(size) -> bytes, b'' at the
    end; hashed and counted as it is read, before any inspector sees it
    (the digests are those of the data a download redirects to)."""

    def __init__(self, chunks, hasher):
        self._chunks = chunks
        self._hasher = hasher
        self._buf = b''
        self.size = 0

    def _next(self):
        for chunk in self._chunks:
            if chunk:  # b'' is the end of a file, not of a chunk
                self.size += len(chunk)
                self._hasher.update(chunk)
                return chunk
        return b''

    def read(self, size=-1):
        if not self._buf:
            self._buf = self._next()
        if size is None or size < 0:
            parts = [self._buf]
            while parts[-1]:
                parts.append(self._next())
            self._buf = b''
            return b''.join(parts)
        out, self._buf = self._buf[:size], self._buf[size:]
        return out


def _inspect(context, blob, data):
    """Run the type's upload checks over the fetched data, as an upload
    runs them; raise as they do.

    The field values an inspector returns are not recorded: the data at
    the URL is not the service's and may change, so nothing is derived
    from it.
    """
    fd = hooks.call(blob.cls.pre_upload_hook, context, blob.artifact(),
                    blob.name, blob.key, data)
    try:
        for _chunk in hooks.chunks(fd):
            pass  # the inspector sees each chunk as it is read
        if isinstance(fd, uploads.UploadInspector):
            hooks.call(fd.finish)
    finally:
        if isinstance(fd, uploads.UploadInspector):
            fd.close()


class LocationService:
    """PUT of a location instead of data. No HTTP, no SQL here."""

    def __init__(self, conf, blobs, fetcher):
        self.conf = conf
        self.blobs = blobs
        self.fetcher = fetcher

    def set(self, context, type_name, artifact_id, field_name, key, body):
        url, kind, sums = _parse(body)
        blob = self.blobs.blob(context, type_name, artifact_id, field_name,
                               key)
        internal = kind == 'internal'
        self.blobs.check_write(context, blob, rules.SET_INTERNAL_LOCATION
                               if internal else rules.SET_LOCATION)
        if blob.field.content_check is not None:
            # its data is checked as it is uploaded; a location's is not
            raise exception.BadRequest(
                'The data of %s is checked by its content when it is '
                'uploaded: upload it, a location cannot be set' % blob.name)
        if blob.value is not None:
            # before fetching anything; the database checks it again
            raise exception.Conflict('The blob already has data or a '
                                     'location')
        if internal:
            values = self._internal(url, sums)
        else:
            values = self._external(context, blob, url, sums)
        artifact = blob.artifact()
        hooks.call(blob.cls.pre_add_location_hook, context, artifact,
                   blob.name, blob.key, url)
        db.add_location(context, blob.values['id'], blob.name,
                        blob.key or '', values, self.blobs.write_rule(blob),
                        blob.field.max_folder_size
                        if blob.field.is_folder else None)
        LOG.info('Set %s location for %s/%s of artifact %s', kind,
                 field_name, key or '', blob.values['id'])
        values = self.blobs.artifacts.load(context, blob.type_name,
                                           blob.values['id'])
        hooks.call(blob.cls.post_add_location_hook, context,
                   blob.cls.from_values(values), blob.name, blob.key)
        document = self.blobs.artifacts.render(context, blob.type_name, values)
        self.blobs.artifacts.notifier.artifact(context, 'set_location',
                                               blob.type_name, document,
                                               blob.cls)
        return document

    def _internal(self, url, sums):
        stores = self.blobs.stores
        location = stores.check_internal(url)
        if location.split('://', 1)[0].split('@')[-1] in ('http', 'https'):
            # glance_store's http store fetches it: the same address rules
            self.fetcher.check_url(url)
        try:
            size = stores.size(location)
        except exception.NotFound as exc:
            raise exception.BadRequest(
                'There is no data at that location') from exc
        return dict(url=location, size=size, external=False,
                    managed=False, content_type='application/octet-stream',
                    md5=sums.get('md5'), sha1=sums.get('sha1'),
                    sha256=sums.get('sha256'))

    def _external(self, context, blob, url, sums):
        opts = self.conf.locations
        if opts.verify_external or not opts.allow_private_networks:
            self.fetcher.check_url(url)
        else:
            _check_scheme(url)  # upstream mode: the URL as given
        values = dict(url=url, external=True, managed=False, size=None,
                      content_type='application/octet-stream', **{
                          name: sums.get(name) for name in _HEX})
        if not self.conf.locations.verify_external:
            return values
        response = self.fetcher.open(url, max_bytes=blob.field.max_blob_size)
        hasher = hashing.ParallelHasher()
        data = _Fetched(response.iter_chunks(), hasher)
        try:
            _inspect(context, blob, data)
            digests = hasher.hexdigests()
            ctype = response.headers.get('Content-Type')
        finally:
            hasher.close()
            response.close()
        size = data.size
        for name, given in sums.items():
            if given != digests[name]:
                raise exception.BadRequest(
                    'The %s of the data at the location is %s, not %s' % (
                        name, digests[name], given))
        values.update(size=size, content_type=ctype or
                      values['content_type'], **digests)
        return values
