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

"""glare-bundle logging in to a real Keystone, the ways the user guide
promises ("The command line" in doc/source/user/bundles.rst): a user and
password as options or as OS_* variables, Glare found in the catalog; a
clouds.yaml cloud, its password in the file or in a secure.yaml; an
application credential; a token with --os-url, or scoped by Keystone
(--os-auth-url). Each way exports a bundle of project A's artifact (a
blob, and a dependency) and imports it into project B, where it is
private to B. Failures are one line, exit status 1: a wrong password
(Keystone's 401), an unscoped login, a region without Glare, another
project's token (Glare's 404), a revoked or expired token (Glare's 401;
Keystone's 404 when it is to scope it). verify logs in nowhere.
"""

import datetime
import json
import os
import shutil
import subprocess
import time

from glare.tests.fixtures import processes
from glare.tests.functional import base as functional
from glare.tests.functional import test_blobs
from glare.tests.functional import test_clients
from glare.tests.keystone import base
from glare.tests.keystone import fixture

CLI_TIMEOUT = 120
DOMAIN = 'Default'
APP_DATA = b'app blob ' * 5000
LIB_DATA = b'lib blob'


class BundleLoginTests(test_blobs.BlobMixin, base.KeystoneTest):

    @classmethod
    def setUpClass(cls):
        script = test_clients._script('glare-bundle')
        if not os.path.exists(script):
            raise AssertionError('%s is not installed (the console script '
                                 'of setup.cfg; reinstall glare)' % script)
        cls.script = script
        super().setUpClass()

    def setUp(self):
        super().setUp()
        # each test its own directory: bundles, clouds.yaml, secure.yaml,
        # and the XDG configuration directory the clients search
        self.tmp = os.path.join(self.workdir, self.unique('t'))
        os.makedirs(self.tmp)
        self.addCleanup(shutil.rmtree, self.tmp, True)

    # -- running the command ---------------------------------------------
    def cli(self, *args, env=None, expect=0):
        full_env = {k: v for k, v in os.environ.items()
                    if not k.startswith(test_clients.CLIENT_ENV_PREFIXES)
                    and k not in test_clients.CLIENT_ENV_NAMES}
        # no clouds.yaml or secure.yaml of the user's; caches elsewhere
        full_env['XDG_CONFIG_HOME'] = full_env['HOME'] = self.tmp
        full_env['XDG_CACHE_HOME'] = self.workdir
        full_env.update(env or {})
        argv = [self.script] + list(args)
        proc = subprocess.run(argv, capture_output=True, env=full_env,
                              stdin=subprocess.DEVNULL, cwd=self.tmp,
                              timeout=CLI_TIMEOUT)
        self.assertEqual(expect, proc.returncode, '%s\nstdout: %s\nstderr: '
                         '%s' % (' '.join(argv), proc.stdout[-3000:],
                                 proc.stderr[-3000:].decode(
                                     errors='replace')))
        return proc

    def fails(self, *args, message, env=None):
        """Exit status 1 and one line on stderr, no traceback: returns
        the line (without the program's prefix)."""
        proc = self.cli(*args, env=env, expect=1)
        lines = proc.stderr.decode().splitlines()
        self.assertEqual(1, len(lines), lines)
        prefix = 'glare-bundle: error: '
        self.assertTrue(lines[0].startswith(prefix), lines)
        self.assertIn(message, lines[0])
        self.assertEqual(b'', proc.stdout)
        return lines[0][len(prefix):]

    def path(self, name):
        return os.path.join(self.tmp, name)

    def read(self, name):
        with open(self.path(name), 'rb') as f:
            return f.read()

    # -- the ways to log in: (options, environment) ------------------------
    def project_name(self, persona):
        return {v: k for k, v in self.cloud.projects.items()}[
            self.cloud.personas[persona].project_id]

    def password_settings(self, persona):
        """keystoneauth1's password options for a persona, by name."""
        who = self.cloud.personas[persona]
        return {'auth_url': self.cloud.auth_url, 'username': who.name,
                'password': who.password,
                'project_name': self.project_name(persona),
                'user_domain_name': DOMAIN,
                'project_domain_name': DOMAIN}

    def password_options(self, persona):
        args = []
        for name, value in self.password_settings(persona).items():
            args += ['--os-' + name.replace('_', '-'), value]
        return args, {}

    def password_environment(self, persona):
        env = {'OS_' + name.upper(): value for name, value
               in self.password_settings(persona).items()}
        env['OS_IDENTITY_API_VERSION'] = '3'  # as an openrc sets it
        return [], env

    def clouds_yaml(self, persona, secure=None):
        """--os-cloud with a clouds.yaml named by OS_CLIENT_CONFIG_FILE;
        secure: None (the password in clouds.yaml), 'searched' (in
        secure.yaml where the clients look) or 'named' (a secure.yaml
        named by OS_CLIENT_SECURE_FILE)."""
        auth = self.password_settings(persona)
        password = auth.pop('password')
        cloud = {'auth_type': 'password', 'auth': auth,
                 'region_name': fixture.REGION, 'interface': 'public',
                 'identity_api_version': 3}
        env = {'OS_CLIENT_CONFIG_FILE': self.path('%s-clouds.yaml'
                                                  % persona)}
        if secure is None:
            auth['password'] = password
        else:
            if secure == 'searched':
                directory = os.path.join(self.tmp, 'openstack')
                os.makedirs(directory, exist_ok=True)
                secure_path = os.path.join(directory, 'secure.yaml')
            else:
                secure_path = self.path('%s-secure.yaml' % persona)
                env['OS_CLIENT_SECURE_FILE'] = secure_path
            with open(secure_path, 'w') as f:
                # JSON is YAML
                json.dump({'clouds': {persona: {'auth': {
                    'password': password}}}}, f)
        with open(env['OS_CLIENT_CONFIG_FILE'], 'w') as f:
            json.dump({'clouds': {persona: cloud,
                                  'unrelated': {'auth': {}}}}, f)
        return ['--os-cloud', persona], env

    def token_and_url(self, persona):
        token, _body = self.cloud.password_token(
            self.cloud.personas[persona])
        return ['--os-token', token, '--os-url', self.server.url], {}

    def application_credential(self, persona, auth_type=None):
        who = self.cloud.personas[persona]
        cred = self.cloud.call(
            'POST', '/users/%s/application_credentials' % who.user_id,
            self.cloud.token(persona), body={'application_credential': {
                'name': self.unique('bundle')}}, expect=201,
        ).json()['application_credential']
        args = ['--os-auth-type', auth_type] if auth_type else []
        return args + ['--os-auth-url', self.cloud.auth_url,
                       '--os-application-credential-id', cred['id'],
                       '--os-application-credential-secret',
                       cred['secret']], {}

    # -- the artifacts ---------------------------------------------------
    def tree(self):
        """Project A's app, linking lib (its dependency); blobs on both."""
        lib = self.create()
        app = self.create(link1='/artifacts/%s/%s' % (functional.SAMPLE,
                                                      lib['id']))
        self.upload(app['id'], 'blob', APP_DATA)
        self.upload(lib['id'], 'blob', LIB_DATA)
        return app, lib

    def api_bundle(self, artifact_id, headers):
        resp = self.get(self.url(artifact_id) + '/bundle', headers=headers)
        self.assertEqual(200, resp.status_code, functional.brief(resp))
        return resp.content

    def export(self, login, artifact_id, name='b.tar'):
        args, env = login
        proc = self.cli(*args, 'export', functional.SAMPLE, artifact_id,
                        '-o', self.path(name), env=env)
        self.assertIn('exported %s/%s with 2 artifact(s)' % (
            functional.SAMPLE, artifact_id), proc.stderr.decode())
        return self.path(name)

    def round_trip(self, export_login, import_login):
        """A's tree exported by member-a logged in one way, imported by
        member-b logged in another: B owns the copies, privately."""
        app, lib = self.tree()
        path = self.export(export_login, app['id'])
        # the very bytes the API gives member-a's own token
        self.assertEqual(self.api_bundle(app['id'], self.user),
                         self.read('b.tar'))
        # the ids travel with the bundle: the originals go first
        for art in (app, lib):
            resp = self.delete(self.url(art['id']), headers=self.user)
            self.assertEqual(204, resp.status_code, functional.brief(resp))

        args, env = import_login
        proc = self.cli(*args, 'import', path, env=env)
        out = proc.stdout.decode().splitlines()
        self.assertEqual('2 imported, 0 skipped', out[-1], out)
        self.assertEqual(sorted('imported %s/%s %s %s' % (
            functional.SAMPLE, a['id'], a['name'], a['version'])
            for a in (app, lib)), sorted(out[:-1]))

        shown = self.show(app['id'], headers=self.user_b)
        self.assertEqual((self.project_b, 'private'),
                         (shown['owner'], shown['visibility']))
        self.assertEqual('/artifacts/%s/%s' % (functional.SAMPLE, lib['id']),
                         shown['link1'])
        self.assertEqual(self.project_b, self.show(
            lib['id'], headers=self.user_b)['owner'])
        for art_id, data in ((app['id'], APP_DATA), (lib['id'], LIB_DATA)):
            resp = self.download(art_id, 'blob', headers=self.user_b)
            self.assertEqual((200, data), (resp.status_code, resp.content))
            # private to B: A, whose artifacts they were, sees nothing
            self.assertError(404, self.get(self.url(art_id),
                                           headers=self.user))
        self.assertEqual(sorted([app['id'], lib['id']]), sorted(
            self.list_ids('id=in:%s,%s' % (app['id'], lib['id']),
                          headers=self.user_b)))
        self.assertEqual([], self.list_ids(
            'id=in:%s,%s' % (app['id'], lib['id'])))
        # and importing again with the same login skips both
        proc = self.cli(*args, 'import', path, env=env)
        self.assertEqual('0 imported, 2 skipped',
                         proc.stdout.decode().splitlines()[-1])
        return app, lib

    # -- each way to log in ------------------------------------------------
    def test_password_options_and_the_catalog(self):
        self.round_trip(self.password_options('member-a'),
                        self.password_options('member-b'))

    def test_password_in_environment_variables(self):
        self.round_trip(self.password_environment('member-a'),
                        self.password_environment('member-b'))

    def test_clouds_yaml_with_the_password(self):
        self.round_trip(self.clouds_yaml('member-a'),
                        self.clouds_yaml('member-b'))

    def test_clouds_yaml_and_secure_yaml(self):
        # the password only in secure.yaml: without it, no login
        args, env = self.clouds_yaml('member-a', secure='named')
        app, _lib = self.tree()
        self.fails(*args, 'export', functional.SAMPLE, app['id'], '-o',
                   self.path('x.tar'), env=dict(
                       env, OS_CLIENT_SECURE_FILE=self.path('none.yaml')),
                   message='cannot read %s' % self.path('none.yaml'))
        del env['OS_CLIENT_SECURE_FILE']
        self.fails(*args, 'export', functional.SAMPLE, app['id'], '-o',
                   self.path('x.tar'), env=env,
                   message='auth type password needs --os-password')
        self.assertFalse(os.path.exists(self.path('x.tar')))
        # secure.yaml where the clients look ($XDG_CONFIG_HOME/openstack)
        # for the export, named by OS_CLIENT_SECURE_FILE for the import
        self.round_trip(self.clouds_yaml('member-a', secure='searched'),
                        self.clouds_yaml('member-b', secure='named'))

    def test_token_and_url(self):
        self.round_trip(self.token_and_url('member-a'),
                        self.token_and_url('member-b'))

    def test_token_through_the_catalog(self):
        # --os-token with --os-auth-url: keystoneauth1's token plugin
        # scopes it to the project; Glare's endpoint from the catalog
        logins = []
        for persona in ('member-a', 'member-b'):
            who = self.cloud.personas[persona]
            token, _body = self.cloud.password_token(who)
            logins.append((['--os-auth-url', self.cloud.auth_url,
                            '--os-token', token, '--os-project-id',
                            who.project_id], {}))
        self.round_trip(*logins)

    def test_application_credentials(self):
        # the plugin named, and (the guide names none) found from the
        # options given
        self.round_trip(
            self.application_credential('member-a',
                                        'v3applicationcredential'),
            self.application_credential('member-b'))

    # -- failures ----------------------------------------------------------
    def test_wrong_password_is_one_line(self):
        app, _lib = self.tree()
        args, _env = self.password_options('member-a')
        args[args.index('--os-password') + 1] = 'not-the-password'
        refused = 'login to Keystone at %s failed: ' % self.cloud.auth_url
        line = self.fails(*args, 'export', functional.SAMPLE, app['id'],
                          '-o', self.path('x.tar'), message=refused)
        self.assertIn('(HTTP 401)', line)
        self.assertNotIn('not-the-password', line)
        # the same from the environment and from clouds.yaml
        _args, env = self.password_environment('member-a')
        env['OS_PASSWORD'] = 'not-the-password'
        self.fails('export', functional.SAMPLE, app['id'], '-o',
                   self.path('x.tar'), env=env, message=refused)
        args, env = self.clouds_yaml('member-b')
        with open(env['OS_CLIENT_CONFIG_FILE']) as f:
            clouds = json.load(f)
        clouds['clouds']['member-b']['auth']['password'] = 'wrong'
        with open(env['OS_CLIENT_CONFIG_FILE'], 'w') as f:
            json.dump(clouds, f)
        self.fails(*args, 'import', self.path('none.tar'), env=env,
                   message='cannot read %s' % self.path('none.tar'))
        with open(self.path('some.tar'), 'wb') as f:
            f.write(b'not read: the login fails first')
        self.fails(*args, 'import', self.path('some.tar'), env=env,
                   message=refused)
        # no file is left behind by the failed exports
        self.assertEqual(['member-b-clouds.yaml', 'some.tar'],
                         sorted(os.listdir(self.tmp)))

    def test_catalog_without_glare(self):
        app, _lib = self.tree()
        args, _env = self.password_options('member-a')
        # no project: an unscoped token, which has no catalog
        unscoped = args[:args.index('--os-project-name')] + args[
            args.index('--os-project-name') + 2:]
        self.fails(*unscoped, 'export', functional.SAMPLE, app['id'], '-o',
                   self.path('x.tar'), message='the login has no catalog: '
                   'scope it to a project')
        self.fails(*args, '--os-region-name', 'Nowhere', 'export',
                   functional.SAMPLE, app['id'], '-o', self.path('x.tar'),
                   message='the catalog has no artifact endpoint '
                   '(interface public, region Nowhere); give --os-url')
        # --os-url overrides the catalog
        self.cli(*args, '--os-region-name', 'Nowhere', '--os-url',
                 self.server.url, 'export', functional.SAMPLE, app['id'],
                 '-o', self.path('x.tar'))

    def test_another_projects_token_gets_404(self):
        app, _lib = self.tree()
        message = self.get(self.url(app['id']) + '/bundle',
                           headers=self.user_b).json()['error']['message']
        line = self.fails(*self.token_and_url('member-b')[0], 'export',
                          functional.SAMPLE, app['id'], '-o',
                          self.path('x.tar'), message='HTTP 404 from GET: ')
        self.assertIn(message, line)
        # by password and the catalog too
        self.fails(*self.password_options('member-b')[0], 'export',
                   functional.SAMPLE, app['id'], '-o', self.path('x.tar'),
                   message='HTTP 404 from GET: ')
        self.assertEqual([], os.listdir(self.tmp))

    def test_revoked_and_expired_tokens_get_401(self):
        app, _lib = self.tree()
        # revoked before Glare saw it (Glare caches a token it accepted
        # for token_cache_time)
        token, _body = self.cloud.password_token(
            self.cloud.personas['member-a'])
        self.cloud.revoke(token)
        self.assertFalse(self.cloud.token_is_valid(token))
        line = self.fails('--os-token', token, '--os-url', self.server.url,
                          'export', functional.SAMPLE, app['id'], '-o',
                          self.path('x.tar'), message='HTTP 401 from GET: ')
        self.assertNotIn(token, line)
        # given to Keystone to scope (the token plugin): Keystone does
        # not know it any more
        line = self.fails('--os-auth-url', self.cloud.auth_url, '--os-token',
                          token, '--os-project-id', self.project, 'export',
                          functional.SAMPLE, app['id'], '-o',
                          self.path('x.tar'), message='login to Keystone '
                          'at %s failed: ' % self.cloud.auth_url)
        self.assertIn('(HTTP 404)', line)
        self.assertNotIn(token, line)
        # expired: an application credential's token outlives it not
        token, body = self.cloud.short_lived_token('member-a', 4)
        login = ['--os-token', token, '--os-url', self.server.url]
        self.export((login, {}), app['id'])  # valid now
        expires = fixture.parse_time(body['expires_at'])
        left = (expires - datetime.datetime.now(
            datetime.timezone.utc)).total_seconds()
        time.sleep(max(left, 0) + 1.5)
        self.assertFalse(self.cloud.token_is_valid(token))
        self.fails(*login, 'export', functional.SAMPLE, app['id'], '-o',
                   self.path('y.tar'), message='HTTP 401 from GET: ')
        self.fails(*login, 'import', self.path('b.tar'),
                   message='HTTP 401 from POST: ')
        self.assertEqual(['b.tar'], os.listdir(self.tmp))

    def test_verify_needs_no_login(self):
        app, _lib = self.tree()
        path = self.export(self.token_and_url('member-a'), app['id'])
        expect = '%s: valid bundle of 2 artifact(s) (root %s/%s %s %s)' % (
            path, functional.SAMPLE, app['id'], app['name'], app['version'])
        # no credentials at all
        proc = self.cli('verify', path)
        self.assertTrue(proc.stdout.decode().startswith(expect), proc.stdout)
        self.assertEqual(b'', proc.stderr)
        # credentials that would fail, and a Keystone that is not there:
        # never used
        dead = 'http://127.0.0.1:%d/v3' % processes.free_port()
        proc = self.cli('verify', path, env={
            'OS_AUTH_URL': dead, 'OS_USERNAME': 'nobody',
            'OS_PASSWORD': 'wrong', 'OS_PROJECT_NAME': 'none',
            'OS_CLOUD': 'missing'})
        self.assertTrue(proc.stdout.decode().startswith(expect), proc.stdout)
        self.assertEqual(b'', proc.stderr)
