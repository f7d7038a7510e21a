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

"""The [sharing] group: its options, keystoneauth1's, and where the
credentials of member validation come from ([sharing] or, without an
auth_type there, [keystone_authtoken])."""

from keystoneauth1.identity import generic
from keystoneauth1 import loading as ks_loading
from keystonemiddleware import auth_token
from oslo_config import cfg

from glare import conf as glare_conf
from glare.conf import opts
from glare.conf import sharing
from glare import exception
from glare.services import projects
from glare.tests import base
from glare.tests.fixtures import config_files

AUTH_URL = 'http://127.0.0.1:5000/v3'
SECRET = 'sharing-secret-not-in-messages'
PASSWORD_OPTS = {
    'auth_type': 'password', 'auth_url': AUTH_URL, 'username': 'glare',
    'password': SECRET, 'user_domain_id': 'default',
    'project_name': 'service', 'project_domain_id': 'default',
}


def _sharing_listing():
    [(group, group_opts)] = [(g, o) for g, o in opts.list_opts()
                             if str(g) == 'sharing']
    return group, group_opts


class SharingOptsTest(base.TestCase):

    def load(self, **sections):
        return self.useFixture(config_files.ConfigFile(sections)).conf

    def test_listed_for_the_sample(self):
        group, group_opts = _sharing_listing()
        self.assertEqual('Sharing options', group.title)
        names = [o.dest for o in group_opts]
        self.assertEqual(len(names), len(set(names)), names)
        self.assertTrue(
            {'max_members_per_artifact', 'validate_members', 'interface',
             'region_name',
             # keystoneauth1's auth and session options
             'auth_type', 'auth_section', 'cafile', 'certfile', 'keyfile',
             'insecure', 'timeout'} <= set(names), names)
        [timeout] = [o for o in group_opts if o.dest == 'timeout']
        self.assertEqual(sharing.DEFAULT_TIMEOUT, timeout.default)

    def test_defaults(self):
        group = self.load()['sharing']
        self.assertEqual(128, group.max_members_per_artifact)
        self.assertFalse(group.validate_members)
        self.assertEqual('public', group.interface)
        self.assertIsNone(group.region_name)
        self.assertIsNone(group.auth_type)
        self.assertIsNone(group.auth_section)
        self.assertIsNone(group.cafile)
        self.assertFalse(group.insecure)
        self.assertEqual(10, group.timeout)

    def test_listed_options_are_registered(self):
        group = self.load()['sharing']
        for opt in _sharing_listing()[1]:
            self.assertIn(opt.dest, group)

    def test_registering_again_keeps_values_and_defaults(self):
        conf = self.load(sharing={'timeout': 3, 'cafile': '/etc/ca.pem'})
        conf.set_default('interface', 'internal', group='sharing')
        glare_conf.register_opts(conf)
        sharing.register_opts(conf)
        self.assertEqual(3, conf.sharing.timeout)
        self.assertEqual('/etc/ca.pem', conf.sharing.cafile)
        self.assertEqual('internal', conf.sharing.interface)

    def test_bad_interface_refused(self):
        conf = self.load(sharing={'interface': 'private'})
        self.assertRaises(cfg.ConfigFileValueError,
                          lambda: conf.sharing.interface)


class CredentialsTest(base.TestCase):
    """Where ProjectValidator takes its credentials and session from; no
    Keystone is asked here (the glare/tests/keystone suite does)."""

    def validator(self, **sections):
        conf = self.useFixture(config_files.ConfigFile(sections)).conf
        return conf, projects.ProjectValidator(conf)

    def assertConfigurationError(self, *words, **sections):
        conf = self.useFixture(config_files.ConfigFile(sections)).conf
        exc = self.assertRaises(exception.ConfigurationError,
                                projects.ProjectValidator, conf)
        for word in words:
            self.assertIn(word, str(exc))
        self.assertNotIn(SECRET, str(exc))
        return exc

    def test_disabled_needs_no_credentials(self):
        # even an unusable auth configuration is not looked at
        conf, validator = self.validator(sharing={'auth_type': 'no-such'})
        self.assertFalse(validator.enabled)
        self.assertIsNone(validator.session)
        self.assertIsNone(validator.credentials_group)
        self.assertIsNone(validator.check(None, 'any-project-id'))
        self.assertIsNone(validator.check(None, ''))
        # nor are keystonemiddleware's options registered for it
        self.assertNotIn('keystone_authtoken', conf)

    def test_own_credentials(self):
        conf, validator = self.validator(sharing=dict(
            PASSWORD_OPTS, validate_members=True, interface='internal',
            region_name='RegionTwo', timeout=4, cafile='/etc/glare/ca.pem'))
        self.assertTrue(validator.enabled)
        self.assertEqual('sharing', validator.credentials_group)
        session = validator.session
        self.assertIsInstance(session.auth, generic.Password)
        self.assertEqual(AUTH_URL, session.auth.auth_url)
        self.assertEqual(4, session.timeout)
        self.assertEqual('/etc/glare/ca.pem', session.verify)
        self.assertEqual({'service_type': 'identity',
                          'interface': 'internal',
                          'region_name': 'RegionTwo', 'version': (3, 0)},
                         validator._filter)
        # the plugin's options are registered once auth_type named it
        self.assertEqual('glare', conf.sharing.username)

    def test_own_credentials_win_over_keystone_authtoken(self):
        _conf, validator = self.validator(
            sharing=dict(PASSWORD_OPTS, validate_members=True),
            keystone_authtoken={'auth_type': 'v3password',
                                'auth_url': 'http://elsewhere:5000/v3'})
        self.assertEqual('sharing', validator.credentials_group)
        self.assertEqual(AUTH_URL, validator.session.auth.auth_url)

    def test_auth_section(self):
        _conf, validator = self.validator(
            sharing={'validate_members': True,
                     'auth_section': 'glare_service_user'},
            glare_service_user=PASSWORD_OPTS)
        self.assertEqual('sharing', validator.credentials_group)
        self.assertEqual(AUTH_URL, validator.session.auth.auth_url)

    def test_fallback_to_keystone_authtoken(self):
        conf, validator = self.validator(
            sharing={'validate_members': True, 'timeout': 7,
                     'cafile': '/not/used.pem'},
            keystone_authtoken=dict(
                PASSWORD_OPTS, www_authenticate_uri=AUTH_URL,
                interface='admin', region_name='RegionOne',
                cafile='/etc/keystone/ca.pem', http_connect_timeout=99))
        self.assertEqual('keystone_authtoken', validator.credentials_group)
        session = validator.session
        self.assertIsInstance(session.auth, generic.Password)
        self.assertEqual(AUTH_URL, session.auth.auth_url)
        # the TLS options of the credentials' group, the bounded timeout
        # of [sharing]
        self.assertEqual('/etc/keystone/ca.pem', session.verify)
        self.assertEqual(7, session.timeout)
        self.assertEqual('admin', validator._filter['interface'])
        self.assertEqual('RegionOne', validator._filter['region_name'])
        self.assertEqual('glare', conf.keystone_authtoken.username)

    def test_fallback_uses_keystone_authtoken_interface_default(self):
        _conf, validator = self.validator(
            sharing={'validate_members': True},
            keystone_authtoken=PASSWORD_OPTS)
        # keystonemiddleware's default
        self.assertEqual('internal', validator._filter['interface'])
        self.assertTrue(validator.session.verify)
        self.assertEqual(sharing.DEFAULT_TIMEOUT, validator.session.timeout)

    def _authtoken_conf(self):
        return self.useFixture(config_files.ConfigFile({
            'sharing': {'validate_members': True},
            'keystone_authtoken': dict(PASSWORD_OPTS,
                                       www_authenticate_uri=AUTH_URL)})).conf

    @staticmethod
    def _as_auth_token_does(conf):
        """What keystonemiddleware's auth_token registers on the conf it
        is given: its options when built, the plugin's on first use."""
        auth_token.AuthProtocol(lambda env, start: [], {
            'oslo_config_config': conf})
        conf.register_opts(ks_loading.get_auth_plugin_conf_options(
            conf.keystone_authtoken.auth_type), group='keystone_authtoken')

    def test_fallback_after_auth_token_registered_its_options(self):
        conf = self._authtoken_conf()
        self._as_auth_token_does(conf)
        validator = projects.ProjectValidator(conf)
        self.assertEqual('keystone_authtoken', validator.credentials_group)
        self.assertEqual(AUTH_URL, validator.session.auth.auth_url)

    def test_fallback_before_auth_token_registers_its_options(self):
        conf = self._authtoken_conf()
        validator = projects.ProjectValidator(conf)
        self._as_auth_token_does(conf)
        self.assertEqual(AUTH_URL, validator.session.auth.auth_url)
        self.assertEqual(SECRET, conf.keystone_authtoken.password)

    def test_no_credentials_anywhere(self):
        self.assertConfigurationError(
            '[sharing]', '[keystone_authtoken]', 'auth_type',
            sharing={'validate_members': True})

    def test_missing_plugin_options_named(self):
        options = dict(PASSWORD_OPTS, validate_members=True)
        del options['auth_url']
        exc = self.assertConfigurationError('[sharing]', 'auth_url',
                                            sharing=options)
        self.assertNotIn('password', str(exc).replace('auth_type', ''))

    def test_unknown_plugin(self):
        self.assertConfigurationError(
            '[keystone_authtoken]', 'no-such-plugin',
            sharing={'validate_members': True},
            keystone_authtoken={'auth_type': 'no-such-plugin'})

    def test_auth_section_without_auth_type(self):
        self.assertConfigurationError(
            'auth_section', 'empty_section',
            sharing={'validate_members': True,
                     'auth_section': 'empty_section'},
            empty_section={'username': 'x'})
