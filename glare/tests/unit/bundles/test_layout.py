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

"""The bundle format: writer, reader, the OCI rules, hostile bundles."""

import copy
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import tracemalloc

import hypothesis
from hypothesis import strategies as st
import jsonschema
import oras.layout
import oras.schemas

from glare.bundles import layout
from glare.bundles.layout import LayoutError
from glare.bundles import reader
from glare.bundles import tarstream
from glare.bundles import writer
from glare.tests import base

MiB = 1024 * 1024
ROOT = 'a0000000-0000-4000-8000-000000000001'
DEP = 'b0000000-0000-4000-8000-000000000002'
LEAF = 'c0000000-0000-4000-8000-000000000003'


def sha(data):
    return hashlib.sha256(data).hexdigest()


def make_layer(field, data, media_type='application/octet-stream',
               chunk=5, opened=None):
    def open_data():
        if opened is not None:
            opened.append(field)
        return (data[i:i + chunk] for i in range(0, len(data), chunk))
    return layout.Layer(field, media_type, len(data), sha(data), open_data)


def doc(artifact_id, name, version='1.0.0', **extra):
    out = {'id': artifact_id, 'name': name, 'version': version,
           'status': 'active', 'visibility': 'private',
           'description': 'caf\u00e9 \u2603', 'tags': ['a', 'b']}
    out.update(extra)
    return out


SHARED = b'the same bytes in two artifacts\n'


def sample(opened=None):
    """Three artifacts: a root with a blob and a folder, a dependency
    sharing a blob with the root, and a leaf without blobs."""
    root = layout.BundleArtifact(
        'murano_packages', '1.1', doc(ROOT, 'app'),
        {'dependencies[0]': {'type_name': 'heat_templates', 'id': DEP}},
        None,
        [make_layer('package', b'PK\x03\x04' + bytes(range(256)) * 9,
                    'application/zip', opened=opened),
         make_layer('images/logo.png', SHARED, 'image/png', opened=opened),
         make_layer('images/empty', b'', opened=opened)])
    dep = layout.BundleArtifact(
        'heat_templates', '1.0', doc(DEP, 'tpl', '2.1.0'),
        {'nested/net': {'type_name': 'all', 'id': LEAF}},
        {'cloud_id': 'c1', 'upstream': 'global', 'id': 'x',
         'digest': 'sha256:' + '0' * 64},
        [make_layer('template', SHARED, 'text/plain; charset=utf-8',
                    opened=opened)])
    leaf = layout.BundleArtifact('secrets', '1.0', doc(LEAF, 'leaf'))
    return [leaf, dep, root]


def bundle(artifacts=None, root=ROOT):
    return b''.join(writer.write_bundle(
        sample() if artifacts is None else artifacts, root))


def pieces(data, size):
    return (data[i:i + size] for i in range(0, len(data), size))


def read_all(data, limits=None, chunk=4096):
    """Every event, blob data joined: [(kind, ...)]."""
    out = []
    for event in reader.read_bundle(pieces(data, chunk), limits):
        if event.kind == 'blob':
            got = list(event.chunks)
            out.append(('blob', event.digest, event.size,
                        [(e.id, r.field) for e, r in event.uses],
                        b''.join(got)))
        elif event.kind == 'artifact':
            out.append(('artifact', event.entry.id, event.config,
                        event.manifest_digest))
        else:
            out.append((event.kind, event.document))
    return out


def member(name, data=b'', kind=tarfile.REGTYPE, pax=None, linkname='',
           fmt=tarfile.PAX_FORMAT):
    """A tar member as another tool could write it."""
    info = tarfile.TarInfo(name)
    info.size = len(data) if kind in (tarfile.REGTYPE, tarfile.AREGTYPE) \
        else 0
    info.type = kind
    info.linkname = linkname
    info.pax_headers = pax or {}
    body = data if info.size else b''
    return info.tobuf(fmt, 'utf-8', 'strict') + body + \
        bytes(-len(body) % 512)


def checksummed(header):
    """The bytes with the first header's checksum made right again."""
    header = bytearray(header)
    header[148:156] = b'%06o\0 ' % (sum(header[:148]) + 256 +
                                    sum(header[156:512]))
    return bytes(header)


def tar(entries, end=bytes(1024)):
    return b''.join(member(name, data) for name, data in entries) + end


def cj(obj):
    return json.dumps(obj, sort_keys=True, separators=(',', ':'),
                      ensure_ascii=False).encode('utf-8')


class Parts:
    """A bundle as documents and bytes, to break one thing in and re-tar:
    build() re-derives every digest and size above what was changed."""

    def __init__(self, artifacts=None, root=ROOT):
        entries = []
        for name, _size, source in writer.plan_bundle(
                sample() if artifacts is None else artifacts,
                root).entries:
            if not isinstance(source, bytes):
                source = b''.join(source.open_data())
            entries.append((name, source))
        self.layout = json.loads(entries[0][1])
        self.index = json.loads(entries[1][1])
        count = len(self.index['manifests'])
        self.manifests = [json.loads(entries[2 + 2 * i][1])
                          for i in range(count)]
        self.configs = [json.loads(entries[3 + 2 * i][1])
                        for i in range(count)]
        self.blobs = [data for _name, data in entries[2 + 2 * count:]]

    def build(self, fix_configs=True):
        jsons = []
        for i, (manifest, config) in enumerate(zip(
                self.manifests, self.configs, strict=True)):
            config_b = cj(config)
            if fix_configs:
                manifest['config'].update(digest='sha256:' + sha(config_b),
                                          size=len(config_b))
            manifest_b = cj(manifest)
            if i < len(self.index['manifests']):
                self.index['manifests'][i].update(
                    digest='sha256:' + sha(manifest_b), size=len(manifest_b))
            jsons += [manifest_b, config_b]
        return [('oci-layout', cj(self.layout)),
                ('index.json', cj(self.index))] + [
            ('blobs/sha256/' + sha(data), data)
            for data in jsons + self.blobs]

    def tar(self):
        return tar(self.build())


# -- JSON Schemas written from the image-spec v1.1 (descriptor.md,
# image-index.md, manifest.md, image-layout.md)
DIGEST = {'type': 'string', 'pattern': '^sha256:[a-f0-9]{64}$'}
MEDIA_TYPE = {'type': 'string', 'pattern':
              '^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/'
              '[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$'}
ANNOTATIONS = {'type': 'object', 'additionalProperties': {'type': 'string'}}
DESCRIPTOR = {
    'type': 'object', 'required': ['mediaType', 'digest', 'size'],
    'properties': {'mediaType': MEDIA_TYPE, 'digest': DIGEST,
                   'size': {'type': 'integer', 'minimum': 0},
                   'artifactType': MEDIA_TYPE, 'annotations': ANNOTATIONS,
                   'urls': {'type': 'array', 'items': {'type': 'string'}},
                   'data': {'type': 'string'}}}
OCI_LAYOUT_SCHEMA = {
    'type': 'object', 'required': ['imageLayoutVersion'],
    'properties': {'imageLayoutVersion': {'const': '1.0.0'}}}
INDEX_SCHEMA = {
    'type': 'object', 'required': ['schemaVersion', 'manifests'],
    'properties': {
        'schemaVersion': {'const': 2},
        'mediaType': {'const': layout.INDEX_MEDIA_TYPE},
        'artifactType': MEDIA_TYPE,
        'manifests': {'type': 'array', 'items': DESCRIPTOR},
        'annotations': ANNOTATIONS}}
MANIFEST_SCHEMA = {
    'type': 'object', 'required': ['schemaVersion', 'config', 'layers'],
    'properties': {
        'schemaVersion': {'const': 2},
        'mediaType': {'const': layout.MANIFEST_MEDIA_TYPE},
        'artifactType': MEDIA_TYPE,
        'config': DESCRIPTOR,
        'layers': {'type': 'array', 'items': DESCRIPTOR},
        'annotations': ANNOTATIONS}}


class WriteReadTest(base.TestCase):

    def test_round_trip_gives_back_every_record_and_byte(self):
        artifacts = sample()
        events = list(read_all(bundle(artifacts)))
        self.assertEqual([('oci-layout', {'imageLayoutVersion': '1.0.0'})],
                         events[:1])
        self.assertEqual('index', events[1][0])
        records = {e[1]: e[2] for e in events if e[0] == 'artifact'}
        for art in artifacts:
            self.assertEqual(art.record(), records[art.id])
        # root first, then by (type_name, id)
        self.assertEqual([ROOT, DEP, LEAF],
                         [e[1] for e in events if e[0] == 'artifact'])
        blobs = {e[1]: e for e in events if e[0] == 'blob'}
        for art in artifacts:
            for lay in art.layers:
                data = b''.join(lay.open_data())
                self.assertEqual(data, blobs[lay.digest][4])
                self.assertIn((art.id, lay.field), blobs[lay.digest][3])
        self.assertEqual(
            [(ROOT, 'images/logo.png'), (DEP, 'template')],
            blobs['sha256:' + sha(SHARED)][3])

    def test_events_carry_the_parsed_layout(self):
        data = bundle()
        events = reader.read_bundle(pieces(data, 1000))
        self.assertEqual({'imageLayoutVersion': '1.0.0'},
                         next(events).document)
        index = next(events)
        self.assertEqual([ROOT, DEP, LEAF], [e.id for e in index.entries])
        self.assertEqual(ROOT, index.root.id)
        self.assertEqual(('murano_packages', 'app', '1.0.0', True),
                         (index.root.type_name, index.root.name,
                          index.root.version, index.root.root))
        art = next(events)
        self.assertEqual('artifact', art.kind)
        self.assertEqual(('murano_packages', '1.1', None),
                         (art.type_name, art.type_version, art.origin))
        self.assertEqual(doc(ROOT, 'app'), art.artifact)
        self.assertEqual({'dependencies[0]': {'type_name': 'heat_templates',
                                              'id': DEP}}, art.links)
        self.assertEqual(['images/empty', 'images/logo.png', 'package'],
                         [ref.field for ref in art.layers])
        self.assertEqual(['application/octet-stream', 'image/png',
                          'application/zip'],
                         [ref.media_type for ref in art.layers])
        self.assertEqual(layout.digest_of(layout.canonical_json(
            art.config)), art.config_digest)
        dep = next(events)
        # a content type's parameters are not part of an OCI media type
        self.assertEqual('text/plain', dep.layers[0].media_type)
        self.assertEqual('global', dep.origin['upstream'])
        next(events)  # the leaf
        blob = next(events)
        self.assertEqual('blob', blob.kind)
        self.assertEqual(0, blob.size)
        self.assertEqual([], list(blob.chunks))
        # blobs left unread are read and checked by the reader itself
        self.assertEqual(['blob', 'blob'], [e.kind for e in events])

    def test_plan_knows_size_digests_and_entries_before_reading_data(self):
        opened = []
        plan = writer.plan_bundle(sample(opened), ROOT)
        self.assertEqual([], opened)
        data = b''.join(plan.chunks())
        self.assertEqual(plan.size, len(data))
        self.assertEqual(['images/empty', 'images/logo.png', 'package'],
                         opened)  # each digest opened once
        index = json.loads(tarfile.open(fileobj=io.BytesIO(data)).extractfile(
            'index.json').read())
        self.assertEqual(plan.index, index)
        self.assertEqual(plan.index_digest,
                         layout.digest_of(layout.canonical_json(index)))
        self.assertEqual({d['annotations'][layout.ANN_ID]: d['digest']
                          for d in index['manifests']},
                         plan.manifest_digests)

    def test_bytes_are_reproducible(self):
        first = bundle()
        again = bundle(list(reversed(sample())))
        self.assertEqual(first, again)
        self.assertEqual(hashlib.sha256(first).hexdigest(),
                         hashlib.sha256(bundle()).hexdigest())
        with tarfile.open(fileobj=io.BytesIO(first)) as tf:
            for info in tf.getmembers():
                self.assertEqual((0o644, 0, 0, 0, '', '', tarfile.REGTYPE),
                                 (info.mode, info.uid, info.gid, info.mtime,
                                  info.uname, info.gname, info.type))
        # a different record gives different bytes
        changed = sample()
        changed[0].artifact_doc['description'] = 'other'
        self.assertNotEqual(first, bundle(changed))

    def test_every_blob_once_in_canonical_order(self):
        data = bundle()
        with tarfile.open(fileobj=io.BytesIO(data)) as tf:
            names = tf.getnames()
            index = json.load(tf.extractfile('index.json'))
            manifests = [json.load(tf.extractfile(
                layout.blob_name(d['digest']))) for d in index['manifests']]
        self.assertEqual(len(names), len(set(names)))
        expected = ['oci-layout', 'index.json']
        for desc, manifest in zip(index['manifests'], manifests,
                                  strict=True):
            expected += [layout.blob_name(desc['digest']),
                         layout.blob_name(manifest['config']['digest'])]
        for manifest in manifests:
            for desc in manifest['layers']:
                name = layout.blob_name(desc['digest'])
                if name not in expected:
                    expected.append(name)
        self.assertEqual(expected, names)
        # 3 manifests, 3 configs, 3 distinct layers (4 references)
        self.assertEqual(2 + 6 + 3, len(names))

    def test_reader_takes_any_chunking(self):
        data = bundle()
        expected = read_all(data)
        for size in (1, 7, 511, 512, 513, len(data)):
            self.assertEqual(expected, read_all(data, chunk=size), size)
        # empty and bytearray chunks are fine
        chunks = [b''] + [bytearray(c) for c in pieces(data, 300)]
        self.assertEqual(len(expected), len(list(reader.read_bundle(
            chunks))))

    def test_reader_hands_out_bounded_chunks(self):
        big = os.urandom(layout.CHUNK_SIZE * 2 + 100)
        art = layout.BundleArtifact(
            'images', '1.0', doc(ROOT, 'big'),
            layers=[make_layer('image', big, chunk=len(big))])
        data = bundle([art])
        for event in reader.read_bundle([data]):  # one huge chunk
            if event.kind == 'blob':
                sizes = [len(c) for c in event.chunks]
        self.assertEqual([layout.CHUNK_SIZE, layout.CHUNK_SIZE, 100], sizes)

    def test_streams_a_64_mib_layer_in_bounded_memory(self):
        size = 64 * MiB

        def source():
            for i in range(64):
                yield bytes([i]) * MiB

        digest = hashlib.sha256()
        for chunk in source():
            digest.update(chunk)
        art = layout.BundleArtifact('images', '1.0', doc(ROOT, 'huge'),
                                    layers=[layout.Layer(
                                        'image', 'application/x-raw', size,
                                        digest.hexdigest(), source)])
        tracemalloc.start()
        try:
            received = hashlib.sha256()
            count = 0
            for event in reader.read_bundle(writer.write_bundle([art],
                                                                ROOT)):
                if event.kind == 'blob':
                    for chunk in event.chunks:
                        received.update(chunk)
                        count += len(chunk)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        self.assertEqual((size, digest.hexdigest()),
                         (count, received.hexdigest()))
        # a few 1 MiB chunks are alive at once (the source's, the
        # reader's buffer, the chunk handed out, their copies): the peak
        # lands near 6 MiB and moves by a few KiB with the interpreter's
        # own allocations; a layer held whole would be 64 MiB or more
        self.assertLess(peak, 12 * MiB)

    def test_headers_are_plain_ustar_with_fixed_attributes(self):
        # written field by field from POSIX ustar: any change of the
        # header bytes (a Python release, an attribute) breaks
        # reproducibility and fails here
        name = 'blobs/sha256/' + 'e' * 64
        block = bytearray(
            name.encode().ljust(100, b'\0') +  # name
            b'0000644\0' + b'0000000\0' + b'0000000\0' +  # mode uid gid
            b'%011o\0' % 1234 + b'00000000000\0' +  # size mtime
            b' ' * 8 + b'0' +  # checksum (spaces while summing), type
            bytes(100) +  # linkname
            b'ustar\x0000' + bytes(32) + bytes(32) +  # magic, version, names
            bytes(8) + bytes(8) +  # devmajor devminor: none
            bytes(155) + bytes(12))  # prefix, padding
        block[148:156] = b'%06o\0 ' % sum(block)
        self.assertEqual(512, len(block))
        self.assertEqual(bytes(block), tarstream.header(name, 1234))

    def test_large_sizes_use_a_pax_size_record(self):
        name = 'blobs/sha256/' + 'a' * 64
        head = tarstream.header(name, 9 * 1024 ** 3)
        self.assertEqual(3 * 512, len(head))  # pax header, its data, ustar
        info = tarfile.TarInfo.frombuf(head[1024:], 'utf-8', 'strict')
        self.assertEqual(0, info.size)  # the ustar field cannot hold it
        got = tarstream.TarReader([head]).next_member()
        self.assertEqual((name, 9 * 1024 ** 3), (got.name, got.size))
        self.assertEqual(len(head) + 9 * 1024 ** 3,
                         tarstream.entry_length(name, 9 * 1024 ** 3))

    def test_reader_takes_gnu_headers_and_trailing_zero_records(self):
        parts = Parts()
        data = b''.join(member(name, body, fmt=tarfile.GNU_FORMAT)
                        for name, body in parts.build()) + bytes(10240)
        self.assertEqual(read_all(parts.tar()), read_all(data))

    def test_layer_media_type(self):
        for given, expected in (
                (None, 'application/octet-stream'),
                ('', 'application/octet-stream'),
                ('image/png', 'image/png'),
                ('text/plain; charset=utf-8', 'text/plain'),
                ('application/vnd.a+json ;x=y', 'application/vnd.a+json'),
                ('not a type', 'application/octet-stream'),
                ('a/b/c', 'application/octet-stream')):
            self.assertEqual(expected, layout.layer_media_type(given))


class OciConformanceTest(base.TestCase):
    """The written layout against the image-spec, and read by oras."""

    def extract(self, data):
        path = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, path)
        with tarfile.open(fileobj=io.BytesIO(data)) as tf:
            tf.extractall(path, filter='data')
        return path

    def load(self, path, name):
        with open(os.path.join(path, name), 'rb') as f:
            return json.loads(f.read())

    def test_layout_follows_the_image_spec(self):
        path = self.extract(bundle())
        jsonschema.validate(self.load(path, 'oci-layout'), OCI_LAYOUT_SCHEMA)
        index = self.load(path, 'index.json')
        jsonschema.validate(index, INDEX_SCHEMA)
        self.assertEqual({layout.ANN_BUNDLE_VERSION: '1'},
                         index['annotations'])
        blob_dir = os.path.join(path, 'blobs', 'sha256')
        files = sorted(os.listdir(blob_dir))
        for name in files:
            with open(os.path.join(blob_dir, name), 'rb') as f:
                self.assertEqual(name, sha(f.read()))
        referenced = set()

        def check(desc):
            hexdigest = desc['digest'].split(':')[1]
            referenced.add(hexdigest)
            self.assertEqual(desc['size'], os.path.getsize(
                os.path.join(blob_dir, hexdigest)))

        for desc in index['manifests']:
            check(desc)
            self.assertEqual(layout.ARTIFACT_MEDIA_TYPE,
                             desc['artifactType'])
            manifest = self.load(path, layout.blob_name(desc['digest']))
            jsonschema.validate(manifest, MANIFEST_SCHEMA)
            self.assertEqual(layout.ARTIFACT_MEDIA_TYPE,
                             manifest['artifactType'])
            self.assertEqual(layout.ARTIFACT_MEDIA_TYPE,
                             manifest['config']['mediaType'])
            check(manifest['config'])
            for lay in manifest['layers']:
                check(lay)
                ann = lay['annotations']
                self.assertEqual(ann[layout.ANN_FIELD],
                                 ann[layout.ANN_TITLE])
        self.assertEqual(sorted(referenced), files)

    def test_oras_reads_the_layout(self):
        path = self.extract(bundle())
        # oras' own layout validation (oci-layout, index.json, blobs/)
        self.assertEqual(os.path.realpath(path),
                         oras.layout.Layout(path).validate())
        self.assertTrue(oras.layout.Layout.is_oci_layout(path))
        found = oras.layout.Layout(path)
        index = self.load(path, 'index.json')
        jsonschema.validate(index, oras.schemas.index)
        for desc in index['manifests']:
            self.assertTrue(found.blob_exists(desc['digest']))
            manifest = self.load(path, layout.blob_name(desc['digest']))
            jsonschema.validate(manifest, oras.schemas.manifest)
            for lay in manifest['layers'] + [manifest['config']]:
                self.assertTrue(found.blob_exists(lay['digest']))
                self.assertEqual(lay['size'], os.path.getsize(
                    found.digest_to_blob_path(lay['digest'])))

    def test_oras_orders_a_tagged_root_for_a_push(self):
        # oras pushes the manifest whose org.opencontainers.image.ref.name
        # is the tag; a bundle carries no such tag, so tag a copy's root
        # as a push would and check oras walks it to every blob
        path = self.extract(bundle())
        index = self.load(path, 'index.json')
        root = index['manifests'][0]
        root['annotations']['org.opencontainers.image.ref.name'] = 'v1'
        with open(os.path.join(path, 'index.json'), 'wb') as f:
            f.write(cj(index))
        manifest = self.load(path, layout.blob_name(root['digest']))
        ordered = oras.layout.Layout(path).get_ordered_blobs('v1')
        self.assertEqual(
            [lay['digest'] for lay in manifest['layers']] +
            [manifest['config']['digest'], root['digest']], ordered)


class CorruptStoreTest(base.TestCase):
    """The writer never emits a wrong digest silently."""

    def write(self, layer):
        art = layout.BundleArtifact('images', '1.0', doc(ROOT, 'x'),
                                    layers=[layer])
        out = []
        with self.assertRaises(LayoutError) as ctx:
            for chunk in writer.write_bundle([art], ROOT):
                out.append(chunk)
        return str(ctx.exception), b''.join(out)

    def assertUnreadable(self, partial):
        self.assertRaisesRegex(LayoutError, 'truncated', read_all, partial)

    def test_data_whose_sha256_differs(self):
        data = b'0123456789' * 10
        layer = make_layer('image', data)
        layer.open_data = lambda: pieces(b'x' + data[1:], 30)
        message, partial = self.write(layer)
        self.assertRegex(message, r'the data of field image of artifact '
                         r'images/%s \(blobs/sha256/%s\) has sha256 [0-9a-f]'
                         r'{64}, not its recorded %s: the stored data is '
                         r'corrupt' % (ROOT, sha(data), sha(data)))
        # the last chunk was held back: the entry is incomplete
        self.assertTrue(partial.endswith(b'x' + data[1:90]))
        self.assertUnreadable(partial)

    def test_data_longer_than_recorded(self):
        data = b'abc' * 10
        layer = make_layer('image', data)
        layer.open_data = lambda: [data, b'more']
        message, partial = self.write(layer)
        self.assertIn('is longer than its recorded size of 30 bytes',
                      message)
        self.assertNotIn(b'more', partial)
        self.assertUnreadable(partial)

    def test_data_shorter_than_recorded(self):
        data = b'abc' * 10
        layer = make_layer('image', data)
        closed = []

        def short():
            try:
                yield data[:10]
                yield data[10:20]
            finally:
                closed.append(True)
        layer.open_data = short
        message, partial = self.write(layer)
        self.assertIn('is 20 bytes, not its recorded 30: the stored data is '
                      'corrupt', message)
        self.assertEqual([True], closed)
        self.assertUnreadable(partial)

    def test_data_source_is_closed_when_the_consumer_stops(self):
        closed = []

        def source():
            try:
                yield b'abc'
                yield b'def'
            finally:
                closed.append(True)
        layer = layout.Layer('image', None, 6, sha(b'abcdef'), source)
        art = layout.BundleArtifact('images', '1.0', doc(ROOT, 'x'),
                                    layers=[layer])
        stream = writer.write_bundle([art], ROOT)
        while b'abc' not in next(stream):
            pass
        stream.close()
        self.assertEqual([True], closed)


class WriterInputTest(base.TestCase):

    def refused(self, artifacts, pattern, root=ROOT):
        self.assertRaisesRegex(LayoutError, pattern, writer.write_bundle,
                               artifacts, root)

    def test_bad_input_is_refused_before_anything_is_written(self):
        arts = sample()
        self.refused([], 'at least one artifact')
        self.refused(arts + [sample()[0]], 'artifact %s is given twice'
                     % LEAF)
        self.refused(arts, "the root 'nope' is not among", root='nope')
        self.refused(['x'], 'not a BundleArtifact')
        no_name = layout.BundleArtifact('images', '1.0', {'id': ROOT})
        self.refused([no_name], 'images/%s: its document has no name'
                     % ROOT)
        bad_hex = sample()
        bad_hex[2].layers[0].sha256_hex = 'ABC'
        self.refused(bad_hex, 'field package: sha256 .ABC. is not 64')
        twice = sample()
        twice[2].layers.append(make_layer('package', b'x'))
        self.refused(twice, 'two layers for field package')
        bad_size = sample()
        bad_size[2].layers[0].size = -1
        self.refused(bad_size, 'field package: bad size -1')
        nan = sample()
        nan[0].artifact_doc['x'] = float('nan')
        self.refused(nan, 'secrets/%s: its record cannot be written as '
                     'canonical JSON' % LEAF)
        huge = sample()
        huge[0].artifact_doc['x'] = 'y' * layout.MAX_JSON_SIZE
        self.refused(huge, 'secrets/%s: its record is \\d+ bytes, over '
                     'the 4194304-byte limit of a JSON entry' % LEAF)

    def test_records_the_reader_would_refuse(self):
        def changed(**values):
            arts = sample()
            for key, value in values.items():
                setattr(arts[1], key, value)
            return arts
        where = 'heat_templates/%s: ' % DEP
        self.refused(changed(type_version=1), where + 'no type_version')
        self.refused(changed(type_name=''), 'artifact /%s: no type_name'
                     % DEP)
        self.refused(changed(links=[]), where + 'its links are not a dict')
        self.refused(changed(links={'a': {'id': 'x'}}), where +
                     "link 'a' is not")
        self.refused(changed(links={'a': {'id': 1, 'type_name': 'x'}}),
                     where + "link 'a' is not")
        self.refused(changed(origin='cloud'), where + 'its origin is '
                     'neither None nor a dict')
        arts = sample()
        arts[1].layers[0].field = ''
        self.refused(arts, where + 'a layer has no field')
        arts[1].layers[0] = layout.Layer('f', None, 1, 'a' * 64, b'data')
        self.refused(arts, where + 'field f: open_data is not callable')

    def test_same_digest_with_two_sizes(self):
        arts = sample()
        arts[1].layers[0].size += 1
        self.refused(arts, 'field template: blob sha256:%s is %d bytes, but '
                     '%d bytes elsewhere' % (sha(SHARED), len(SHARED) + 1,
                                             len(SHARED)))

    def test_a_layer_holding_a_manifest_of_the_bundle(self):
        leaf = sample()[0]
        manifest = b''.join(writer.plan_bundle([leaf], LEAF).entries[2][2:])
        other = layout.BundleArtifact('images', '1.0', doc(ROOT, 'x'),
                                      layers=[make_layer('image', manifest)])
        self.refused([other, leaf], 'images/%s: field image holds the same '
                     'bytes as a manifest or config' % ROOT)


class HostileBundleTest(base.TestCase):
    """One crafted bundle per way a bundle can be bad."""

    def refused(self, data, pattern, limits=None, chunk=4096):
        with self.assertRaises(LayoutError) as ctx:
            read_all(data, limits, chunk)
        self.assertRegex(str(ctx.exception), pattern)
        return ctx.exception

    def valid(self):
        parts = Parts()
        return parts, parts.build()

    # -- names and member types
    def test_path_escapes(self):
        _parts, entries = self.valid()
        for name, pattern in (
                ('../evil', r"entry '\.\./evil' leaves the bundle with "
                            r'"\.\." \(a path escape\)'),
                ('blobs/../../etc/cron.d/x', 'leaves the bundle'),
                ('/etc/passwd', r"entry '/etc/passwd' has an absolute name"),
                ('blobs/sha256/' + 'A' * 64, 'is not allowed: a bundle holds '
                 'only oci-layout, index.json and blobs/sha256/<64'),
                ('blobs/sha512/' + 'a' * 64, 'is not allowed'),
                ('blobs/sha256/' + 'a' * 63, 'is not allowed'),
                ('./oci-layout', 'is not allowed'),
                ('blobs/', 'is not allowed')):
            for at in (0, 3):
                crafted = entries[:at] + [(name, b'{}')] + entries[at:]
                error = self.refused(tar(crafted), pattern)
                self.assertEqual(name, error.entry)
        # a ustar prefix field is part of the name
        name = 'blobs/sha256/' + '/'.join(['..'] * 40) + '/etc/x'
        head = member(name, b'{}', fmt=tarfile.USTAR_FORMAT)
        self.assertNotEqual(b'\0', head[345:346])  # the prefix is used
        self.refused(head + tar(entries), "entry 'blobs/sha256/\\.\\./"
                     "\\.\\..*/etc/x' leaves the bundle")

    def test_non_regular_members(self):
        cases = ((tarfile.SYMTYPE, 'a symbolic link'),
                 (tarfile.LNKTYPE, 'a hard link'),
                 (tarfile.CHRTYPE, 'a character device'),
                 (tarfile.BLKTYPE, 'a block device'),
                 (tarfile.DIRTYPE, 'a directory'),
                 (tarfile.FIFOTYPE, 'a FIFO'),
                 (tarfile.CONTTYPE, 'a contiguous file'),
                 (tarfile.GNUTYPE_SPARSE, 'a GNU sparse file'))
        _parts, entries = self.valid()
        head = b''.join(member(n, d) for n, d in entries[:2])
        for kind, what in cases:
            data = head + member('blobs', kind=kind,
                                 linkname='/etc/passwd') + bytes(1024)
            self.refused(data, "entry 'blobs/?' is %s; a bundle holds "
                         'regular files only' % what)
        # a symlink named like a blob is refused as well
        name = layout.blob_name(json.loads(entries[1][1])['manifests'][0][
            'digest'])
        self.refused(head + member(name, kind=tarfile.SYMTYPE,
                                   linkname='../../x') + bytes(1024),
                     'is a symbolic link')
        gnu_long = tarfile.TarInfo('blobs/sha256/' + 'a' * 200)
        data = head + gnu_long.tobuf(tarfile.GNU_FORMAT) + bytes(1024)
        self.refused(data, 'is a GNU long name')

    def test_duplicate_entries(self):
        _parts, entries = self.valid()
        self.refused(tar(entries[:1] + entries), 'entry oci-layout appears '
                     'twice')
        self.refused(tar(entries[:3] + entries[2:]), r'entry blobs/sha256/'
                     r'[0-9a-f]{64} appears twice')
        self.refused(tar(entries + entries[-1:]), r'entry blobs/sha256/'
                     r'[0-9a-f]{64} appears twice')

    # -- truncation
    def test_truncated_anywhere(self):
        data = bundle()
        for cut in list(range(0, len(data) - 1024, 97)) + [
                512, 1024, 1536, len(data) - 1024, len(data) - 512,
                len(data) - 1]:
            self.assertRaisesRegex(LayoutError, 'truncated|is missing',
                                   read_all, data[:cut])

    def test_truncation_messages(self):
        data = bundle()
        self.refused(data[:1024 + 100], r'truncated \(in a tar header after '
                     r'entry oci-layout\)')
        self.refused(data[:700], r'truncated \(in the padding of entry '
                     r'oci-layout\)')
        self.refused(data[:512 + 10], r'truncated \(in the data of entry '
                     r'oci-layout\)')
        self.refused(data[:-1024], 'truncated: it ends after entry blobs/'
                     'sha256/[0-9a-f]{64} without the end-of-archive blocks')
        self.refused(data[:-512], 'one of the two end-of-archive blocks is '
                     'missing')
        self.refused(b'', 'truncated: it ends at its start')
        # a layer cut mid-way: the chunks iterator raises
        parts, entries = self.valid()
        last = tar(entries)[:-1024 - 512]
        self.refused(last, r'truncated \(in the data of entry blobs/')

    def test_what_follows_the_end(self):
        data = bundle()
        self.refused(data + b'\0' * 100 + b'x', 'data follows the end of the '
                     'archive')
        self.refused(data[:-512] + member('oci-layout', b'{}'),
                     'an entry follows an end-of-archive block')
        self.assertEqual(read_all(data), read_all(data + bytes(9000)))
        self.refused(data + bytes(MiB + 1), 'more than 1048576 bytes of '
                     'zeros follow the end of the archive')

    def test_garbage_headers(self):
        data = bundle()
        broken = bytearray(data)
        broken[0] ^= 1  # the name changes, the checksum no longer matches
        self.refused(bytes(broken), 'wrong checksum')
        self.refused(b'GIF89a' + bytes(1024), 'not a POSIX tar header')
        broken = bytearray(data)
        broken[124:136] = b'zzzzzzzzzzz\0'
        self.refused(checksummed(broken), 'size field is not a number')
        broken = bytearray(data)
        broken[50] = ord('x')  # after the name's NUL
        self.refused(checksummed(broken), 'name field holds bytes after its '
                     'end')
        broken = bytearray(data)
        broken[0:3] = b'\xe9\xe9\xe9'
        self.refused(checksummed(broken), 'name field is not ASCII')
        broken = bytearray(data)
        broken[512 + 40] = 1  # in the padding of oci-layout
        self.refused(bytes(broken), 'the padding of entry oci-layout is not '
                     'zeros')

    # -- JSON entries
    def test_json_over_the_limit(self):
        parts, entries = self.valid()
        huge = b'{"a":"' + b'x' * layout.MAX_JSON_SIZE + b'"}'
        self.refused(tar(entries[:1] + [('index.json', huge)]),
                     r'the index \(index.json\) is 4194312 bytes, over the '
                     r'4194304-byte limit of a JSON entry')
        parts.manifests[0]['annotations'] = {'x': 'y' * 2000}
        small = layout.Limits(max_json_size=1500)
        self.refused(parts.tar(), r'manifests\[0\] of index.json declares '
                     r'\d+ bytes, over the 1500-byte limit of a JSON '
                     r'entry', small)
        parts = Parts()
        self.refused(tar(entries), r'the index \(index.json\) is \d+ bytes, '
                     r'over the 100-byte limit',
                     layout.Limits(max_json_size=100))
        # a config larger than its descriptor allows
        parts.configs[0]['artifact']['x'] = 'y' * 2000
        limits = layout.Limits(max_json_size=1500)
        self.refused(parts.tar(), 'the config descriptor of the manifest of '
                     'artifact murano_packages/%s .* declares \\d+ bytes, '
                     'over the 1500-byte limit' % ROOT, limits)

    def test_json_that_is_not_canonical(self):
        parts, entries = self.valid()
        index = json.loads(entries[1][1])
        for body, pattern in (
                (json.dumps(index).encode(), 'is not canonical JSON'),
                (cj(index) + b'\n', 'is not canonical JSON'),
                (cj(index)[:-1] + b',"schemaVersion":2}',
                 'is not canonical JSON'),  # a key twice
                (b'[1]', 'is not a JSON object'),
                (b'{"a":', 'is not valid JSON'),
                (b'{"a":NaN}', 'is not valid JSON: NaN is not JSON'),
                (b'{"a":"\xff"}', 'is not valid JSON'),
                (b'{"a":"\\ud800"}', 'cannot be written as canonical'),
                (b'{"a":' + b'[' * 100000, 'is not valid JSON'),
                (b'{"a":' + b'[' * 5000 + b']' * 5000 + b'}',
                 'is not valid JSON')):
            self.refused(tar(entries[:1] + [('index.json', body)]),
                         r'the index \(index.json\) ' + pattern)
        # a manifest with a space, the index pointing right at it
        manifest = entries[2][1].replace(b'{', b'{ ', 1)
        index['manifests'][0].update(digest='sha256:' + sha(manifest),
                                     size=len(manifest))
        self.refused(tar([entries[0], ('index.json', cj(index)),
                          ('blobs/sha256/' + sha(manifest), manifest)] +
                         entries[3:]),
                     r'the manifest of artifact murano_packages/%s \(blobs/'
                     r'sha256/%s\) is not canonical JSON' % (ROOT,
                                                              sha(manifest)))

    def test_digest_not_matching_the_name(self):
        parts, entries = self.valid()
        # a manifest under another name
        wrong = entries[:2] + [(entries[2][0], entries[4][1])] + entries[3:]
        self.refused(tar(wrong), r'(descriptor says|does not match its '
                     r'name)')
        same_size = list(entries)
        manifest = bytearray(entries[2][1])
        manifest[-3] = ord('0') if manifest[-3] != ord('0') else ord('1')
        same_size[2] = (entries[2][0], bytes(manifest))
        self.refused(tar(same_size), r'the manifest of artifact '
                     r'murano_packages/%s \(blobs/sha256/%s\) does not '
                     r'match its name: its digest is sha256:%s' % (
                         ROOT, entries[2][0][13:], sha(bytes(manifest))))
        # a layer whose bytes changed: the last chunk never comes
        layer_name, data = entries[-1]
        bad = data[:-1] + bytes([data[-1] ^ 1])
        crafted = tar(entries[:-1] + [(layer_name, bad)])
        received = []
        with self.assertRaises(LayoutError) as ctx:
            for event in reader.read_bundle(pieces(crafted, 100)):
                if event.kind == 'blob' and event.digest.endswith(
                        layer_name[13:]):
                    received.extend(event.chunks)
        self.assertEqual('blob %s does not match its name: its digest is '
                         'sha256:%s' % (layer_name, sha(bad)),
                         str(ctx.exception))
        self.assertEqual(bad[:len(b''.join(received))], b''.join(received))
        self.assertLess(len(b''.join(received)), len(bad))
        # and when the consumer leaves the data unread
        self.refused(crafted, 'blob %s does not match its name' % layer_name)

    def test_sizes_differing_from_descriptors(self):
        parts, entries = self.valid()
        index = json.loads(entries[1][1])
        index['manifests'][1]['size'] += 1
        self.refused(tar(entries[:1] + [('index.json', cj(index))] +
                         entries[2:]),
                     r'the manifest of artifact heat_templates/%s \(blobs/'
                     r'sha256/[0-9a-f]{64}\) is \d+ bytes, but its descriptor '
                     r'says \d+' % DEP)
        parts.manifests[0]['layers'][2]['size'] += 1
        self.refused(parts.tar(), r'entry blobs/sha256/[0-9a-f]{64} is 2308 '
                     r'bytes, but its descriptor says 2309')
        parts = Parts()
        parts.build()
        parts.manifests[1]['config']['size'] = 3
        self.refused(tar(parts.build(fix_configs=False)),
                     r'the config of artifact heat_templates/%s \(blobs/'
                     r'sha256/\w+\) is \d+ bytes, but its descriptor says 3'
                     % DEP)

    def test_same_digest_declared_with_two_sizes(self):
        parts, _entries = self.valid()
        parts.manifests[1]['layers'][0]['size'] += 1
        self.refused(parts.tar(), 'blob sha256:%s is %d bytes for field '
                     'images/logo.png of artifact murano_packages/%s but %d '
                     'for field template of artifact heat_templates/%s' % (
                         sha(SHARED), len(SHARED), ROOT, len(SHARED) + 1,
                         DEP))

    # -- references and order
    def test_referenced_but_missing(self):
        parts, entries = self.valid()
        self.refused(tar(entries[:-1]), r'blob sha256:[0-9a-f]{64} of field '
                     r'\S+ of artifact \S+ \(blobs/sha256/[0-9a-f]{64}\) is '
                     r'missing: the bundle ends before it')
        self.refused(tar(entries[:2] + entries[3:]), r'entry blobs/sha256/'
                     r'\w+ is out of place: the manifest of artifact '
                     r'murano_packages/%s \(blobs/sha256/\w+\) belongs here'
                     % ROOT)
        self.refused(tar(entries[:3] + entries[4:]), r'the config of '
                     r'artifact murano_packages/%s .* belongs here' % ROOT)
        self.refused(tar(entries[:1]), r'the index \(index.json\) is '
                     r'missing')
        self.refused(tar([]), r'the oci-layout file \(oci-layout\) is '
                     r'missing')
        # a manifest listing a layer that is not there, then the end
        parts.manifests[2]['layers'].append(
            {'mediaType': 'a/b', 'digest': 'sha256:' + 'f' * 64, 'size': 1,
             'annotations': {layout.ANN_FIELD: 'gone',
                             layout.ANN_TITLE: 'gone'}})
        self.refused(parts.tar(), r'blob sha256:f{64} of field gone of '
                     r'artifact secrets/%s .* is missing' % LEAF)

    def test_present_but_unreferenced(self):
        _parts, entries = self.valid()
        extra = ('blobs/sha256/' + sha(b'extra'), b'extra')
        self.refused(tar(entries + [extra]), r'entry blobs/sha256/%s is not '
                     r'referenced by the index or any manifest' % sha(
                         b'extra'))
        self.refused(tar(entries[:-1] + [extra] + entries[-1:]),
                     r'entry blobs/sha256/%s is not referenced by the index '
                     r'or any manifest: blob sha256:\w+ of field' % sha(
                         b'extra'))
        self.refused(tar(entries[:4] + [extra] + entries[4:]),
                     r'entry blobs/sha256/%s is out of place: the manifest '
                     r'of artifact heat_templates' % sha(b'extra'))

    def test_canonical_order(self):
        _parts, entries = self.valid()
        order = [entries[1], entries[0]] + entries[2:]
        self.refused(tar(order), r'entry index.json is out of the canonical '
                     r'order: the oci-layout file \(oci-layout\) belongs '
                     r'here')
        order = entries[:2] + [entries[3], entries[2]] + entries[4:]
        self.refused(tar(order), 'is out of place: the manifest of artifact '
                     'murano_packages')
        order = entries[:2] + [entries[4]] + entries[2:4] + entries[5:]
        self.refused(tar(order), 'is out of the canonical order: the '
                     'manifest of artifact murano_packages')
        # a layer before the manifests and configs are done
        order = entries[:4] + [entries[-1]] + entries[4:-1]
        self.refused(tar(order), 'is out of the canonical order: the '
                     'manifest of artifact heat_templates')
        # layers not in first-reference order
        order = entries[:-2] + [entries[-1], entries[-2]]
        self.refused(tar(order), 'is out of the canonical order: blob '
                     'sha256:%s' % entries[-2][0][13:])
        self.refused(tar(entries[1:]), 'entry index.json is out of the '
                     'canonical order')
        self.refused(tar(entries[2:]), 'entry blobs/sha256/\\w+ is out of '
                     'place: the oci-layout file')

    # -- the documents
    def test_oci_layout_version(self):
        _parts, entries = self.valid()
        for body, pattern in (
                ({'imageLayoutVersion': '1.1.0'},
                 "oci-layout has imageLayoutVersion '1.1.0'; expected "
                 "'1.0.0'"),
                ({}, "oci-layout lacks the key 'imageLayoutVersion'"),
                ({'imageLayoutVersion': '1.0.0', 'x': 1},
                 "oci-layout has an unexpected key 'x'")):
            self.refused(tar([('oci-layout', cj(body))] + entries[1:]),
                         pattern)

    def index_refused(self, change, pattern, limits=None):
        entries = Parts().build()
        index = json.loads(entries[1][1])
        change(index)
        entries[1] = ('index.json', cj(index))
        self.refused(tar(entries), pattern, limits)

    def test_index(self):
        def root_count(n):
            def change(index):
                for i, desc in enumerate(index['manifests']):
                    desc['annotations'].pop(layout.ANN_ROOT, None)
                    if i < n:
                        desc['annotations'][layout.ANN_ROOT] = 'true'
            return change

        def setter(path, value):
            def change(index):
                target = index
                for key in path[:-1]:
                    target = target[key]
                if value is KeyError:
                    del target[path[-1]]
                else:
                    target[path[-1]] = value
            return change

        cases = (
            (root_count(0), r'index.json has 0 root artifacts \(\); a '
                            r'bundle has exactly one'),
            (root_count(2), 'index.json has 2 root artifacts '
                            r'\(artifact murano_packages/%s, artifact '
                            r'heat_templates/%s\)' % (ROOT, DEP)),
            (setter(['manifests', 1, 'annotations', layout.ANN_ROOT],
                    'yes'), r'manifests\[1\] of index.json has '
                            r"org.openstack.glare.root 'yes'"),
            (setter(['schemaVersion'], 1),
             "index.json has schemaVersion 1; expected 2"),
            (setter(['schemaVersion'], 2.0),
             "index.json has schemaVersion 2.0; expected 2"),
            (setter(['mediaType'], 'application/vnd.oci.image.manifest.v1+'
                                   'json'),
             'index.json has an unknown media type'),
            (setter(['annotations', layout.ANN_BUNDLE_VERSION], '2'),
             "index.json has bundle version '2'"),
            (setter(['annotations'], {'a': 1}),
             'the annotations of index.json are not a map of strings'),
            (setter(['manifests'], []), 'index.json lists no manifests'),
            (setter(['subject'], {}), "index.json has an unexpected key "
                                      "'subject'"),
            (setter(['manifests', 0, 'mediaType'],
                    'application/vnd.docker.distribution.manifest.v2+json'),
             r"manifests\[0\] of index.json has an unknown media type "
             r"'application/vnd.docker"),
            (setter(['manifests', 0, 'artifactType'], 'application/x-other'),
             r"manifests\[0\] of index.json has artifactType "
             r"'application/x-other'"),
            (setter(['manifests', 0, 'digest'], 'sha512:' + 'a' * 128),
             r'manifests\[0\] of index.json has a malformed digest'),
            (setter(['manifests', 0, 'digest'], 'sha256:' + 'A' * 64),
             r'manifests\[0\] of index.json has a malformed digest'),
            (setter(['manifests', 0, 'size'], '12'),
             r"manifests\[0\] of index.json has a bad size '12'"),
            (setter(['manifests', 0, 'size'], True),
             r'manifests\[0\] of index.json has a bad size True'),
            (setter(['manifests', 0, 'urls'], []),
             r"manifests\[0\] of index.json has an unexpected key 'urls'"),
            (setter(['manifests', 2, 'annotations', layout.ANN_ID],
                    KeyError), r'manifests\[2\] of index.json lacks the '
                               r'annotation org.openstack.glare.id'),
            (setter(['manifests', 2, 'annotations', layout.ANN_ID], DEP),
             'index.json lists artifact secrets/%s .* twice' % DEP),
        )
        for change, pattern in cases:
            self.index_refused(change, pattern)
        self.index_refused(lambda index: None, 'index.json lists 3 '
                           'artifacts, over the limit of 2',
                           layout.Limits(max_artifacts=2))

    def manifest_refused(self, change, pattern, limits=None, which=0):
        parts = Parts()
        change(parts.manifests[which])
        self.refused(parts.tar(), pattern, limits)

    def test_manifest(self):
        where = (r'the manifest of artifact murano_packages/%s '
                 r'\(blobs/sha256/\w+\)' % ROOT)

        def put(*path, value):
            def change(manifest):
                target = manifest
                for key in path[:-1]:
                    target = target[key]
                target[path[-1]] = value
            return change

        cases = (
            (put('schemaVersion', value=1), "has schemaVersion 1"),
            (put('schemaVersion', value='2'), "has schemaVersion '2'"),
            (put('mediaType', value=layout.INDEX_MEDIA_TYPE),
             'has an unknown media type'),
            (put('artifactType', value='application/vnd.oci.image.config.v1+'
                                       'json'), 'has artifactType'),
            (put('config', 'mediaType',
                 value='application/vnd.oci.image.config.v1+json'),
             'the config descriptor of %s has an unknown media type' % where),
            (put('layers', 0, 'mediaType', value='text/plain; charset=x'),
             r'layers\[0\] of %s has a malformed media type' % where),
            (put('layers', 0, 'annotations', value={}),
             r'layers\[0\] of %s lacks the annotation org.openstack.glare.'
             r'field' % where),
            (put('layers', 0, 'annotations', layout.ANN_TITLE, value='x'),
             r"layers\[0\] of %s has title 'x'; expected its field" % where),
            (put('layers', 1, 'annotations', value={
                layout.ANN_FIELD: 'images/empty',
                layout.ANN_TITLE: 'images/empty'}),
             r"layers\[1\] of %s is a second layer for field 'images/empty'"
             % where),
            (put('layers', value={}), 'the layers of %s are not a list'
             % where),
            (put('layers', 0, 'digest', value='md5:abc'),
             r'layers\[0\] of %s has a malformed digest' % where),
            (put('annotations', value=[]), 'the annotations of %s are not a '
                                           'map of strings' % where),
            (put('subject', value={}), "%s has an unexpected key 'subject'"
             % where),
        )
        for change, pattern in cases:
            self.manifest_refused(change, pattern)
        self.manifest_refused(
            lambda manifest: manifest.pop('layers'),
            "%s lacks the key 'layers'" % where)

    def test_messages_stay_short(self):
        self.manifest_refused(
            lambda m: m['layers'][0].update(mediaType='x' * MiB),
            r"layers\[0\] of the manifest .* has a malformed media type "
            r"'x{76}\.\.\.$")
        self.manifest_refused(
            lambda m: m['layers'][0].update(annotations={
                layout.ANN_FIELD: 'f' * MiB, layout.ANN_TITLE: 'g'}),
            r"has title 'g'; expected its field 'f{76}\.\.\.$")

    def test_layer_limits(self):
        data = bundle()
        self.refused(data, r'layers\[2\] of the manifest of artifact '
                     r'murano_packages/%s .* declares 2308 bytes, over the '
                     r'2000-byte limit of a blob' % ROOT,
                     layout.Limits(max_blob_size=2000))
        read_all(data, layout.Limits(max_blob_size=2308))
        # the layers alone would pass the total: refused before their data
        layers = sum(tarstream.entry_length(name, size) for name, size, src
                     in writer.plan_bundle(sample(), ROOT).entries[8:])
        limits = layout.Limits(max_total_size=len(data) - layers - 1024 +
                               2000)
        self.refused(data, r'the layers of the bundle declare 2340 bytes, '
                     r'over its size limit of %d bytes' % (
                         limits.max_total_size), limits)
        # the whole stream counts: JSON entries, headers, end blocks
        self.refused(data, r'takes the bundle over its size limit of 1000 '
                     'bytes', layout.Limits(max_total_size=1000))
        self.refused(data + bytes(512), r'the zeros after the end of the '
                     r'archive take the bundle over its size limit of %d '
                     r'bytes' % len(data), layout.Limits(
                         max_total_size=len(data)))
        self.refused(data, r'a tar header after entry index.json \(512 '
                     r'bytes\) takes the bundle over its size limit of 3100',
                     layout.Limits(max_total_size=3100))
        read_all(data, layout.Limits(max_total_size=len(data)))

    def test_config(self):
        where = (r'the config of artifact heat_templates/%s '
                 r'\(blobs/sha256/\w+\)' % DEP)
        cases = (
            (lambda c: c.update(type_name='images'),
             "%s has type_name 'images'; expected 'heat_templates'" % where),
            (lambda c: c['artifact'].update(id=ROOT),
             "%s has id '%s', but the index says '%s'" % (where, ROOT, DEP)),
            (lambda c: c['artifact'].update(version='9.9.9'),
             "%s has version '9.9.9', but the index says '2.1.0'" % where),
            (lambda c: c.update(artifact=[]),
             'the artifact of %s is not a JSON object' % where),
            (lambda c: c.update(type_version=1),
             '%s has a bad type_version 1' % where),
            (lambda c: c.update(links={'a': {'type_name': 'x'}}),
             "link 'a' of %s lacks the key 'id'" % where),
            (lambda c: c.update(links={'a': {'type_name': 'x', 'id': 3}}),
             "link 'a' of %s is not a pair of strings" % where),
            (lambda c: c.update(links=[]),
             'the links of %s are not a JSON object' % where),
            (lambda c: c.update(origin='x'),
             'the origin of %s is neither null nor a JSON object' % where),
            (lambda c: c.pop('origin'), "%s lacks the key 'origin'" % where),
            (lambda c: c.update(extra=1), "%s has an unexpected key 'extra'"
             % where),
        )
        for change, pattern in cases:
            parts = Parts()
            change(parts.configs[1])
            self.refused(parts.tar(), pattern)

    def test_json_blobs_shared_with_other_entries(self):
        parts = Parts()
        # two artifacts pointing at one config
        parts.configs[1] = copy.deepcopy(parts.configs[0])
        entries = parts.build()
        entries = entries[:5] + entries[6:]  # the config once
        self.refused(tar(entries), 'the config of artifact heat_templates/%s '
                     r'\(sha256:\w+\) is also another manifest or config'
                     % DEP)
        # a layer holding the bytes of a manifest
        parts = Parts()
        entries = parts.build()
        parts.manifests[2]['layers'] = [{
            'mediaType': 'a/b', 'digest': 'sha256:' + sha(entries[2][1]),
            'size': len(entries[2][1]),
            'annotations': {layout.ANN_FIELD: 'f', layout.ANN_TITLE: 'f'}}]
        self.refused(parts.tar(), 'field f of artifact secrets/%s holds the '
                     'same bytes as a manifest or config' % LEAF)

    # -- pax headers
    def test_pax_headers(self):
        _parts, entries = self.valid()
        name, body = entries[0]

        def with_pax(pax):
            return member(name, body, pax=pax) + tar(entries[1:])

        self.refused(with_pax({'path': '../../etc/passwd'}),
                     r"the pax header of entry oci-layout tries to rename "
                     r"it \(path='../../etc/passwd'\)")
        self.refused(with_pax({'linkpath': '/etc/shadow'}),
                     'tries to rename it')
        self.refused(with_pax({'comment': 'hi'}), "the pax header of entry "
                     "oci-layout holds key 'comment'; a bundle accepts only "
                     "atime, ctime, mtime, size")
        self.refused(with_pax({'SCHILY.xattr.user.x': 'y'}), 'holds key')
        self.refused(with_pax({'mtime': 'soon'}), 'has a bad mtime')
        self.refused(with_pax({'size': '-1'}), "has a bad size '-1'")
        # accepted: times (ignored) and a size
        self.assertEqual(read_all(tar(entries)),
                         read_all(with_pax({'mtime': '0.5', 'atime': '1',
                                            'size': str(len(body))})))
        # a pax size that lies about the data
        self.refused(with_pax({'size': str(len(body) + 600)}),
                     'the padding of entry oci-layout is not zeros')
        glob = tarfile.TarInfo.create_pax_global_header({'path': 'x'})
        self.refused(glob + tar(entries), 'is a pax global header')
        pax_only = tarfile.TarInfo('oci-layout')
        pax_only.pax_headers = {'size': '2'}
        full = pax_only.tobuf(tarfile.PAX_FORMAT) + b'{}' + bytes(510)
        head = full[:1024]
        self.refused(head + bytes(1024), 'a pax header is followed by no '
                     'entry')
        self.refused(head + head + bytes(1024), 'two pax headers in a row')
        for record in (b'99 size=', b'8 size=2', b'10 size2\n',
                       b'9 size:2\n'):
            malformed = bytearray(full)
            malformed[512:512 + len(record)] = record
            self.refused(bytes(malformed) + bytes(1024), 'the pax header of '
                         'entry oci-layout is malformed')

    # -- the consumer
    def test_abandoned_blob_data(self):
        data = bundle()
        events = reader.read_bundle(pieces(data, 100))
        for event in events:
            if event.kind == 'blob' and event.size > 1000:
                next(event.chunks)
                event.chunks.close()
                break
        with self.assertRaises(LayoutError) as ctx:
            next(events)
        self.assertRegex(str(ctx.exception), 'the data of blob blobs/sha256/'
                         r'\w+ was abandoned half read')

    def test_a_failed_blob_stays_failed(self):
        parts, entries = self.valid()
        layer_name, data = entries[-2]  # the large one follows
        bad = bytes([data[0] ^ 1]) + data[1:]
        events = reader.read_bundle(pieces(tar(
            entries[:-2] + [(layer_name, bad)] + entries[-1:]), 10))
        for event in events:
            if event.kind == 'blob' and event.size == len(bad):
                self.assertRaises(LayoutError, list, event.chunks)
                break
        self.assertRaisesRegex(LayoutError, 'does not match its name', next,
                               events)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) |
    st.sampled_from([2, '1', 'true', layout.INDEX_MEDIA_TYPE,
                     layout.MANIFEST_MEDIA_TYPE, layout.ARTIFACT_MEDIA_TYPE,
                     'sha256:' + '0' * 64]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(['schemaVersion', 'mediaType', 'manifests',
                         'annotations', 'digest', 'size', 'artifactType',
                         layout.ANN_ROOT, layout.ANN_ID, 'x']),
        inner, max_size=5),
    max_leaves=12)


class FuzzTest(base.TestCase):
    """Whatever the bytes, the reader answers with a LayoutError or a
    whole bundle: no other exception, no hang."""

    SETTINGS = hypothesis.settings(
        max_examples=300, deadline=None, derandomize=True, database=None,
        suppress_health_check=list(hypothesis.HealthCheck))

    def setUp(self):
        super().setUp()
        self.data = bundle()
        self.parts = Parts()

    def read(self, data):
        try:
            read_all(data, chunk=333)
        except LayoutError as e:
            self.assertTrue(str(e))

    @SETTINGS
    @hypothesis.given(st.lists(st.tuples(st.integers(0, 11263),
                                         st.integers(0, 255)),
                               min_size=1, max_size=4),
                      st.integers(0, 11264))
    def test_changed_bytes(self, changes, keep):
        data = bytearray(self.data)
        for pos, value in changes:
            data[pos] = value
        self.read(bytes(data[:keep]) if keep % 3 == 0 else bytes(data))

    @SETTINGS
    @hypothesis.given(JSON, st.integers(0, 3))
    def test_any_json_documents(self, value, where):
        parts = Parts()
        if where == 0:
            entries = self.parts.build()
            entries[1] = ('index.json', cj(value))
        elif where == 1:
            parts.manifests[0] = {'layers': [], 'config': {}, 'v': value}
            entries = parts.build()
        elif where == 2:
            parts.configs[1] = {'v': value}
            entries = parts.build()
        else:
            parts.manifests[0]['layers'] = [value]
            entries = parts.build()
        self.assertRaises(LayoutError, read_all, tar(entries))
