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

"""A bundle read by a tool no one here wrote: oras-py.

A live glare-api exports a bundle; its OCI image layout, extracted from
the tar, is pushed by ``oras.layout`` to a real registry (docker-registry,
CNCF distribution, started by the fixture of test_bundle_cli) and pulled
back by oras: every manifest, config and layer comes back byte for byte,
and the bundle rebuilt from oras' pull, or pulled by glare-bundle from
what oras pushed, is the very bundle exported. oras-py pushes only the
manifest named by the ``org.opencontainers.image.ref.name`` annotation of
the layout's index.json (the bundle's index names none): the index the
push reads is written beside the bundle's, tagging the bundle's own index
and each artifact's manifest; the bundle's index.json, untouched, is the
blob of the bundle tag.
"""

import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile

import oras.layout
import oras.provider

from glare.tests.functional import base
from glare.tests.functional import test_bundle_cli as cli_tests
from glare.tests.functional import test_bundle_export as export_tests

REF_NAME = 'org.opencontainers.image.ref.name'
BUNDLE_TAG = 'bundle'


def blob_path(root, digest):
    return os.path.join(root, 'blobs', *digest.split(':', 1))


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def tar_of(entries):
    """A bundle tar made with the standard library's tar headers:
    reproducible attributes, as the format asks, and no record padding
    after the two end-of-archive blocks (tarfile pads to 10 KiB)."""
    out = []
    for name, data in entries:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o644
        info.mtime = 0
        out += [info.tobuf(tarfile.PAX_FORMAT, 'utf-8', 'strict'), data,
                bytes(-len(data) % tarfile.BLOCKSIZE)]
    return b''.join(out) + bytes(2 * tarfile.BLOCKSIZE)


class OrasTests(export_tests.ExportMixin, base.FunctionalTest):

    BACKEND = 'sqlite'
    tree = export_tests.ExportTests.tree

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = None
        if os.path.exists(cli_tests.REGISTRY_BINARY):
            cls.registry = cli_tests.Registry(cls.workdir)
            cls.addClassCleanup(cls.registry.stop)
            cls.registry.start()

    def setUp(self):
        super().setUp()
        if self.registry is None:
            self.skipTest('%s is absent (Debian package docker-registry; '
                          '.ci/run installs it)' % cli_tests.REGISTRY_BINARY)
        self.tmp = os.path.join(self.workdir, self.unique('o'))
        os.makedirs(self.tmp)
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.oras = oras.provider.Registry(hostname=self.registry.host,
                                           insecure=True)
        self.repo = '%s/glare/%s' % (self.registry.host,
                                     self.unique('r').lower())

    def exported(self):
        app, mid, lib, leaf, _data = self.tree()
        resp = self.get(self.bundle_path(app['id']), headers=self.user)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.content, export_tests.Bundle(self, resp.content)

    def extract(self, data):
        """The bundle's OCI layout as files; the index oras reads tags
        the bundle's index and every artifact's manifest."""
        root = os.path.join(self.tmp, 'layout')
        with tarfile.open(fileobj=io.BytesIO(data), mode='r:') as tar:
            tar.extractall(root, filter='data')
        index_bytes = read(os.path.join(root, 'index.json'))
        index = json.loads(index_bytes)
        index_digest = 'sha256:' + hashlib.sha256(index_bytes).hexdigest()
        return root, index, index_bytes, index_digest

    def push(self, root, tags):
        """oras pushes each tag of tags ({tag: descriptor}) from root."""
        os.replace(os.path.join(root, 'index.json'),
                   os.path.join(root, 'bundle-index.json'))
        try:
            with open(os.path.join(root, 'index.json'), 'w') as f:
                json.dump({'schemaVersion': 2, 'manifests': [
                    dict(desc, annotations={REF_NAME: tag})
                    for tag, desc in tags.items()]}, f)
            layout = oras.layout.NewLayout(root)
            for tag in tags:
                resp = layout.push_to_registry(
                    self.oras, '%s:%s' % (self.repo, tag), tag=tag)
                self.assertEqual(201, resp.status_code, resp.text)
                self.assertEqual(tags[tag]['digest'],
                                 resp.headers['Docker-Content-Digest'])
        finally:
            os.replace(os.path.join(root, 'bundle-index.json'),
                       os.path.join(root, 'index.json'))

    def pull(self, tag):
        root = os.path.join(self.tmp, 'pulled-' + tag)
        layout = oras.layout.Layout(root, validate=False)
        layout.pull_from_registry(self.oras, '%s:%s' % (self.repo, tag),
                                  tag=tag)
        oras.layout.NewLayout(root)  # a valid layout to oras itself
        return root

    def assertSameBlobs(self, original, pulled):
        """Every blob oras pulled is the bundle's, byte for byte, under
        its own digest."""
        names = sorted(os.listdir(os.path.join(pulled, 'blobs', 'sha256')))
        self.assertTrue(names)
        for name in names:
            data = read(os.path.join(pulled, 'blobs', 'sha256', name))
            self.assertEqual(name, hashlib.sha256(
                data).hexdigest())
            self.assertEqual(read(blob_path(original, 'sha256:' + name)),
                             data, name)
        return set(names)

    def test_oras_pushes_and_pulls_every_manifest_byte_identical(self):
        data, bundle = self.exported()
        root, index, index_bytes, index_digest = self.extract(data)
        self.assertEqual(4, len(index['manifests']))
        # the bundle's index, as a blob of the layout, is the bundle tag
        with open(blob_path(root, index_digest), 'wb') as f:
            f.write(index_bytes)
        tags = {BUNDLE_TAG: {'mediaType': index['mediaType'],
                             'digest': index_digest,
                             'size': len(index_bytes)}}
        for desc in index['manifests']:
            tag = 'artifact-' + desc['annotations'][
                'org.openstack.glare.id']
            tags[tag] = {k: desc[k] for k in ('mediaType', 'digest', 'size')}
        self.push(root, tags)

        # each artifact's manifest alone: it, its config, its layers
        for tag, desc in tags.items():
            if tag == BUNDLE_TAG:
                continue
            pulled = self.pull(tag)
            manifest = json.loads(read(blob_path(root, desc['digest'])))
            expected = {d['digest'].split(':')[1] for d in
                        [desc, manifest['config']] + manifest['layers']}
            self.assertEqual(expected, self.assertSameBlobs(root, pulled))
            self.assertEqual(desc['digest'], json.loads(read(os.path.join(
                pulled, 'index.json')))['manifests'][0]['digest'])

        # the bundle tag: the index, every manifest, config and layer
        pulled = self.pull(BUNDLE_TAG)
        every = {os.path.basename(n) for n in bundle.order
                 if n.startswith('blobs/')}
        self.assertEqual(every | {index_digest.split(':')[1]},
                         self.assertSameBlobs(root, pulled))

        # the tar rebuilt from oras' pull, in the bundle's canonical order,
        # is the exported bundle, and glare-bundle verifies it
        pulled_index = read(blob_path(pulled, index_digest))
        self.assertEqual(index_bytes, pulled_index)
        rebuilt = tar_of(
            [('oci-layout', export_tests.canonical(
                {'imageLayoutVersion': '1.0.0'})),
             ('index.json', pulled_index)] +
            [(name, read(os.path.join(pulled, name)))
             for name in bundle.order if name.startswith('blobs/')])
        self.assertEqual(data, rebuilt)
        path = os.path.join(self.tmp, 'rebuilt.tar')
        with open(path, 'wb') as f:
            f.write(rebuilt)
        proc = self.cli('verify', path)
        self.assertIn('valid bundle of 4 artifact(s)', proc.stdout.decode())

        # glare-bundle pulls what oras pushed: the same bytes
        out = os.path.join(self.tmp, 'glare-pulled.tar')
        self.cli('pull', 'oci://%s:%s' % (self.repo, BUNDLE_TAG), out,
                 '--insecure')
        self.assertEqual(data, read(out))

    def test_a_damaged_pull_is_refused_by_verify(self):
        data, bundle = self.exported()
        root, index, index_bytes, index_digest = self.extract(data)
        with open(blob_path(root, index_digest), 'wb') as f:
            f.write(index_bytes)
        self.push(root, {BUNDLE_TAG: {'mediaType': index['mediaType'],
                                      'digest': index_digest,
                                      'size': len(index_bytes)}})
        pulled = self.pull(BUNDLE_TAG)
        # a layer changed after oras' pull: the rebuilt bundle fails verify
        layers = [n for n in bundle.order if n.startswith('blobs/')][-1:]
        entries = [('oci-layout', export_tests.canonical(
            {'imageLayoutVersion': '1.0.0'})),
            ('index.json', read(blob_path(pulled, index_digest)))]
        for name in bundle.order:
            if name.startswith('blobs/'):
                body = read(os.path.join(pulled, name))
                if name in layers:
                    body = bytes([body[0] ^ 1]) + body[1:]
                entries.append((name, body))
        path = os.path.join(self.tmp, 'damaged.tar')
        with open(path, 'wb') as f:
            f.write(tar_of(entries))
        proc = self.cli('verify', path, expect=1)
        self.assertIn('sha256', proc.stderr.decode())

    def cli(self, *args, expect=0):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith('OS_')}
        env['XDG_CONFIG_HOME'] = env['HOME'] = self.workdir
        proc = subprocess.run([cli_tests._script()] + list(args),
                              capture_output=True, env=env,
                              stdin=subprocess.DEVNULL,
                              timeout=cli_tests.CLI_TIMEOUT)
        self.assertEqual(expect, proc.returncode, proc.stderr[-3000:])
        return proc
