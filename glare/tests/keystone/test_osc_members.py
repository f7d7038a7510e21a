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

"""``openstack artifact member ...`` behind a real Keystone: the owner's
user (project A) shares an artifact with project B, whose user accepts it,
each logged in with a password, Glare found in the catalog; the member
commands ride on the session the OpenStack client logged in with."""

import json

from glare.tests.functional import base as functional
from glare.tests.functional import test_osc_members
from glare.tests.keystone import base
from glare.tests.keystone import test_clients


class MemberCommandsTests(base.KeystoneTest):

    # the OpenStack client as test_clients runs it, with glare/osc's
    # commands on its path
    _run_client = test_clients.ClientTests.run_client
    openstack = test_clients.ClientTests.openstack

    def run_client(self, argv, env=None, **kw):
        env = test_osc_members.client_env(env or {}, self.workdir)
        return self._run_client(argv, env, **kw)

    def openstack_json(self, persona, *args):
        return json.loads(self.openstack(persona, *args, '-f',
                                         'json').stdout)

    def test_owner_shares_and_the_member_accepts(self):
        name = self.unique()
        af = self.create(name=name)
        self.assertEqual('shared', test_clients.ClientTests.fields(
            self.openstack('member-a', 'update', functional.SAMPLE, name,
                           '-p', 'visibility=shared', '-f', 'json'))[
            'visibility'])

        added = self.openstack_json('member-a', 'member', 'add',
                                    functional.SAMPLE, name,
                                    self.project_b)
        self.assertEqual((af['id'], self.project_b, 'pending'),
                         (added['artifact_id'], added['member'],
                          added['status']))
        # B's user accepts by the artifact's name: its inbox finds it
        accepted = self.openstack_json(
            'member-b', 'member', 'set', functional.SAMPLE, name,
            self.project_b, '--status', 'accepted')
        self.assertEqual('accepted', accepted['status'])
        rows = self.openstack_json('member-b', 'list', functional.SAMPLE,
                                   '--limit', '0', '-F', 'name=' + name)
        self.assertEqual([af['id']], [row['Id'] for row in rows])
        self.assertEqual([(self.project_b, 'accepted')], [
            (row['Member'], row['Status']) for row in self.openstack_json(
                'member-a', 'member', 'list', functional.SAMPLE, name)])
        # the owner cannot answer for B
        proc = self.openstack('member-a', 'member', 'set',
                              functional.SAMPLE, name, self.project_b,
                              '--status', 'rejected', expect=1)
        self.assertIn(b'(HTTP 403)', proc.stderr)

        # B leaves
        self.openstack('member-b', 'member', 'delete', functional.SAMPLE,
                       af['id'], self.project_b)
        self.assertEqual([], self.openstack_json(
            'member-a', 'member', 'list', functional.SAMPLE, name))
