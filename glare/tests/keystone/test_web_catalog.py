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

"""The web catalog behind a real Keystone: a browser without a token is an
anonymous visitor; a token (sent by a proxy, or by the page's script to
the API) is its user's own view."""

from glare.tests.functional import base as functional
from glare.tests.keystone import base

HTML = 'text/html; charset=UTF-8'


class CatalogKeystoneTests(base.KeystoneTest):

    EXTRA_CONFIG = {'DEFAULT': {'allow_anonymous_access': True}}

    def setUp(self):
        super().setUp()
        self.private = self.create(string_required='s')
        public = self.create(string_required='s')
        self.activate(public['id'])
        self.public = self.publish(public['id'])

    def page(self, artifact, headers, expect):
        resp = self.get('/catalog/artifacts/%s/%s' % (functional.SAMPLE,
                                                      artifact['id']),
                        headers=headers)
        self.assertEqual(expect, resp.status_code, functional.brief(resp))
        self.assertEqual(HTML, resp.headers['Content-Type'])
        return resp

    def test_without_a_valid_token_public_only(self):
        for headers in ({}, {'X-Auth-Token': base.FAKE_FERNET}):
            resp = self.page(self.public, headers, 200)
            self.assertEqual('public, no-cache',
                             resp.headers['Cache-Control'])
            self.page(self.private, headers, 404)

    def test_a_token_is_its_users_view(self):
        resp = self.page(self.private, self.user, 200)
        self.assertEqual('private, no-cache', resp.headers['Cache-Control'])
        self.page(self.private, self.user_b, 404)
        self.page(self.private, self.admin, 200)
        # the page's script stars with the token, through the API
        resp = self.request('PUT', self.url(self.public['id']) + '/star',
                            headers=self.user_b)
        self.assertEqual(204, resp.status_code, functional.brief(resp))
        self.assertIn('<dd id="star-count">1</dd>',
                      self.page(self.public, {}, 200).text)


class CatalogKeystoneNoAnonymousTests(base.KeystoneTest):
    """Without anonymous access a browser without a token gets the 401 as
    a page (with WWW-Authenticate kept); the API keeps its JSON."""

    def test_unauthorized_page(self):
        resp = self.get('/catalog')
        self.assertEqual(401, resp.status_code)
        self.assertEqual(HTML, resp.headers['Content-Type'])
        self.assertIn(self.cloud.auth_url,
                      resp.headers.get('WWW-Authenticate', ''))
        self.assertIn('<h1>401 ', resp.text)
        self.assertUnauthorized(self.get('/artifacts/' + functional.SAMPLE))
        self.assertEqual(200, self.get('/catalog',
                                       headers=self.user).status_code)
