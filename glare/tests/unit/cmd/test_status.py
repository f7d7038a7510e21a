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

"""glare-status upgrade check: the real command against temporary configs."""

import json
import os
import subprocess
import sys

import fixtures
from oslo_config import cfg
from oslo_policy import opts as policy_opts
import sqlalchemy as sa

from glare.cmd import status
from glare.common import config
from glare import conf as glare_conf
from glare.db import migration
from glare import policies
from glare.tests import base

CHECKS = ['Database schema', 'Policy file',
          'Policy File JSON to YAML Migration', 'Artifact types',
          'Blob stores', 'API authentication', 'Deprecated options']
SUCCESS, WARNING, FAILURE = 0, 1, 2


def _command():
    """glare-status as installed next to this Python, else the module."""
    script = os.path.join(os.path.dirname(sys.executable), 'glare-status')
    if os.path.exists(script):
        return [script]
    return [sys.executable, '-m', 'glare.cmd.status']


class _Config(base.TestCase):
    """A temporary glare.conf and SQLite database."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.state = os.path.join(self.tmp, 'state')
        self.db_path = os.path.join(self.state, 'glare.sqlite')
        self.options = {
            'DEFAULT': {'state_path': self.state,
                        'auto_create_schema': 'False'},
            'database': {'connection': 'sqlite:///' + self.db_path},
        }

    def set(self, section, name, value):
        self.options.setdefault(section, {})[name] = value

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def conf_file(self):
        return self.write('glare.conf', ''.join(
            '[%s]\n%s' % (section, ''.join('%s = %s\n' % item
                                           for item in values.items()))
            for section, values in self.options.items()))

    def migrate(self, revision='head'):
        conf = config.parse_args(['glare-db-manage', '--config-file',
                                  self.conf_file()],
                                 default_config_files=[],
                                 conf_obj=cfg.ConfigOpts())
        migration.upgrade(conf, revision)

    def checks(self):
        """status.Checks over the config, in this process."""
        conf = cfg.ConfigOpts()
        glare_conf.register_opts(conf)
        policy_opts.set_defaults(conf)
        conf(['--config-file', self.conf_file()], project='glare',
             default_config_files=[])
        return status.Checks(conf)


class TestUpgradeCheck(_Config):
    """The command, run as operators run it."""

    def check(self, expected_rc):
        """Run the command; return {check name: (code, details)}."""
        env = dict(os.environ, HOME=self.tmp,
                   XDG_DATA_HOME=os.path.join(self.tmp, 'xdg'))
        proc = subprocess.run(
            _command() + ['--config-file', self.conf_file(), 'upgrade',
                          'check', '--json'],
            capture_output=True, text=True, env=env, timeout=120,
            cwd=self.tmp)
        self.assertEqual(expected_rc, proc.returncode,
                         proc.stdout + proc.stderr)
        output = json.loads(proc.stdout)
        results = {c['check']: (c['result'], c['details'] or '')
                   for c in output['checks']}
        expected = CHECKS if status.common_checks else [
            c for c in CHECKS if 'JSON' not in c]
        self.assertEqual(expected, [c['check'] for c in output['checks']])
        return results

    def assertCodes(self, results, **codes):
        """Each named check (underscores for spaces) has its code; the
        others succeed."""
        wanted = {name.replace('_', ' '): code for name, code in
                  codes.items()}
        for name, (code, details) in results.items():
            self.assertEqual(wanted.get(name, SUCCESS), code,
                             '%s: %s' % (name, details))

    # -- all good ---------------------------------------------------------
    def test_all_good(self):
        self.migrate()
        results = self.check(0)
        self.assertCodes(results)
        self.assertIn(migration.head(), results['Database schema'][1])
        self.assertIn('images', results['Artifact types'][1])

    def test_entry_point(self):
        with open(os.path.join(os.path.dirname(os.path.dirname(
                os.path.dirname(os.path.dirname(os.path.dirname(
                    os.path.abspath(__file__)))))), 'setup.cfg')) as f:
            self.assertIn('glare-status = glare.cmd.status:main', f.read())

    # -- database ---------------------------------------------------------
    def test_no_schema(self):
        results = self.check(2)
        self.assertCodes(results, Database_schema=FAILURE)
        details = results['Database schema'][1]
        self.assertIn('no Glare schema', details)
        self.assertIn('glare-db-manage --config-file %s upgrade'
                      % os.path.join(self.tmp, 'glare.conf'),
                      ' '.join(details.split()))
        # asking created nothing
        self.assertFalse(os.path.exists(self.db_path))

    def test_old_schema(self):
        self.migrate('0001')
        results = self.check(2)
        self.assertCodes(results, Database_schema=FAILURE)
        details = results['Database schema'][1]
        self.assertIn('0001', details)
        self.assertIn(migration.head(), details)
        self.assertIn('upgrade', details)

    def test_schema_before_sharing(self):
        # 0004 adds the members of shared artifacts, 0005 origins, 0006
        # the deployment's settings, 0007 the trust store and signatures,
        # 0008 stars and reviews, 0009 download statistics, 0010 full-text
        # search, 0011 background tasks, 0012 the search rows' visibility
        # index
        self.assertEqual('0012', migration.head())
        self.migrate('0003')
        results = self.check(2)
        self.assertCodes(results, Database_schema=FAILURE)
        details = results['Database schema'][1]
        self.assertIn('0003', details)
        self.assertIn('0012', details)

    def test_database_unreachable(self):
        self.set('database', 'connection',
                 'mysql+pymysql://glare:s3cret@127.0.0.1:1/glare')
        results = self.check(2)
        self.assertCodes(results, Database_schema=FAILURE)
        details = results['Database schema'][1]
        self.assertIn('Cannot read the schema version', details)
        self.assertNotIn('s3cret', details)

    # -- policy -----------------------------------------------------------
    def test_unparseable_policy_file(self):
        self.migrate()
        path = self.write('policy.yaml', 'a: [b\n')
        self.set('oslo_policy', 'policy_file', path)
        results = self.check(2)
        self.assertCodes(results, Policy_file=FAILURE)
        self.assertIn(path, results['Policy file'][1])
        self.assertIn('not valid YAML', results['Policy file'][1])

    def test_json_policy_file(self):
        if status.common_checks is None:
            self.skipTest('oslo.upgradecheck has no common checks')
        self.migrate()
        self.set('oslo_policy', 'policy_file',
                 self.write('policy.json', '{"a": "role:admin"}\n'))
        results = self.check(2)
        self.assertCodes(results,
                         Policy_File_JSON_to_YAML_Migration=FAILURE)

    # -- artifact types and stores ------------------------------------------
    def test_unknown_type(self):
        self.migrate()
        self.set('DEFAULT', 'enabled_artifact_types', 'images,nosuch_type')
        results = self.check(2)
        self.assertCodes(results, Artifact_types=FAILURE)
        self.assertIn('nosuch_type', results['Artifact types'][1])
        self.assertNotIn('images', results['Artifact types'][1])

    def test_unknown_store_of_a_type(self):
        self.migrate()
        self.set('artifact_type:heat_templates', 'default_store',
                 'nosuchstore')
        self.set('artifact_type:images', 'default_store', 'database')
        results = self.check(2)
        self.assertCodes(results, Blob_stores=FAILURE)
        details = results['Blob stores'][1]
        self.assertIn('store nosuchstore of heat_templates', details)
        # the database store needs no glance_store driver
        self.assertNotIn('images', details)

    def test_unknown_default_store(self):
        self.migrate()
        self.set('glance_store', 'default_store', 'nosuchstore')
        results = self.check(2)
        self.assertCodes(results, Blob_stores=FAILURE)
        self.assertIn('nosuchstore', results['Blob stores'][1])

    # -- API ----------------------------------------------------------------
    def test_noauth_on_all_addresses(self):
        self.migrate()
        self.set('DEFAULT', 'bind_host', '0.0.0.0')
        self.set('api', 'auth_strategy', 'noauth')
        results = self.check(1)
        self.assertCodes(results, API_authentication=WARNING)
        self.assertIn('0.0.0.0', results['API authentication'][1])

    def test_deprecated_flavor(self):
        self.migrate()
        self.set('paste_deploy', 'flavor', 'keystone')
        results = self.check(1)
        self.assertCodes(results, Deprecated_options=WARNING)
        self.assertIn('auth_strategy = keystone',
                      results['Deprecated options'][1])


class TestHelpers(base.TestCase):

    def test_loopback(self):
        for host in ('127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'):
            self.assertTrue(status._is_loopback(host), host)
        for host in ('0.0.0.0', '::', '192.0.2.1'):
            self.assertFalse(status._is_loopback(host), host)

    def test_cycles(self):
        self.assertEqual({'a', 'b'}, status._cycles(
            {'a': {'b'}, 'b': {'a'}, 'c': {'a'}}))
        self.assertEqual({'x'}, status._cycles({'x': {'x'}}))
        self.assertEqual(set(), status._cycles({'a': {'b'}, 'b': set()}))


class TestChecks(_Config):
    """Single checks, in this process (the command's cases in detail)."""

    def test_unknown_revision(self):
        self.migrate()
        engine = sa.create_engine('sqlite:///' + self.db_path)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version "
                                 "SET version_num = 'ffff'"))
        engine.dispose()
        result = self.checks()._check_database()
        self.assertEqual(FAILURE, result.code)
        self.assertIn('ffff', result.details)
        self.assertIn('does not know', result.details)

    def test_good_policy_file(self):
        rule = policies.list_rules()[-1].name
        self.set('oslo_policy', 'policy_file', self.write(
            'policy.yaml', '"%s": "rule:my_alias"\n"my_alias": "role:x"\n'
            % rule))
        result = self.checks()._check_policy_file()
        self.assertEqual(SUCCESS, result.code, result.details)
        self.assertIn('2 rule(s)', result.details)

    def test_policy_file_next_to_the_config(self):
        # the default name, found in the config file's directory
        self.write('policy.yaml', '"x": "role:admin"\n')
        result = self.checks()._check_policy_file()
        self.assertEqual(SUCCESS, result.code, result.details)
        self.assertIn(os.path.join(self.tmp, 'policy.yaml'), result.details)

    def test_no_policy_file(self):
        result = self.checks()._check_policy_file()
        self.assertEqual(SUCCESS, result.code, result.details)
        self.assertIn('default rules', result.details)

    def test_policy_file_with_bad_rules(self):
        self.set('oslo_policy', 'policy_file', self.write(
            'policy.yaml', '"a": "rule:nowhere"\n"b": "role:admin or"\n'
                           '"c": "rule:d"\n"d": "rule:c"\n"e": 5\n'
                           '"f": "rule:context_is_admin"\n'))
        result = self.checks()._check_policy_file()
        self.assertEqual(FAILURE, result.code)
        self.assertIn('rule a refers to undefined rule(s) nowhere',
                      result.details)
        self.assertIn('rule b cannot be parsed', result.details)
        self.assertIn('rules c, d refer to each other in a cycle',
                      result.details)
        self.assertIn('rule e is not a check string', result.details)
        self.assertNotIn('rule f', result.details)

    def test_policy_file_not_a_mapping(self):
        self.set('oslo_policy', 'policy_file',
                 self.write('policy.yaml', '- a\n- b\n'))
        result = self.checks()._check_policy_file()
        self.assertEqual(FAILURE, result.code)
        self.assertIn('must map rule names', result.details)

    def test_policy_file_set_but_missing(self):
        self.set('oslo_policy', 'policy_file',
                 os.path.join(self.tmp, 'nowhere.yaml'))
        result = self.checks()._check_policy_file()
        self.assertEqual(WARNING, result.code)
        self.assertIn('nowhere.yaml', result.details)

    def test_custom_module_missing(self):
        self.set('DEFAULT', 'custom_artifact_types_modules',
                 'glare_nosuch_module')
        result = self.checks()._check_types()
        self.assertEqual(FAILURE, result.code)
        self.assertIn('glare_nosuch_module', result.details)

    def test_auth(self):
        cases = [('keystone', '0.0.0.0', SUCCESS),
                 ('keystone', '::', SUCCESS),
                 ('noauth', '127.0.0.1', SUCCESS),
                 ('noauth', '::1', SUCCESS),
                 ('noauth', '::', WARNING),
                 ('noauth', '192.0.2.1', WARNING)]
        for strategy, host, code in cases:
            self.set('api', 'auth_strategy', strategy)
            self.set('DEFAULT', 'bind_host', host)
            result = self.checks()._check_auth()
            self.assertEqual(code, result.code, (strategy, host))

    def test_flavor_alone_selects_noauth(self):
        self.set('paste_deploy', 'flavor', 'noauth')
        self.set('DEFAULT', 'bind_host', '0.0.0.0')
        checks = self.checks()
        self.assertEqual(WARNING, checks._check_auth().code)
        self.assertEqual(WARNING, checks._check_deprecated().code)

    def test_flavor_overridden(self):
        self.set('paste_deploy', 'flavor', 'noauth')
        self.set('api', 'auth_strategy', 'keystone')
        result = self.checks()._check_deprecated()
        self.assertEqual(WARNING, result.code)
        self.assertIn('ignored', result.details)
