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

"""glare-bundle push and pull logging in to a real registry.

docker-registry (CNCF distribution, glare.tests.functional.registry)
asks for logins two ways: its htpasswd auth (HTTP Basic, bcrypt hashes)
and its token auth, whose token service is TokenIssuer, a threaded
http.server here that signs ES256 JWTs with a certificate the registry
trusts. glare-bundle, the console script, runs as a subprocess with a
clean environment (no auth files but the tests'). The bundle is made by
glare.bundles.writer (no Glare service needed: push and pull only talk
to the registry); a pulled bundle is the very file pushed. The tests
skip, naming the reason, only when docker-registry is absent.
"""

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

import requests

from glare.bundles import layout
from glare.bundles import writer
from glare.tests.fixtures import processes
from glare.tests.functional import registry

PROGRAM = 'glare-bundle'
CLI_TIMEOUT = 120
LAYER_SIZE = 300000
CHUNK = '65536'
#: what the environment may hold that would log the command in
LOGIN_ENV = ('REGISTRY_AUTH_FILE', 'DOCKER_CONFIG', 'XDG_RUNTIME_DIR',
             'XDG_CONFIG_HOME', 'GLARE_REGISTRY_USERNAME',
             'GLARE_REGISTRY_PASSWORD')
ALICE = ('alice', 'alice-secret')
#: a colon and a non-ASCII letter: Basic carries both
BOB = ('bob', 'p\u00e4ss:word')
READER = ('reader', 'reader-secret')


def _script():
    return os.path.join(os.path.dirname(sys.executable), PROGRAM)


def make_bundle():
    """Two artifacts, each with a blob of LAYER_SIZE random bytes."""
    arts = []
    for n in range(2):
        art_id = str(uuid.uuid4())
        data = os.urandom(LAYER_SIZE)
        arts.append(layout.BundleArtifact(
            'sample_artifact', '1.0', {
                'id': art_id, 'name': 'art-%d' % n, 'version': '1.0.0',
                'status': 'active', 'visibility': 'private'},
            layers=[layout.Layer('blob', 'application/octet-stream',
                                 len(data), hashlib.sha256(data).hexdigest(),
                                 lambda d=data: [d])]))
    return b''.join(writer.write_bundle(arts, arts[0].id))


def basic(user):
    return 'Basic ' + base64.b64encode(
        ('%s:%s' % user).encode()).decode()


class LoginTestBase(unittest.TestCase):
    """A work directory, a bundle file, and the command in a clean
    environment."""

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workdir = tempfile.mkdtemp(prefix='glare-regauth-')
        cls.addClassCleanup(shutil.rmtree, cls.workdir, True)
        cls.available = registry.available()
        if not cls.available:
            return
        if not os.path.exists(_script()):
            raise AssertionError(
                '%s is not installed next to %s (the console script of '
                'setup.cfg; reinstall glare)' % (PROGRAM, sys.executable))
        cls.bundle = make_bundle()
        cls.bundle_path = os.path.join(cls.workdir, 'bundle.tar')
        with open(cls.bundle_path, 'wb') as f:
            f.write(cls.bundle)

    def setUp(self):
        super().setUp()
        if not self.available:
            self.skipTest(registry.ABSENT)
        self.tmp = tempfile.mkdtemp(dir=self.workdir)
        self.home = os.path.join(self.tmp, 'home')
        os.makedirs(self.home)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith('OS_') and k not in LOGIN_ENV}
        env['HOME'] = self.home
        self.env = env

    def path(self, name):
        return os.path.join(self.tmp, name)

    def read(self, name):
        with open(self.path(name), 'rb') as f:
            return f.read()

    def cli(self, *args, expect=0, env=None, input=None):
        argv = [_script()] + list(args)
        proc = subprocess.run(
            argv, timeout=CLI_TIMEOUT, env=dict(self.env, **(env or {})),
            input=input, stdin=None if input is not None
            else subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE)
        self.assertEqual(expect, proc.returncode, '%s\nstdout: %s\nstderr: '
                         '%s' % (' '.join(argv), proc.stdout[-2000:],
                                 proc.stderr[-3000:].decode(
                                     errors='replace')))
        return proc

    def fails(self, *args, message, **kw):
        """The command fails with exit code 1 and one line on stderr that
        says message (no traceback); that line."""
        proc = self.cli(*args, expect=1, **kw)
        lines = proc.stderr.decode().splitlines()
        self.assertEqual(1, len(lines), lines)
        self.assertTrue(lines[0].startswith('glare-bundle: error: '), lines)
        self.assertIn(message, lines[0])
        return lines[0]

    def ref(self, reg, repo=None, tag='v1'):
        return 'oci://%s/%s:%s' % (reg.host, repo or self.repo(), tag)

    def repo(self):
        return 'glare/' + uuid.uuid4().hex[:10]

    def push(self, ref, *login, **kw):
        return self.cli('push', self.bundle_path, ref, '--insecure',
                        *login, **kw)

    def pull(self, ref, *login, name='pulled.tar', **kw):
        proc = self.cli('pull', ref, self.path(name), '--insecure',
                        *login, **kw)
        self.assertEqual(self.bundle, self.read(name))
        return proc

    def auth_file(self, path, entries, **extra):
        """An auth file of docker's format: entries {key: (user, pass)}."""
        os.makedirs(os.path.dirname(path), exist_ok=True)
        doc = {'auths': {key: {'auth': base64.b64encode(
            ('%s:%s' % user).encode()).decode()}
            for key, user in entries.items()}}
        doc.update(extra)
        with open(path, 'w') as f:
            json.dump(doc, f)
        return path


def flags(user):
    return ('--registry-username', user[0], '--registry-password', user[1])


class BasicLoginTests(LoginTestBase):
    """distribution's htpasswd auth: HTTP Basic."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.available:
            return
        auth = registry.htpasswd_auth(cls.workdir, dict([ALICE, BOB]))
        cls.registry = registry.Registry(cls.workdir, 'basic', auth=auth)
        cls.addClassCleanup(cls.registry.stop)
        cls.registry.start()
        # a second one hands blob reads out by redirect to BlobServer
        cls.redirecting = registry.Registry(cls.workdir, 'redirecting',
                                            auth=auth)
        cls.blobs = registry.BlobServer(cls.redirecting.storage).start()
        cls.addClassCleanup(cls.blobs.stop)
        cls.redirecting.redirect_to = cls.blobs.url
        cls.addClassCleanup(cls.redirecting.stop)
        cls.redirecting.start()

    def tag_exists(self, ref):
        host, _sep, rest = ref[len('oci://'):].partition('/')
        repo, _sep, tag = rest.rpartition(':')
        resp = requests.head('http://%s/v2/%s/manifests/%s' % (
            host, repo, tag), timeout=30, headers={
                'Authorization': basic(ALICE),
                'Accept': layout.INDEX_MEDIA_TYPE})
        self.assertIn(resp.status_code, (200, 404))
        return resp.status_code == 200

    def test_flags_push_in_chunks_and_pull(self):
        ref = self.ref(self.registry)
        start = self.registry.log_size()
        proc = self.push(ref, *flags(ALICE), '--chunk-size', CHUNK)
        self.assertIn('pushed %s: 2 manifest(s), 4 blob(s) uploaded' % ref,
                      proc.stdout.decode())
        log = self.registry.log_since(start)
        # the uploads went on to each Location with the password: every
        # PATCH (300000 bytes in 64 KiB: five a blob) authorized, and no
        # request refused after the first (the HEAD that asked)
        lines = [line for line in log.splitlines()
                 if 'http.request.method=PATCH' in line]
        self.assertEqual(10, len([
            line for line in lines if 'msg="authorized request"' in line]),
            log[-3000:])
        self.assertEqual(10, len([
            line for line in lines
            if 'http.response.status=202' in line]), log[-3000:])
        self.assertNotIn('" 401 ', log.split('"POST /v2/', 1)[1])
        self.assertTrue(self.tag_exists(ref))
        proc = self.pull(ref, *flags(ALICE))
        self.assertIn('pulled %s: 2 artifact(s)' % ref,
                      proc.stderr.decode())

    def test_environment_and_password_on_stdin(self):
        ref = self.ref(self.registry)
        self.push(ref, env={'GLARE_REGISTRY_USERNAME': BOB[0],
                            'GLARE_REGISTRY_PASSWORD': BOB[1]})
        # docker login's way: the password on standard input, one final
        # line break dropped
        self.pull(ref, '--registry-username', BOB[0],
                  '--registry-password-stdin',
                  input=(BOB[1] + '\n').encode())
        # the flag's user name with the variable's password
        self.pull(ref, '--registry-username', BOB[0],
                  env={'GLARE_REGISTRY_PASSWORD': BOB[1]})

    def test_auth_files(self):
        host = self.registry.host
        ref = self.ref(self.registry)
        # ~/.docker/config.json, as docker login writes it
        self.auth_file(os.path.join(self.home, '.docker', 'config.json'),
                       {host: ALICE})
        self.push(ref)
        # $DOCKER_CONFIG/config.json, the legacy key form
        docker_config = os.path.join(self.tmp, 'docker')
        self.auth_file(os.path.join(docker_config, 'config.json'),
                       {'http://%s/v1/' % host: BOB})
        os.unlink(os.path.join(self.home, '.docker', 'config.json'))
        self.pull(ref, env={'DOCKER_CONFIG': docker_config})
        # $REGISTRY_AUTH_FILE (podman's), with an entry for the
        # repository (more specific than the host's wrong one)
        podman = self.auth_file(self.path('auth.json'), {
            host: ('alice', 'wrong'),
            '%s/%s' % (host, ref.split('/', 3)[3].rsplit(':')[0]): ALICE})
        self.pull(ref, env={'REGISTRY_AUTH_FILE': podman})
        # Podman's default place, under $XDG_RUNTIME_DIR
        runtime = os.path.join(self.tmp, 'run')
        self.auth_file(os.path.join(runtime, 'containers', 'auth.json'),
                       {host: BOB})
        self.pull(ref, env={'XDG_RUNTIME_DIR': runtime})
        # the first file with an entry for the registry is the one used
        wrong = self.auth_file(self.path('wrong.json'),
                               {host: ('alice', 'wrong')})
        self.fails('pull', ref, self.path('x.tar'), '--insecure',
                   env={'REGISTRY_AUTH_FILE': wrong,
                        'DOCKER_CONFIG': docker_config},
                   message='authentication failed (401): the registry '
                   'refused user alice (from auth file %s): ' % wrong)
        # the command line wins over every file
        self.pull(ref, *flags(ALICE), env={'REGISTRY_AUTH_FILE': wrong})
        self.assertFalse(os.path.exists(self.path('x.tar')))

    def test_refused(self):
        host = self.registry.host
        ref = self.ref(self.registry)
        line = self.fails('push', self.bundle_path, ref, '--insecure',
                          '--registry-username', 'alice',
                          '--registry-password', 'wrong',
                          message='glare-bundle: error: registry %s: '
                          'authentication failed (401): the registry refused '
                          'user alice (from --registry-username): '
                          'Unauthorized' % host)
        self.assertNotIn('wrong', line.replace('--registry-', ''))
        self.fails('push', self.bundle_path, ref, '--insecure',
                   message='registry %s: authentication required (401): no '
                   'credentials for %s: give --registry-username with '
                   '--registry-password' % (host, host))
        self.assertFalse(self.tag_exists(ref))
        # a pull as well; nothing is left behind
        self.fails('pull', ref, self.path('x.tar'), '--insecure',
                   message='authentication required (401): no '
                   'credentials for %s' % host)
        # only a credential helper, which is not run: the line says so
        config = self.auth_file(
            os.path.join(self.home, '.docker', 'config.json'), {},
            credsStore='secretservice')
        self.fails('pull', ref, self.path('x.tar'), '--insecure',
                   message='no credentials for %s: give --registry-username'
                   % host)
        self.fails('pull', ref, self.path('x.tar'), '--insecure',
                   message='; %s names the credential helper docker-'
                   'credential-secretservice, which glare-bundle does not '
                   'run' % config)
        # an auth file that cannot be read
        with open(config, 'w') as f:
            f.write('{"auths": ')
        self.fails('pull', ref, self.path('x.tar'), '--insecure',
                   message='the auth file %s is not a JSON document'
                   % config)
        with open(config, 'w') as f:
            json.dump({'auths': {host: {'auth': 'not base64!'}}}, f)
        self.fails('pull', ref, self.path('x.tar'), '--insecure',
                   message='the auth file %s, entry %s: "auth" is not '
                   'base64 of "user:password"' % (config, host))
        self.assertEqual([], [n for n in os.listdir(self.tmp)
                              if n != 'home'])
        # options that cannot go together, before anything is sent
        self.fails('pull', ref, '-', '--insecure', '--registry-username',
                   'alice', message='gives the registry user alice but no '
                   'password')
        self.fails('pull', ref, '-', '--insecure', '--registry-password',
                   'x', message='a registry password needs a user name')
        self.fails('pull', ref, '-', '--insecure', *flags(ALICE),
                   '--registry-password-stdin', input=b'x',
                   message='give --registry-password or '
                   '--registry-password-stdin, not both')
        self.fails('pull', ref, '-', '--insecure', '--registry-username',
                   'alice', '--registry-password-stdin', input=b'\n',
                   message='--registry-password-stdin read no password')

    def test_redirected_blob_reads_carry_no_credentials(self):
        reg = self.redirecting
        ref = self.ref(reg)
        self.push(ref, *flags(ALICE))
        self.assertEqual([], self.blobs.seen)  # new blobs: no redirect
        # again under another tag: every HEAD of a blob is redirected
        proc = self.push(ref.replace(':v1', ':v2'), *flags(ALICE))
        self.assertIn('0 blob(s) uploaded, 4 already there',
                      proc.stdout.decode())
        self.pull(ref, *flags(ALICE))
        methods = sorted({m for m, _p, _a in self.blobs.seen})
        self.assertEqual(['GET', 'HEAD'], methods)
        # 4 HEADs, then the two configs and the two layers
        self.assertEqual(8, len(self.blobs.seen), self.blobs.seen)
        self.assertEqual([None] * 8, [a for _m, _p, a in self.blobs.seen])
        # the registry itself still got them
        log = reg.log_since(0)
        self.assertIn('http.response.status=307', log)


class TokenLoginTests(LoginTestBase):
    """distribution's token auth: a Bearer token from TokenIssuer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.available:
            return
        cls.issuer = registry.TokenIssuer(cls.workdir, {
            ALICE[0]: (ALICE[1], ['pull', 'push']),
            READER[0]: (READER[1], ['pull'])}).start()
        cls.addClassCleanup(cls.issuer.stop)
        cls.registry = registry.Registry(cls.workdir, 'token',
                                         auth=cls.issuer.auth())
        cls.addClassCleanup(cls.registry.stop)
        cls.registry.start()

    def setUp(self):
        super().setUp()
        issuer = self.issuer
        saved = (issuer.anonymous, issuer.expired, issuer.lifetime,
                 issuer.expires_in, issuer.answer, issuer.token_field)

        def restore():
            (issuer.anonymous, issuer.expired, issuer.lifetime,
             issuer.expires_in, issuer.answer, issuer.token_field) = saved
        self.addCleanup(restore)

    def issued(self, run):
        """The tokens issued while run() ran."""
        start = len(self.issuer.issued)
        run()
        return self.issuer.issued[start:]

    def test_push_and_pull_with_one_token_each(self):
        ref = self.ref(self.registry)
        repo = ref.split('/', 3)[3].rsplit(':', 1)[0]
        start = len(self.issuer.requests)
        tokens = self.issued(lambda: self.push(ref, *flags(ALICE),
                                               '--chunk-size', CHUNK))
        # one token for the whole push, for pull and push
        self.assertEqual([('alice', ['repository:%s:pull,push' % repo])],
                         tokens)
        self.assertEqual(['glare-test-registry'],
                         self.issuer.requests[start][1]['service'])
        tokens = self.issued(lambda: self.pull(ref, *flags(ALICE)))
        self.assertEqual([('alice', ['repository:%s:pull' % repo])], tokens)
        # a reader may pull, with a token in "access_token"
        self.issuer.token_field = 'access_token'
        self.pull(ref, *flags(READER))

    def test_anonymous_and_insufficient_access(self):
        host = self.registry.host
        ref = self.ref(self.registry)
        repo = ref.split('/', 3)[3].rsplit(':', 1)[0]
        self.push(ref, *flags(ALICE))
        # a token service that lets anyone pull: no credentials needed
        self.issuer.anonymous = ['pull']
        tokens = self.issued(lambda: self.pull(ref))
        self.assertEqual([(None, ['repository:%s:pull' % repo])], tokens)
        # but a push needs them (the HEADs pass, the POST of an upload is
        # refused), and the reader may not push
        self.fails('push', self.bundle_path, ref, '--insecure',
                   message='registry %s: authentication failed (401): the '
                   'registry refused a token just issued for repository:%s:'
                   'pull,push to anonymous: UNAUTHORIZED authentication '
                   'required, insufficient_scope; no credentials for %s: '
                   'give --registry-username' % (host, repo, host))
        self.fails('push', self.bundle_path, ref.replace(':v1', ':v2'),
                   '--insecure', *flags(READER),
                   message='refused a token just issued for repository:%s:'
                   'pull,push to user reader (from --registry-username): '
                   'UNAUTHORIZED authentication required, insufficient_'
                   'scope' % repo)
        self.issuer.anonymous = []
        self.fails('pull', ref, self.path('x.tar'), '--insecure',
                   message='refused a token just issued for repository:%s:'
                   'pull to anonymous' % repo)

    def test_token_service_failures(self):
        ref = self.ref(self.registry)
        realm = self.issuer.realm
        self.fails('push', self.bundle_path, ref, '--insecure',
                   '--registry-username', 'alice', '--registry-password',
                   'wrong', message='registry %s: the token service %s '
                   'refused user alice (from --registry-username): HTTP 401 '
                   'invalid username or password' % (self.registry.host,
                                                     realm))
        self.issuer.answer = (200, 'text/html', b'<html>Sign in</html>')
        self.fails('push', self.bundle_path, ref, '--insecure',
                   *flags(ALICE), message='the token service %s answered '
                   'no token: not a JSON document (<html>Sign in</html>)'
                   % realm)
        self.issuer.answer = (200, 'application/json',
                              b'{"expires_in": 60}')
        self.fails('push', self.bundle_path, ref, '--insecure',
                   *flags(ALICE), message='the token service %s answered '
                   'no token (no "token" or "access_token" string' % realm)
        self.issuer.answer = (503, 'application/json',
                              b'{"details": "down for maintenance"}')
        self.fails('pull', ref, self.path('x.tar'), '--insecure',
                   *flags(ALICE), message='the token service %s answered '
                   'HTTP 503 down for maintenance' % realm)
        # a realm nothing listens on
        dead = 'http://127.0.0.1:%d/token' % processes.free_port()
        reg = registry.Registry(self.tmp, 'dead-realm',
                                auth=self.issuer.auth(realm=dead))
        self.addCleanup(reg.stop)
        reg.start()
        self.fails('pull', self.ref(reg), self.path('x.tar'), '--insecure',
                   *flags(ALICE), message='registry %s: cannot connect to '
                   'the token service %s: [Errno 111] Connection refused'
                   % (reg.host, dead))
        self.assertEqual([], [n for n in os.listdir(self.tmp)
                              if n not in ('home', 'dead-realm')])

    def test_a_token_refused_at_once_is_not_fetched_again(self):
        ref = self.ref(self.registry)
        self.issuer.expired = 5
        tokens = self.issued(lambda: self.fails(
            'push', self.bundle_path, ref, '--insecure', *flags(ALICE),
            message='registry %s: authentication failed (401): the registry '
            'refused a token just issued for repository:' % (
                self.registry.host)))
        self.assertEqual(1, len(tokens))
        self.assertIn('error authorizing context: invalid token',
                      self.registry.log_since(0))

    def slow_pull(self, ref, pause):
        """pull to a pipe not read until pause seconds after the first
        token: the command stops in the first layer (the pipe full) and
        fetches the second one after the pause."""
        start = len(self.issuer.issued)
        proc = subprocess.Popen(
            [_script(), 'pull', ref, '-', '--insecure', *flags(ALICE)],
            env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE)
        self.addCleanup(proc.kill)
        deadline = time.monotonic() + CLI_TIMEOUT
        while len(self.issuer.issued) == start and proc.poll() is None:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        time.sleep(pause)
        out, err = proc.communicate(timeout=CLI_TIMEOUT)
        self.assertEqual(0, proc.returncode, err.decode(errors='replace'))
        self.assertEqual(self.bundle, out)

    def test_an_expired_token_is_fetched_again_once(self):
        ref = self.ref(self.registry)
        self.push(ref, *flags(ALICE))
        # the token says it lives 300 s, but the registry takes it only
        # for 4 seconds: the request after the pause is refused
        # and the pull goes on with a new one
        self.issuer.lifetime = 4 - registry.LEEWAY
        start = self.registry.log_size()
        tokens = self.issued(lambda: self.slow_pull(ref, 6))
        self.assertEqual(2, len(tokens))
        log = self.registry.log_since(start)
        self.assertEqual(
            1, log.count('error authorizing context: invalid token'),
            log[-3000:])

    def test_a_token_about_to_expire_is_fetched_before_a_request(self):
        ref = self.ref(self.registry)
        self.push(ref, *flags(ALICE))
        # expires_in of 2 s: past it, a new token before the next request,
        # none refused
        self.issuer.expires_in = 2
        start = self.registry.log_size()
        tokens = self.issued(lambda: self.slow_pull(ref, 3))
        self.assertEqual(2, len(tokens))
        log = self.registry.log_since(start)
        self.assertNotIn('invalid token', log)
