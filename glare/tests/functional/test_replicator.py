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

"""glare-replicator, the command, between two live glare-api deployments.

A source and a target, each a real glare-api with its own SQLite
database and file store (the command sees the same API whatever the
database). The command runs as ``python -m glare.cmd.replicator`` (the
console script of setup.cfg, without reinstalling the venv); each test
works in projects and artifacts of its own on both sides.

The large-image test copies 1 GiB (about 40 s here; GLARE_TEST_LARGE=0
makes it 256 MiB for a quick run).
"""

import fcntl
import hashlib
import json
import os
import pty
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
import unittest
import uuid

import requests

import glare
from glare.tests.fixtures import processes
from glare.tests.functional import base

SAMPLE = base.SAMPLE
IMAGES = 'images'
MIB = 1 << 20
CLI_TIMEOUT = 600
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(glare.__file__)))
#: [DEFAULT] stale_upload_timeout of both sides
STALE = 2
#: the large image: 1 GiB, 256 MiB with GLARE_TEST_LARGE=0
LARGE = (256 if os.environ.get('GLARE_TEST_LARGE') == '0' else 1024) * MIB


class ReplicatorTests(unittest.TestCase):
    """Two glare-api: cls.servers['source'] and cls.servers['target']."""

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workdir = tempfile.mkdtemp(prefix='glare-replicator-')
        if not os.environ.get('GLARE_TEST_KEEP_LOGS'):
            cls.addClassCleanup(shutil.rmtree, cls.workdir, True)
        cls.servers = {}
        for side in ('source', 'target'):
            os.makedirs(os.path.join(cls.workdir, side))
            cls.start(side)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(('OS_', 'GLARE_SOURCE_',
                                    'GLARE_TARGET_'))}
        env['PYTHONPATH'] = ROOT
        # no clouds.yaml of the user's
        env['XDG_CONFIG_HOME'] = env['HOME'] = cls.workdir
        cls.cli_env = env

    @classmethod
    def start(cls, side):
        """Start (or restart, on the same database and store) a side."""
        workdir = os.path.join(cls.workdir, side)
        server = base.GlareServer(
            workdir, 'sqlite:///%s' % os.path.join(workdir, 'state',
                                                   'glare.sqlite'),
            config={'federation': {'cloud_id': 'cloud-%s' % side},
                    # an import cut off by a crash is taken for dead, and
                    # undone, after this many seconds (default 15)
                    'DEFAULT': {'stale_upload_timeout': STALE}})
        cls.servers[side] = server
        cls.addClassCleanup(server.stop, wait=False)
        server.start()
        return server

    def setUp(self):
        super().setUp()
        self.session = requests.Session()
        self.addCleanup(self.session.close)
        self.projects = {side: 'p%s-%s' % (side[0], uuid.uuid4().hex[:10])
                         for side in ('source', 'target')}
        self.tmp = tempfile.mkdtemp(dir=self.workdir)

    # -- the API ---------------------------------------------------------
    def auth(self, side, project=None):
        return base.FunctionalTest.auth(project or self.projects[side])

    def call(self, side, method, path, expect=None, headers=None, **kw):
        sent = dict(self.auth(side))
        sent.update(headers or {})
        resp = self.session.request(method, self.servers[side].url + path,
                                    headers=sent, timeout=120, **kw)
        if expect is not None:
            self.assertEqual(expect, resp.status_code, base.brief(resp))
        return resp

    def create(self, side='source', type_name=SAMPLE, **fields):
        fields.setdefault('name', 'af-' + uuid.uuid4().hex[:10])
        return self.call(side, 'POST', '/artifacts/%s' % type_name, 201,
                         json=fields).json()

    def update(self, art, side='source', type_name=SAMPLE, **values):
        ops = [{'op': 'replace', 'path': '/' + k, 'value': v}
               for k, v in values.items()]
        return self.call(side, 'PATCH', '/artifacts/%s/%s' % (
            type_name, art['id']), 200, data=json.dumps(ops), headers={
                'Content-Type': 'application/json-patch+json'}).json()

    def upload(self, art, field, data, side='source', type_name=SAMPLE):
        return self.call(side, 'PUT', '/artifacts/%s/%s/%s' % (
            type_name, art['id'], field), 200, data=data, headers={
                'Content-Type': 'application/octet-stream'}).json()

    def show(self, art_id, side='target', type_name=SAMPLE, expect=200):
        resp = self.call(side, 'GET', '/artifacts/%s/%s' % (type_name,
                                                            art_id), expect)
        return resp.json() if expect == 200 else None

    def listed(self, side='target', type_name=SAMPLE):
        return {a['id']: a for a in self.call(
            side, 'GET', '/artifacts/%s?limit=1000' % type_name,
            200).json()['artifacts']}

    def download(self, art_id, field, side='target', type_name=SAMPLE):
        return self.call(side, 'GET', '/artifacts/%s/%s/%s' % (
            type_name, art_id, field), 200).content

    def digest(self, art, type_name=SAMPLE):
        """The manifest digest of the source artifact (HEAD)."""
        return self.call('source', 'HEAD', '/artifacts/%s/%s/bundle?'
                         'dependencies=none' % (type_name, art['id']),
                         200).headers['X-Glare-Bundle-Digest']

    @staticmethod
    def link(art, type_name=SAMPLE):
        return '/artifacts/%s/%s' % (type_name, art['id'])

    # -- the command -----------------------------------------------------
    def sides(self, source=True, target=True):
        args = []
        for side, wanted in (('source', source), ('target', target)):
            if wanted:
                args += ['--%s-url' % side, self.servers[side].url,
                         '--%s-project-id' % side, self.projects[side]]
        return args

    def argv(self, command, *args, source=True, target=True, as_json=True):
        return ([sys.executable, '-m', 'glare.cmd.replicator', command] +
                self.sides(source, target) + list(args) +
                (['--json'] if as_json else []))

    def replicate(self, command, *args, expect=0, source=True, target=True,
                  as_json=True, env=None, **kw):
        """Run the command; its JSON document (as_json) or the process."""
        argv = self.argv(command, *args, source=source, target=target,
                         as_json=as_json)
        kw.setdefault('stderr', subprocess.PIPE)
        proc = subprocess.run(argv, stdout=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, timeout=CLI_TIMEOUT,
                              env=dict(self.cli_env, **(env or {})), **kw)
        if expect is not None:
            self.assertEqual(expect, proc.returncode, '%s\nstdout: %s\n'
                             'stderr: %s' % (
                                 ' '.join(argv), proc.stdout[-4000:].decode(
                                     errors='replace'), (proc.stderr or b'')[
                                     -3000:].decode(errors='replace')))
        if as_json:
            return json.loads(proc.stdout)
        return proc

    def fails(self, *args, message, code=1, **kw):
        """The command ends with code and one line on stderr saying
        message (no traceback); returns the process."""
        proc = self.replicate(*args, expect=code, as_json=False, **kw)
        lines = proc.stderr.decode().splitlines()
        self.assertEqual(1, len(lines), lines)
        self.assertTrue(lines[0].startswith('glare-replicator: error: '),
                        lines)
        self.assertIn(message, lines[0])
        return proc

    @staticmethod
    def states(doc):
        return {a['id']: a['state'] for a in doc['artifacts']}

    # -- fixtures --------------------------------------------------------
    def tree(self):
        """app → (list) mid → (link1) lib → (link1) app: a cycle; app →
        (dict) leaf; solo alone. Blobs on app, leaf and solo (a folder
        key)."""
        app = self.create(description='the app', tags=['t1'])
        lib = self.create(link1=self.link(app))
        mid = self.create(link1=self.link(lib))
        leaf = self.create()
        app = self.update(app, list_of_links=[self.link(mid)],
                          dict_of_links={'leaf': self.link(leaf)})
        solo = self.create(metadata={'k': 'v'})
        data = {'app': b'app data ' * 1000, 'leaf': os.urandom(5000),
                'solo': os.urandom(1500)}
        self.upload(app, 'blob', data['app'])
        self.upload(leaf, 'blob', data['leaf'])
        self.upload(solo, 'dict_of_blobs/k1', data['solo'])
        arts = {'app': app, 'lib': lib, 'mid': mid, 'leaf': leaf,
                'solo': solo}
        return {k: self.show(v['id'], 'source') for k, v in arts.items()}, \
            data

    def assertCopied(self, source_doc, skipped=()):
        """The target's copy has the source's values (but the fields an
        import sets, and skipped ones) and its origin."""
        copy = self.show(source_doc['id'])
        own = {'owner', 'updated_at', 'origin', 'visibility'} | set(skipped)
        self.assertEqual({k: v for k, v in source_doc.items()
                          if k not in own},
                         {k: v for k, v in copy.items() if k not in own})
        self.assertEqual(('cloud-source', source_doc['id']), (
            copy['origin']['cloud_id'], copy['origin']['id']))
        return copy

    # -- the tests -------------------------------------------------------
    def test_size_compare_livecopy_and_a_second_run(self):
        arts, data = self.tree()
        ids = {a['id'] for a in arts.values()}
        size = self.replicate('size', target=False)
        self.assertEqual({'artifacts': 5, 'dependencies': 0, 'blobs': 3,
                          'bytes': sum(map(len, data.values()))},
                         size['types'][SAMPLE])
        # nothing there yet: everything missing, exit code 3
        doc = self.replicate('compare', expect=3)
        self.assertEqual({i: 'missing' for i in ids}, self.states(doc))
        proc = self.replicate('livecopy', as_json=False)
        # quiet when not a terminal: no bar, only the lines
        self.assertEqual(b'', proc.stderr)
        out = proc.stdout.decode()
        self.assertEqual(5, out.count('\ncopied ') + out.startswith(
            'copied '), out)
        self.assertIn('livecopy: 5 copied, 0 present, 0 failed', out)
        for art in arts.values():
            copy = self.assertCopied(art)
            self.assertEqual(self.digest(art), copy['origin']['digest'])
        self.assertEqual(data['app'], self.download(arts['app']['id'],
                                                    'blob'))
        self.assertEqual(data['solo'], self.download(
            arts['solo']['id'], 'dict_of_blobs/k1'))
        before = self.listed()
        # in sync: compare says so (0), a second run copies nothing
        doc = self.replicate('compare')
        self.assertEqual({i: 'present' for i in ids}, self.states(doc))
        doc = self.replicate('livecopy')
        self.assertEqual({i: 'present' for i in ids}, self.states(doc))
        self.assertEqual(0, doc['summary']['bytes'])
        self.assertEqual(before, self.listed())
        # the source changes; the target has one of its own
        self.update(arts['solo'], description='changed at the source')
        own = self.create('target')
        doc = self.replicate('compare', expect=3)
        states = self.states(doc)
        self.assertEqual(('differs', 'extra', 'present'), (
            states.pop(arts['solo']['id']), states.pop(own['id']),
            states.pop(arts['app']['id'])))
        # livecopy never replaces what the target has
        doc = self.replicate('livecopy')
        self.assertEqual('differs', self.states(doc)[arts['solo']['id']])
        self.assertEqual(before, {k: v for k, v in self.listed().items()
                                  if k != own['id']})

    def test_types_filters_and_dependencies(self):
        img = self.create(type_name=IMAGES)
        self.upload(img, 'image', b'image bytes', type_name=IMAGES)
        y = self.create()
        x = self.create(link1=self.link(y), tags=['a', 'b'])
        z = self.create(tags=['keep'])
        # --types
        doc = self.replicate('livecopy', '--types', IMAGES)
        self.assertEqual({img['id']: 'copied'}, self.states(doc))
        self.assertEqual(b'image bytes', self.download(
            img['id'], 'image', type_name=IMAGES))
        # without its dependency, x cannot go: the target says why
        proc = self.replicate('livecopy', '--filter', 'name=' + x['name'],
                              '--no-dependencies', as_json=False,
                              expect=1)
        self.assertIn('failed     %s/%s' % (SAMPLE, x['id']),
                      proc.stdout.decode())
        self.assertIn('not in the bundle and not readable here',
                      proc.stdout.decode())
        self.assertEqual(['glare-replicator: error: 1 artifact(s) could '
                          'not be copied (see the "failed" lines)'],
                         proc.stderr.decode().splitlines())
        self.show(x['id'], expect=404)
        # with it (the default), y comes as x's dependency, first
        doc = self.replicate('livecopy', '--filter', 'name=' + x['name'])
        self.assertEqual([(y['id'], 'copied', True),
                          (x['id'], 'copied', False)],
                         sorted(((a['id'], a['state'], a['dependency'])
                                 for a in doc['artifacts']),
                                key=lambda t: t[2], reverse=True))
        # filters as the API takes them: repeated ones all apply
        doc = self.replicate('compare', '--filter', 'tags=a',
                             '--filter', 'tags=b', '--no-dependencies')
        self.assertEqual({x['id']: 'present'}, self.states(doc))
        doc = self.replicate('livecopy', '--filter', 'tags=keep',
                             '--types', SAMPLE)
        self.assertEqual({z['id']: 'copied'}, self.states(doc))
        doc = self.replicate('compare')
        self.assertEqual({img['id'], x['id'], y['id'], z['id']},
                         set(self.states(doc)))
        self.assertEqual({'present'}, set(self.states(doc).values()))
        # bad selections: one line each
        self.fails('livecopy', '--types', 'nosuch',
                   message="--types: unknown type nosuch (the source has: ")
        self.fails('livecopy', '--filter', 'limit=5',
                   message='--filter limit: the replicator pages')
        self.fails('livecopy', '--filter', 'no-equals-sign',
                   message="--filter 'no-equals-sign' is not NAME=VALUE")
        self.fails('compare', '--types', SAMPLE, '--filter', 'int1=abc',
                   message='refused the '
                   'list of %s: HTTP 400 from GET: ' % SAMPLE)

    def test_skip_fields(self):
        b = self.create()
        a = self.create(description='internal note', tags=['t'],
                        metadata={'k': 'v'}, link2=self.link(b))
        self.upload(a, 'blob', b'not for the target')
        self.upload(a, 'dict_of_blobs/kept', b'for the target')
        skip = ('--skip-fields', 'description,blob', '--skip-fields',
                'link2')
        doc = self.replicate('livecopy', *skip)
        # link2 skipped: b is no dependency of the copy
        self.assertEqual({a['id']: 'copied', b['id']: 'copied'},
                         self.states(doc))
        a = self.show(a['id'], 'source')
        copy = self.assertCopied(a, skipped=('description', 'blob', 'link2'))
        self.assertEqual(('', None, None), (copy['description'],
                                            copy['blob'], copy['link2']))
        self.assertEqual(b'for the target',
                         self.download(a['id'], 'dict_of_blobs/kept'))
        # the record changed, so did its manifest
        self.assertNotEqual(self.digest(a), copy['origin']['digest'])
        # the same options again: nothing to copy
        doc = self.replicate('livecopy', *skip)
        self.assertEqual({'present'}, set(self.states(doc).values()))
        doc = self.replicate('compare', *skip)
        self.assertEqual({'present'}, set(self.states(doc).values()))
        # without them, a differs; livecopy leaves the target's copy be
        doc = self.replicate('compare', expect=3)
        self.assertEqual('differs', self.states(doc)[a['id']])
        self.replicate('livecopy')
        self.assertEqual(copy, self.show(a['id']))
        # fields that cannot be skipped
        self.fails('livecopy', '--skip-fields', 'name', message='--skip-'
                   'fields: name cannot be skipped')
        self.fails('livecopy', '--skip-fields', 'nosuch', message='--skip-'
                   'fields: no artifact type has a field nosuch')

    def test_dry_run(self):
        arts, _data = self.tree()
        doc = self.replicate('livecopy', '--dry-run')
        self.assertEqual({a['id']: 'would copy' for a in arts.values()},
                         self.states(doc))
        self.assertEqual({}, self.listed())
        # the target checks the bundles whole: a name taken there fails
        self.create('target', name=arts['solo']['name'])
        doc = self.replicate('livecopy', '--dry-run', expect=1)
        states = self.states(doc)
        self.assertEqual('failed', states.pop(arts['solo']['id']))
        self.assertEqual({'would copy'}, set(states.values()))
        self.assertEqual(1, len(self.listed()))
        doc = self.replicate('livecopy', expect=1)
        self.assertEqual(4, list(self.states(doc).values()).count('copied'))
        self.assertEqual(5, len(self.listed()))
        # public copies need the right to publish on the target
        new = self.create()
        doc = self.replicate('livecopy', '--visibility', 'public',
                             '--filter', 'name=' + new['name'], expect=1)
        self.assertEqual('failed', self.states(doc)[new['id']])
        self.assertIn('HTTP 403 from POST', doc['artifacts'][0]['detail'])

    def test_dump_and_load(self):
        arts, data = self.tree()
        directory = os.path.join(self.tmp, 'dump')
        doc = self.replicate('dump', directory, target=False)
        self.assertEqual({a['id']: 'dumped' for a in arts.values()},
                         self.states(doc))
        with open(os.path.join(directory, 'glare-replicator.json')) as f:
            index = json.load(f)
        self.assertEqual(('glare-replicator-dump', 1,
                          self.servers['source'].url),
                         (index['format'], index['version'],
                          index['source']))
        # the cycle app → mid → lib → app is one file, the others one each
        files = sorted(os.listdir(directory))
        self.assertEqual(3, len(index['bundles']))
        self.assertEqual(sorted([b['file'] for b in index['bundles']] +
                                ['glare-replicator.json']), files)
        cycle, = [b for b in index['bundles'] if len(b['artifacts']) > 1]
        self.assertEqual({arts[k]['id'] for k in ('app', 'mid', 'lib')},
                         {a['id'] for a in cycle['artifacts']})
        for entry in index['bundles']:
            # every file a valid bundle for glare-bundle too
            path = os.path.join(directory, entry['file'])
            self.assertEqual(entry['size'], os.path.getsize(path))
            proc = subprocess.run(
                [sys.executable, '-m', 'glare.cmd.bundle', 'verify', path],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                env=self.cli_env, timeout=CLI_TIMEOUT)
            self.assertEqual(0, proc.returncode, proc.stdout)
            for art in entry['artifacts']:
                self.assertEqual(self.digest(art), art['digest'])
        mtimes = {f: os.stat(os.path.join(directory, f)).st_mtime_ns
                  for f in files}
        # a second dump fetches nothing; a changed artifact is fetched
        doc = self.replicate('dump', directory, target=False)
        self.assertEqual({'present'}, set(self.states(doc).values()))
        self.assertEqual(mtimes, {
            f: os.stat(os.path.join(directory, f)).st_mtime_ns
            for f in files})
        self.update(arts['leaf'], description='changed')
        doc = self.replicate('dump', directory, target=False)
        states = self.states(doc)
        self.assertEqual('dumped', states.pop(arts['leaf']['id']))
        self.assertEqual({'present'}, set(states.values()), doc)
        # load: every file after those it needs; then nothing to load
        doc = self.replicate('load', directory, source=False)
        self.assertEqual({a['id']: 'copied' for a in arts.values()},
                         self.states(doc))
        for art in arts.values():
            self.assertCopied(self.show(art['id'], 'source'))
        self.assertEqual(data['leaf'], self.download(arts['leaf']['id'],
                                                     'blob'))
        doc = self.replicate('load', directory, source=False)
        self.assertEqual({'present'}, set(self.states(doc).values()))
        self.assertEqual(0, self.replicate('compare')['summary'].get(
            'missing', 0))

    def test_load_with_a_damaged_file_and_types(self):
        arts, _data = self.tree()
        img = self.create(type_name=IMAGES)
        self.upload(img, 'image', os.urandom(4096), type_name=IMAGES)
        directory = os.path.join(self.tmp, 'dump')
        self.replicate('dump', directory, target=False)
        doc = self.replicate('load', directory, '--types', IMAGES,
                             source=False)
        self.assertEqual({img['id']: 'copied'}, self.states(doc))
        # one bit of leaf's data flipped: the target refuses that file
        # only; app's file needs it, so it waits; solo goes
        path = os.path.join(directory, '%s.%s.tar' % (SAMPLE,
                                                      arts['leaf']['id']))
        with open(path, 'r+b') as f:
            f.seek(os.path.getsize(path) - 1024 - 3000)
            byte = f.read(1)
            f.seek(-1, os.SEEK_CUR)
            f.write(bytes([byte[0] ^ 1]))
        doc = self.replicate('load', directory, source=False, expect=1)
        states = self.states(doc)
        self.assertEqual('failed', states[arts['leaf']['id']])
        self.assertEqual('copied', states[arts['solo']['id']])
        self.assertEqual({'failed'}, {states[arts[k]['id']]
                                      for k in ('app', 'mid', 'lib')})
        details = {a['id']: a['detail'] for a in doc['artifacts']}
        self.assertIn('HTTP 400 from POST: The bundle is not valid',
                      details[arts['leaf']['id']])
        self.assertIn('which could not be loaded',
                      details[arts['app']['id']])
        self.show(arts['leaf']['id'], expect=404)
        self.assertEqual({img['id'], arts['solo']['id']}, set(
            self.listed()) | set(self.listed(type_name=IMAGES)))

    def test_large_image_livecopy(self):
        """A 1 GiB image (LARGE), generated as it is uploaded, never held
        whole by the test or the replicator."""
        img = self.create(type_name=IMAGES)
        block = os.urandom(MIB)
        expected = hashlib.sha256()

        def blocks():
            for i in range(LARGE // MIB):
                chunk = i.to_bytes(8, 'big') + block[8:]
                expected.update(chunk)
                yield chunk
        self.upload(img, 'image', blocks(), type_name=IMAGES)
        started = time.monotonic()
        doc, peak = self.replicate_watched('livecopy', '--types', IMAGES)
        took = time.monotonic() - started
        # chunks in flight, never the image
        self.assertLess(peak, 200 * MIB, 'the replicator grew to %d MiB'
                        % (peak // MIB))
        self.assertEqual({img['id']: 'copied'}, self.states(doc))
        self.assertGreater(doc['summary']['bytes'], LARGE)
        copy = self.show(img['id'], type_name=IMAGES)
        self.assertEqual((LARGE, expected.hexdigest()),
                         (copy['image']['size'], copy['image']['sha256']))
        got = hashlib.sha256()
        with self.session.get(self.servers['target'].url +
                              '/artifacts/images/%s/image' % img['id'],
                              headers=self.auth('target'), stream=True,
                              timeout=120) as resp:
            self.assertEqual(200, resp.status_code)
            for chunk in resp.iter_content(MIB):
                got.update(chunk)
        self.assertEqual(expected.hexdigest(), got.hexdigest())
        # a second run moves nothing
        doc = self.replicate('livecopy', '--types', IMAGES)
        self.assertEqual(({img['id']: 'present'}, 0),
                         (self.states(doc), doc['summary']['bytes']))
        sys.stderr.write('\n%d MiB copied in %.1f s\n' % (LARGE // MIB,
                                                          took))

    def start_livecopy(self):
        """A livecopy of the images as a running process (text output),
        waited for and closed by the clean-up."""
        proc = subprocess.Popen(
            self.argv('livecopy', '--types', IMAGES, as_json=False),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL, env=self.cli_env, text=True)
        self.addCleanup(proc.wait)
        self.addCleanup(proc.stdout.close)
        self.addCleanup(proc.stderr.close)
        return proc

    def replicate_watched(self, *args):
        """replicate() as a process watched for its peak memory: (its
        JSON document, its peak resident size in bytes)."""
        proc = subprocess.Popen(self.argv(*args), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=self.cli_env)
        peak = 0
        while proc.poll() is None:
            try:
                with open('/proc/%d/status' % proc.pid) as f:
                    for line in f:
                        if line.startswith('VmHWM:'):
                            peak = max(peak, int(line.split()[1]) * 1024)
            except OSError:
                pass  # gone meanwhile
            time.sleep(0.05)
        out, err = proc.communicate()
        self.assertEqual(0, proc.returncode, err)
        return json.loads(out), peak

    def images(self, count, size):
        arts = []
        for _i in range(count):
            art = self.create(type_name=IMAGES)
            self.upload(art, 'image', os.urandom(size), type_name=IMAGES)
            arts.append(self.show(art['id'], 'source', IMAGES))
        return arts

    def wait_for_lines(self, proc, prefix, count):
        """Read the process's stdout until count lines start with
        prefix."""
        seen = []
        deadline = time.monotonic() + CLI_TIMEOUT
        while len(seen) < count and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith(prefix):
                seen.append(line)
        self.assertEqual(count, len(seen), seen)
        return seen

    def assertWhole(self, arts, allowed_missing):
        """Every artifact is on the target whole or not at all; those not
        there are among allowed_missing. The ids there."""
        there = self.listed(type_name=IMAGES)
        for art in arts:
            if art['id'] not in there:
                self.assertIn(art['id'], allowed_missing)
                continue
            copy = there[art['id']]
            self.assertEqual((art['image']['size'], art['image']['sha256'],
                              'active'),
                             (copy['image']['size'], copy['image']['sha256'],
                              copy['image']['status']))
            data = self.download(art['id'], 'image', type_name=IMAGES)
            self.assertEqual(art['image']['sha256'],
                             hashlib.sha256(data).hexdigest())
        return set(there)

    def test_killed_halfway_then_resumed(self):
        arts = self.images(6, 12 * MIB)
        argv = self.argv('livecopy', '--types', IMAGES, as_json=False)
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL,
                                stdin=subprocess.DEVNULL, env=self.cli_env,
                                text=True)
        self.addCleanup(proc.wait)
        self.addCleanup(proc.stdout.close)
        self.wait_for_lines(proc, 'copied ', 2)
        # dead at once, in the middle of the third import
        proc.kill()
        proc.wait()
        there = self.assertWhole(arts, {a['id'] for a in arts})
        self.assertLess(len(there), 6)
        self.assertGreaterEqual(len(there), 2)
        doc = self.replicate('livecopy', '--types', IMAGES)
        states = self.states(doc)
        self.assertEqual({i: 'present' for i in there},
                         {i: s for i, s in states.items() if i in there})
        self.assertEqual({'copied'}, {s for i, s in states.items()
                                      if i not in there})
        self.assertEqual({a['id'] for a in arts},
                         self.assertWhole(arts, ()))
        # each exactly once (ids are kept; names too)
        names = [a['name'] for a in self.listed(type_name=IMAGES).values()]
        self.assertEqual(sorted(a['name'] for a in arts), sorted(names))
        self.assertEqual(0, self.replicate('compare', '--types', IMAGES)[
            'summary'].get('missing', 0))

    def test_target_stopped_mid_run(self):
        small = self.images(1, 1000)
        large = self.images(2, 48 * MIB)
        arts = small + large
        target = self.servers['target']
        before = self.store_files(target)
        proc = self.start_livecopy()
        # the listing order is newest first: the large ones go first; the
        # target dies while they stream
        self.wait_until_receiving(target, before)
        os.killpg(target.process.pid, signal.SIGKILL)
        target.stop()
        _out, err = proc.communicate(timeout=CLI_TIMEOUT)
        self.assertEqual(1, proc.returncode, err)
        lines = err.splitlines()
        self.assertEqual(1, len(lines), lines)
        self.assertRegex(lines[0], r'^glare-replicator: error: the target '
                         r'%s went away during the import of images/%s \(\d+ '
                         r'bytes sent\): ' % (target.url, large[-1]['id']))
        # back on the same database and store: nothing half made
        self.start('target')
        self.assertWhole(arts, {a['id'] for a in arts})
        # the import the crash cut off holds its blob until the target
        # takes it for dead (stale_upload_timeout) and undoes it: a run
        # before that says so for that artifact and copies the others
        dead = time.monotonic() + 3 * STALE + 2
        while True:
            doc = self.replicate('livecopy', '--types', IMAGES,
                                 expect=None)
            states = self.states(doc)
            if 'failed' not in states.values():
                break
            self.assertLess(time.monotonic(), dead, doc)
            for art in doc['artifacts']:
                if art['state'] == 'failed':
                    self.assertEqual(large[-1]['id'], art['id'])
                    self.assertIn('is being imported already',
                                  art['detail'])
            time.sleep(0.5)
        self.assertEqual({a['id'] for a in arts},
                         self.assertWhole(arts, ()))

    def test_source_stopped_mid_run(self):
        arts = self.images(1, 160 * MIB)
        target = self.servers['target']
        before = self.store_files(target)
        proc = self.start_livecopy()
        self.wait_until_receiving(target, before)
        # the source's worker dies; its master starts another
        master = self.servers['source'].process.pid
        with open('/proc/%d/task/%d/children' % (master, master)) as f:
            worker, = map(int, f.read().split())
        os.kill(worker, signal.SIGKILL)
        _out, err = proc.communicate(timeout=CLI_TIMEOUT)
        self.assertEqual(1, proc.returncode, err)
        lines = err.splitlines()
        self.assertEqual(1, len(lines), lines)
        self.assertRegex(lines[0], r'^glare-replicator: error: the source '
                         r'%s stopped sending the bundle of images/%s: the '
                         r'connection broke after \d+ bytes' % (
                             self.servers['source'].url, arts[0]['id']))
        self.show(arts[0]['id'], type_name=IMAGES, expect=404)
        # once the new worker answers, the copy is made whole
        deadline = time.monotonic() + 30
        while self.call('source', 'GET', '/versions').status_code != 300:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.1)
        doc = self.replicate('livecopy', '--types', IMAGES)
        self.assertEqual({arts[0]['id']: 'copied'}, self.states(doc))
        self.assertWhole(arts, ())

    @staticmethod
    def store_files(server):
        blobs = os.path.join(server.workdir, 'state', 'blobs')
        return set(os.listdir(blobs)) if os.path.isdir(blobs) else set()

    def wait_until_receiving(self, server, before):
        """Until an import streams into server: a blob file that was not
        in its store (before: the names then) has passed 1 MiB."""
        blobs = os.path.join(server.workdir, 'state', 'blobs')
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for name in self.store_files(server) - before:
                try:
                    if os.path.getsize(os.path.join(blobs, name)) > MIB:
                        return
                except OSError:
                    pass
            time.sleep(0.005)
        self.fail('no import came to %s' % server.url)

    def test_credentials_and_unreachable_endpoints(self):
        art = self.create()
        token = {side: self.auth(side)['X-Auth-Token']
                 for side in ('source', 'target')}
        urls = {side: self.servers[side].url for side in token}
        # token and URL per side, positional URLs
        proc = self.replicate('compare', urls['source'], urls['target'],
                              '--source-token', token['source'],
                              '--target-token', token['target'],
                              source=False, target=False, as_json=False,
                              expect=3)
        self.assertIn('missing    %s/%s' % (SAMPLE, art['id']),
                      proc.stdout.decode())
        # environment variables, each side its own
        env = {'GLARE_SOURCE_URL': urls['source'],
               'GLARE_SOURCE_TOKEN': token['source'],
               'GLARE_TARGET_URL': urls['target'],
               'GLARE_TARGET_PROJECT_ID': self.projects['target']}
        doc = self.replicate('livecopy', source=False, target=False,
                             env=env)
        self.assertEqual({art['id']: 'copied'}, self.states(doc))
        # clouds.yaml: keystoneauth1's admin_token plugin per cloud
        os.makedirs(os.path.join(self.workdir, 'openstack'), exist_ok=True)
        with open(os.path.join(self.workdir, 'openstack', 'clouds.yaml'),
                  'w') as f:
            json.dump({'clouds': {side: {
                'auth_type': 'admin_token',
                'auth': {'endpoint': urls[side], 'token': token[side]}}
                for side in token}}, f)
        doc = self.replicate('compare', '--source-cloud', 'source',
                             '--target-cloud', 'target', source=False,
                             target=False)
        self.assertEqual({art['id']: 'present'}, self.states(doc))
        # failures: one line, naming the side
        self.fails('compare', source=False, message='no credentials: give '
                   '--source-cloud, or --source-auth-url')
        self.fails('compare', '--target-cloud', 'nope', target=False,
                   message="cloud 'nope' is not in")
        port = processes.free_port()
        self.fails('compare', '--source-url', 'http://127.0.0.1:%d' % port,
                   '--source-project-id', 'p', source=False,
                   message='cannot connect to the source '
                   'http://127.0.0.1:%d: [Errno 111] Connection refused'
                   % port)
        self.fails('livecopy', '--target-url', 'http://127.0.0.1:%d' % port,
                   '--target-project-id', 'p', target=False,
                   message='cannot connect to the target')
        # two URLs for one side: a usage error
        proc = self.replicate('size', 'http://127.0.0.1:1', as_json=False,
                              target=False, expect=2)
        self.assertIn('SRC is given twice', proc.stderr.decode())

    def test_progress_bar_on_a_terminal(self):
        self.images(1, 4 * MIB)
        master, slave = pty.openpty()
        self.addCleanup(os.close, master)
        self.addCleanup(os.close, slave)
        fcntl.ioctl(slave, termios.TIOCSWINSZ,
                    struct.pack('HHHH', 24, 100, 0, 0))
        proc = self.replicate('livecopy', '--types', IMAGES, as_json=False,
                              stderr=slave)
        self.assertIn('livecopy: 1 copied', proc.stdout.decode())
        drawn = b''
        while select.select([master], [], [], 1)[0]:
            drawn += os.read(master, 65536)
        self.assertIn(b'livecopy:', drawn)
        self.assertIn(b'/4.00M [', drawn)
