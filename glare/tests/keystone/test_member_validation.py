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

"""[sharing] validate_members against a real Keystone.

ProjectValidator asks this process's Keystone (fixture.cloud()) with the
service credentials of a config file, as glare-api would: an existing
project passes, an unknown id is a 400, refused or insufficient
credentials and a catalog without the endpoint are a 503 naming no
secret. Keystone's default policy lets a user read any project with the
reader role on the system: the ``glare-members`` user made here has it
(the suite's ``glare`` service user, role ``service`` in project
``service``, may read only its own project).
"""

import uuid

import fixtures

from glare import context as glare_context
from glare import exception
from glare.services import projects
from glare.tests import base
from glare.tests.fixtures import config_files
from glare.tests.keystone import fixture

MEMBERS_USER = 'glare-members'


def members_user(cloud):
    """A user with the reader role on the system (once per Keystone)."""
    if MEMBERS_USER not in cloud.personas:
        persona = cloud.add_user(MEMBERS_USER, 'service')
        cloud.call('PUT', '/system/users/%s/roles/%s' % (
            persona.user_id, cloud.roles['reader']),
            cloud.token('system-admin'), expect=204)
    return cloud.personas[MEMBERS_USER]


def system_reader_options(cloud, **extra):
    """keystoneauth1 password options of the glare-members user, scoped
    to the system."""
    who = members_user(cloud)
    return dict({
        'auth_type': 'password', 'auth_url': cloud.auth_url,
        'user_id': who.user_id, 'password': who.password,
        'system_scope': 'all'}, **extra)


class MemberValidationTest(base.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cloud = fixture.cloud()  # skips when keystone is missing
        members_user(cls.cloud)

    def setUp(self):
        super().setUp()
        self.log = self.useFixture(fixtures.FakeLogger(projects.__name__))
        self.context = glare_context.RequestContext(
            user_id='u', project_id=self.cloud.projects['project-a'],
            roles=['member'])

    def validator(self, sharing=None, keystone_authtoken=None, **kwargs):
        sections = {'sharing': dict(sharing or {}, validate_members=True)}
        if keystone_authtoken is not None:
            sections['keystone_authtoken'] = keystone_authtoken
        conf = self.useFixture(config_files.ConfigFile(sections)).conf
        return projects.ProjectValidator(conf, **kwargs)

    def own_validator(self, **kwargs):
        return self.validator(system_reader_options(
            self.cloud, interface='public', region_name=fixture.REGION),
            **kwargs)

    def new_project(self):
        return self.cloud.admin_call('POST', '/projects', {'project': {
            'name': 'validate-' + uuid.uuid4().hex[:12],
            'domain_id': 'default'}}, expect=201).json()['project']['id']

    def assertUnknown(self, validator, project_id):
        exc = self.assertRaises(exception.BadRequest, validator.check,
                                self.context, project_id)
        self.assertEqual(400, exc.code)
        return exc

    def assertUnavailable(self, validator, reason, secret=None):
        exc = self.assertRaises(exception.ServiceUnavailable,
                                validator.check, self.context,
                                self.cloud.projects['project-b'])
        self.assertEqual(503, exc.code)
        self.assertIn(reason, str(exc))
        if secret:
            self.assertNotIn(secret, str(exc))
            self.assertNotIn(secret, self.log.output)
        return exc

    def test_existing_projects_pass(self):
        validator = self.own_validator()
        self.assertEqual('sharing', validator.credentials_group)
        for name in ('project-a', 'project-b', 'service', 'admin'):
            self.assertIsNone(validator.check(self.context,
                                              self.cloud.projects[name]))

    def test_unknown_project_is_a_bad_request(self):
        validator = self.own_validator()
        missing = uuid.uuid4().hex
        exc = self.assertUnknown(validator, missing)
        self.assertEqual('project %s does not exist' % missing, str(exc))
        # and asked again each time: only answers that a project exists
        # are remembered
        self.assertUnknown(validator, missing)

    def test_odd_ids_are_unknown_projects(self):
        validator = self.own_validator()
        for odd in ('../users', 'a/b', 'x?y=1', '%2e%2e', ' ', 'é' * 10):
            self.assertUnknown(validator, odd)

    def test_a_domain_is_not_a_project(self):
        exc = self.assertUnknown(self.own_validator(), 'default')
        self.assertIn('is a domain', str(exc))

    def test_falls_back_to_keystone_authtoken(self):
        validator = self.validator(keystone_authtoken=dict(
            system_reader_options(self.cloud),
            www_authenticate_uri=self.cloud.auth_url, interface='public',
            region_name=fixture.REGION))
        self.assertEqual('keystone_authtoken', validator.credentials_group)
        self.assertIsNone(validator.check(
            self.context, self.cloud.projects['project-b']))
        self.assertUnknown(validator, uuid.uuid4().hex)

    def test_wrong_service_password(self):
        wrong = 'wrong-' + uuid.uuid4().hex
        validator = self.validator(system_reader_options(
            self.cloud, password=wrong))
        self.assertUnavailable(validator, 'refused the service credentials',
                               secret=wrong)
        self.assertIn('Unauthorized', self.log.output)

    def test_wrong_password_through_keystone_authtoken(self):
        wrong = 'wrong-' + uuid.uuid4().hex
        validator = self.validator(keystone_authtoken=dict(
            system_reader_options(self.cloud, password=wrong),
            interface='public'))
        self.assertUnavailable(validator, 'refused the service credentials',
                               secret=wrong)

    def test_service_user_that_may_not_read_projects(self):
        # the suite's own [keystone_authtoken]: a service user that
        # validates tokens, not allowed to read other projects
        config = self.cloud.glare_config()['keystone_authtoken']
        validator = self.validator(keystone_authtoken=config)
        self.assertUnavailable(validator, 'does not let the service user '
                               'read projects', secret=config['password'])

    def test_no_endpoint_for_the_region(self):
        validator = self.validator(system_reader_options(
            self.cloud, region_name='NoSuchRegion'))
        self.assertUnavailable(validator, 'no identity endpoint')

    def test_existing_projects_remembered_briefly(self):
        project_id = self.new_project()
        cached = self.own_validator()
        uncached = self.own_validator(cache_time=0)
        for validator in (cached, uncached):
            self.assertIsNone(validator.check(self.context, project_id))
        self.cloud.admin_call('DELETE', '/projects/' + project_id,
                              expect=204)
        # still known to the first: Keystone is not asked again
        self.assertIsNone(cached.check(self.context, project_id))
        self.assertUnknown(uncached, project_id)
        self.assertUnknown(self.own_validator(), project_id)
