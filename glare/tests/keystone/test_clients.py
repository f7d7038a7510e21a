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

"""The command-line clients against Glare behind a real Keystone: the
OpenStack client logs in with a password and finds Glare in the catalog;
the glare CLI is given a token and the endpoint (the user guide's
"With Keystone")."""

import json
import os
import subprocess

from glare.tests.functional import base as functional
from glare.tests.functional import test_clients
from glare.tests.keystone import base
from glare.tests.keystone import fixture


class ClientTests(base.KeystoneTest):

    def run_client(self, argv, env=None, stdin=None, expect=0):
        full_env = {k: v for k, v in os.environ.items()
                    if not k.startswith(test_clients.CLIENT_ENV_PREFIXES)
                    and k not in test_clients.CLIENT_ENV_NAMES}
        full_env['XDG_CONFIG_HOME'] = full_env['XDG_CACHE_HOME'] = \
            self.workdir
        full_env.update(env or {})
        proc = subprocess.run(argv, input=stdin, capture_output=True,
                              env=full_env, timeout=test_clients.CLI_TIMEOUT)
        self.assertEqual(expect, proc.returncode, '%s\nstdout: %s\n'
                         'stderr: %s' % (' '.join(argv), proc.stdout[-3000:],
                                         proc.stderr[-3000:]))
        return proc

    def openstack(self, persona, *args, **kw):
        """openstack artifact ARGS as a persona, credentials in OS_*."""
        who = self.cloud.personas[persona]
        env = {'OS_AUTH_URL': self.cloud.auth_url, 'OS_AUTH_TYPE': 'password',
               'OS_IDENTITY_API_VERSION': '3', 'OS_USER_ID': who.user_id,
               'OS_PASSWORD': who.password, 'OS_PROJECT_ID': who.project_id,
               'OS_REGION_NAME': fixture.REGION, 'OS_INTERFACE': 'public'}
        return self.run_client([test_clients._script('openstack'),
                                'artifact'] + list(args), env, **kw)

    def glare(self, token, *args, **kw):
        argv = [test_clients._script('glare'), '--os-glare-url',
                self.server.url]
        if token:
            argv += ['--auth-token', token]
        return self.run_client(argv + list(args), **kw)

    @staticmethod
    def fields(proc):
        return test_clients._fields(json.loads(proc.stdout))

    def test_openstack_client_with_a_password(self):
        types = json.loads(self.openstack('member-a', 'type-list', '-f',
                                          'json').stdout)
        self.assertIn(functional.SAMPLE, [row['Name'] for row in types])
        name = self.unique()
        af = self.fields(self.openstack(
            'member-a', 'create', functional.SAMPLE, name, '-p', 'int1=3',
            '-f', 'json'))
        self.assertEqual((self.project, 3), (af['owner'], af['int1']))
        blob = json.loads(self.openstack(
            'member-a', 'upload', functional.SAMPLE, name, '-p', 'blob',
            '-f', 'json', stdin=b'through keystone').stdout)
        self.assertEqual(16, blob['size'])
        rows = json.loads(self.openstack(
            'member-a', 'list', functional.SAMPLE, '--limit', '0',
            '-F', 'name=' + name, '-f', 'json').stdout)
        self.assertEqual([af['id']], [row['Id'] for row in rows])
        # another project does not see it; publishing is for admins
        proc = self.openstack('member-b', 'show', functional.SAMPLE, name,
                              expect=1)
        self.assertIn(b'not found', proc.stderr)
        proc = self.openstack('member-a', 'publish', functional.SAMPLE,
                              name, expect=1)
        self.assertIn(b'(HTTP 403)', proc.stderr)
        self.openstack('member-a', 'delete', functional.SAMPLE, name)

    def test_glare_cli_with_a_token(self):
        token = self.cloud.token('member-a')
        name = self.unique()
        af = self.fields(self.glare(token, 'create', functional.SAMPLE,
                                    name, '-f', 'json'))
        self.assertEqual(self.project, af['owner'])
        self.assertEqual(af['id'], self.fields(self.glare(
            token, 'show', functional.SAMPLE, name, '-f', 'json'))['id'])
        for bad in (None, 'garbage'):
            proc = self.glare(bad, 'list', functional.SAMPLE, '--limit',
                              '0', expect=1)
            self.assertIn(b'Authentication failed', proc.stderr)
