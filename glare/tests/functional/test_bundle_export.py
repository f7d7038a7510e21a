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

"""GET /artifacts/{type}/{id}/bundle: an artifact and its dependency
closure as an OCI image layout in a tar, streamed as it is built.

Every bundle is read back with the standard library's tarfile and checked
against the OCI image-layout rules by this module's own reader.
"""

import hashlib
import io
import json
import os
import socket
import tarfile

import requests

from glare.tests.fixtures import murano_packages as pkgs
from glare.tests.functional import base
from glare.tests.functional import test_locations

BUNDLE_TYPE = 'application/vnd.openstack.glare.bundle.v1+tar'
INDEX_TYPE = 'application/vnd.oci.image.index.v1+json'
MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json'
ARTIFACT_TYPE = 'application/vnd.openstack.glare.artifact.v1+json'
MURANO = 'murano_packages'
MIB = 1 << 20


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(',', ':'),
                      ensure_ascii=False).encode('utf-8')


class Bundle:
    """A bundle read back with tarfile and checked on the way.

    artifacts: {id: {'annotations', 'manifest', 'record', 'layers':
    {field: bytes}}}; root: the root's id; order: the tar member names.
    """

    def __init__(self, test, data):
        self.test = test
        self.order = []
        files = {}
        with tarfile.open(fileobj=io.BytesIO(data), mode='r:') as tar:
            for member in tar.getmembers():
                test.assertTrue(member.isfile(), member.name)
                test.assertEqual((0o644, 0, 0, 0, '', ''), (
                    member.mode, member.uid, member.gid, member.mtime,
                    member.uname, member.gname), member.name)
                test.assertNotIn(member.name, files, 'entry twice')
                self.order.append(member.name)
                files[member.name] = tar.extractfile(member).read()
        self.files = files
        test.assertEqual(['oci-layout', 'index.json'], self.order[:2])
        for name, content in files.items():
            if name in ('oci-layout', 'index.json'):
                continue
            test.assertTrue(name.startswith('blobs/sha256/'), name)
            test.assertEqual(name[len('blobs/sha256/'):],
                             hashlib.sha256(content).hexdigest(), name)
        test.assertEqual({'imageLayoutVersion': '1.0.0'},
                         self.json('oci-layout'))
        self.index = self.json('index.json')
        test.assertEqual((2, INDEX_TYPE, {'org.openstack.glare.bundle.'
                                          'version': '1'}),
                         (self.index['schemaVersion'],
                          self.index['mediaType'],
                          self.index['annotations']))
        self.artifacts = {}
        roots = []
        referenced = {'oci-layout', 'index.json'}
        for desc in self.index['manifests']:
            test.assertEqual((MANIFEST_TYPE, ARTIFACT_TYPE),
                             (desc['mediaType'], desc['artifactType']))
            manifest = self.blob(desc, referenced)
            test.assertEqual((2, MANIFEST_TYPE, ARTIFACT_TYPE, ARTIFACT_TYPE),
                             (manifest['schemaVersion'],
                              manifest['mediaType'],
                              manifest['artifactType'],
                              manifest['config']['mediaType']))
            record = self.blob(manifest['config'], referenced)
            ann = desc['annotations']
            test.assertEqual(
                (ann['org.openstack.glare.type'],
                 ann['org.openstack.glare.id'],
                 ann['org.openstack.glare.name'],
                 ann['org.openstack.glare.version']),
                (record['type_name'], record['artifact']['id'],
                 record['artifact']['name'],
                 record['artifact']['version']))
            if ann.get('org.openstack.glare.root') == 'true':
                roots.append(record['artifact']['id'])
            layers = {}
            for layer in manifest['layers']:
                field = layer['annotations']['org.openstack.glare.field']
                test.assertEqual(
                    field,
                    layer['annotations']['org.opencontainers.image.title'])
                layers[field] = self.blob(layer, referenced, raw=True)
            self.artifacts[record['artifact']['id']] = {
                'annotations': ann, 'manifest': manifest, 'record': record,
                'layers': layers}
        test.assertEqual(1, len(roots), roots)
        self.root = roots[0]
        test.assertEqual(set(files), referenced, 'unreferenced entries')
        # canonical order: every manifest and its config, then layers
        json_names = []
        for desc in self.index['manifests']:
            manifest = self.json(self.name(desc))
            json_names += [self.name(desc), self.name(manifest['config'])]
        test.assertEqual(json_names, self.order[2:2 + len(json_names)])

    @staticmethod
    def name(desc):
        return 'blobs/sha256/' + desc['digest'].split(':', 1)[1]

    def json(self, name):
        data = self.files[name]
        doc = json.loads(data)
        self.test.assertEqual(canonical(doc), data, name)
        return doc

    def blob(self, desc, referenced, raw=False):
        name = self.name(desc)
        self.test.assertIn(name, self.files, 'dangling %s' % desc)
        self.test.assertEqual(desc['size'], len(self.files[name]), name)
        referenced.add(name)
        return self.files[name] if raw else self.json(name)

    def record(self, artifact_id):
        return self.artifacts[artifact_id]['record']

    def layers(self, artifact_id):
        return self.artifacts[artifact_id]['layers']


#: the logo of the first package of ExportMixin.murano_chain
LOGO = b'\x89PNG\r\n' + bytes(100)


class ExportMixin(test_locations.LocationMixin):

    def murano_chain(self, prefix, count, requires=lambda i: i - 1):
        """count active Murano packages, package i requiring package
        requires(i) (the first one, with a logo, none): [(id, data)]."""
        names = [self.unique('io.test.%s%d' % (prefix, i)).replace('-', '_')
                 for i in range(count)]
        ids = []
        for i, name in enumerate(names):
            extra = {'Require': {names[requires(i)]: '>=1'}} if i else {
                'Logo': 'icon.png'}
            data = pkgs.package(name, '1.0.0', files={'icon.png': LOGO},
                                **extra)
            af = self.create(type_name=MURANO, name=self.unique())
            resp = self.request('PUT', self.url(af['id'], MURANO) +
                                '/package', headers=self.user, data=data,
                                content_type='application/octet-stream')
            self.assertEqual(200, resp.status_code, base.brief(resp))
            self.activate(af['id'], type_name=MURANO)
            ids.append((af['id'], data))
        return ids

    def link(self, artifact_id, type_name=base.SAMPLE):
        return '/artifacts/%s/%s' % (type_name, artifact_id)

    def bundle_path(self, artifact_id, type_name=base.SAMPLE, query=''):
        return self.url(artifact_id, type_name) + '/bundle' + query

    def export(self, artifact_id, type_name=base.SAMPLE, query='',
               headers=None, expect=200):
        resp = self.get(self.bundle_path(artifact_id, type_name, query),
                        headers=self.user if headers is None else headers)
        self.assertEqual(expect, resp.status_code, base.brief(resp))
        if expect != 200:
            return resp
        self.assertEqual(BUNDLE_TYPE, resp.headers['Content-Type'])
        self.assertEqual(str(len(resp.content)),
                         resp.headers['Content-Length'])
        self.assertIn('attachment; filename=',
                      resp.headers['Content-Disposition'])
        return Bundle(self, resp.content)


@base.with_backends
class ExportTests(ExportMixin):

    CONFIG = {'locations': {'allowed_networks': '127.0.0.1/32'}}

    def tree(self):
        """app → (list) mid → (link1) lib → (link1) app: a cycle; app →
        (dict) leaf. Blobs on each; lib's folder shares mid's bytes."""
        app = self.create()
        lib = self.create(link1=self.link(app['id']))
        mid = self.create(link1=self.link(lib['id']))
        leaf = self.create()
        self.set_values(app['id'], list_of_links=[self.link(mid['id'])],
                        dict_of_links={'leaf': self.link(leaf['id'])})
        data = {'app': b'app data' * 100, 'mid': b'shared bytes' * 50,
                'leaf': os.urandom(3000)}
        self.upload(app['id'], 'blob', data['app'],
                    content_type='text/plain; charset=utf-8')
        self.upload(mid['id'], 'blob', data['mid'])
        self.upload(leaf['id'], 'blob', data['leaf'])
        self.upload(lib['id'], 'dict_of_blobs', b'k1 data', key='k1')
        self.upload(lib['id'], 'dict_of_blobs', data['mid'], key='k2')
        return app, mid, lib, leaf, data

    def test_closure_through_every_link_kind_and_a_cycle(self):
        app, mid, lib, leaf, data = self.tree()
        bundle = self.export(app['id'])
        self.assertEqual(app['id'], bundle.root)
        self.assertEqual({app['id'], mid['id'], lib['id'], leaf['id']},
                         set(bundle.artifacts))
        # the root first, then the others by type and id
        self.assertEqual([app['id']] + sorted([mid['id'], lib['id'],
                                               leaf['id']]),
                         [d['annotations']['org.openstack.glare.id']
                          for d in bundle.index['manifests']])
        record = bundle.record(app['id'])
        # a local artifact's record names this cloud as its origin
        cloud_id = self.get('/federation').json()['cloud_id']
        self.assertEqual(('sample_artifact', '1.3', {
            'cloud_id': cloud_id, 'upstream': None, 'id': app['id'],
            'digest': None}), (record['type_name'], record['type_version'],
                               record['origin']))
        self.assertEqual(self.show(app['id']), record['artifact'])
        self.assertEqual({
            'list_of_links[0]': {'type_name': base.SAMPLE, 'id': mid['id']},
            'dict_of_links/leaf': {'type_name': base.SAMPLE,
                                   'id': leaf['id']}}, record['links'])
        self.assertEqual({'link1': {'type_name': base.SAMPLE,
                                    'id': app['id']}},
                         bundle.record(lib['id'])['links'])
        self.assertEqual({'blob': data['app']}, bundle.layers(app['id']))
        self.assertEqual({'blob': data['mid']}, bundle.layers(mid['id']))
        self.assertEqual({'dict_of_blobs/k1': b'k1 data',
                          'dict_of_blobs/k2': data['mid']},
                         bundle.layers(lib['id']))
        # the blob's media type without its parameters
        layer, = bundle.artifacts[app['id']]['manifest']['layers']
        self.assertEqual('text/plain', layer['mediaType'])
        self.assertEqual('text/plain; charset=utf-8',
                         record['artifact']['blob']['content_type'])
        # the same bytes are stored once: 4 manifests, 4 configs, 4 layers
        self.assertEqual(2 + 8 + 4, len(bundle.order))
        # the same artifacts give the same bytes
        again = self.get(self.bundle_path(app['id']), headers=self.user)
        self.assertEqual(bundle.files, Bundle(self, again.content).files)

    def test_dependencies_none_and_from_the_middle(self):
        app, mid, lib, _leaf, data = self.tree()
        bundle = self.export(app['id'], query='?dependencies=none')
        self.assertEqual([app['id']], list(bundle.artifacts))
        # the links are recorded all the same
        self.assertEqual(2, len(bundle.record(app['id'])['links']))
        bundle = self.export(mid['id'], query='?dependencies=closure')
        self.assertEqual(mid['id'], bundle.root)
        self.assertEqual(4, len(bundle.artifacts))
        # through type "all" too
        bundle = self.export(lib['id'], type_name='all')
        self.assertEqual(lib['id'], bundle.root)

    def test_bad_requests(self):
        af = self.create()
        for query in ('?dependencies=all', '?dependencies=',
                      '?dependencies=none&dependencies=none',
                      '?depth=1'):
            self.assertError(400, self.export(af['id'], query=query,
                                              expect=400))
        self.assertError(404, self.export(
            '00000000-0000-0000-0000-000000000000', expect=404))
        self.assertError(404, self.export(af['id'], headers=self.auth(
            self.new_project()), expect=404))
        self.assertError(404, self.get(self.bundle_path(af['id']) + '/x',
                                       headers=self.user))
        resp = self.request('POST', self.bundle_path(af['id']),
                            headers=self.user)
        self.assertError(405, resp)
        self.assertEqual('GET, HEAD', resp.headers['Allow'])
        self.assertError(404, self.export(af['id'], type_name='images',
                                          expect=404))

    def head(self, artifact_id, query='', headers=None):
        return self.request('HEAD', self.bundle_path(artifact_id) + query,
                            headers=self.user if headers is None
                            else headers)

    def test_digest_header_and_head_without_reading_a_blob(self):
        app, mid, _lib, _leaf, _data = self.tree()
        for query in ('?dependencies=none', '', '?dependencies=closure'):
            got = self.get(self.bundle_path(app['id']) + query,
                           headers=self.user)
            self.assertEqual(200, got.status_code, base.brief(got))
            bundle = Bundle(self, got.content)
            root, = [d for d in bundle.index['manifests']
                     if d['annotations'].get('org.openstack.glare.root')]
            # the root's manifest digest, known before the first byte
            self.assertEqual(root['digest'],
                             got.headers['X-Glare-Bundle-Digest'])
            head = self.head(app['id'], query)
            self.assertEqual(200, head.status_code, base.brief(head))
            self.assertEqual(b'', head.content)
            for name in ('X-Glare-Bundle-Digest', 'Content-Length',
                         'Content-Type', 'Content-Disposition'):
                self.assertEqual(got.headers[name], head.headers[name], name)
        # an artifact's manifest is the same in every bundle holding it
        digests = {d['annotations']['org.openstack.glare.id']: d['digest']
                   for d in bundle.index['manifests']}
        self.assertEqual(digests[mid['id']], self.head(
            mid['id'], '?dependencies=none').headers['X-Glare-Bundle-Digest'])
        # ... and what an import records as the copy's origin digest
        solo = self.create()
        self.upload(solo['id'], 'blob', b'solo data')
        exported = self.get(self.bundle_path(solo['id']),
                            headers=self.user)
        self.assertEqual(204, self.delete(self.url(solo['id']),
                                          headers=self.user).status_code)
        other = self.auth(self.new_project())
        resp = self.request('POST', '/artifacts/import', headers=other,
                            data=exported.content, content_type=BUNDLE_TYPE)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual(exported.headers['X-Glare-Bundle-Digest'],
                         self.show(solo['id'], headers=other)['origin'][
                             'digest'])
        # HEAD opens no blob: with the stored data gone, it still answers
        # (and GET, which reads it, breaks off)
        probe = self.create()
        unique = os.urandom(4000)
        self.upload(probe['id'], 'blob', unique)
        digest = self.head(probe['id']).headers['X-Glare-Bundle-Digest']
        blobs = os.path.join(self.server.workdir, 'state', 'blobs')
        gone = []
        for name in os.listdir(blobs):
            with open(os.path.join(blobs, name), 'rb') as f:
                if f.read() == unique:
                    gone.append(f.name)
        self.assertEqual(1, len(gone), gone)
        os.rename(gone[0], gone[0] + '.away')
        self.addCleanup(os.rename, gone[0] + '.away', gone[0])
        head = self.head(probe['id'])
        self.assertEqual(200, head.status_code, base.brief(head))
        self.assertEqual(digest, head.headers['X-Glare-Bundle-Digest'])
        with self.assertRaises(requests.RequestException):
            self.get(self.bundle_path(probe['id']), headers=self.user)
        # refusals: the status alone
        stranger = self.auth(self.new_project())
        for artifact_id, query, headers, code in (
                (app['id'], '?dependencies=all', None, 400),
                ('00000000-0000-0000-0000-000000000000', '', None, 404),
                (app['id'], '', stranger, 404)):
            head = self.head(artifact_id, query, headers)
            self.assertEqual(code, head.status_code, base.brief(head))
            self.assertEqual(b'', head.content)

    def test_unreadable_dependency_is_named(self):
        other = self.auth(self.new_project())
        theirs = self.create(headers=other)
        self.set_values(theirs['id'], headers=other, visibility='shared')
        resp = self.post(self.url(theirs['id']) + '/members',
                         {'member': self.project}, headers=other)
        self.assertEqual(201, resp.status_code, base.brief(resp))
        readable = self.create()
        app = self.create(link1=self.link(theirs['id']),
                          link2=self.link(readable['id']))
        self.export(app['id'])
        # the owner takes the access back: the link stays
        self.set_values(theirs['id'], headers=other, visibility='private')
        body = self.assertError(409, self.export(app['id'], expect=409),
                                theirs['id'])
        self.assertEqual([{'type_name': base.SAMPLE, 'id': theirs['id'],
                           'reason': 'you cannot read it'}],
                         body['dependencies'])
        # without dependencies, the artifact alone goes
        self.export(app['id'], query='?dependencies=none')
        # an admin reads everything
        bundle = self.export(app['id'], headers=self.admin)
        self.assertEqual(3, len(bundle.artifacts))

    def test_dependency_that_no_longer_resolves(self):
        dep = self.create()
        app = self.create(list_of_links=[self.link(dep['id'])])
        self.assertEqual(204, self.delete(self.url(dep['id']),
                                          headers=self.user).status_code)
        body = self.assertError(409, self.export(app['id'], expect=409),
                                'no longer resolves')
        self.assertEqual([dep['id']], [d['id'] for d in body['dependencies']])

    def test_dependency_whose_data_the_caller_may_not_download(self):
        dep = self.create()
        self.upload(dep['id'], 'blob', b'data')
        self.activate(dep['id'])
        app = self.create(link1=self.link(dep['id']))
        self.set_values(dep['id'], headers=self.admin, status='deactivated')
        body = self.assertError(409, self.export(app['id'], expect=409),
                                'download')
        self.assertEqual(dep['name'], body['dependencies'][0]['name'])
        self.export(app['id'], headers=self.admin)
        # the root itself: 403
        self.assertError(403, self.export(dep['id'], expect=403))

    def test_public_dependency_of_another_project(self):
        other = self.auth(self.new_project())
        pub = self.create(headers=other)
        self.upload(pub['id'], 'blob', b'public data', headers=other)
        self.activate(pub['id'], headers=other)
        self.publish(pub['id'])
        app = self.create(link1=self.link(pub['id']))
        bundle = self.export(app['id'])
        self.assertEqual({'blob': b'public data'}, bundle.layers(pub['id']))
        # a member of a shared artifact exports it with its dependencies
        self.set_values(app['id'], visibility='shared')
        member = self.new_project()
        resp = self.post(self.url(app['id']) + '/members',
                         {'member': member}, headers=self.user)
        self.assertEqual(201, resp.status_code, base.brief(resp))
        bundle = self.export(app['id'], headers=self.auth(member))
        self.assertEqual(2, len(bundle.artifacts))

    def test_blob_being_uploaded(self):
        af = self.create()
        # a blob row in status saving, as an upload in flight leaves it
        sock = self.slow_upload(af['id'])
        self.assertTrue(self.wait_until(lambda: (self.show(af['id'])[
            'blob'] or {}).get('status') == 'saving'))
        self.assertError(409, self.export(af['id'], expect=409),
                         'being uploaded')
        sock.close()

    def slow_upload(self, artifact_id):
        sock = socket.create_connection(('127.0.0.1', self.server.port))
        self.addCleanup(sock.close)
        lines = ['PUT %s HTTP/1.1' % self.blob_path(artifact_id, 'blob'),
                 'Host: 127.0.0.1', 'Content-Length: 100',
                 'Content-Type: application/octet-stream']
        lines += ['%s: %s' % kv for kv in self.user.items()]
        sock.sendall(('\r\n'.join(lines) + '\r\n\r\n').encode() + b'x')
        return sock

    def test_external_blob_is_in_the_record_only(self):
        af = self.create()
        resp = self.set_location(af['id'], 'blob', {
            'url': self.origin_url()})
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.upload(af['id'], 'dict_of_blobs', b'stored', key='k')
        bundle = self.export(af['id'])
        self.assertEqual({'dict_of_blobs/k': b'stored'},
                         bundle.layers(af['id']))
        blob = bundle.record(af['id'])['artifact']['blob']
        self.assertEqual((True, self.origin_url(),
                          hashlib.sha256(test_locations.DATA).hexdigest()),
                         (blob['external'], blob['url'], blob['sha256']))

    def test_artifact_without_blobs(self):
        af = self.create(version='2.0.1-beta+build.5',
                         tags=['a', 'b'], metadata={'k': 'v'})
        bundle = self.export(af['id'])
        manifest = bundle.artifacts[af['id']]['manifest']
        self.assertEqual([], manifest['layers'])
        self.assertEqual('2.0.1-beta+build.5',
                         bundle.index['manifests'][0]['annotations'][
                             'org.openstack.glare.version'])

    def test_murano_packages_with_a_require_chain(self):
        ids = self.murano_chain('P', 3)
        top = ids[-1][0]
        bundle = self.export(top, type_name=MURANO)
        self.assertEqual({i for i, _d in ids}, set(bundle.artifacts))
        for i, (af_id, data) in enumerate(ids):
            layers = bundle.layers(af_id)
            self.assertEqual(data, layers['package'])
            record = bundle.record(af_id)
            self.assertEqual(MURANO, record['type_name'])
            if i:
                self.assertEqual({'dependencies[0]': {
                    'type_name': MURANO, 'id': ids[i - 1][0]}},
                    record['links'])
            else:
                # the logo the package held, a key of a system folder
                self.assertEqual(LOGO, layers['resources/logo'])

    def worker_pid(self):
        master = self.server.process.pid
        with open('/proc/%d/task/%d/children' % (master, master)) as f:
            children = f.read().split()
        self.assertEqual(1, len(children), children)
        return int(children[0])

    @staticmethod
    def peak_rss(pid):
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) * 1024
        raise AssertionError('no VmHWM')

    def test_large_blob_streams_with_flat_memory(self):
        size = 256 * MIB
        af = self.create(type_name='images')
        block = os.urandom(MIB)
        expected = hashlib.sha256()
        for _i in range(size // MIB):
            expected.update(block)
        resp = self.request('PUT', self.url(af['id'], 'images') + '/image',
                            headers=self.user, data=(
                                block for _i in range(size // MIB)),
                            content_type='application/octet-stream')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        pid = self.worker_pid()
        before = self.peak_rss(pid)
        with requests.get(self.server.url +
                          self.bundle_path(af['id'], 'images'),
                          headers=self.user, stream=True,
                          timeout=base.HTTP_TIMEOUT) as resp:
            self.assertEqual(200, resp.status_code)
            total = int(resp.headers['Content-Length'])
            # the stream read as a tar, the blob hashed as it comes
            got = hashlib.sha256()
            seen = 0
            with tarfile.open(fileobj=resp.raw, mode='r|') as tar:
                for member in tar:
                    f = tar.extractfile(member)
                    while True:
                        chunk = f.read(MIB)
                        if not chunk:
                            break
                        seen += len(chunk)
                        if member.size == size:
                            got.update(chunk)
        self.assertEqual(expected.hexdigest(), got.hexdigest())
        self.assertGreater(total, size)
        self.assertGreater(seen, size)
        grown = self.peak_rss(pid) - before
        # a few chunks in flight, never the blob
        self.assertLess(grown, 32 * MIB, 'the worker grew %d MiB' % (
            grown // MIB))


@base.with_backends
class DatabaseStoreExportTests(ExportMixin):
    """The type's blobs in the database store."""

    CONFIG = {'artifact_type:sample_artifact': {'default_store': 'database'}}

    def test_export_reads_the_database_store(self):
        dep = self.create()
        data = os.urandom(2 * MIB + 5)
        self.upload(dep['id'], 'blob', data)
        app = self.create(dict_of_links={'d': self.link(dep['id'])})
        self.upload(app['id'], 'dict_of_blobs', b'x' * 10, key='a/b')
        bundle = self.export(app['id'])
        self.assertEqual({'blob': data}, bundle.layers(dep['id']))
        self.assertEqual({'dict_of_blobs/a/b': b'x' * 10},
                         bundle.layers(app['id']))
