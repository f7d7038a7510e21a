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

"""Functional tests of Glare with auth_strategy = keystone, a real Keystone.

Each test class runs its own glare-api (the functional suite's GlareServer,
SQLite) configured against this process's Keystone (``fixture.cloud()``),
and registers it as the ``artifact`` endpoint while it runs. The callers
are real Keystone users with real tokens:

- ``member-a`` (member of project A; Keystone adds the implied reader),
- ``reader-a`` (reader of project A only),
- ``member-b`` (member of project B),
- ``admin`` (the bootstrap admin, admin of project ``admin``),
- ``glare`` (the service user, role ``service`` in project ``service``).
"""

from glare.tests.functional import base
from glare.tests.keystone import fixture

# shaped like a fernet token (url-safe base64 from the version byte 0x80)
# but made up
FAKE_FERNET = 'gAAAAAB' + 'x' * 180


class KeystoneTest(base.FunctionalTest):
    """A glare-api behind keystonemiddleware, and the Keystone users.

    A class may set EXTRA_CONFIG ({section: {option: value}}, on top of
    the keystone configuration) and POLICY.
    """

    BACKEND = 'sqlite'
    EXTRA_CONFIG = {}

    @classmethod
    def setUpClass(cls):
        cls.cloud = fixture.cloud()  # skips when keystone is missing
        config = {section: dict(options) for section, options
                  in cls.cloud.glare_config().items()}
        for section, options in cls.EXTRA_CONFIG.items():
            config.setdefault(section, {}).update(options)
        cls.CONFIG = config
        super().setUpClass()
        ids = cls.cloud.register_endpoints(cls.server.url)
        cls.addClassCleanup(cls.cloud.delete_endpoints, ids)

    def setUp(self):
        super().setUp()
        # the functional base's noauth identities mean nothing here
        self.project = self.cloud.projects['project-a']
        self.project_b = self.cloud.projects['project-b']
        self.user = self.cloud.headers('member-a')
        self.reader = self.cloud.headers('reader-a')
        self.user_b = self.cloud.headers('member-b')
        self.admin = self.cloud.headers('admin')
        self.service = self.cloud.headers('glare')

    def assertUnauthorized(self, resp):
        """Glare's JSON 401, telling where to get a token."""
        body = self.assertError(401, resp)
        self.assertEqual('Unauthorized', body['error']['type'], body)
        self.assertIn(self.cloud.auth_url,
                      resp.headers.get('WWW-Authenticate', ''),
                      dict(resp.headers))
        return body
