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

"""Tests for glare.context."""

import io
import logging
import types

from oslo_config import cfg
from oslo_log import formatters
from oslo_log import log as oslo_log

from glare.api import auth
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


class TestContextInDebugLogs(base.TestCase):
    """oslo.policy logs at DEBUG while it decides is_admin; oslo.log
    formats those lines with the current context, which must not start
    the same check again (it recursed until RecursionError)."""

    def setUp(self):
        super().setUp()
        self.useFixture(base.PolicyFixture())
        conf = cfg.ConfigOpts()
        oslo_log.register_options(conf)
        conf(args=[], default_config_files=[], default_config_dirs=[])
        self.stream = io.StringIO()
        handler = logging.StreamHandler(self.stream)
        handler.setFormatter(formatters.ContextFormatter(config=conf))
        for name in ('oslo_policy', 'glare'):
            logger = logging.getLogger(name)
            self.addCleanup(logger.setLevel, logger.level)
            self.addCleanup(logger.removeHandler, handler)
            self.addCleanup(setattr, logger, 'propagate', logger.propagate)
            logger.setLevel(logging.DEBUG)
            logger.propagate = False
            logger.addHandler(handler)

    def current(self, roles):
        # overwrite=True: the thread's current context, the one oslo.log
        # stamps lines with when they name none
        return context.RequestContext(user_id='u', project_id='p',
                                      roles=roles, overwrite=True)

    def test_is_admin_decided_with_policy_debug_logging(self):
        self.assertIs(True, self.current(['admin']).is_admin)
        self.assertIs(False, self.current(['member']).is_admin)
        # the check did log, formatted with the context being decided
        self.assertIn('context_is_admin', self.stream.getvalue())

    def test_logging_values_run_no_policy_check(self):
        ctx = self.current(['admin'])
        values = ctx.get_logging_values()
        self.assertIsNone(values['is_admin'])
        self.assertEqual(('u', 'p'), (values['user'], values['project']))
        self.assertEqual('', self.stream.getvalue())  # no check ran
        self.assertIsNone(ctx._is_admin)  # still to be decided by policy
        self.assertIs(True, ctx.is_admin)
        self.assertIs(True, ctx.get_logging_values()['is_admin'])

    def test_logging_a_line_with_an_undecided_context(self):
        ctx = self.current(['member'])
        logging.getLogger('glare.test').debug('a line')
        self.assertIn('a line', self.stream.getvalue())
        self.assertIn('u p', self.stream.getvalue())
        self.assertIsNone(ctx._is_admin)

    def test_api_decides_is_admin_once_before_the_request_runs(self):
        seen = []

        def app(environ, start_response):
            ctx = environ[auth.CONTEXT_KEY]
            seen.append((ctx._is_admin, self.stream.getvalue()))
            logging.getLogger('glare.test').debug('in the app')
            return []

        middleware = auth.ContextMiddleware(
            app, types.SimpleNamespace(allow_anonymous_access=False),
            'noauth')
        for token, admin in (('u:p:admin', True), ('u:p:member', False)):
            middleware({'HTTP_X_AUTH_TOKEN': token}, None)
            decided, log = seen[-1]
            self.assertIs(admin, decided)
            self.assertIn('context_is_admin', log)
        self.assertIn('in the app', self.stream.getvalue())
