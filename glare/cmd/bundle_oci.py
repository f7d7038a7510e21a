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

"""A bundle through an OCI registry, by the distribution HTTP API.

push carries the whole bundle: every config and layer as a blob (HEAD
first: a blob the repository has is not sent again; otherwise one
monolithic PUT, or POST/PATCH.../PUT in chunks above the chunk size),
every artifact's manifest by its digest, then index.json itself as an
OCI image index under the tag. The bundle file is read once, with
glare.bundles.reader: nothing is tagged unless every digest, the layout
and every record checked out (the registry checks each digest it is sent
too).

pull fetches the index by tag (or digest), every manifest and config,
and rebuilds the tar with glare.bundles.writer, which streams each layer
from the registry and re-hashes it; the rebuilt index and manifests must
have the digests the registry gave, so the file is byte for byte the one
pushed (the writer's canonical order and tar headers are the only ones a
bundle has). Only the oci-layout file is not in the registry: it is the
same in every bundle. A signed index keeps its signature annotation
(glare.bundles.signing), so a signed bundle comes back signed.

Anonymous until the registry asks: on a 401 the login of
glare.cmd.bundle_registry_auth (Basic, or a distribution Bearer token)
is set up and the request goes again. Redirects are followed here, not
by keystoneauth1: Authorization goes only to the registry itself, never
with a redirect to another host (a storage backend serving blob data).
"""

import ipaddress
import os
import re
import urllib.parse

from keystoneauth1 import exceptions as ksa_exceptions
from keystoneauth1 import session as ksa_session

from glare.bundles import layout
from glare.bundles import reader
from glare.bundles import writer
from glare.cmd import bundle_auth
from glare.cmd import bundle_io
from glare.cmd import bundle_registry_auth as registry_auth

USER_AGENT = 'glare-bundle'
#: a blob larger than this goes up in PATCH chunks of this size
DEFAULT_CHUNK_SIZE = 32 * 1024 * 1024
READ_SIZE = 1024 * 1024
#: distribution's grammar of repository names and tags
REPO_RE = re.compile(r'[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
                     r'(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*')
TAG_RE = re.compile(r'[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}')
ACCEPT = (layout.INDEX_MEDIA_TYPE, layout.MANIFEST_MEDIA_TYPE,
          'application/vnd.docker.distribution.manifest.list.v2+json',
          'application/vnd.docker.distribution.manifest.v2+json')
HOST_RE = re.compile(r'(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?')
REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 10
#: the access a push and a pull ask a token for
PUSH_ACTIONS = 'pull,push'
PULL_ACTIONS = 'pull'


class RegistryError(Exception):
    """What went wrong with the registry or the bundle; one line."""


class Reference:
    """oci://HOST[:PORT]/REPO:TAG or oci://HOST[:PORT]/REPO@sha256:..."""

    def __init__(self, host, repository, tag=None, digest=None,
                 insecure=False):
        self.host = host
        self.repository = repository
        self.tag = tag
        self.digest = digest
        self.insecure = insecure
        self.scheme = 'http' if insecure else 'https'

    @property
    def reference(self):
        return self.digest or self.tag

    def __str__(self):
        return 'oci://%s/%s%s' % (self.host, self.repository, (
            '@' + self.digest) if self.digest else ':' + self.tag)

    @classmethod
    def parse(cls, text, insecure=False):
        if not text.startswith('oci://'):
            raise RegistryError('%r is not an oci://HOST/REPO:TAG '
                                'reference' % text)
        rest = text[len('oci://'):]
        host, _sep, path = rest.partition('/')
        if not HOST_RE.fullmatch(host) or not path:
            raise RegistryError('%r: expected oci://HOST[:PORT]/REPO:TAG'
                                % text)
        tag = digest = None
        if '@' in path:
            path, _sep, digest = path.partition('@')
            if not layout.DIGEST_RE.fullmatch(digest):
                raise RegistryError('%r: %r is not a sha256 digest'
                                    % (text, digest))
        else:
            slash = path.rfind('/')
            colon = path.rfind(':')
            if colon <= slash:
                raise RegistryError('%r names no tag (oci://HOST/REPO:TAG)'
                                    % text)
            path, tag = path[:colon], path[colon + 1:]
            if not TAG_RE.fullmatch(tag):
                raise RegistryError('%r: %r is not a valid tag'
                                    % (text, tag))
        if not REPO_RE.fullmatch(path) or len(path) > 255:
            raise RegistryError(
                '%r: %r is not a valid repository name (lowercase letters, '
                'digits and separators)' % (text, path))
        if insecure and not _loopback(host):
            raise RegistryError(
                '--insecure (plain HTTP) is allowed only to a registry on '
                'loopback, not %s' % host)
        return cls(host, path, tag, digest, insecure)


def _loopback(host):
    name = HOST_RE.fullmatch(host).group(1).strip('[]')
    if name.lower() == 'localhost':
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _limited(chunks, size):
    """The next size bytes of an iterator of chunks, as chunks."""
    left = size
    for chunk in chunks:
        yield chunk
        left -= len(chunk)
        if left <= 0:
            return


class _Rechunk:
    """An iterator of chunks cut so that no chunk crosses a multiple of
    step (a PATCH then ends exactly on its boundary)."""

    def __init__(self, chunks, step):
        self._chunks = iter(chunks)
        self._step = step
        self._pos = 0
        self._pending = b''

    def __iter__(self):
        return self

    def __next__(self):
        if not self._pending:
            self._pending = next(self._chunks)
        room = self._step - self._pos % self._step
        chunk, self._pending = self._pending[:room], self._pending[room:]
        self._pos += len(chunk)
        return chunk


class Registry:
    """The distribution API of one repository; actions: the access the
    run needs (PUSH_ACTIONS or PULL_ACTIONS); credentials: those of the
    command line (else the auth files are looked in when the registry
    asks)."""

    def __init__(self, ref, actions=PULL_ACTIONS, credentials=None,
                 environ=None):
        self.ref = ref
        self.base = '%s://%s/v2/%s' % (ref.scheme, ref.host,
                                       ref.repository)
        self.session = ksa_session.Session(user_agent=USER_AGENT)
        environ = os.environ if environ is None else environ
        self.login = registry_auth.Login(
            self.base, ref.host, ref.repository, actions, credentials,
            lambda: registry_auth.from_auth_files(ref.host, ref.repository,
                                                  environ),
            ref.insecure, self.send)

    def send(self, method, url, authorize, log=True, **kwargs):
        """(response, Authorization sent to its URL): one request, its
        redirects followed (GET and HEAD; 307 and 308 of a body that can
        go again), authorize(url) giving the Authorization of each hop.
        keystoneauth1's exceptions go through."""
        headers = dict(kwargs.pop('headers', None) or {})
        data = kwargs.get('data')
        replayable = data is None or isinstance(data, bytes)
        for _hop in range(MAX_REDIRECTS + 1):
            auth = authorize(url)
            hop = dict(headers)
            if auth is not None:
                hop['Authorization'] = auth
            resp = self.session.request(
                url, method, raise_exc=False, authenticated=False,
                redirect=False, log=log, headers=hop, **kwargs)
            location = resp.headers.get('Location')
            if resp.status_code not in REDIRECTS or not location or (
                    method not in ('GET', 'HEAD') and (
                        resp.status_code not in (307, 308) or
                        not replayable)):
                return resp, auth
            resp.close()
            url = urllib.parse.urljoin(resp.url, location)
        raise RegistryError('registry %s: %s %s: more than %d redirects' % (
            self.ref.host, method, _path(url), MAX_REDIRECTS))

    def request(self, method, url, expect, **kwargs):
        if not url.startswith(('http://', 'https://')):
            url = urllib.parse.urljoin(self.base + '/', url)
        data = kwargs.get('data')
        replayable = data is None or isinstance(data, bytes)
        attempt = self.login.attempt()
        while True:
            try:
                resp, sent = self.send(method, url, attempt.authorization,
                                       **kwargs)
            except ksa_exceptions.ClientException as e:
                raise RegistryError(bundle_auth.describe(
                    e, 'the registry %s' % self.ref.host)) from e
            if resp.status_code != 401:
                break
            try:
                attempt.unauthorized(resp, sent, replayable)
            finally:
                resp.close()
        if resp.status_code not in expect:
            if resp.status_code in REDIRECTS:
                raise RegistryError(
                    'registry %s: %s %s: redirected (%d) to %s; an upload '
                    'is not sent again elsewhere' % (
                        self.ref.host, method, _path(url), resp.status_code,
                        resp.headers.get('Location')))
            raise RegistryError('registry %s: %s %s: %s' % (
                self.ref.host, method, _path(url), _error(resp)))
        return resp

    def has_blob(self, digest):
        resp = self.request('HEAD', '%s/blobs/%s' % (self.base, digest),
                            (200, 404))
        return resp.status_code == 200

    def put_blob(self, digest, size, chunks, chunk_size):
        resp = self.request('POST', self.base + '/blobs/uploads/', (202,),
                            headers={'Content-Length': '0'})
        location = _location(resp)
        if size <= chunk_size:
            self.request('PUT', _with_query(location, digest), (201,),
                         data=bundle_io.Body(chunks, size), headers={
                             'Content-Type': 'application/octet-stream'})
            return
        chunks = _Rechunk(chunks, chunk_size)
        start = 0
        while start < size:
            length = min(chunk_size, size - start)
            resp = self.request(
                'PATCH', location, (202,),
                data=bundle_io.Body(_limited(chunks, length), length),
                headers={
                    'Content-Type': 'application/octet-stream',
                    'Content-Range': '%d-%d' % (start, start + length - 1)})
            location = _location(resp)
            start += length
        self.request('PUT', _with_query(location, digest), (201,),
                     headers={'Content-Length': '0'})

    def has_manifest(self, digest, media_type):
        resp = self.request('HEAD', '%s/manifests/%s' % (self.base, digest),
                            (200, 404), headers={'Accept': media_type})
        return resp.status_code == 200

    def put_manifest(self, reference, data, media_type):
        resp = self.request('PUT', '%s/manifests/%s' % (
            self.base, reference), (201,), data=data,
            headers={'Content-Type': media_type})
        return resp.headers.get('Docker-Content-Digest')

    def get_manifest(self, reference, media_type, what):
        # every manifest type a bundle may meet: what is not the one
        # expected is then refused by its media type, not as missing
        resp = self.request('GET', '%s/manifests/%s' % (
            self.base, reference), (200,), headers={'Accept': ', '.join(
                [media_type] + [t for t in ACCEPT if t != media_type])})
        found = (resp.headers.get('Content-Type') or '').split(';')[0]
        if found.strip() != media_type:
            raise RegistryError('%s is %s, not %s: not a Glare bundle' % (
                what, found or 'of no media type', media_type))
        return resp.content

    def get_blob(self, digest):
        return self.request('GET', '%s/blobs/%s' % (self.base, digest),
                            (200,), stream=True)


def _path(url):
    return urllib.parse.urlsplit(url).path


def _error(resp):
    """The registry's error document in a line (distribution's
    {"errors": [{"code", "message", "detail"}]})."""
    return 'HTTP %d %s' % (resp.status_code,
                           registry_auth.registry_error(resp))


def _location(resp):
    location = resp.headers.get('Location')
    if not location:
        raise RegistryError('the registry answered an upload without a '
                            'Location')
    return urllib.parse.urljoin(resp.url, location)


def _with_query(url, digest):
    sep = '&' if urllib.parse.urlsplit(url).query else '?'
    return url + sep + urllib.parse.urlencode({'digest': digest})


# -- push ---------------------------------------------------------------------

class PushResult:
    def __init__(self):
        self.manifests = 0
        self.uploaded = 0
        self.existing = 0
        self.index_digest = None


def push(ref, chunks, chunk_size=DEFAULT_CHUNK_SIZE, credentials=None):
    """Push the bundle in chunks (the bundle file read in order)."""
    if ref.tag is None:
        raise RegistryError('push needs a tag (oci://HOST/REPO:TAG)')
    registry = Registry(ref, PUSH_ACTIONS, credentials)
    result = PushResult()
    index = None
    manifests = []  # (digest, bytes), index order

    def blob(digest, size, data):
        if registry.has_blob(digest):
            result.existing += 1
            for _chunk in data:  # read (and checked) all the same
                pass
        else:
            registry.put_blob(digest, size, data, chunk_size)
            result.uploaded += 1

    try:
        for event in reader.read_bundle(chunks):
            if event.kind == 'index':
                index = layout.canonical_json(event.document)
            elif event.kind == 'artifact':
                manifests.append((event.manifest_digest,
                                  layout.canonical_json(event.manifest)))
                config = layout.canonical_json(event.config)
                blob(event.config_digest, len(config), [config])
            elif event.kind == 'blob':
                blob(event.digest, event.size, event.chunks)
    except layout.LayoutError as e:
        raise RegistryError('not a valid bundle, nothing tagged: %s'
                            % e) from e
    for digest, data in manifests:
        if not registry.has_manifest(digest, layout.MANIFEST_MEDIA_TYPE):
            registry.put_manifest(digest, data, layout.MANIFEST_MEDIA_TYPE)
        result.manifests += 1
    result.index_digest = layout.digest_of(index)
    stored = registry.put_manifest(ref.tag, index, layout.INDEX_MEDIA_TYPE)
    if stored and stored != result.index_digest:
        raise RegistryError('the registry stored the index as %s, not %s'
                            % (stored, result.index_digest))
    return result


# -- pull ---------------------------------------------------------------------

class PullResult:
    def __init__(self, manifests, size, index_digest):
        self.manifests = manifests
        self.size = size
        self.index_digest = index_digest


def _json(data, digest, size, what):
    if digest is not None and layout.digest_of(data) != digest:
        raise RegistryError('%s has digest %s, not %s' % (
            what, layout.digest_of(data), digest))
    if size is not None and len(data) != size:
        raise RegistryError('%s is %d bytes, not %d' % (what, len(data),
                                                        size))
    try:
        return layout.load_json(data, what)
    except layout.LayoutError as e:
        raise RegistryError('not a Glare bundle: %s' % e) from e


def _field(doc, key, kind, what):
    value = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(value, kind):
        raise RegistryError('not a Glare bundle: %s has no valid %s' % (
            what, key))
    return value


def _descriptor(desc, what):
    digest = _field(desc, 'digest', str, what)
    size = _field(desc, 'size', int, what)
    if not layout.DIGEST_RE.fullmatch(digest) or size < 0:
        raise RegistryError('not a Glare bundle: %s has a bad digest or '
                            'size' % what)
    return digest, size


def _artifact(registry, desc, i):
    what = 'manifests[%d] of the index' % i
    digest, size = _descriptor(desc, what)
    if size > layout.MAX_JSON_SIZE:
        raise RegistryError('%s is %d bytes, over the limit' % (what, size))
    what = 'manifest %s' % digest
    manifest = _json(registry.get_manifest(
        digest, layout.MANIFEST_MEDIA_TYPE, what), digest, size, what)
    config = _field(manifest, 'config', dict, what)
    cdigest, csize = _descriptor(config, 'the config of ' + what)
    if csize > layout.MAX_JSON_SIZE:
        raise RegistryError('the config of %s is over the size limit'
                            % what)
    resp = registry.get_blob(cdigest)
    try:
        data = resp.raw.read(csize + 1, decode_content=True)
    finally:
        resp.close()
    record = _json(data, cdigest, csize, 'config ' + cdigest)
    layers = []
    for j, ldesc in enumerate(_field(manifest, 'layers', list, what)):
        lwhat = 'layers[%d] of %s' % (j, what)
        ldigest, lsize = _descriptor(ldesc, lwhat)
        ann = _field(ldesc, 'annotations', dict, lwhat)
        layers.append(layout.Layer(
            _field(ann, layout.ANN_FIELD, str, lwhat),
            _field(ldesc, 'mediaType', str, lwhat), lsize,
            ldigest.split(':', 1)[1], _opener(registry, ldigest)))
    try:
        return layout.BundleArtifact(
            _field(record, 'type_name', str, 'config ' + cdigest),
            _field(record, 'type_version', str, 'config ' + cdigest),
            _field(record, 'artifact', dict, 'config ' + cdigest),
            record.get('links'), record.get('origin'), layers), digest
    except layout.LayoutError as e:
        raise RegistryError('not a Glare bundle: %s' % e) from e


def _opener(registry, digest):
    def open_data():
        resp = registry.get_blob(digest)

        def chunks():
            try:
                yield from resp.iter_content(READ_SIZE)
            finally:
                resp.close()
        return chunks()
    return open_data


def pull(ref, out, progress, credentials=None):
    """Rebuild the bundle at ref into the binary file out; progress(what,
    total) gives a progress bar."""
    registry = Registry(ref, PULL_ACTIONS, credentials)
    what = 'the index %s' % ref
    index_bytes = registry.get_manifest(ref.reference,
                                        layout.INDEX_MEDIA_TYPE, what)
    index = _json(index_bytes, ref.digest, None, what)
    index_digest = layout.digest_of(index_bytes)
    artifacts, digests, root = [], {}, None
    for i, desc in enumerate(_field(index, 'manifests', list, what)):
        art, digest = _artifact(registry, desc, i)
        artifacts.append(art)
        digests[art.id] = digest
        ann = desc.get('annotations')
        if isinstance(ann, dict) and ann.get(layout.ANN_ROOT) == 'true':
            root = art.id
    # a signed index keeps its signature (glare.bundles.signing): the
    # rebuilt index is the one pushed, byte for byte
    ann = index.get('annotations')
    signature = ann.get(layout.ANN_SIGNATURE) if isinstance(ann, dict) \
        else None
    try:
        plan = writer.plan_bundle(
            artifacts, root, None if signature is None
            else {layout.ANN_SIGNATURE: signature})
    except layout.LayoutError as e:
        raise RegistryError('not a Glare bundle: %s' % e) from e
    if plan.index_digest != index_digest or \
            plan.manifest_digests != digests:
        raise RegistryError(
            '%s is not a Glare bundle this version rebuilds: its index or '
            'manifests differ from the canonical ones (index %s, rebuilt '
            '%s)' % (ref, index_digest, plan.index_digest))
    with progress('pull', plan.size) as bar:
        try:
            for chunk in plan.chunks():
                out.write(chunk)
                bar.update(len(chunk))
        except layout.LayoutError as e:
            raise RegistryError('a blob from the registry is wrong: %s'
                                % e) from e
    return PullResult(len(artifacts), plan.size, index_digest)
