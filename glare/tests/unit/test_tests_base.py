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

"""The unit tests' own base: glare.tests.base fixtures do what they say."""

import warnings

from oslo_config import cfg
from sqlalchemy import exc as sa_exc

from glare import context
from glare import exception
from glare import policy
from glare.tests import base


def _warn(category, module, message='something is deprecated'):
    # a fresh registry each time: no "already shown once" shortcut
    warnings.warn_explicit(message, category, 'somewhere.py', 1,
                           module=module, registry={})


class TestWarningsFixture(base.TestCase):
    """base.TestCase has the fixture in place during each test."""

    def test_deprecations_of_the_watched_modules_are_errors(self):
        for module in ('glare', 'glare.db.artifacts', 'sqlalchemy.orm',
                       'alembic.runtime', 'oslo_db.sqlalchemy',
                       'oslo_policy.policy'):
            for category in (DeprecationWarning, PendingDeprecationWarning):
                self.assertRaises(category, _warn, category, module)

    def test_other_modules_are_left_alone(self):
        for module in ('glareclient.v1', 'futurist._utils', 'pecan',
                       '__main__'):
            with warnings.catch_warnings(record=True) as shown:
                warnings.simplefilter('always')
                # the fixture's filters stay in front of 'always'
                for entry in base.WarningsFixture.DEPRECATIONS:
                    warnings.filterwarnings(
                        'error', category=entry,
                        module=base.WarningsFixture.MODULES)
                self.assertIsNone(_warn(DeprecationWarning, module))
            self.assertEqual(1, len(shown), module)

    def test_sqlalchemy_warnings_are_errors_wherever_they_point(self):
        for category in (sa_exc.SAWarning, sa_exc.SADeprecationWarning):
            self.assertRaises(category, _warn, category, 'some_library')

    def test_policy_checks_raise_no_deprecation(self):
        # glare.context's is_admin policy value once warned at each check;
        # under this fixture such a warning fails the test
        ctx = context.RequestContext(user_id='u', project_id='p',
                                     roles=['member'])
        self.useFixture(base.PolicyFixture())
        self.assertFalse(ctx.is_admin)
        self.assertFalse(ctx.to_policy_values()['is_admin'])
        # admin_or_owner reads is_admin:True first
        self.assertTrue(ctx.can('admin_or_owner', {'owner': 'p'},
                                fatal=False))
        self.assertFalse(ctx.can('admin_or_owner', {'owner': 'q'},
                                 fatal=False))

    def test_ignore_filters_for_one_message_keep_precedence(self):
        with warnings.catch_warnings():
            # as glare.common.warnings_filter would, before the fixture
            warnings.filterwarnings('ignore', message='old module',
                                    category=DeprecationWarning,
                                    module=r'oslo_utils\.old\Z')
            warnings.filterwarnings('ignore', category=DeprecationWarning)
            self.useFixture(base.WarningsFixture())
            self.assertIsNone(_warn(DeprecationWarning, 'oslo_utils.old',
                                    'old module is deprecated'))
            # a blanket ignore (no message) does not
            self.assertRaises(DeprecationWarning, _warn, DeprecationWarning,
                              'oslo_utils.old', 'something else')

    def test_filters_are_restored(self):
        with warnings.catch_warnings():
            # without the filters of this test's own fixture
            warnings.simplefilter('default')
            before = list(warnings.filters)
            fixture = base.WarningsFixture()
            fixture.setUp()
            self.assertRaises(DeprecationWarning, _warn, DeprecationWarning,
                              'glare')
            fixture.cleanUp()
            self.assertEqual(before, list(warnings.filters))
            with warnings.catch_warnings(record=True) as shown:
                self.assertIsNone(_warn(DeprecationWarning, 'glare'))
            self.assertEqual(1, len(shown))


class TestConfigFixture(base.TestCase):

    def test_a_private_conf_with_glare_options(self):
        fixture = self.useFixture(base.ConfigFixture())
        self.assertIsNot(cfg.CONF, fixture.conf)
        self.assertEqual([], fixture.conf.config_file)
        fixture.set(default_api_limit=7)
        fixture.set_in('database', connection='sqlite://')
        self.assertEqual(7, fixture.conf.default_api_limit)
        self.assertEqual('sqlite://', fixture.conf.database.connection)

    def test_overrides_end_with_the_fixture(self):
        fixture = base.ConfigFixture()
        fixture.setUp()
        conf = fixture.conf
        default = conf.default_api_limit
        fixture.set(default_api_limit=default + 1)
        fixture.cleanUp()
        self.assertEqual(default, conf.default_api_limit)


class TestPolicyFixture(base.TestCase):

    def setUp(self):
        super().setUp()
        self.addCleanup(policy.reset)
        self.member = context.RequestContext(
            user_id='u', project_id='p1', roles=['member'], overwrite=False)

    def test_the_enforcer_of_the_test(self):
        fixture = self.useFixture(base.PolicyFixture())
        self.assertIs(fixture.enforcer, policy.get_enforcer())
        self.assertTrue(policy.authorize(self.member, 'artifact:create',
                                         {}))

    def test_rules_and_policy_file(self):
        self.useFixture(base.PolicyFixture(
            content='"artifact:create": "role:admin"',
            rules={'artifact:list': 'role:admin'}))
        for rule in ('artifact:create', 'artifact:list'):
            self.assertRaises(exception.Forbidden, policy.authorize,
                              self.member, rule, {})

    def test_the_enforcer_is_forgotten_afterwards(self):
        fixture = base.PolicyFixture(rules={'artifact:list': '!'})
        fixture.setUp()
        enforcer = fixture.enforcer
        fixture.cleanUp()
        self.assertIsNot(enforcer, policy.get_enforcer())
