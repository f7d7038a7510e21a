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

"""glare-bundle, the console script, as a subprocess against a live
glare-api and a real OCI registry.

The registry is CNCF distribution as Debian packages it (docker-registry,
installed by .ci/run), started by glare.tests.functional.registry on a
loopback port with its own storage directory; the registry tests skip,
naming the reason, only when its binary is absent. SQLite only: the
command sees the same API whatever the database.
"""

import fcntl
import hashlib
import json
import os
import pty
import select
import shutil
import struct
import subprocess
import sys
import termios

import requests

from glare.tests.fixtures import processes
from glare.tests.functional import base
from glare.tests.functional import registry
from glare.tests.functional import test_bundle_export as export_tests

PROGRAM = 'glare-bundle'
REGISTRY_BINARY = registry.BINARY
CLI_TIMEOUT = 120
INDEX_TYPE = 'application/vnd.oci.image.index.v1+json'
MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json'


def _script():
    return os.path.join(os.path.dirname(sys.executable), PROGRAM)


#: the registry fixture, for the tests that import it from here
Registry = registry.Registry


class CLIMixin(export_tests.ExportMixin):
    """Runs glare-bundle against the class's server (and registry)."""

    BACKEND = 'sqlite'

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(_script()):
            raise AssertionError(
                '%s is not installed next to %s (the console script of '
                'setup.cfg; reinstall glare)' % (PROGRAM, sys.executable))
        super().setUpClass()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith('OS_')}
        # no clouds.yaml of the user's
        env['XDG_CONFIG_HOME'] = env['HOME'] = cls.workdir
        cls.cli_env = env
        cls.registry = None
        if os.path.exists(REGISTRY_BINARY):
            cls.registry = Registry(cls.workdir)
            cls.addClassCleanup(cls.registry.stop)
            cls.registry.start()

    def setUp(self):
        super().setUp()
        self.tmp = os.path.join(self.workdir, self.unique('t'))
        os.makedirs(self.tmp)
        self.addCleanup(shutil.rmtree, self.tmp, True)

    # -- running the command ---------------------------------------------
    def noauth(self, project=None):
        return ['--os-url', self.server.url, '--os-project-id',
                project or self.project]

    def cli(self, *args, expect=0, env=None, **kw):
        argv = [_script()] + list(args)
        kw.setdefault('stdout', subprocess.PIPE)
        kw.setdefault('stderr', subprocess.PIPE)
        proc = subprocess.run(argv, timeout=CLI_TIMEOUT,
                              env=dict(self.cli_env, **(env or {})),
                              stdin=subprocess.DEVNULL, **kw)
        self.assertEqual(expect, proc.returncode, '%s\nstdout: %s\nstderr: '
                         '%s' % (' '.join(argv), (proc.stdout or b'')[-3000:],
                                 (proc.stderr or b'')[-3000:].decode(
                                     errors='replace')))
        return proc

    def fails(self, *args, message, **kw):
        """The command fails with exit code 1 and exactly one line on
        stderr that says message; no traceback."""
        proc = self.cli(*args, expect=1, **kw)
        lines = proc.stderr.decode().splitlines()
        self.assertEqual(1, len(lines), lines)
        self.assertTrue(lines[0].startswith('glare-bundle: error: '),
                        lines)
        self.assertIn(message, lines[0])
        return lines[0]

    def path(self, name):
        return os.path.join(self.tmp, name)

    def read(self, name):
        with open(self.path(name), 'rb') as f:
            return f.read()

    def write(self, name, data):
        with open(self.path(name), 'wb') as f:
            f.write(data)
        return self.path(name)

    def tree(self):
        """app → (link1) lib, blobs on both, a folder on lib."""
        lib = self.create()
        app = self.create(link1=self.link(lib['id']))
        self.upload(app['id'], 'blob', os.urandom(200000))
        self.upload(lib['id'], 'dict_of_blobs', b'k1 data', key='k1')
        self.upload(lib['id'], 'blob', b'lib data' * 1000,
                    content_type='text/plain')
        return app, lib

    def api_bundle(self, artifact_id, query=''):
        resp = self.get(self.bundle_path(artifact_id, query=query),
                        headers=self.user)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.content

    def exported(self, artifact_id, name='b.tar'):
        self.cli(*self.noauth(), 'export', base.SAMPLE, artifact_id, '-o',
                 self.path(name))
        return self.path(name)

    # -- the registry -------------------------------------------------------
    def need_registry(self):
        if self.registry is None:
            self.skipTest('%s is absent (Debian package docker-registry; '
                          '.ci/run installs it)' % REGISTRY_BINARY)
        return self.registry

    def ref(self, repo='glare/bundles', tag='v1'):
        return 'oci://%s/%s:%s' % (self.need_registry().host, repo, tag)

    def registry_get(self, path, accept):
        return requests.get('http://%s/v2/%s' % (self.registry.host, path),
                            headers={'Accept': accept}, timeout=30)


class BundleCLITests(CLIMixin, base.FunctionalTest):

    # -- export / import / verify ------------------------------------------
    def test_export_verify_import_round_trip(self):
        app, lib = self.tree()
        proc = self.cli(*self.noauth(), 'export', base.SAMPLE, app['id'],
                        '-o', self.path('b.tar'))
        self.assertEqual(b'', proc.stdout)
        self.assertIn('exported %s/%s with 2 artifact(s)'
                      % (base.SAMPLE, app['id']), proc.stderr.decode())
        # the very bytes the API serves
        self.assertEqual(self.api_bundle(app['id']), self.read('b.tar'))
        self.assertEqual(['b.tar'], os.listdir(self.tmp))  # no temp file

        proc = self.cli('verify', self.path('b.tar'))
        self.assertEqual(
            '%s: valid bundle of 2 artifact(s) (root %s/%s %s %s), 3 '
            'blob(s) of %d bytes\n' % (
                self.path('b.tar'), base.SAMPLE, app['id'], app['name'],
                app['version'], 200000 + 7 + 8000),
            proc.stdout.decode())

        # the originals go; another project imports the bundle
        for art_id in (app['id'], lib['id']):
            resp = self.delete(self.url(art_id), headers=self.admin)
            self.assertEqual(204, resp.status_code, base.brief(resp))
        other = self.new_project()
        proc = self.cli(*self.noauth(other), 'import', self.path('b.tar'),
                        '--dry-run')
        out = proc.stdout.decode().splitlines()
        self.assertEqual('2 imported, 0 skipped (dry run: nothing written)',
                         out[-1])
        self.assertEqual(
            sorted(['would import %s/%s %s %s' % (
                base.SAMPLE, a['id'], a['name'], a['version'])
                for a in (app, lib)]), sorted(out[:-1]))
        proc = self.cli(*self.noauth(other), 'import', self.path('b.tar'),
                        '--json')
        result = json.loads(proc.stdout)
        self.assertEqual((False, []), (result['dry_run'], result['skipped']))
        self.assertEqual(sorted([app['id'], lib['id']]),
                         sorted(a['id'] for a in result['imported']))
        headers = self.auth(other)
        shown = self.show(app['id'], headers=headers)
        self.assertEqual(other, shown['owner'])
        self.assertEqual(self.link(lib['id']), shown['link1'])
        resp = self.download(lib['id'], 'dict_of_blobs', 'k1',
                             headers=headers)
        self.assertEqual(b'k1 data', resp.content)
        # idempotent: the second import skips both
        proc = self.cli(*self.noauth(other), 'import', self.path('b.tar'))
        self.assertEqual('0 imported, 2 skipped',
                         proc.stdout.decode().splitlines()[-1])
        # and the importer exports the same bytes back, origin aside
        self.cli(*self.noauth(other), 'export', base.SAMPLE, app['id'],
                 '-o', self.path('again.tar'))
        self.cli('verify', self.path('again.tar'))

    def test_export_to_stdout_without_dependencies(self):
        app, _lib = self.tree()
        proc = self.cli(*self.noauth(), 'export', base.SAMPLE, app['id'],
                        '--no-dependencies')
        self.assertEqual(self.api_bundle(app['id'], '?dependencies=none'),
                         proc.stdout)
        bundle = export_tests.Bundle(self, proc.stdout)
        self.assertEqual([app['id']], list(bundle.artifacts))
        # the summary is on stderr, the bundle alone on stdout
        self.assertEqual(1, len(proc.stderr.decode().splitlines()))
        self.assertIn('with 1 artifact(s)', proc.stderr.decode())

    def test_token_and_clouds_yaml(self):
        app, _lib = self.tree()
        data = self.api_bundle(app['id'])
        token = self.user['X-Auth-Token']
        # --os-token with --os-url: no Keystone
        proc = self.cli('--os-url', self.server.url, '--os-token', token,
                        'export', base.SAMPLE, app['id'])
        self.assertEqual(data, proc.stdout)
        # OS_* variables as every OpenStack client reads them
        proc = self.cli('export', base.SAMPLE, app['id'], env={
            'OS_URL': self.server.url, 'OS_TOKEN': token})
        self.assertEqual(data, proc.stdout)
        # --os-cloud: clouds.yaml where the clients look; keystoneauth1's
        # admin_token plugin names the endpoint and the token
        os.makedirs(os.path.join(self.workdir, 'openstack'), exist_ok=True)
        with open(os.path.join(self.workdir, 'openstack',
                               'clouds.yaml'), 'w') as f:
            json.dump({'clouds': {'glare-test': {
                'auth_type': 'admin_token',
                'auth': {'endpoint': self.server.url, 'token': token}}}}, f)
        proc = self.cli('--os-cloud', 'glare-test', 'export', base.SAMPLE,
                        app['id'])
        self.assertEqual(data, proc.stdout)
        self.fails('--os-cloud', 'nope', 'export', base.SAMPLE, app['id'],
                   message="cloud 'nope' is not in")
        # an unknown plugin, and one missing its options
        self.fails('--os-auth-type', 'no-such-plugin', 'export',
                   base.SAMPLE, app['id'],
                   message="unknown auth type 'no-such-plugin'")
        self.fails('--os-auth-url', 'http://127.0.0.1:1/v3', 'export',
                   base.SAMPLE, app['id'], message='auth type password '
                   'needs --os-password')
        # a Keystone that is not there
        self.fails('--os-auth-url', 'http://127.0.0.1:%d/v3'
                   % processes.free_port(), '--os-username', 'u',
                   '--os-password', 'p', '--os-project-name', 'p',
                   'export', base.SAMPLE, app['id'],
                   message='cannot connect to http://127.0.0.1:')

    def test_verify_refuses_a_damaged_file_in_one_line(self):
        app, _lib = self.tree()
        data = bytearray(self.read_export(app['id']))
        whole = bytes(data)
        # one bit of the big layer flipped
        data[len(data) // 2] ^= 1
        self.fails('verify', self.write('bad.tar', bytes(data)),
                   message='does not match its name: its digest is sha256:')
        self.fails('verify', self.write('short.tar', whole[:-3000]),
                   message='not a valid bundle:')
        self.fails('verify', self.write('junk.tar', b'not a tar' * 100),
                   message='not a valid bundle:')
        self.fails('verify', self.path('missing.tar'),
                   message='cannot read %s: No such file or directory'
                   % self.path('missing.tar'))
        self.cli('verify', self.write('good.tar', whole))

    def read_export(self, artifact_id):
        with open(self.exported(artifact_id), 'rb') as f:
            return f.read()

    def test_errors_are_one_line_with_the_api_message(self):
        missing = '00000000-0000-0000-0000-000000000000'
        resp = self.get(self.bundle_path(missing), headers=self.user)
        message = resp.json()['error']['message']
        line = self.fails(*self.noauth(), 'export', base.SAMPLE, missing,
                          '-o', self.path('x.tar'), message=message)
        self.assertIn('HTTP 404', line)
        self.assertEqual([], os.listdir(self.tmp))  # nothing left behind
        # a conflict: the ids exist (the originals, not imported)
        app, lib = self.tree()
        data = bytearray(self.read_export(app['id']))
        self.fails(*self.noauth(), 'import', self.path('b.tar'),
                   message='HTTP 409 from POST: Artifacts of the bundle '
                   'exist already')
        proc = self.cli(*self.noauth(), 'import', self.path('b.tar'),
                        '--on-conflict', 'skip')
        self.assertEqual('0 imported, 2 skipped',
                         proc.stdout.decode().splitlines()[-1])
        # an import the API refuses: its 400 message
        for art_id in (app['id'], lib['id']):
            self.delete(self.url(art_id), headers=self.admin)
        data[len(data) // 2] ^= 1
        line = self.fails(*self.noauth(), 'import',
                          self.write('bad.tar', bytes(data)),
                          message='HTTP 400 from POST: ')
        self.assertIn('does not match', line)
        # no credentials, no server, a refused connection
        self.fails('export', base.SAMPLE, app['id'],
                   message='no credentials')
        self.fails('--os-url', 'http://127.0.0.1:%d' % processes.free_port(),
                   '--os-project-id', 'p', 'export', base.SAMPLE, app['id'],
                   '-o', self.path('y.tar'), message='cannot connect to')
        self.fails(*self.noauth(), 'export', base.SAMPLE, app['id'],
                   message='refusing to write a bundle to a terminal',
                   stdout=self._tty())
        # argparse: usage and exit code 2
        proc = self.cli('import', '--on-conflict', 'maybe', 'x', expect=2)
        self.assertIn("invalid choice: 'maybe'", proc.stderr.decode())

    def _tty(self):
        master, slave = pty.openpty()
        self.addCleanup(os.close, master)
        self.addCleanup(os.close, slave)
        return slave

    def test_progress_bar_on_a_terminal_only(self):
        app, _lib = self.tree()
        path = self.exported(app['id'])
        # not a terminal: only the result
        proc = self.cli('verify', path)
        self.assertEqual(b'', proc.stderr)
        # stderr a terminal of 100 columns: tqdm draws the bar there
        master, slave = pty.openpty()
        self.addCleanup(os.close, master)
        self.addCleanup(os.close, slave)
        fcntl.ioctl(slave, termios.TIOCSWINSZ,
                    struct.pack('HHHH', 24, 100, 0, 0))
        proc = self.cli('verify', path, stderr=slave)
        self.assertIn(b'valid bundle', proc.stdout)
        drawn = b''
        while select.select([master], [], [], 1)[0]:
            drawn += os.read(master, 65536)
        size = os.path.getsize(path)
        self.assertIn(b'verify:   0%|', drawn)
        self.assertIn(('/%.0fk [' % (size / 1024)).encode(), drawn)

    # -- push / pull through the registry ----------------------------------
    def test_push_then_pull_is_byte_identical(self):
        ref = self.ref(repo='glare/' + self.unique('r').lower())
        app, lib = self.tree()
        path = self.exported(app['id'])
        proc = self.cli('push', path, ref, '--insecure')
        index_digest = 'sha256:' + hashlib.sha256(
            export_tests.Bundle(self, self.read('b.tar')).files[
                'index.json']).hexdigest()
        self.assertEqual(
            'pushed %s: 2 manifest(s), 5 blob(s) uploaded, 0 already there; '
            'index %s\n' % (ref, index_digest), proc.stdout.decode())
        # the registry holds the index under the tag, as an image index
        repo = ref.split('/', 3)[3].rsplit(':', 1)[0]
        resp = self.registry_get('%s/manifests/v1' % repo, INDEX_TYPE)
        self.assertEqual(200, resp.status_code)
        self.assertEqual(INDEX_TYPE, resp.headers['Content-Type'])
        self.assertEqual(index_digest,
                         resp.headers['Docker-Content-Digest'])
        index = resp.json()
        self.assertEqual(2, len(index['manifests']))
        for desc in index['manifests']:
            resp = self.registry_get('%s/manifests/%s' % (
                repo, desc['digest']), MANIFEST_TYPE)
            self.assertEqual(200, resp.status_code)
            for blob in [resp.json()['config']] + resp.json()['layers']:
                head = requests.head('http://%s/v2/%s/blobs/%s' % (
                    self.registry.host, repo, blob['digest']), timeout=30)
                self.assertEqual(200, head.status_code, blob)
                self.assertEqual(str(blob['size']),
                                 head.headers['Content-Length'])

        proc = self.cli('pull', ref, self.path('pulled.tar'), '--insecure')
        self.assertIn('pulled %s: 2 artifact(s)' % ref,
                      proc.stderr.decode())
        self.assertEqual(self.read('b.tar'), self.read('pulled.tar'))
        # by digest too, and to stdout
        proc = self.cli('pull', ref.rsplit(':', 1)[0] + '@' + index_digest,
                        '-', '--insecure')
        self.assertEqual(self.read('b.tar'), proc.stdout)

        # a second push finds every blob there (HEAD) and sends none
        proc = self.cli('push', path, ref.replace(':v1', ':v2'),
                        '--insecure')
        # (two configs, three layers)
        self.assertIn('0 blob(s) uploaded, 5 already there',
                      proc.stdout.decode())

        # the pulled file imports like the original
        other = self.new_project()
        for art_id in (app['id'], lib['id']):
            self.delete(self.url(art_id), headers=self.admin)
        proc = self.cli(*self.noauth(other), 'import',
                        self.path('pulled.tar'))
        self.assertEqual('2 imported, 0 skipped',
                         proc.stdout.decode().splitlines()[-1])

    def test_push_in_chunks(self):
        ref = self.ref(repo='glare/' + self.unique('c').lower())
        app = self.create()
        self.upload(app['id'], 'blob', os.urandom(300000))
        path = self.exported(app['id'])
        start = os.path.getsize(self.registry.log_path)
        self.cli('push', path, ref, '--insecure', '--chunk-size', '65536')
        with open(self.registry.log_path, 'rb') as f:
            f.seek(start)
            log = f.read().decode('utf-8', 'replace')
        # 300000 bytes in 64 KiB chunks: five PATCHes, then the PUT
        self.assertEqual(5, log.count('"PATCH /v2/'), log[-3000:])
        self.cli('pull', ref, self.path('pulled.tar'), '--insecure')
        self.assertEqual(self.read('b.tar'), self.read('pulled.tar'))

    def test_push_and_pull_failures(self):
        host = self.need_registry().host
        app, _lib = self.tree()
        data = bytearray(self.read_export(app['id']))
        data[len(data) // 2] ^= 1
        ref = self.ref(repo='glare/damaged')
        self.fails('push', self.write('bad.tar', bytes(data)), ref,
                   '--insecure', message='not a valid bundle, nothing '
                   'tagged: blob')
        # nothing tagged
        resp = self.registry_get('glare/damaged/manifests/v1', INDEX_TYPE)
        self.assertEqual(404, resp.status_code)
        self.fails('pull', ref, self.path('x.tar'), '--insecure',
                   message='HTTP 404 MANIFEST_UNKNOWN')
        self.assertFalse(os.path.exists(self.path('x.tar')))
        # a tag that holds something else than a bundle's index
        bundle = export_tests.Bundle(self, self.read('b.tar'))
        desc = bundle.index['manifests'][0]
        self.cli('push', self.path('b.tar'), self.ref(repo='glare/other'),
                 '--insecure')
        resp = requests.put('http://%s/v2/glare/other/manifests/single' % (
            host), data=bundle.files[bundle.name(desc)],
            headers={'Content-Type': MANIFEST_TYPE}, timeout=30)
        self.assertEqual(201, resp.status_code, resp.text)
        self.fails('pull', self.ref(repo='glare/other', tag='single'),
                   self.path('x.tar'), '--insecure', message='not a Glare '
                   'bundle')
        # references, plain HTTP off loopback, nothing listening
        self.fails('push', self.path('b.tar'), 'http://%s/a:b' % host,
                   message='is not an oci://HOST/REPO:TAG reference')
        self.fails('push', self.path('b.tar'), 'oci://%s/Upper:b' % host,
                   '--insecure', message='not a valid repository name')
        self.fails('push', self.path('b.tar'), 'oci://%s/repo' % host,
                   '--insecure', message='names no tag')
        self.fails('pull', 'oci://registry.example.com/a:b',
                   self.path('x.tar'), '--insecure',
                   message='allowed only to a registry on loopback')
        self.fails('pull', 'oci://127.0.0.1:%d/a:b' % processes.free_port(),
                   self.path('x.tar'), '--insecure',
                   message='cannot connect to the registry')
        self.assertEqual(['b.tar', 'bad.tar'], sorted(os.listdir(self.tmp)))
