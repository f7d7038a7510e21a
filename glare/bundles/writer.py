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

"""Write a bundle: descriptors and canonical JSON first, then the stream.

``plan_bundle(artifacts, root_id)`` checks what it is given and builds
every JSON entry (raising ``LayoutError`` at once on bad input); the plan's
``chunks()`` then yields the tar stream, opening each layer's data only
when it is due and checking it as it goes: data longer or shorter than
its declared size, or whose sha256 differs, raises ``LayoutError`` before
the entry is complete (the last chunk is held back until the digest is
known), so a consumer never gets a bundle with a wrong digest in it.

Canonical order of the artifacts: the root first, then the others by
(type_name, id); the layers of an artifact by field. The same artifacts
thus give the same bytes, whatever order they came in.

A layer's sha256 is computed in a thread of its own (hashing.
ParallelHasher: hashlib releases the GIL on large buffers) while the
request thread reads the store and writes the socket: the export runs at
the speed of sha256 alone, not of sha256 plus the I/O.
"""

from glare.bundles import layout
from glare.bundles import tarstream
from glare.common import hashing

_LAYOUT_BYTES = layout.canonical_json(
    {'imageLayoutVersion': layout.LAYOUT_VERSION})


def _fail(message, art=None):
    if art is not None:
        message = 'artifact %s/%s: %s' % (art.type_name, art.id, message)
    raise layout.LayoutError(message)


def _check_record(art):
    """What the reader will require of the record."""
    for key in ('type_name', 'type_version'):
        if not isinstance(getattr(art, key), str) or not getattr(art, key):
            _fail('no %s string' % key, art)
    if not isinstance(art.links, dict):
        _fail('its links are not a dict', art)
    for key, link in art.links.items():
        if not isinstance(key, str) or not isinstance(link, dict) or \
                sorted(link) != ['id', 'type_name'] or not all(
                    isinstance(v, str) and v for v in link.values()):
            _fail('link %r is not {"type_name": str, "id": str}' % (key,),
                  art)
    if art.origin is not None and not isinstance(art.origin, dict):
        _fail('its origin is neither None nor a dict', art)


def _check_artifact(art):
    if not isinstance(art, layout.BundleArtifact):
        _fail('not a BundleArtifact: %r' % (art,))
    if not isinstance(art.artifact_doc, dict):
        _fail('artifact_doc is not a dict', art)
    for key in ('id', 'name', 'version'):
        if not isinstance(art.artifact_doc.get(key), str) or \
                not art.artifact_doc[key]:
            _fail('its document has no %s string' % key, art)
    _check_record(art)
    fields = set()
    for layer in art.layers:
        if not isinstance(layer.field, str) or not layer.field:
            _fail('a layer has no field', art)
        if layer.field in fields:
            _fail('two layers for field %s' % layer.field, art)
        fields.add(layer.field)
        if not isinstance(layer.sha256_hex, str) or \
                not layout.HEX_RE.fullmatch(layer.sha256_hex):
            _fail('field %s: sha256 %r is not 64 lowercase hex digits'
                  % (layer.field, layer.sha256_hex), art)
        if type(layer.size) is not int or layer.size < 0:
            _fail('field %s: bad size %r' % (layer.field, layer.size), art)
        if not callable(layer.open_data):
            _fail('field %s: open_data is not callable' % layer.field, art)


def _json(obj, what, art):
    try:
        data = layout.canonical_json(obj)
    except layout.LayoutError as e:
        _fail('its %s %s' % (what, e), art)
    if len(data) > layout.MAX_JSON_SIZE:
        _fail('its %s is %d bytes, over the %d-byte limit of a JSON entry'
              % (what, len(data), layout.MAX_JSON_SIZE), art)
    return data


def _layer_descriptor(layer):
    return {'mediaType': layout.layer_media_type(layer.media_type),
            'digest': layer.digest,
            'size': layer.size,
            'annotations': {layout.ANN_FIELD: layer.field,
                            layout.ANN_TITLE: layer.field}}


def _manifest(config, layers):
    return {'schemaVersion': layout.SCHEMA_VERSION,
            'mediaType': layout.MANIFEST_MEDIA_TYPE,
            'artifactType': layout.ARTIFACT_MEDIA_TYPE,
            'config': {'mediaType': layout.ARTIFACT_MEDIA_TYPE,
                       'digest': layout.digest_of(config),
                       'size': len(config)},
            'layers': [_layer_descriptor(layer) for layer in layers]}


def _index_descriptor(art, manifest, root):
    doc = art.artifact_doc
    annotations = {layout.ANN_TYPE: art.type_name,
                   layout.ANN_ID: doc['id'],
                   layout.ANN_NAME: doc['name'],
                   layout.ANN_VERSION: doc['version']}
    if root:
        annotations[layout.ANN_ROOT] = 'true'
    return {'mediaType': layout.MANIFEST_MEDIA_TYPE,
            'digest': layout.digest_of(manifest),
            'size': len(manifest),
            'artifactType': layout.ARTIFACT_MEDIA_TYPE,
            'annotations': annotations}


def _ordered(artifacts, root_id):
    artifacts = list(artifacts)
    if not artifacts:
        _fail('a bundle needs at least one artifact')
    by_id = {}
    for art in artifacts:
        _check_artifact(art)
        if art.id in by_id:
            _fail('artifact %s is given twice' % art.id)
        by_id[art.id] = art
    if root_id not in by_id:
        _fail('the root %r is not among the artifacts' % (root_id,))
    rest = sorted((a for a in artifacts if a.id != root_id),
                  key=lambda a: (a.type_name, a.id))
    return [by_id[root_id]] + rest


class BundlePlan:
    """Every entry of a bundle, built; the data of layers not read yet.

    index: the index document; manifest_digests: {artifact id: digest of
    its manifest}; entries: [(tar name, size, bytes or Layer)] in stream
    order; size: the exact length of the stream chunks() yields.
    """

    def __init__(self, artifacts, root_id, annotations=None):
        self.entries = [(layout.LAYOUT_FILE, len(_LAYOUT_BYTES),
                         _LAYOUT_BYTES)]
        self.manifest_digests = {}
        self._owners = {}  # layer digest -> (artifact, field): for messages
        descriptors, blobs, layers = [], [], {}
        for art in _ordered(artifacts, root_id):
            config = _json(art.record(), 'record', art)
            manifest = _json(_manifest(config, sorted(
                art.layers, key=lambda layer: layer.field)), 'manifest', art)
            descriptors.append(_index_descriptor(art, manifest,
                                                 art.id == root_id))
            self.manifest_digests[art.id] = descriptors[-1]['digest']
            blobs += [manifest, config]
            for layer in sorted(art.layers, key=lambda layer: layer.field):
                self._add_layer(layers, art, layer)
        self.index = {'schemaVersion': layout.SCHEMA_VERSION,
                      'mediaType': layout.INDEX_MEDIA_TYPE,
                      'manifests': descriptors,
                      'annotations': _index_annotations(annotations)}
        index = _json(self.index, 'bundle index', None)
        self.index_digest = layout.digest_of(index)
        self.entries.append((layout.INDEX_FILE, len(index), index))
        for data in blobs:
            digest = layout.digest_of(data)
            if digest in layers:
                art, field = self._owners[digest]
                _fail('field %s holds the same bytes as a manifest or '
                      'config of the bundle (%s); such a bundle cannot be '
                      'written' % (field, digest), art)
            self.entries.append((layout.blob_name(digest), len(data), data))
        for layer in layers.values():
            self.entries.append((layout.blob_name(layer.digest), layer.size,
                                 layer))
        self.size = sum(tarstream.entry_length(name, size)
                        for name, size, _source in self.entries) + \
            len(tarstream.END_OF_ARCHIVE)

    def _add_layer(self, layers, art, layer):
        known = layers.get(layer.digest)
        if known is None:
            layers[layer.digest] = layer
            self._owners[layer.digest] = (art, layer.field)
        elif known.size != layer.size:
            _fail('field %s: blob %s is %d bytes, but %d bytes elsewhere in '
                  'the bundle' % (layer.field, layer.digest, layer.size,
                                  known.size), art)

    def chunks(self):
        """The tar stream, chunk by chunk."""
        for name, size, source in self.entries:
            yield tarstream.header(name, size)
            if isinstance(source, bytes):
                if source:
                    yield source
            else:
                yield from self._layer_data(name, source)
            if size % tarstream.BLOCK:
                yield tarstream.padding(size)
        yield tarstream.END_OF_ARCHIVE

    def _layer_data(self, name, layer):
        art, field = self._owners[layer.digest]
        where = 'the data of field %s of artifact %s/%s (%s)' % (
            field, art.type_name, art.id, name)
        hasher = hashing.ParallelHasher(('sha256',), groups=[['sha256']])
        seen = 0
        held = None
        data = layer.open_data()
        try:
            for chunk in data:
                if not chunk:
                    continue
                if not isinstance(chunk, bytes):
                    chunk = bytes(chunk)
                seen += len(chunk)
                if seen > layer.size:
                    raise layout.LayoutError(
                        '%s is longer than its recorded size of %d bytes'
                        % (where, layer.size), name)
                hasher.update(chunk)
                if held is not None:
                    yield held
                held = chunk
            sha256 = hasher.hexdigests()['sha256']
        finally:
            hasher.close()
            close = getattr(data, 'close', None)
            if close is not None:
                close()
        if seen != layer.size:
            raise layout.LayoutError(
                '%s is %d bytes, not its recorded %d: the stored data is '
                'corrupt' % (where, seen, layer.size), name)
        if sha256 != layer.sha256_hex:
            raise layout.LayoutError(
                '%s has sha256 %s, not its recorded %s: the stored data is '
                'corrupt' % (where, sha256, layer.sha256_hex),
                name)
        if held is not None:
            yield held


def _index_annotations(extra):
    """The index's annotations: the bundle version and extra ones (a
    signature of the index, kept by a copy that rebuilds a bundle)."""
    out = {layout.ANN_BUNDLE_VERSION: layout.BUNDLE_VERSION}
    for key, value in (extra or {}).items():
        if not isinstance(key, str) or not isinstance(value, str) or \
                key in out:
            _fail('index annotation %r: not a new string' % (key,))
        out[key] = value
    return out


def plan_bundle(artifacts, root_id, annotations=None):
    """The BundlePlan of these BundleArtifacts, root_id the root's id;
    annotations: more annotations of the index ({str: str}), none by
    default."""
    return BundlePlan(artifacts, root_id, annotations)


def write_bundle(artifacts, root_id):
    """The tar stream of the bundle, an iterator of bytes chunks.

    Bad input raises LayoutError here, before anything is yielded.
    """
    return plan_bundle(artifacts, root_id).chunks()
