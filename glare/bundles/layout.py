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

"""The bundle format: an OCI image layout (image-spec v1.1) in a POSIX tar.

Pure: the modules of this package take and yield bytes and know nothing
of HTTP, the database or the blob store. Blob data always travels as
iterables of bytes chunks; nothing reads a whole blob into memory.

The tar entries, in this canonical order (the writer always emits it, the
reader requires it)::

    oci-layout                {"imageLayoutVersion": "1.0.0"}
    index.json                image index: one manifest descriptor per
                              artifact, the root annotated
                              org.openstack.glare.root: "true"
    blobs/sha256/<manifest>   then its config, artifact after artifact,
    blobs/sha256/<config>     in index order
    blobs/sha256/<layer>      every layer, each digest once, in the order
                              of first reference (index order, then the
                              order of each manifest's layers)

Every JSON entry is canonical (``canonical_json``) and at most
``MAX_JSON_SIZE`` bytes; every tar member is a regular file, mode 0644,
uid/gid 0, mtime 0, no user/group names: the same artifacts always give
the same bytes.

Media types: the index, the manifests and the configs have exactly the
ones above; a layer has its blob's content type made a valid OCI media
type (``layer_media_type``: parameters dropped, application/octet-stream
when malformed); the reader takes any well-formed media type on a layer.

API (five modules; nothing here does I/O of its own):

``layout`` (this module): the constants; ``LayoutError`` (a ValueError;
``.entry`` is the tar name concerned, or None); ``Limits``; the writer's
input ``Layer`` and ``BundleArtifact``; the reader's records
``IndexEntry`` and ``LayerRef``; ``canonical_json``, ``load_json``,
``digest_of``, ``blob_name``, ``layer_media_type``, ``shown``.

``writer``: ``plan_bundle(artifacts, root_id, annotations=None) ->
BundlePlan`` checks its input and builds every descriptor and JSON blob
without reading any data (annotations: more annotations of the index)
(``.size``: the exact length of the stream, for a Content-Length;
``.index`` and ``.index_digest``; ``.manifest_digests``: {artifact id:
digest of its manifest}; ``.entries``); ``BundlePlan.chunks()`` yields the
stream, re-hashing each layer; ``write_bundle(artifacts, root_id)`` is
``plan_bundle(...).chunks()``.

``reader``: ``read_bundle(chunks, limits=None)`` yields ``LayoutEvent``,
``IndexEvent``, one ``ArtifactEvent`` per artifact, one ``BlobEvent`` per
distinct layer digest; see its docstring.

``signing``: the index's detached signature (annotation
``org.openstack.glare.signature``): made, read and checked; a bundle
stream re-written with a signed index.

``tarstream``: the ustar headers (``header``, ``padding``,
``entry_length``) and the strict streaming tar parser (``TarReader``).

Left to the caller (it knows the types): that each layer's field is a
blob field of the artifact's type whose record shows the same sha256,
size and content type; that links point inside the bundle or to artifacts
the importer may read; quotas.
"""

import hashlib
import json
import re

#: media types
INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json'
MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json'
#: the artifactType of every manifest and the media type of every config
ARTIFACT_MEDIA_TYPE = 'application/vnd.openstack.glare.artifact.v1+json'
#: the Content-Type of a bundle (the tar stream) over HTTP
BUNDLE_MEDIA_TYPE = 'application/vnd.openstack.glare.bundle.v1+tar'
DEFAULT_LAYER_MEDIA_TYPE = 'application/octet-stream'

#: tar member names
LAYOUT_FILE = 'oci-layout'
INDEX_FILE = 'index.json'
BLOBS_DIR = 'blobs/sha256/'

LAYOUT_VERSION = '1.0.0'
SCHEMA_VERSION = 2
#: the value of ANN_BUNDLE_VERSION this code writes and reads
BUNDLE_VERSION = '1'

#: annotations
ANN_TYPE = 'org.openstack.glare.type'
ANN_ID = 'org.openstack.glare.id'
ANN_NAME = 'org.openstack.glare.name'
ANN_VERSION = 'org.openstack.glare.version'
ANN_ROOT = 'org.openstack.glare.root'
ANN_BUNDLE_VERSION = 'org.openstack.glare.bundle.version'
ANN_FIELD = 'org.openstack.glare.field'
ANN_TITLE = 'org.opencontainers.image.title'
#: a detached signature of the index (glare.bundles.signing)
ANN_SIGNATURE = 'org.openstack.glare.signature'

#: the largest JSON entry (oci-layout, index, manifest, config)
MAX_JSON_SIZE = 4 * 1024 * 1024
#: the largest chunk of blob data the reader hands out
CHUNK_SIZE = 1024 * 1024

#: the keys of a config (an artifact's record)
RECORD_KEYS = ('artifact', 'links', 'origin', 'type_name', 'type_version')

DIGEST_RE = re.compile(r'sha256:[a-f0-9]{64}')
HEX_RE = re.compile(r'[a-f0-9]{64}')
#: image-spec descriptor.md: RFC 6838 names, no parameters
MEDIA_TYPE_RE = re.compile(r'[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/'
                           r'[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}')
BLOB_NAME_RE = re.compile(re.escape(BLOBS_DIR) + r'([a-f0-9]{64})')


class LayoutError(ValueError):
    """A bundle, or what the writer was given, breaks the format.

    The message names the problem and the entry; ``entry`` is that entry's
    tar name when there is one (else None).
    """

    def __init__(self, message, entry=None):
        super().__init__(message)
        self.entry = entry


class Limits:
    """What the reader accepts; None means no limit.

    max_blob_size: bytes of one layer; max_total_size: bytes of the whole
    tar stream (headers, padding and end blocks included); max_json_size:
    bytes of one JSON entry; max_artifacts: manifests in the index.
    """

    def __init__(self, max_blob_size=None, max_total_size=None,
                 max_json_size=MAX_JSON_SIZE, max_artifacts=None):
        self.max_blob_size = max_blob_size
        self.max_total_size = max_total_size
        self.max_json_size = max_json_size
        self.max_artifacts = max_artifacts


class Layer:
    """One stored blob of an artifact, as the writer gets it.

    field: "field" or "field/key" (a folder's entry); media_type: the
    blob's content type (``layer_media_type`` makes it a valid OCI media
    type); size and sha256_hex: what the store says the data is (the writer
    checks the data against both as it streams it); open_data: called with
    no argument when the data is due, returns an iterable of bytes chunks.
    """

    def __init__(self, field, media_type, size, sha256_hex, open_data):
        self.field = field
        self.media_type = media_type
        self.size = size
        self.sha256_hex = sha256_hex
        self.open_data = open_data

    @property
    def digest(self):
        return 'sha256:' + self.sha256_hex


class BundleArtifact:
    """One artifact of a bundle, as the writer gets it.

    artifact_doc: the document GET shows (a dict with at least id, name
    and version as strings); links: {"field" | "field/key" | "field[i]":
    {"type_name", "id"}}; origin: None or a dict; layers: Layer objects,
    one per stored blob (external blobs are not layers).
    """

    def __init__(self, type_name, type_version, artifact_doc, links=None,
                 origin=None, layers=()):
        self.type_name = type_name
        self.type_version = type_version
        self.artifact_doc = artifact_doc
        self.links = {} if links is None else links
        self.origin = origin
        self.layers = list(layers)

    @property
    def id(self):
        doc = self.artifact_doc
        return doc.get('id') if isinstance(doc, dict) else None

    def record(self):
        """The config: the artifact's record."""
        return {'type_name': self.type_name,
                'type_version': self.type_version,
                'artifact': self.artifact_doc,
                'links': self.links,
                'origin': self.origin}


class IndexEntry:
    """An artifact as index.json lists it (the reader's record).

    digest and size: of its manifest; root: True for the bundle's root.
    """

    __slots__ = ('type_name', 'id', 'name', 'version', 'digest', 'size',
                 'root', 'descriptor')

    def __init__(self, descriptor):
        ann = descriptor['annotations']
        self.type_name = ann[ANN_TYPE]
        self.id = ann[ANN_ID]
        self.name = ann[ANN_NAME]
        self.version = ann[ANN_VERSION]
        self.root = ann.get(ANN_ROOT) == 'true'
        self.digest = descriptor['digest']
        self.size = descriptor['size']
        self.descriptor = descriptor

    def __repr__(self):
        return '<IndexEntry %s %s %s>' % (self.type_name, self.id,
                                          self.digest)

    def describe(self):
        return 'artifact %s/%s' % (self.type_name[:80], self.id[:80])


class LayerRef:
    """A layer descriptor of a manifest (the reader's record)."""

    __slots__ = ('field', 'media_type', 'digest', 'size', 'descriptor')

    def __init__(self, descriptor):
        self.field = descriptor['annotations'][ANN_FIELD]
        self.media_type = descriptor['mediaType']
        self.digest = descriptor['digest']
        self.size = descriptor['size']
        self.descriptor = descriptor

    def __repr__(self):
        return '<LayerRef %s %s>' % (self.field, self.digest)


def canonical_json(obj):
    """The canonical bytes of a JSON value: sorted keys, no whitespace,
    UTF-8, no NaN or infinities."""
    try:
        return json.dumps(obj, sort_keys=True, separators=(',', ':'),
                          ensure_ascii=False,
                          allow_nan=False).encode('utf-8')
    except (TypeError, ValueError, RecursionError) as e:
        # ValueError covers NaN and lone surrogates (UnicodeEncodeError)
        raise LayoutError(
            'cannot be written as canonical JSON: %s' % e) from e


def _no_constant(name):
    raise ValueError('%s is not JSON' % name)


def load_json(data, entry, max_size=MAX_JSON_SIZE):
    """The JSON object in data, which must be its canonical bytes."""
    if max_size is not None and len(data) > max_size:
        raise LayoutError('%s is %d bytes, over the %d-byte limit of a '
                          'JSON entry' % (entry, len(data), max_size), entry)
    try:
        obj = json.loads(data.decode('utf-8'), parse_constant=_no_constant)
    except (ValueError, RecursionError) as e:
        # ValueError: UnicodeDecodeError and JSONDecodeError too
        raise LayoutError('%s is not valid JSON: %s' % (entry, e),
                          entry) from e
    if not isinstance(obj, dict):
        raise LayoutError('%s is not a JSON object' % entry, entry)
    try:
        canonical = canonical_json(obj)
    except LayoutError as e:
        raise LayoutError('%s %s' % (entry, e), entry) from e
    if canonical != data:
        raise LayoutError(
            '%s is not canonical JSON (sorted keys, no whitespace, UTF-8, '
            'each key once)' % entry, entry)
    return obj


def shown(value, limit=80):
    """repr(value) cut to about limit characters, for messages: what a
    bundle holds may be megabytes long."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + '...'


def digest_of(data):
    return 'sha256:' + hashlib.sha256(data).hexdigest()


def blob_name(digest):
    """The tar name of a blob: blobs/sha256/<hex>."""
    return BLOBS_DIR + digest.split(':', 1)[1]


def layer_media_type(content_type):
    """The OCI media type of a blob with this content type.

    A descriptor's mediaType carries no parameters: "text/plain;
    charset=utf-8" gives "text/plain"; a missing or malformed content
    type gives application/octet-stream. The full content type stays in
    the artifact's record.
    """
    if content_type:
        base = content_type.split(';', 1)[0].strip()
        if MEDIA_TYPE_RE.fullmatch(base):
            return base
    return DEFAULT_LAYER_MEDIA_TYPE
