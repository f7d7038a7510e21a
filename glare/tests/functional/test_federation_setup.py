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

"""The federation's set-up: GET /federation, the cloud_id, and options
that stop the service at start."""

import os
import tempfile

import sqlalchemy as sa

from glare.tests.fixtures import processes
from glare.tests.functional import base
from glare.tests.functional import federation_base


@federation_base.with_backends
class FederationInfoTests:

    def test_each_cloud_names_itself_and_its_upstreams(self):
        for name, upstreams in federation_base.TOPOLOGY:
            resp = self.call(name, 'GET', '/federation')
            self.assertEqual(200, resp.status_code, base.brief(resp))
            body = resp.json()
            self.assertEqual({
                'cloud_id': 'cloud-%s' % name, 'max_hops': 3,
                'upstreams': [{'name': u, 'types': [], 'pull': True,
                               'push': False} for u in upstreams]}, body)
            # never the upstream's URL or a credential
            for cloud in self.clouds.values():
                self.assertNotIn(str(cloud.port), resp.text)
            self.assertNotIn('svc-', resp.text)

    def test_anonymous_callers_may_ask_and_only_get_is_allowed(self):
        resp = self.call('vendor', 'GET', '/federation', headers={})
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertError(405, self.call('vendor', 'POST', '/federation',
                                        json_body={}))
        self.assertError(404, self.call('vendor', 'GET', '/federation/x'))


class CloudIdTests(base.FunctionalTest):
    """No [federation] cloud_id: a uuid made once and kept."""

    BACKEND = 'sqlite'

    def test_kept_in_the_database(self):
        first = self.get('/federation').json()['cloud_id']
        self.assertRegex(first, r'^[0-9a-f-]{36}$')
        self.assertEqual(first, self.get('/federation').json()['cloud_id'])
        engine = sa.create_engine(self.server.db_url)
        self.addCleanup(engine.dispose)
        with engine.connect() as conn:
            self.assertEqual(first, conn.execute(sa.text(
                "SELECT value FROM glare_settings WHERE name = 'cloud_id'"
            )).scalar())
        # the next process (another API node, a restart) finds it
        self.server.stop()
        self.server.start()
        self.assertEqual(first, self.get('/federation').json()['cloud_id'])


class BadUpstreamOptionsTests(base.FunctionalTest):
    """Options an upstream cannot work with stop glare-api at start,
    naming the option."""

    BACKEND = 'sqlite'

    def refused(self, config, message):
        workdir = tempfile.mkdtemp(dir=self.server.workdir)
        server = base.GlareServer(workdir, 'sqlite:///%s' % os.path.join(
            workdir, 'state', 'glare.sqlite'), config=config)
        server.START_TIMEOUT = 20
        self.addCleanup(server.stop, wait=False)
        self.assertRaises(processes.ServerFailed, server.start)
        self.assertIn(message, server.log_tail())
        self.assertNotIn('Traceback', server.log_tail())

    def test_an_upstream_without_url(self):
        self.refused({'federation': {'upstreams': 'vendor'}},
                     '[upstream:vendor] url is required')

    def test_a_bad_name_and_a_repeated_one(self):
        self.refused({'federation': {'upstreams': 'a b'}},
                     "'a b' is not a valid upstream name")
        self.refused({'federation': {'upstreams': 'v,v'},
                      'upstream:v': {'url': 'http://127.0.0.1:1'}},
                     "'v' is listed twice")

    def test_a_url_that_is_not_http(self):
        self.refused({'federation': {'upstreams': 'v'},
                      'upstream:v': {'url': 'ftp://example.com/'}},
                     'upstream:v')
