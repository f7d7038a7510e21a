"""Tests for glare.context."""

from glare import context
from glare import exception
from glare.tests import base
from glare.tests.unit import test_policy


class TestRequestContext(base.TestCase):

    def setUp(self):
        super().setUp()
        self.fixture = self.useFixture(base.PolicyFixture())

    def test_is_admin_from_policy(self):
        self.assertTrue(test_policy.ctx('p', ['admin']).is_admin)
        self.assertFalse(test_policy.ctx('p', ['member']).is_admin)
        self.assertFalse(test_policy.ctx().is_admin)

    def test_is_admin_follows_policy_file(self):
        self.fixture.write('"context_is_admin": "role:cloud_admin"\n')
        self.assertTrue(test_policy.ctx('p', ['cloud_admin']).is_admin)
        self.assertFalse(test_policy.ctx('p', ['admin']).is_admin)

    def test_explicit_is_admin_wins(self):
        self.assertTrue(context.RequestContext(
            project_id='p', roles=[], is_admin=True).is_admin)
        self.assertFalse(context.RequestContext(
            project_id='p', roles=['admin'], is_admin=False).is_admin)

    def test_is_anonymous(self):
        self.assertTrue(test_policy.ctx().is_anonymous)
        self.assertTrue(test_policy.ctx(roles=['admin']).is_anonymous)
        self.assertFalse(test_policy.ctx('p').is_anonymous)

    def test_policy_values(self):
        values = test_policy.ctx('p', ['admin']).to_policy_values()
        self.assertEqual('p', values['project_id'])
        self.assertEqual('user-p', values['user_id'])
        self.assertEqual(['admin'], values['roles'])
        self.assertIs(True, values['is_admin'])

    def test_is_admin_flag_counts_for_owner_rule(self):
        # admin_or_owner reads the is_admin flag, not the roles.
        elevated = context.RequestContext(project_id='p2', is_admin=True)
        self.assertTrue(elevated.can('artifact:activate', {'owner': 'p1'}))

    def test_can(self):
        member = test_policy.ctx('p', ['member'])
        self.assertIs(True, member.can('artifact:list'))
        self.assertIs(False, member.can('artifact:publish', fatal=False))
        err = self.assertRaises(exception.Forbidden, member.can,
                                'artifact:publish')
        self.assertEqual(403, err.code)

    def test_can_without_target_is_about_own_project(self):
        member = test_policy.ctx('p', ['member'])
        self.assertTrue(member.can('artifact:list_project_quotas'))
        # No owner in the target: owner rules fail closed.
        self.assertFalse(member.can('artifact:activate', fatal=False))

    def test_admin_context(self):
        admin = context.get_admin_context()
        self.assertTrue(admin.is_admin)
        self.assertFalse(admin.show_deleted)
        self.assertTrue(context.get_admin_context(show_deleted=True)
                        .show_deleted)
        self.assertTrue(admin.can('artifact:set_internal_location'))
        self.assertTrue(admin.can('artifact:delete', {
            'owner': 'p1', 'visibility': 'public', 'status': 'deactivated'}))

    def test_from_environ(self):
        environ = {'HTTP_X_USER_ID': 'u1', 'HTTP_X_PROJECT_ID': 'p1',
                   'HTTP_X_ROLES': 'member, admin',
                   'openstack.request_id': 'req-1'}
        ctx = context.from_environ(environ)
        self.assertIsInstance(ctx, context.RequestContext)
        self.assertEqual(('u1', 'p1', ['member', 'admin'], 'req-1'),
                         (ctx.user_id, ctx.project_id, ctx.roles,
                          ctx.request_id))
        self.assertTrue(ctx.is_admin)
        self.assertTrue(context.from_environ({'HTTP_X_TENANT_ID': 't'},
                                             roles=[]).project_id == 't')

    def test_dict_round_trip(self):
        ctx = test_policy.ctx('p', ['member'])
        copy = context.RequestContext.from_dict(ctx.to_dict())
        self.assertEqual((ctx.project_id, ctx.roles, ctx.is_admin),
                         (copy.project_id, copy.roles, copy.is_admin))
