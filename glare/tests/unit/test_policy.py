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

"""Tests for glare.policy and the default rules in glare.policies."""

from unittest import mock

import fixtures
from oslo_config import cfg
from oslo_policy import generator
from oslo_policy import policy as oslo_policy

from glare import context
from glare import exception
from glare import policies
from glare import policy
from glare.tests import base

ADMIN_ONLY_IF_PUBLIC = ("'public':%(visibility)s and rule:context_is_admin "
                        "or not 'public':%(visibility)s")
ADMIN_ONLY_IF_DEACTIVATED = ("'deactivated':%(status)s and "
                             "rule:context_is_admin or not "
                             "'deactivated':%(status)s")
OWNER_NOT_PUBLIC = 'rule:admin_or_owner and rule:artifact:update_public'
ADMIN = 'rule:context_is_admin'

UPSTREAM_DEFAULTS = {
    'context_is_admin': 'role:admin',
    'admin_or_owner': 'is_admin:True or project_id:%(owner)s',
    'service_role': 'role:service',
    'artifact:type_list': '',
    'artifact:type_get': '',
    'artifact:list': '',
    'artifact:get': '',
    'artifact:create': '',
    'artifact:update_public': ADMIN_ONLY_IF_PUBLIC,
    'artifact:update': OWNER_NOT_PUBLIC,
    'artifact:activate': 'rule:admin_or_owner',
    'artifact:reactivate': ADMIN,
    'artifact:deactivate': ADMIN,
    'artifact:publish': ADMIN,
    'artifact:get_any_artifact': ADMIN,
    'artifact:delete_public': ADMIN_ONLY_IF_PUBLIC,
    'artifact:delete_deactivated': ADMIN_ONLY_IF_DEACTIVATED,
    'artifact:delete': 'rule:admin_or_owner and rule:artifact:delete_public '
                       'and rule:artifact:delete_deactivated',
    'artifact:upload': OWNER_NOT_PUBLIC,
    'artifact:download_deactivated': ADMIN_ONLY_IF_DEACTIVATED,
    'artifact:download': 'rule:artifact:download_deactivated',
    'artifact:set_location': OWNER_NOT_PUBLIC,
    'artifact:set_internal_location': ADMIN,
    'artifact:delete_blob': OWNER_NOT_PUBLIC,
    'artifact:set_quotas': ADMIN,
    'artifact:list_all_quotas': ADMIN,
    'artifact:list_project_quotas': 'rule:context_is_admin or '
                                    'project_id:%(project_id)s',
    'artifact:property:images.kernel_id:write': 'role:admin or role:service',
    'artifact:property:images.ramdisk_id:write': 'role:admin or role:service',
    'artifact:property:images.instance_uuid:write':
        'role:admin or role:service',
}

SAMPLE_PROTECTION = '''
"artifact:property:sample_artifact.str1:read": "role:admin"
"artifact:property:sample_artifact.str1:write": "role:admin"
'''


def ctx(project_id=None, roles=(), user_id=None):
    return context.RequestContext(
        user_id=user_id or (project_id and 'user-' + project_id),
        project_id=project_id, roles=list(roles), overwrite=False)


PERSONAS = {
    'admin': lambda: ctx('admin-project', ['admin', 'member']),
    'owner': lambda: ctx('p1', ['member', 'reader']),
    'other': lambda: ctx('p2', ['member', 'reader']),
    # the project the member rules are checked for (target "member")
    'member': lambda: ctx('p3', ['member', 'reader']),
    'anonymous': lambda: ctx(),
}
VISIBILITIES = ('private', 'shared', 'community', 'public')
STATUSES = ('drafted', 'active', 'deactivated')


def target(visibility, status, owner='p1'):
    return {'owner': owner, 'visibility': visibility, 'status': status,
            'type_name': 'sample_artifact', 'project_id': owner,
            'member': 'p3'}


def _anyone(who, vis, status):
    return True


def _nobody(who, vis, status):
    return False


def _admin(who, vis, status):
    return who == 'admin'


def _admin_or_owner(who, vis, status):
    return who in ('admin', 'owner')


def _owner_not_public(who, vis, status):
    return who == 'admin' or (who == 'owner' and vis != 'public')


def _admin_owner_or_member(who, vis, status):
    return who in ('admin', 'owner', 'member')


def _admin_or_member(who, vis, status):
    return who in ('admin', 'member')


def _admin_if_public(who, vis, status):
    return who == 'admin' or vis != 'public'


def _admin_if_deactivated(who, vis, status):
    return who == 'admin' or status != 'deactivated'


def _delete(who, vis, status):
    return who == 'admin' or (who == 'owner' and vis != 'public'
                              and status != 'deactivated')


EXPECTED = {
    'artifact:type_list': _anyone,
    'artifact:type_get': _anyone,
    'artifact:list': _anyone,
    'artifact:get': _anyone,
    'artifact:create': _anyone,
    'artifact:update_public': _admin_if_public,
    'artifact:update': _owner_not_public,
    'artifact:activate': _admin_or_owner,
    'artifact:reactivate': _admin,
    'artifact:deactivate': _admin,
    'artifact:publish': _admin,
    'artifact:get_any_artifact': _admin,
    'artifact:delete_public': _admin_if_public,
    'artifact:delete_deactivated': _admin_if_deactivated,
    'artifact:delete': _delete,
    'artifact:delete_force': _admin,
    'artifact:upload': _owner_not_public,
    'artifact:download_deactivated': _admin_if_deactivated,
    'artifact:download': _admin_if_deactivated,
    'artifact:set_location': _owner_not_public,
    'artifact:set_internal_location': _admin,
    'artifact:delete_blob': _owner_not_public,
    'artifact:set_quotas': _admin,
    'artifact:list_all_quotas': _admin,
    'artifact:list_project_quotas': _admin_or_owner,
    'artifact:communitize': _admin_or_owner,
    'artifact:decommunitize': _admin,
    'artifact:member_add': _admin_or_owner,
    'artifact:member_list': _admin_owner_or_member,
    'artifact:member_update': _admin_or_member,
    'artifact:member_delete': _admin_owner_or_member,
    'artifact:pull': _admin_or_owner,
    'artifact:push': _admin_or_owner,
    'artifact:federation_show': _anyone,
    # the trust store: target owner = the entry's project (API 1.5)
    'artifact:trust_create': _admin_or_owner,
    'artifact:trust_create_global': _admin,
    'artifact:trust_list': _admin_or_owner,
    'artifact:trust_get': _admin_or_owner,
    'artifact:trust_delete': _admin_or_owner,
    'artifact:sign': _owner_not_public,
    # stars and reviews (API 1.6): target author = the review's user
    # (checked in test_reviews), visibility decided before any rule
    'artifact:star': _anyone,
    'artifact:star_list': _anyone,
    'artifact:review_list': _anyone,
    'artifact:review_create': _anyone,
    'artifact:review_update': _nobody,
    'artifact:review_delete': _admin,
    'artifact:review_hide': _admin_or_owner,
    'artifact:federated_search': _admin_or_owner,
    # background tasks (issue 20): target owner = the task's project
    'artifact:task_show': _admin_or_owner,
    'artifact:task_list': _anyone,
    'artifact:task_list_all': _admin,
    'artifact:task_cancel': _admin_or_owner,
    'artifact:import': _owner_not_public,
    # image conversion: target = the source image; the download rules on
    # it and the create rule for the new image are checked too
    'artifact:convert': _anyone,
}


class TestRuleDefaults(base.TestCase):

    def setUp(self):
        super().setUp()
        self.fixture = self.useFixture(base.PolicyFixture())

    def test_upstream_names_and_check_strings(self):
        defaults = {r.name: r.check_str for r in policies.list_rules()}
        for name, check_str in UPSTREAM_DEFAULTS.items():
            self.assertIn(name, defaults)
            self.assertEqual(check_str, defaults[name], name)

    def test_rule_names_are_unique(self):
        names = [r.name for r in policies.list_rules()]
        self.assertEqual(len(names), len(set(names)))

    def test_artifact_rules_are_documented(self):
        for rule in policies.list_rules():
            if rule.name.startswith('artifact:'):
                self.assertIsInstance(rule, oslo_policy.DocumentedRuleDefault)
                self.assertTrue(rule.description)
                for op in rule.operations:
                    self.assertIn(op['method'],
                                  ('GET', 'POST', 'PATCH', 'PUT', 'DELETE'))
                    self.assertTrue(op['path'].startswith('/'))

    def test_every_rule_for_every_persona(self):
        mismatches = []
        for rule, expected in EXPECTED.items():
            for who, make in PERSONAS.items():
                for vis in VISIBILITIES:
                    for status in STATUSES:
                        want = expected(who, vis, status)
                        got = make().can(rule, target(vis, status),
                                         fatal=False)
                        if got is not want:
                            mismatches.append((rule, who, vis, status, got))
        self.assertEqual([], mismatches)

    def test_every_default_rule_is_covered(self):
        registered = {r.name for r in policies.list_rules()
                      if r.name.startswith('artifact:')
                      and not r.name.startswith('artifact:property:')}
        self.assertEqual(registered, set(EXPECTED))

    def test_quoted_literal_generic_check(self):
        # 'public':%(visibility)s compares the literal with the target value.
        enforcer = self.fixture.enforcer
        check = oslo_policy.Rules.from_dict(
            {'x': "'public':%(visibility)s"})['x']
        self.assertTrue(enforcer.enforce(check, {'visibility': 'public'}, {}))
        self.assertFalse(enforcer.enforce(check, {'visibility': 'private'},
                                          {}))
        self.assertFalse(enforcer.enforce(check, {}, {}))

    def test_anonymous_never_matches_an_owner(self):
        anon = PERSONAS['anonymous']()
        self.assertFalse(anon.can('artifact:activate',
                                  target('private', 'drafted'), fatal=False))

    def test_list_project_quotas_of_other_project(self):
        member = PERSONAS['owner']()
        self.assertTrue(member.can('artifact:list_project_quotas',
                                   {'project_id': 'p1'}))
        self.assertRaises(exception.Forbidden, member.can,
                          'artifact:list_project_quotas',
                          {'project_id': 'p2'})

    def test_policy_file_overrides_default(self):
        self.fixture.write('"artifact:publish": "role:publisher"\n')
        publisher = ctx('p1', ['publisher'])
        self.assertTrue(publisher.can('artifact:publish',
                                      target('private', 'active')))
        self.assertFalse(PERSONAS['admin']().can(
            'artifact:publish', target('private', 'active'), fatal=False))

    def test_sample_generation(self):
        text = ''.join(generator._sort_and_format_by_section(
            {'glare': policies.list_rules()}))
        for name in UPSTREAM_DEFAULTS:
            self.assertIn('"%s"' % name, text)


class TestEnforcer(base.TestCase):

    def setUp(self):
        super().setUp()
        self.fixture = self.useFixture(base.PolicyFixture())

    def test_singleton_and_reset(self):
        self.assertIs(self.fixture.enforcer, policy.get_enforcer())
        self.assertIs(policy.get_enforcer(), policy.get_enforcer())
        policy.reset()
        # the oslo.policy.enforcer entry point, as the oslopolicy-* tools
        # call it: over the global CONF they parsed
        with mock.patch.object(cfg, 'CONF', self.fixture.conf):
            fresh = policy.get_enforcer()
        self.assertIsNot(self.fixture.enforcer, fresh)
        self.assertIn('artifact:get', fresh.registered_rules)

    def test_init_rules_override(self):
        policy.reset()
        policy.init(conf=self.fixture.conf, policy_file=self.fixture.path,
                    rules={'artifact:publish': '@'})
        member = PERSONAS['other']()
        self.assertTrue(member.can('artifact:publish'))
        self.assertFalse(member.can('artifact:deactivate', fatal=False))

    def test_authorize(self):
        admin, member = PERSONAS['admin'](), PERSONAS['other']()
        self.assertTrue(policy.authorize(admin, 'artifact:publish', {}))
        self.assertFalse(policy.authorize(member, 'artifact:publish', {},
                                          fatal=False))
        err = self.assertRaises(exception.Forbidden, policy.authorize,
                                member, 'artifact:publish', {})
        self.assertEqual(403, err.code)
        self.assertIn('artifact:publish', str(err))

    def test_unregistered_rule_is_a_programming_error(self):
        self.assertRaises(oslo_policy.PolicyNotRegistered, policy.authorize,
                          PERSONAS['admin'](), 'artifact:no_such_rule', {})


class TestPropertyProtection(base.TestCase):

    def setUp(self):
        super().setUp()
        self.fixture = self.useFixture(base.PolicyFixture(SAMPLE_PROTECTION))
        self.admin = PERSONAS['admin']()
        self.member = PERSONAS['owner']()
        self.target = target('private', 'drafted')

    def test_protected_fields(self):
        self.assertEqual((frozenset(['str1']), frozenset(['str1'])),
                         policy.protected_fields('sample_artifact'))
        self.assertEqual((frozenset(), frozenset()),
                         policy.protected_fields('heat_templates'))

    def test_read(self):
        self.assertTrue(policy.can_read_field(
            self.admin, 'sample_artifact', 'str1', self.target))
        self.assertFalse(policy.can_read_field(
            self.member, 'sample_artifact', 'str1', self.target))
        self.assertTrue(policy.can_read_field(
            self.member, 'sample_artifact', 'int1', self.target))
        self.assertEqual({'str1'}, policy.unreadable_fields(
            self.member, 'sample_artifact', self.target))
        self.assertEqual(set(), policy.unreadable_fields(
            self.admin, 'sample_artifact', self.target))

    def test_write(self):
        policy.check_write_field(self.admin, 'sample_artifact', 'str1',
                                 self.target)
        policy.check_write_field(self.member, 'sample_artifact', 'int1',
                                 self.target)
        err = self.assertRaises(exception.Forbidden, policy.check_write_field,
                                self.member, 'sample_artifact', 'str1',
                                self.target)
        self.assertIn('str1', str(err))

    def test_same_field_other_type_unprotected(self):
        self.assertTrue(policy.can_read_field(
            self.member, 'heat_templates', 'str1', self.target))
        policy.check_write_field(self.member, 'heat_templates', 'str1',
                                 self.target)

    def test_images_defaults(self):
        read, write = policy.protected_fields('images')
        self.assertEqual(frozenset(), read)
        self.assertEqual({'kernel_id', 'ramdisk_id', 'instance_uuid'}, write)
        service = ctx('svc', ['service'])
        image = dict(self.target, type_name='images')
        for field in write:
            policy.check_write_field(self.admin, 'images', field, image)
            policy.check_write_field(service, 'images', field, image)
            self.assertRaises(exception.Forbidden, policy.check_write_field,
                              self.member, 'images', field, image)
            self.assertTrue(policy.can_read_field(self.member, 'images',
                                                  field, image))
        policy.check_write_field(self.member, 'images', 'os_distro', image)

    def test_rule_allowing_everyone(self):
        self.fixture.write(
            '"artifact:property:sample_artifact.str1:write": ""\n')
        # the field is protected, by a rule that lets anyone write it: the
        # check returns nothing (it raises Forbidden to refuse)
        self.assertEqual(frozenset(['str1']),
                         policy.protected_fields('sample_artifact')[1])
        self.assertIsNone(policy.check_write_field(
            self.member, 'sample_artifact', 'str1', self.target))

    def test_unprotected_fields_do_not_enforce(self):
        with mock.patch.object(self.fixture.enforcer, 'enforce') as enforce:
            self.assertTrue(policy.can_read_field(
                self.member, 'sample_artifact', 'int1', self.target))
            policy.check_write_field(self.member, 'sample_artifact', 'int1',
                                     self.target)
        enforce.assert_not_called()

    def test_index_is_cached(self):
        policy.protected_fields('sample_artifact')
        with mock.patch.object(policy, '_index') as index:
            policy.protected_fields('sample_artifact')
            policy.protected_fields('images')
        index.assert_not_called()

    def test_policy_file_change_waits_for_the_reload_interval(self):
        self.assertFalse(policy.can_read_field(
            self.member, 'sample_artifact', 'str1', self.target))
        self.fixture.write(
            '"artifact:property:sample_artifact.str2:write": "role:admin"\n')
        # looked at less than RELOAD_INTERVAL ago: the old rules still hold
        self.assertEqual((frozenset(['str1']), frozenset(['str1'])),
                         policy.protected_fields('sample_artifact'))

    def test_policy_file_change_is_seen(self):
        self.assertFalse(policy.can_read_field(
            self.member, 'sample_artifact', 'str1', self.target))
        # the next look is due at once (normally within a second)
        self.useFixture(fixtures.MonkeyPatch('glare.policy.RELOAD_INTERVAL',
                                             0))
        self.fixture.write(
            '"artifact:property:sample_artifact.str2:write": "role:admin"\n')
        self.assertEqual((frozenset(), frozenset(['str2'])),
                         policy.protected_fields('sample_artifact'))
        self.assertTrue(policy.can_read_field(
            self.member, 'sample_artifact', 'str1', self.target))
        policy.check_write_field(self.member, 'sample_artifact', 'str1',
                                 self.target)
        self.assertRaises(exception.Forbidden, policy.check_write_field,
                          self.member, 'sample_artifact', 'str2', self.target)
        # Code defaults stay in place after a reload.
        self.assertIn('kernel_id', policy.protected_fields('images')[1])


class TestRuleNames(base.TestCase):

    def test_parse_rule_name(self):
        parse = policies.properties.parse_rule_name
        self.assertEqual(('images', 'kernel_id', 'write'),
                         parse('artifact:property:images.kernel_id:write'))
        self.assertEqual(('t', 'f', 'read'),
                         parse(policies.properties.rule_name('t', 'f',
                                                             'read')))
        for bad in ('artifact:get', 'artifact:property:images:write',
                    'artifact:property:images.kernel_id:delete',
                    'artifact:property:.f:read',
                    'artifact:property:t.:read'):
            self.assertIsNone(parse(bad), bad)
