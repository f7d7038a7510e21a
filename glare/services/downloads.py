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

"""Blob downloads: checksum headers, HTTP ranges, external locations."""

import hashlib
import re

from oslo_log import log as logging

from glare import exception
from glare.objects import base
from glare.policies import blobs as rules
from glare import policy
from glare.services import hooks
from glare.services import required_signatures

LOG = logging.getLogger(__name__)
_BASE_POST_DOWNLOAD = base.BaseArtifact.post_download_hook.__func__
_RANGE = re.compile(r'^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$', re.IGNORECASE)


def parse_range(header, size):
    """(offset, length) of a Range header against size; None for all.

    One range only: a list of ranges, another unit or a malformed header
    is ignored and the whole blob served, as RFC 9110 allows. A range that
    starts past the end is 416.
    """
    if not header:
        return None
    match = _RANGE.match(header)
    if not match or match.group(1) == match.group(2) == '':
        return None
    first, last = match.groups()
    if size == 0:
        raise RangeNotSatisfiable(size)  # no byte of nothing exists
    if first == '':
        suffix = int(last)
        if suffix == 0:
            raise RangeNotSatisfiable(size)
        return max(size - suffix, 0), min(suffix, size)
    first = int(first)
    last = size - 1 if last == '' else int(last)
    if first >= size:
        raise RangeNotSatisfiable(size)
    if last < first:
        return None
    last = min(last, size - 1)
    return first, last - first + 1


class RangeNotSatisfiable(exception.RequestedRangeNotSatisfiable):

    def __init__(self, size):
        super().__init__('The requested range is outside the %d bytes of '
                         'the blob' % size)
        self.headers = {'Content-Range': 'bytes */%d' % size}


class Download:
    """What to answer: status, headers and an iterable body.

    ``file`` is an open local file positioned at the first byte to send
    when the WSGI server may sendfile() it instead of iterating.
    """

    def __init__(self, status, headers, body=(), file=None, length=None):
        self.status = status
        self.headers = headers
        self.body = body
        self.file = file
        self.length = length


def checksum_headers(value):
    headers = {}
    if value.get('md5'):
        headers['Content-MD5'] = value['md5']
    if value.get('sha1'):
        headers['X-Openstack-Glare-Content-SHA1'] = value['sha1']
    if value.get('sha256'):
        headers['X-Openstack-Glare-Content-SHA256'] = value['sha256']
    return headers


#: blob data is whatever its uploader sent, under the type it named: a
#: browser that opens a download must neither guess another type nor run
#: it as a page of the service's origin (an HTML or SVG blob would
#: otherwise script the API with the viewer's cookies and storage)
UNTRUSTED_CONTENT_HEADERS = {
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "sandbox; default-src 'none'",
}


class DownloadService:
    """Reads blob data for the API. No HTTP framework, no SQL here."""

    def __init__(self, conf, blobs, fetcher, counter):
        self.conf = conf
        self.blobs = blobs
        self.fetcher = fetcher
        self.counter = counter

    def download(self, context, type_name, artifact_id, field_name, key,
                 range_header=None):
        blob, artifact, value = self.readable(
            context, type_name, artifact_id, field_name, key)
        headers = checksum_headers(value)
        headers.update(UNTRUSTED_CONTENT_HEADERS)
        if value['external']:
            if self.conf.locations.external_download == 'redirect':
                self._count(context, blob)
                headers['Location'] = value['url']
                return Download(301, headers)
            download = self._proxy(blob, value, headers)
            self._count(context, blob)
            return download
        return self._stored(context, blob, artifact, value, headers,
                            range_header)

    def readable(self, context, type_name, artifact_id, field_name, key):
        """The checks of a download, for whatever reads a blob's data on
        the caller's behalf (a download, a conversion's source): the
        rules, a required signature, the type's pre_download_hook.
        Returns (blob, artifact, the blob's value)."""
        blob = self.blobs.blob(context, type_name, artifact_id, field_name,
                               key)
        if blob.values['status'] == 'deleted':
            raise exception.Forbidden('The artifact is deleted')
        context.can(rules.DOWNLOAD, blob.target)
        if not policy.can_read_field(context, blob.type_name, blob.name,
                                     blob.target):
            raise exception.Forbidden('You may not read field %s' %
                                      blob.name)
        value = blob.value
        if value is None:
            raise exception.NotFound('Blob %s has no data' % field_name)
        if value['status'] == 'saving':
            raise exception.Conflict('Blob %s is being uploaded' % field_name)
        artifact = blob.artifact()
        required_signatures.check_download(
            self.conf, blob.type_name, blob.cls, artifact, blob.name,
            blob.key)
        hooks.call(blob.cls.pre_download_hook, context, artifact, blob.name,
                   blob.key)
        return blob, artifact, value

    def _count(self, context, blob):
        """A download that starts at the first byte counts once for the
        artifact (in memory; glare.services.stats)."""
        self.counter.count(context, blob.values['id'], blob.values['owner'])

    def _stored(self, context, blob, artifact, value, headers, range_header):
        size = value['size'] or 0
        part = parse_range(range_header, size)
        offset, length = part if part else (0, size)
        reader = self.blobs.stores.open(value['url'], offset, length,
                                        context=context)
        if offset == 0:
            self._count(context, blob)
        headers['Content-Type'] = value.get('content_type') or \
            'application/octet-stream'
        headers['Accept-Ranges'] = 'bytes'
        status = 200
        if part:
            status = 206
            # Content-MD5 is the digest of the body sent: not of a part
            headers.pop('Content-MD5', None)
            headers['Content-Range'] = 'bytes %d-%d/%d' % (
                offset, offset + length - 1, size)
        hook = blob.cls.post_download_hook
        if getattr(hook, '__func__', None) is _BASE_POST_DOWNLOAD:
            return Download(status, headers, reader, file=reader.file,
                            length=length)
        data = hooks.call(hook, context, artifact, blob.name, blob.key, reader)
        return Download(status, headers, data,
                        length=length if data is reader else None)

    def _proxy(self, blob, value, headers):
        """Stream an external blob through the service."""
        max_bytes = value.get('size') or blob.field.max_blob_size
        try:
            response = self.fetcher.open(value['url'], max_bytes=max_bytes)
        except exception.BadRequest as exc:
            # the URL was fine when it was set: the far end fails now
            raise exception.BadGateway(
                'The external location could not be read: %s' % exc) from exc
        if value.get('size') is not None and response.length is not None \
                and response.length != value['size']:
            response.close()
            raise exception.BadGateway(
                'The data at the external location changed: %d bytes '
                'instead of %d' % (response.length, value['size']))
        headers['Content-Type'] = response.headers.get(
            'Content-Type', 'application/octet-stream')
        return Download(200, headers,
                        _verified(response, value.get('sha256')),
                        length=response.length)


def _verified(response, sha256):
    """The response's chunks, the last byte held back until the data is
    known to be the data the blob was set with.

    Headers are gone by the time a difference shows: failing before the
    last byte leaves the client a body shorter than its Content-Length
    (or an unterminated chunked body), an error every client notices,
    instead of wrong data under the blob's checksum headers.
    """
    try:
        if not sha256:
            yield from response.iter_chunks()
            return
        digest = hashlib.sha256()
        held = b''
        for chunk in response.iter_chunks():
            digest.update(chunk)
            out, held = held + chunk[:-1], chunk[-1:]
            if out:
                yield out
        if digest.hexdigest() != sha256:
            LOG.error('The data at an external location changed since it '
                      'was set (sha256 %s, expected %s): download cut',
                      digest.hexdigest(), sha256)
            raise exception.BadGateway('The external data changed')
        if held:
            yield held
    except exception.GlareException as exc:
        LOG.warning('Proxied download failed: %s', exc)
        raise
    finally:
        response.close()
