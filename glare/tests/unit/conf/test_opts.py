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

"""Tests of the Glare option groups and their helpers."""

import os

import fixtures
from oslo_config import cfg

from glare import conf
from glare.conf import api
from glare.conf import artifact_type
from glare.conf import federation
from glare.conf import opts
from glare.tests import base

# SPEC section 2, [DEFAULT]: upstream names plus the two new ones.
DEFAULT_NAMES = {
    'bind_host', 'bind_port', 'workers', 'enabled_artifact_types',
    'custom_artifact_types_modules', 'allow_anonymous_access',
    'default_api_limit', 'max_api_limit', 'max_uploaded_data',
    'max_artifact_number', 'delayed_delete', 'glare_publisher_id',
    'state_path', 'auto_create_schema',
}


def _names(group_name):
    return {opt.name for group, group_opts in opts.list_opts()
            if str(group) == group_name for opt in group_opts}


class ConfTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.conf = cfg.ConfigOpts()
        conf.register_opts(self.conf)

    def load(self, text=None, args=()):
        files = []
        if text is not None:
            path = os.path.join(self.tmp, 'glare.conf')
            with open(path, 'w') as f:
                f.write(text)
            files = [path]
        self.conf(list(args), project='glare', default_config_files=files)


class ListOptsTest(ConfTestCase):

    def test_default_group_complete(self):
        self.assertTrue(DEFAULT_NAMES <= _names('DEFAULT'))

    def test_other_groups(self):
        self.assertEqual({'auth_strategy'}, _names('api'))
        self.assertEqual({'flavor'}, _names('paste_deploy'))
        self.assertEqual(
            {'daemon', 'wakeup_time', 'scrub_time', 'scrub_pool_size'},
            _names('scrubber'))
        self.assertEqual(
            {'default_store', 'delayed_delete', 'max_uploaded_data',
             'max_artifact_number', 'require_signature'},
            _names('artifact_type:<type_name>'))

    def test_listed_opts_are_registered(self):
        self.load()
        for group, group_opts in opts.list_opts():
            if str(group).startswith((artifact_type.GROUP_PREFIX,
                                      federation.UPSTREAM_PREFIX)):
                continue  # per type / per upstream, registered on demand
            section = (self.conf if str(group) == 'DEFAULT'
                       else self.conf[str(group)])
            for opt in group_opts:
                self.assertIn(opt.dest, section)

    def test_defaults(self):
        self.load()
        self.assertEqual('127.0.0.1', self.conf.bind_host)
        self.assertEqual(9494, self.conf.bind_port)
        self.assertEqual(['heat_templates', 'heat_environments',
                          'murano_packages', 'tosca_templates', 'images',
                          'murano'],
                         self.conf.enabled_artifact_types)
        self.assertEqual(-1, self.conf.max_uploaded_data)
        self.assertTrue(self.conf.auto_create_schema)
        self.assertEqual(300, self.conf.scrubber.wakeup_time)

    def test_register_is_idempotent_after_parsing(self):
        self.load()
        conf.register_opts(self.conf)
        self.assertFalse(self.conf.debug)


class DatabaseTest(ConfTestCase):

    def test_connection_under_state_path(self):
        self.load('[DEFAULT]\nstate_path = %s\n' % self.tmp)
        self.assertEqual('sqlite:///%s/glare.sqlite' % self.tmp,
                         self.conf.database.connection)

    def test_register_again_keeps_a_set_default(self):
        self.conf.set_default('connection', 'sqlite://', group='database')
        conf.register_opts(self.conf)
        self.load()
        self.assertEqual('sqlite://', self.conf.database.connection)


class AuthStrategyTest(ConfTestCase):

    def test_default_is_noauth(self):
        self.load()
        self.assertEqual('noauth', api.auth_strategy(self.conf))

    def test_flavor_alias(self):
        for flavor in ('keystone', 'noauth'):
            self.conf = cfg.ConfigOpts()
            conf.register_opts(self.conf)
            self.load('[paste_deploy]\nflavor = %s\n' % flavor)
            logger = self.useFixture(fixtures.FakeLogger(api.__name__))
            self.assertEqual(flavor, api.auth_strategy(self.conf))
            self.assertIn('deprecated', logger.output)

    def test_explicit_strategy_wins_over_flavor(self):
        self.load('[api]\nauth_strategy = noauth\n'
                  '[paste_deploy]\nflavor = keystone\n')
        self.assertEqual('noauth', api.auth_strategy(self.conf))

    def test_unknown_flavor_rejected(self):
        self.load('[paste_deploy]\nflavor = trusted-auth\n')
        self.assertRaises(cfg.ConfigFileValueError,
                          api.auth_strategy, self.conf)


class ArtifactTypeOptsTest(ConfTestCase):

    def test_register_type_opts_idempotent_and_inherits(self):
        artifact_type.register_type_opts(self.conf, 'images')
        artifact_type.register_type_opts(self.conf, 'images')
        self.load('[DEFAULT]\nmax_artifact_number = 7\n'
                  '[artifact_type:images]\nmax_uploaded_data = 100\n')
        artifact_type.register_type_opts(self.conf, 'images')
        group = self.conf['artifact_type:images']
        self.assertIsNone(group.default_store)
        self.assertIsNone(group.delayed_delete)
        self.assertIsNone(group.max_artifact_number)
        self.assertEqual(100, artifact_type.type_option(
            self.conf, 'images', 'max_uploaded_data'))
        self.assertEqual(7, artifact_type.type_option(
            self.conf, 'images', 'max_artifact_number'))
        self.assertFalse(artifact_type.type_option(
            self.conf, 'images', 'delayed_delete'))
        self.assertIsNone(artifact_type.type_option(
            self.conf, 'images', 'default_store'))
