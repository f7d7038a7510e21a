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

"""glare-bundle's registry login: WWW-Authenticate challenges, where
credentials may go, and where they are found (command line, environment,
auth files). The login against a live registry is in
glare.tests.functional.test_bundle_registry_auth."""

import argparse
import base64
import io
import json
import os

import fixtures

from glare.cmd import bundle_registry_auth as auth
from glare.tests import base

HOST = 'registry.example.com:5000'


def namespace(username=None, password=None, stdin=False):
    return argparse.Namespace(registry_username=username,
                              registry_password=password,
                              registry_password_stdin=stdin)


def b64(text):
    return base64.b64encode(text.encode()).decode()


class ChallengeTests(base.TestCase):

    def test_bearer(self):
        self.assertEqual(
            [('bearer', {'realm': 'https://auth.example.com/token',
                         'service': 'registry.example.com',
                         'scope': 'repository:glare/web:pull'})],
            auth.parse_challenges(
                'Bearer realm="https://auth.example.com/token",'
                'service="registry.example.com",'
                'scope="repository:glare/web:pull"'))

    def test_several_challenges_and_quoting(self):
        self.assertEqual(
            [('basic', {'realm': 'a, "quoted" realm', 'charset': 'UTF-8'}),
             ('negotiate', {}),
             ('bearer', {'realm': 'https://x/token', 'error':
                         'insufficient_scope'})],
            auth.parse_challenges(
                'BASIC Realm="a, \\"quoted\\" realm", charset=UTF-8, '
                'Negotiate, bearer realm = "https://x/token" ,'
                'error="insufficient_scope"'))

    def test_token68(self):
        self.assertEqual([('negotiate', {'': 'YIIB/zA=='}),
                          ('basic', {'realm': 'r'})],
                         auth.parse_challenges('Negotiate YIIB/zA==, '
                                               'Basic realm=r'))

    def test_empty(self):
        self.assertEqual([], auth.parse_challenges(''))
        self.assertEqual([], auth.parse_challenges(' , '))

    def test_unreadable(self):
        for value in ('Bearer realm="no end', 'Bearer realm="x" junk',
                      '"quoted"', 'Basic realm=x, =y'):
            self.assertRaises(ValueError, auth.parse_challenges, value)

    def test_pick_prefers_bearer(self):
        self.assertEqual(
            ('bearer', {'realm': 'https://x/t'}),
            auth.pick_challenge('Basic realm="r", Bearer realm="https://x/t"'))
        self.assertEqual(('basic', {'realm': 'r'}),
                         auth.pick_challenge('Basic realm="r"'))

    def test_pick_refuses(self):
        e = self.assertRaises(auth.AuthError, auth.pick_challenge,
                              'Negotiate, NTLM')
        self.assertEqual('it asks for negotiate, ntlm authentication, '
                         'which glare-bundle does not speak (Basic or '
                         'Bearer only)', str(e))
        e = self.assertRaises(auth.AuthError, auth.pick_challenge, None)
        self.assertIn('without a WWW-Authenticate challenge', str(e))
        e = self.assertRaises(auth.AuthError, auth.pick_challenge,
                              'Bearer realm="x')
        self.assertIn('its WWW-Authenticate header cannot be read', str(e))


class WhereCredentialsGoTests(base.TestCase):

    def test_origin(self):
        self.assertEqual(('https', 'registry.example.com', 443),
                         auth.origin('HTTPS://Registry.Example.com/v2/'))
        self.assertEqual(('http', '127.0.0.1', 5000),
                         auth.origin('http://127.0.0.1:5000/v2/a'))
        self.assertEqual(('http', '::1', 80), auth.origin('http://[::1]/'))
        self.assertNotEqual(auth.origin('http://127.0.0.1:5000/'),
                            auth.origin('http://127.0.0.1:5001/'))

    def test_passwords_over_plain_http_only_to_loopback_when_insecure(self):
        for url in ('https://registry.example.com/v2/',
                    'https://127.0.0.1:5000/token'):
            self.assertTrue(auth.may_send_password(url, False))
        for url in ('http://127.0.0.1:5000/v2/', 'http://localhost/token',
                    'http://[::1]:5000/v2/', 'http://127.0.0.2/'):
            self.assertTrue(auth.may_send_password(url, True))
            self.assertFalse(auth.may_send_password(url, False))
        for url in ('http://registry.example.com/token',
                    'http://10.0.0.1:5000/v2/', 'ftp://127.0.0.1/x'):
            self.assertFalse(auth.may_send_password(url, True))

    def test_scope_covers(self):
        self.assertTrue(auth.scope_covers('repository:a/b:pull', 'a/b',
                                          'pull,push'))
        self.assertTrue(auth.scope_covers('repository:a/b:push,pull', 'a/b',
                                          'pull,push'))
        self.assertFalse(auth.scope_covers('repository:a/b:push', 'a/b',
                                           'pull'))
        self.assertFalse(auth.scope_covers('repository:a/c:pull', 'a/b',
                                           'pull'))
        self.assertFalse(auth.scope_covers('registry:catalog:*', 'a/b',
                                           'pull'))

    def test_token_is_stale_before_it_expires(self):
        token = auth.Token('t', 300, 1000.0)
        self.assertFalse(token.stale(1289.9))
        self.assertTrue(token.stale(1290.0))
        short = auth.Token('t', 2, 1000.0)
        self.assertFalse(short.stale(1000.9))
        self.assertTrue(short.stale(1001.0))

    def test_credentials_never_show_the_password(self):
        creds = auth.Credentials('b\u00f6b', 'p\u00e4ss:word', 'somewhere')
        self.assertEqual('Basic ' + b64('b\u00f6b:p\u00e4ss:word'),
                         creds.basic())
        self.assertNotIn('word', repr(creds))
        self.assertEqual('user b\u00f6b (from somewhere)', creds.describe())


class FromArgumentsTests(base.TestCase):

    def creds(self, args, environ=None, stdin=''):
        return auth.from_arguments(args, environ or {}, io.StringIO(stdin))

    def test_none(self):
        self.assertIsNone(self.creds(namespace()))

    def test_flags(self):
        creds = self.creds(namespace('alice', 'secret'))
        self.assertEqual(('alice', 'secret', '--registry-username'),
                         (creds.username, creds.password, creds.source))

    def test_environment(self):
        env = {'GLARE_REGISTRY_USERNAME': 'bob',
               'GLARE_REGISTRY_PASSWORD': 'env-secret'}
        creds = self.creds(namespace(), env)
        self.assertEqual(('bob', 'env-secret', 'GLARE_REGISTRY_USERNAME'),
                         (creds.username, creds.password, creds.source))
        # the command line before the environment, item by item
        creds = self.creds(namespace('alice'), env)
        self.assertEqual(('alice', 'env-secret'),
                         (creds.username, creds.password))
        creds = self.creds(namespace('alice', 'flag'), env)
        self.assertEqual('flag', creds.password)

    def test_stdin(self):
        for text, password in (('s3cret\n', 's3cret'),
                               ('s3cret', 's3cret'),
                               ('s3cret\r\n', 's3cret'),
                               ('two\nlines\n', None),
                               ('trailing space \n', 'trailing space ')):
            if password is None:
                self.assertRaises(auth.AuthError, self.creds,
                                  namespace('alice', stdin=True),
                                  stdin=text)
                continue
            creds = self.creds(namespace('alice', stdin=True), stdin=text)
            self.assertEqual(password, creds.password)
        # stdin is read only when asked to
        stdin = io.StringIO('not read')
        auth.from_arguments(namespace('alice', 'x'), {}, stdin)
        self.assertEqual(0, stdin.tell())

    def test_refused(self):
        cases = [
            (namespace('alice'), {}, '', '--registry-username gives the '
             'registry user alice but no password'),
            (namespace(password='x'), {}, '', 'a registry password needs a '
             'user name'),
            (namespace(), {'GLARE_REGISTRY_PASSWORD': 'x'}, '',
             'a registry password needs a user name'),
            (namespace(), {'GLARE_REGISTRY_USERNAME': 'bob'}, '',
             'GLARE_REGISTRY_USERNAME gives the registry user bob but no '
             'password'),
            (namespace('alice', 'x', stdin=True), {}, 'y',
             'give --registry-password or --registry-password-stdin, not '
             'both'),
            (namespace('alice', stdin=True), {}, '\n',
             '--registry-password-stdin read no password'),
            (namespace('alice', stdin=True), {}, 'x' * 70000,
             'the registry password on standard input is over 65536 bytes'),
            (namespace('a:b', 'x'), {}, '', "the registry user name 'a:b' "
             'holds a ":"'),
            (namespace('alice', ''), {}, '', 'the registry password is '
             'empty'),
        ]
        for args, env, stdin, message in cases:
            e = self.assertRaises(auth.AuthError, self.creds, args, env,
                                  stdin)
            self.assertIn(message, str(e))


class AuthFileTests(base.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.home = os.path.join(self.dir, 'home')
        self.env = {'HOME': self.home}

    def write(self, path, doc):
        path = os.path.join(self.dir, path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(doc if isinstance(doc, str) else json.dumps(doc))
        return path

    def lookup(self, host=HOST, repository='glare/web'):
        return auth.from_auth_files(host, repository, self.env)

    def found(self, **kw):
        creds, notes = self.lookup(**kw)
        self.assertEqual([], notes)
        return (creds.username, creds.password, creds.source)

    def test_files_in_order(self):
        self.env.update({'REGISTRY_AUTH_FILE': '/r/auth.json',
                         'DOCKER_CONFIG': '/d', 'XDG_RUNTIME_DIR': '/run/u',
                         'XDG_CONFIG_HOME': '/c'})
        self.assertEqual(['/r/auth.json', '/d/config.json',
                          self.home + '/.docker/config.json',
                          '/run/u/containers/auth.json',
                          '/c/containers/auth.json'],
                         auth.auth_files(self.env))
        self.assertEqual([self.home + '/.docker/config.json',
                          self.home + '/.config/containers/auth.json'],
                         auth.auth_files({'HOME': self.home}))

    def test_none(self):
        self.assertEqual((None, []), self.lookup())
        self.write('home/.docker/config.json', {'auths': {
            'other.example.com': {'auth': b64('a:b')}}})
        self.assertEqual((None, []), self.lookup())

    def test_docker_config(self):
        path = self.write('home/.docker/config.json', {'auths': {
            HOST: {'auth': b64('alice:pa:ss')}}})
        self.assertEqual(('alice', 'pa:ss', 'auth file %s' % path),
                         self.found())

    def test_key_forms(self):
        for key in ('https://%s/v1/' % HOST, 'http://%s' % HOST,
                    HOST.upper(), '%s/' % HOST, 'https://%s/v2/' % HOST):
            path = self.write('k/config.json', {'auths': {
                key: {'auth': b64('u:p')}}})
            self.env['DOCKER_CONFIG'] = os.path.dirname(path)
            self.assertEqual(('u', 'p'), self.found()[:2], key)

    def test_repository_entry_first(self):
        self.write('home/.docker/config.json', {'auths': {
            HOST: {'auth': b64('host:h')},
            HOST + '/glare': {'auth': b64('ns:n')},
            HOST + '/glare/web': {'auth': b64('repo:r')},
            HOST + '/glare/other': {'auth': b64('other:o')}}})
        self.assertEqual('repo', self.found()[0])
        self.assertEqual('ns', self.found(repository='glare/db')[0])
        self.assertEqual('host', self.found(repository='lib/x')[0])

    def test_first_file_with_an_entry(self):
        first = self.write('first.json', {'auths': {
            'elsewhere:1': {'auth': b64('x:y')}}})
        self.write('d/config.json', {'auths': {
            HOST: {'auth': b64('docker:d')}}})
        self.write('home/.docker/config.json', {'auths': {
            HOST: {'auth': b64('home:h')}}})
        self.env.update({'REGISTRY_AUTH_FILE': first,
                         'DOCKER_CONFIG': os.path.join(self.dir, 'd')})
        self.assertEqual('docker', self.found()[0])
        del self.env['DOCKER_CONFIG']
        self.assertEqual('home', self.found()[0])
        # a file that is not there is passed over
        self.env['REGISTRY_AUTH_FILE'] = os.path.join(self.dir, 'missing')
        self.assertEqual('home', self.found()[0])

    def test_podman_default_place(self):
        self.env['XDG_RUNTIME_DIR'] = os.path.join(self.dir, 'run')
        self.write('run/containers/auth.json', {'auths': {
            HOST: {'auth': b64('podman:p')}}})
        self.assertEqual('podman', self.found()[0])

    def test_username_and_password_fields(self):
        self.write('home/.docker/config.json', {'auths': {
            HOST: {'username': 'u', 'password': 'p'}}})
        self.assertEqual(('u', 'p'), self.found()[:2])

    def test_docker_hub_names(self):
        self.write('home/.docker/config.json', {'auths': {
            'https://index.docker.io/v1/': {'auth': b64('hub:h')}}})
        self.assertEqual('hub', self.found(host='registry-1.docker.io')[0])
        self.assertEqual('hub', self.found(host='docker.io')[0])

    def test_helpers_are_noted_not_run(self):
        path = self.write('home/.docker/config.json', {
            'auths': {HOST: {}}, 'credsStore': 'desktop'})
        self.assertEqual(
            (None, ['%s names the credential helper docker-credential-'
                    'desktop, which glare-bundle does not run' % path]),
            self.lookup())
        self.write('home/.docker/config.json', {
            'credHelpers': {HOST: 'ecr-login', 'x.example.com': 'pass'},
            'credsStore': 'desktop'})
        self.assertIn('docker-credential-ecr-login', self.lookup()[1][0])
        self.write('home/.docker/config.json', {'auths': {
            HOST: {'identitytoken': 'opaque'}}})
        self.assertEqual(['%s holds an identity token for %s, which '
                          'glare-bundle does not use' % (path, HOST)],
                         self.lookup()[1])
        # credentials in a later file are still found; the note stays
        self.env['XDG_RUNTIME_DIR'] = os.path.join(self.dir, 'run')
        self.write('run/containers/auth.json', {'auths': {
            HOST: {'auth': b64('podman:p')}}})
        creds, notes = self.lookup()
        self.assertEqual('podman', creds.username)
        self.assertEqual(1, len(notes))

    def test_bad_files(self):
        path = os.path.join(self.dir, 'home/.docker/config.json')
        cases = [
            ('{"auths": ', 'the auth file %s is not a JSON document' % path),
            ('[]', 'the auth file %s is not a JSON object' % path),
            ({'auths': []}, 'the auth file %s: "auths" is not an object'
             % path),
            ({'auths': {HOST: {'auth': 'not base64!'}}},
             'the auth file %s, entry %s: "auth" is not base64 of '
             '"user:password"' % (path, HOST)),
            ({'auths': {HOST: {'auth': b64('no colon')}}},
             '"auth" is not base64 of "user:password"'),
            ({'auths': {HOST: {'auth': b64(':p')}}},
             'has an empty user name or password'),
            ({'auths': {HOST: {'username': 'u', 'password': 1}}},
             '"username" and "password" must be strings'),
            ({'auths': {HOST: 'x'}}, 'entry %s is not an object' % HOST),
            ({'auths': {HOST: {'auth': b64('u:p\nX-Evil: 1')}}},
             'holds a line break or NUL'),
        ]
        for doc, message in cases:
            self.write('home/.docker/config.json', doc)
            e = self.assertRaises(auth.AuthError, self.lookup)
            self.assertIn(message, str(e))
        os.chmod(path, 0)
        if os.access(path, os.R_OK):  # root reads it all the same
            return
        e = self.assertRaises(auth.AuthError, self.lookup)
        self.assertIn('cannot read the auth file %s: Permission denied'
                      % path, str(e))
