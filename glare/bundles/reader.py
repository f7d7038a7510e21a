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

"""Read a bundle from a forward-only stream of bytes chunks.

``read_bundle(chunks, limits=None, hasher=None)`` is a generator of
events, in stream order:

- ``LayoutEvent`` (kind "oci-layout"): ``document``, the oci-layout file;
- ``IndexEvent`` (kind "index"): ``document``, ``entries`` (one
  ``layout.IndexEntry`` per artifact, index order) and ``root``;
- ``ArtifactEvent`` (kind "artifact"), one per artifact in index order:
  ``entry`` (its IndexEntry), ``manifest`` and ``manifest_digest``,
  ``config`` and ``config_digest``, ``layers`` (``layout.LayerRef`` per
  layer descriptor) and the record's parts ``type_name``,
  ``type_version``, ``artifact``, ``links``, ``origin``;
- ``BlobEvent`` (kind "blob"), one per distinct layer digest in first-
  reference order: ``digest``, ``size``, ``uses`` ([(IndexEntry,
  LayerRef)]: every artifact field holding these bytes) and ``chunks``,
  an iterator of bytes chunks of at most ``layout.CHUNK_SIZE`` bytes that
  hashes the data as it goes and raises LayoutError instead of its last
  chunk when the sha256 differs; once the last chunk has come,
  ``chunks.digests`` is {algorithm: hex digest} of the data (sha256 and
  whatever else the hasher computes). Data the consumer leaves unread is read
  (and checked) when the generator moves on; after a failed or closed
  chunks iterator the generator raises LayoutError (the stream cannot be
  resynchronised).

hasher: a callable making, per blob, given the blob's digest
("sha256:<hex>": the digests a caller wants may depend on the data), an
object with ``update(chunk)``, ``hexdigests()`` (a dict with at least
"sha256") and ``close()``, such as ``hashing.ParallelHasher`` (digests in
threads beside the stream, given bytes chunks); by default sha256 in the
reading thread.

Every JSON entry is checked (canonical JSON, keys, media types, digests,
sizes, annotations, the record against the index) before its event is
yielded; any breach of the format raises ``layout.LayoutError``. The
bundle is whole and verified only when the generator has run to its end
(the end-of-archive blocks checked too): commit nothing before that.
"""

import hashlib

from glare.bundles import layout
from glare.bundles.layout import LayoutError
from glare.bundles.layout import shown
from glare.bundles import tarstream


class LayoutEvent:
    kind = 'oci-layout'

    def __init__(self, document):
        self.document = document


class IndexEvent:
    kind = 'index'

    def __init__(self, document, entries):
        self.document = document
        self.entries = entries
        self.root = next(e for e in entries if e.root)


class ArtifactEvent:
    kind = 'artifact'

    def __init__(self, entry, manifest, config, config_digest, layers):
        self.entry = entry
        self.manifest = manifest
        self.manifest_digest = entry.digest
        self.config = config
        self.config_digest = config_digest
        self.layers = layers
        self.type_name = config['type_name']
        self.type_version = config['type_version']
        self.artifact = config['artifact']
        self.links = config['links']
        self.origin = config['origin']


class BlobEvent:
    kind = 'blob'

    def __init__(self, digest, size, uses, chunks):
        self.digest = digest
        self.size = size
        self.uses = uses
        self.chunks = chunks


# -- the JSON entries ------------------------------------------------------

def _keys(doc, required, where, optional=()):
    if not isinstance(doc, dict):
        raise LayoutError('%s is not a JSON object' % where)
    for key in sorted(set(required) - set(doc)):
        raise LayoutError('%s lacks the key %r' % (where, key))
    for key in sorted(set(doc) - set(required) - set(optional)):
        raise LayoutError('%s has an unexpected key %s' % (
            where, shown(key)))


def _equal(value, expected, what, where):
    if value != expected or type(value) is not type(expected):
        raise LayoutError('%s has %s %s; expected %r' % (
            where, what, shown(value), expected))


def _media_type(value, expected, where):
    if value != expected:
        raise LayoutError('%s has an unknown media type %s; expected %r' % (
            where, shown(value), expected))


def _string_map(value, where):
    if not isinstance(value, dict) or not all(
            isinstance(v, str) for v in value.values()):
        raise LayoutError('%s are not a map of strings' % where)
    return value


def _descriptor(desc, where, extra=(), limit=None, what='JSON entry'):
    """Check the keys every descriptor has: mediaType, digest, size."""
    _keys(desc, ('mediaType', 'digest', 'size') + extra, where)
    if not isinstance(desc['mediaType'], str) or \
            not layout.MEDIA_TYPE_RE.fullmatch(desc['mediaType']):
        raise LayoutError('%s has a malformed media type %s' % (
            where, shown(desc['mediaType'])))
    if not isinstance(desc['digest'], str) or \
            not layout.DIGEST_RE.fullmatch(desc['digest']):
        raise LayoutError('%s has a malformed digest %s' % (
            where, shown(desc['digest'])))
    size = desc['size']
    if type(size) is not int or size < 0:
        raise LayoutError('%s has a bad size %s' % (where, shown(size)))
    if limit is not None and size > limit:
        raise LayoutError('%s declares %d bytes, over the %d-byte limit of '
                          'a %s' % (where, size, limit, what))


def _check_layout(doc):
    _keys(doc, ('imageLayoutVersion',), 'oci-layout')
    _equal(doc['imageLayoutVersion'], layout.LAYOUT_VERSION,
           'imageLayoutVersion', 'oci-layout')


def _index_entry(desc, where, limits):
    _descriptor(desc, where, ('artifactType', 'annotations'),
                limits.max_json_size)
    _media_type(desc['mediaType'], layout.MANIFEST_MEDIA_TYPE, where)
    _equal(desc['artifactType'], layout.ARTIFACT_MEDIA_TYPE, 'artifactType',
           where)
    ann = _string_map(desc['annotations'], 'the annotations of ' + where)
    for key in (layout.ANN_TYPE, layout.ANN_ID, layout.ANN_NAME,
                layout.ANN_VERSION):
        if not ann.get(key):
            raise LayoutError('%s lacks the annotation %s' % (where, key))
    if ann.get(layout.ANN_ROOT, 'true') != 'true':
        raise LayoutError('%s has %s %s; only "true" is allowed' % (
            where, layout.ANN_ROOT, shown(ann[layout.ANN_ROOT])))
    return layout.IndexEntry(desc)


def _check_index(doc, limits):
    where = 'index.json'
    _keys(doc, ('schemaVersion', 'mediaType', 'manifests', 'annotations'),
          where)
    _equal(doc['schemaVersion'], layout.SCHEMA_VERSION, 'schemaVersion',
           where)
    _media_type(doc['mediaType'], layout.INDEX_MEDIA_TYPE, where)
    ann = _string_map(doc['annotations'], 'the annotations of index.json')
    if ann.get(layout.ANN_BUNDLE_VERSION) != layout.BUNDLE_VERSION:
        raise LayoutError('index.json has bundle version %s (annotation %s);'
                          ' this Glare reads version %s' % (
                              shown(ann.get(layout.ANN_BUNDLE_VERSION)),
                              layout.ANN_BUNDLE_VERSION,
                              layout.BUNDLE_VERSION))
    manifests = doc['manifests']
    if not isinstance(manifests, list) or not manifests:
        raise LayoutError('index.json lists no manifests')
    if limits.max_artifacts is not None and \
            len(manifests) > limits.max_artifacts:
        raise LayoutError('index.json lists %d artifacts, over the limit of '
                          '%d' % (len(manifests), limits.max_artifacts))
    entries, digests, ids = [], set(), set()
    for i, desc in enumerate(manifests):
        entry = _index_entry(desc, 'manifests[%d] of index.json' % i, limits)
        if entry.digest in digests or entry.id in ids:
            raise LayoutError('index.json lists %s (manifest %s) twice' % (
                entry.describe(), entry.digest))
        digests.add(entry.digest)
        ids.add(entry.id)
        entries.append(entry)
    roots = [e.describe() for e in entries if e.root]
    if len(roots) != 1:
        raise LayoutError('index.json has %d root artifacts (%s); a bundle '
                          'has exactly one' % (len(roots), ', '.join(roots)))
    return entries


def _layer(desc, where, limits, fields):
    _descriptor(desc, where, ('annotations',), limits.max_blob_size, 'blob')
    ann = _string_map(desc['annotations'], 'the annotations of ' + where)
    field = ann.get(layout.ANN_FIELD)
    if not field:
        raise LayoutError('%s lacks the annotation %s' % (where,
                                                          layout.ANN_FIELD))
    if ann.get(layout.ANN_TITLE) != field:
        raise LayoutError('%s has title %s; expected its field %s' % (
            where, shown(ann.get(layout.ANN_TITLE)), shown(field)))
    if field in fields:
        raise LayoutError('%s is a second layer for field %s' % (
            where, shown(field)))
    fields.add(field)
    return layout.LayerRef(desc)


def _check_manifest(doc, entry, limits, where):
    _keys(doc, ('schemaVersion', 'mediaType', 'artifactType', 'config',
                'layers'), where, optional=('annotations',))
    _equal(doc['schemaVersion'], layout.SCHEMA_VERSION, 'schemaVersion',
           where)
    _media_type(doc['mediaType'], layout.MANIFEST_MEDIA_TYPE, where)
    _equal(doc['artifactType'], layout.ARTIFACT_MEDIA_TYPE, 'artifactType',
           where)
    if 'annotations' in doc:
        _string_map(doc['annotations'], 'the annotations of ' + where)
    config = doc['config']
    _descriptor(config, 'the config descriptor of ' + where, (),
                limits.max_json_size)
    _media_type(config['mediaType'], layout.ARTIFACT_MEDIA_TYPE,
                'the config descriptor of ' + where)
    if not isinstance(doc['layers'], list):
        raise LayoutError('the layers of %s are not a list' % where)
    fields = set()
    return config, [
        _layer(desc, 'layers[%d] of %s' % (i, where), limits, fields)
        for i, desc in enumerate(doc['layers'])]


def _check_config(doc, entry, where):
    _keys(doc, layout.RECORD_KEYS, where)
    _equal(doc['type_name'], entry.type_name, 'type_name', where)
    if not isinstance(doc['type_version'], str) or not doc['type_version']:
        raise LayoutError('%s has a bad type_version %s' % (
            where, shown(doc['type_version'])))
    artifact = doc['artifact']
    if not isinstance(artifact, dict):
        raise LayoutError('the artifact of %s is not a JSON object' % where)
    for key, expected in (('id', entry.id), ('name', entry.name),
                          ('version', entry.version)):
        if artifact.get(key) != expected:
            raise LayoutError('%s has %s %s, but the index says %s' % (
                where, key, shown(artifact.get(key)), shown(expected)))
    links = doc['links']
    if not isinstance(links, dict):
        raise LayoutError('the links of %s are not a JSON object' % where)
    for key, link in sorted(links.items()):
        lwhere = 'link %s of %s' % (shown(key), where)
        _keys(link, ('type_name', 'id'), lwhere)
        if not all(isinstance(v, str) and v for v in link.values()):
            raise LayoutError('%s is not a pair of strings' % lwhere)
    if doc['origin'] is not None and not isinstance(doc['origin'], dict):
        raise LayoutError('the origin of %s is neither null nor a JSON '
                          'object' % where)


# -- the stream ------------------------------------------------------------

class _Entries:
    """The tar members in their canonical order."""

    def __init__(self, tar, limits):
        self.tar = tar
        self.limits = limits
        self.seen = set()
        self.known = {layout.LAYOUT_FILE, layout.INDEX_FILE}
        self.complete = False  # every reference known

    def expect(self, name, what):
        member = self.tar.next_member()
        if member is None:
            raise LayoutError('%s (%s) is missing: the bundle ends before it'
                              % (what, name), name)
        found = member.name
        if found in self.seen:
            raise LayoutError('entry %s appears twice' % found, found)
        self.seen.add(found)
        if found == name:
            return member
        if found in self.known:
            problem = 'out of the canonical order'
        elif self.complete:
            problem = 'not referenced by the index or any manifest'
        else:
            problem = 'out of place'
        raise LayoutError('entry %s is %s: %s (%s) belongs here' % (
            found, problem, what, name), found)

    def json(self, name, what, size=None, digest=None):
        member = self.expect(name, what)
        where = '%s (%s)' % (what, name)
        if size is not None and member.size != size:
            raise LayoutError('%s is %d bytes, but its descriptor says %d' % (
                where, member.size, size), name)
        if member.size > self.limits.max_json_size:
            raise LayoutError('%s is %d bytes, over the %d-byte limit of a '
                              'JSON entry' % (where, member.size,
                                              self.limits.max_json_size),
                              name)
        data = self.tar.read_all(member)
        if digest is not None and layout.digest_of(data) != digest:
            raise LayoutError('%s does not match its name: its digest is %s'
                              % (where, layout.digest_of(data)), name)
        return layout.load_json(data, where, self.limits.max_json_size)

    def end(self):
        member = self.tar.next_member()
        if member is not None:
            problem = 'appears twice' if member.name in self.seen else \
                'is not referenced by the index or any manifest'
            raise LayoutError('entry %s %s' % (member.name, problem),
                              member.name)


class Sha256:
    """The default hasher: sha256 in the reading thread."""

    def __init__(self, digest=None):
        self._sha256 = hashlib.sha256()
        self.update = self._sha256.update

    def hexdigests(self):
        return {'sha256': self._sha256.hexdigest()}

    def close(self):
        pass


class _BlobData:
    """A layer's data as chunks, hashed as they go; the last chunk comes
    only once the digest is known to match."""

    def __init__(self, data, digest, size, name, hasher=Sha256):
        self._gen = self._run(data, digest, size, name, hasher)
        self.name = name
        self.done = False
        self.error = None
        self.digests = None

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return next(self._gen)
        except LayoutError as e:
            self.error = e
            raise

    def close(self):
        self._gen.close()

    def _run(self, data, digest, size, name, new_hasher):
        hasher = new_hasher(digest)
        try:
            seen = 0
            for chunk in data:
                hasher.update(chunk)
                seen += len(chunk)
                if seen == size:
                    self._check(hasher, digest, name)
                yield chunk
            if size == 0:
                self._check(hasher, digest, name)
            self.done = True
        finally:
            hasher.close()

    def _check(self, hasher, digest, name):
        self.digests = hasher.hexdigests()
        found = 'sha256:' + self.digests['sha256']
        if found != digest:
            raise LayoutError('blob %s does not match its name: its digest '
                              'is %s' % (name, found), name)

    def finish(self):
        for _chunk in self:
            pass
        if self.error is not None:
            raise self.error
        if not self.done:
            raise LayoutError('the data of blob %s was abandoned half read'
                              % self.name, self.name)


def _layer_uses(artifacts, jsons, limits, consumed):
    """{digest: [(IndexEntry, LayerRef)]} in first-reference order."""
    uses = {}
    for entry, layers in artifacts:
        for ref in layers:
            refs = uses.setdefault(ref.digest, [])
            if refs and refs[0][1].size != ref.size:
                (first_entry, first), = refs[:1]
                raise LayoutError(
                    'blob %s is %d bytes for field %s of %s but %d for field '
                    '%s of %s' % (ref.digest, first.size, first.field[:80],
                                  first_entry.describe(), ref.size,
                                  ref.field[:80], entry.describe()))
            refs.append((entry, ref))
    for digest, refs in uses.items():
        if digest in jsons:
            raise LayoutError('field %s of %s holds the same bytes as a '
                              'manifest or config (%s)' % (
                                  refs[0][1].field[:80],
                                  refs[0][0].describe(), digest))
    total = sum(refs[0][1].size for refs in uses.values())
    if limits.max_total_size is not None and \
            consumed + total > limits.max_total_size:
        raise LayoutError('the layers of the bundle declare %d bytes, over '
                          'its size limit of %d bytes' % (
                              total, limits.max_total_size))
    return uses


def _artifacts(entries, index, limits, jsons):
    for entry in index:
        name = layout.blob_name(entry.digest)
        where = 'the manifest of %s' % entry.describe()
        manifest = entries.json(name, where, entry.size, entry.digest)
        config, layers = _check_manifest(manifest, entry, limits,
                                         '%s (%s)' % (where, name))
        digest = config['digest']
        if digest in jsons:
            raise LayoutError('the config of %s (%s) is also another '
                              'manifest or config' % (entry.describe(),
                                                      digest))
        jsons.add(digest)
        entries.known.update(layout.blob_name(ref.digest) for ref in layers)
        where = 'the config of %s' % entry.describe()
        record = entries.json(layout.blob_name(digest), where,
                              config['size'], digest)
        _check_config(record, entry, '%s (%s)' % (
            where, layout.blob_name(digest)))
        yield ArtifactEvent(entry, manifest, record, digest, layers)


def read_bundle(chunks, limits=None, hasher=None):
    """The events of the bundle in chunks (an iterable of bytes)."""
    limits = limits or layout.Limits()
    tar = tarstream.TarReader(chunks, limits.max_total_size)
    entries = _Entries(tar, limits)
    doc = entries.json(layout.LAYOUT_FILE, 'the oci-layout file')
    _check_layout(doc)
    yield LayoutEvent(doc)
    doc = entries.json(layout.INDEX_FILE, 'the index')
    index = _check_index(doc, limits)
    yield IndexEvent(doc, index)
    entries.known.update(layout.blob_name(e.digest) for e in index)
    jsons = {e.digest for e in index}
    artifacts = []
    for event in _artifacts(entries, index, limits, jsons):
        artifacts.append((event.entry, event.layers))
        yield event
    uses = _layer_uses(artifacts, jsons, limits, tar.consumed)
    entries.complete = True
    for digest, refs in uses.items():
        name = layout.blob_name(digest)
        size = refs[0][1].size
        member = entries.expect(name, 'blob %s of field %s of %s' % (
            digest, refs[0][1].field[:80], refs[0][0].describe()))
        if member.size != size:
            raise LayoutError('entry %s is %d bytes, but its descriptor says '
                              '%d' % (name, member.size, size), name)
        data = _BlobData(tar.data(member), digest, size, name,
                         hasher or Sha256)
        yield BlobEvent(digest, size, refs, data)
        data.finish()
    entries.end()
