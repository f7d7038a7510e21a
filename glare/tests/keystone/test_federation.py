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

"""Federation behind a real Keystone: the upstream is called with the
service's own password credentials from [upstream:<name>], never with
the caller's token.

Two glare-api, both with auth_strategy = keystone: ``vendor`` (the class's
server) and ``enterprise`` (vendor as its upstream, logging in there as
its own Keystone user, member of a project of its own).
"""

import os
import uuid

from glare.tests.functional import base
from glare.tests.keystone import base as ks_base


class FederationKeystoneTests(ks_base.KeystoneTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        suffix = uuid.uuid4().hex[:8]
        cls.fed_project = 'fed-enterprise-' + suffix
        cls.cloud.projects[cls.fed_project] = cls.cloud._create(
            'projects', 'project', {'name': cls.fed_project,
                                    'domain_id': 'default'})
        cls.fed_user = cls.cloud.add_user('fed-enterprise-' + suffix,
                                          cls.fed_project, 'member')
        cls.enterprise = cls.start_enterprise(cls.fed_user.password)

    @classmethod
    def start_enterprise(cls, password):
        workdir = os.path.join(cls.workdir, 'enterprise-%s' %
                               uuid.uuid4().hex[:6])
        os.makedirs(workdir)
        config = {section: dict(options) for section, options
                  in cls.cloud.glare_config().items()}
        config['federation'] = {'upstreams': 'vendor',
                                'cloud_id': 'enterprise'}
        config['upstream:vendor'] = {
            'url': cls.server.url,
            'auth_type': 'password',
            'auth_url': cls.cloud.auth_url,
            'username': cls.fed_user.name,
            'password': password,
            'user_domain_id': 'default',
            'project_name': cls.fed_project,
            'project_domain_id': 'default',
            'timeout': '10',
        }
        server = base.GlareServer(workdir, 'sqlite:///%s' % os.path.join(
            workdir, 'state', 'glare.sqlite'), config=config)
        cls.addClassCleanup(server.stop, wait=False)
        server.start()
        return server

    def at(self, server, method, path, headers, **kw):
        sent = dict(headers)
        sent['OpenStack-API-Version'] = 'artifact 1.4'
        return self.session.request(method, server.url + path,
                                    headers=sent, timeout=60, **kw)

    def make(self, headers, public=False):
        """An active sample artifact with a blob at vendor."""
        art = self.create(headers=headers, name='fed-' + uuid.uuid4().hex[:8])
        resp = self.request('PUT', self.url(art['id']) + '/blob',
                            headers=headers, data=b'vendor data',
                            content_type='application/octet-stream')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.activate(art['id'], headers=headers)
        if public:
            self.publish(art['id'])
        return art

    def federated_ids(self, server, headers):
        resp = self.at(server, 'GET',
                       '/artifacts/sample_artifact?federated=true&limit=100',
                       headers)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        body = resp.json()
        return body, {a['id'] for a in body['artifacts']
                      if (a.get('origin') or {}).get('upstream') == 'vendor'}

    def test_search_and_pull_with_the_service_credentials(self):
        public = self.make(self.user_b, public=True)
        # project A's own private artifact at vendor: its members see it
        # there, but enterprise asks as its own user and must not
        private = self.make(self.user)
        own = self.make(self.cloud.headers(self.fed_user.name))

        body, ids = self.federated_ids(self.enterprise, self.user)
        self.assertEqual('ok', body['upstreams']['vendor']['status'], body)
        self.assertIn(public['id'], ids)
        self.assertIn(own['id'], ids)
        self.assertNotIn(private['id'], ids)

        resp = self.at(self.enterprise, 'POST',
                       '/artifacts/sample_artifact/pull', self.user,
                       json={'upstream': 'vendor', 'id': public['id'],
                             'dependencies': True})
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual([public['id']],
                         [a['id'] for a in resp.json()['imported']])
        resp = self.at(self.enterprise, 'GET',
                       '/artifacts/sample_artifact/%s' % public['id'],
                       self.user)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        doc = resp.json()
        self.assertEqual(self.project, doc['owner'])
        self.assertEqual('private', doc['visibility'])
        self.assertEqual('vendor', doc['origin']['upstream'])
        resp = self.at(self.enterprise, 'GET',
                       '/artifacts/sample_artifact/%s/blob' % public['id'],
                       self.user)
        self.assertEqual(b'vendor data', resp.content)

        # the caller's own token would have found project A's artifact:
        # the pull of it, as the service, finds nothing
        resp = self.at(self.enterprise, 'POST',
                       '/artifacts/sample_artifact/pull', self.user,
                       json={'upstream': 'vendor', 'id': private['id']})
        body = self.assertError(404, resp)
        self.assertIn('vendor', body['error']['message'])

    def test_refused_service_credentials_are_a_clear_error(self):
        public = self.make(self.user_b, public=True)
        broken = self.start_enterprise('not-the-password')
        body, ids = self.federated_ids(broken, self.user)
        self.assertEqual('error', body['upstreams']['vendor']['status'])
        self.assertTrue(body['upstreams']['vendor']['detail'])
        self.assertNotIn('not-the-password', str(body))
        self.assertEqual(set(), ids)
        resp = self.at(broken, 'POST', '/artifacts/sample_artifact/pull',
                       self.user, json={'upstream': 'vendor',
                                        'id': public['id']})
        body = self.assertError(502, resp)
        self.assertIn('vendor', body['error']['message'])
        self.assertNotIn('not-the-password', resp.text)
        self.assertNotIn('Traceback', broken.log_tail(100000))
