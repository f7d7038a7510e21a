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

"""The devstack plugin, run by bash against recording devstack stubs.

devstack cannot run here; instead each test runs bash with ``set -eu``,
defines every devstack function and variable the plugin uses as a stub
that appends its name and arguments to a log, sources devstack/settings
and devstack/plugin.sh with a phase's arguments, and looks at the log.
External commands are stubbed too, PATH is an empty directory, and the
commands the plugin runs from GLARE_BIN_DIR are recording scripts, so that
nothing outside the test's directory is touched and any command or
variable devstack would not provide fails the run.
"""

import ast
import configparser
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap

import fixtures

from glare.conf import default as default_conf
from glare.tests import base

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
DEVSTACK = os.path.join(REPO, 'devstack')
SCRIPTS = [os.path.join(DEVSTACK, name)
           for name in ('plugin.sh', 'settings', os.path.join('lib', 'glare'))]

CONF = '/etc/glare/glare.conf'
UWSGI_CONF = '/etc/glare/glare-uwsgi.ini'
SWIFT_CONF = '/etc/glare/glare-swift-store.conf'
DB_URL = 'mysql+pymysql://root:secretdb@127.0.0.1/glare?charset=utf8'

# What stackrc, lib/database, lib/keystone... define before plugins run.
DEVSTACK_VARS = {
    'DEST': '/opt/stack',
    'DATA_DIR': '/opt/stack/data',
    'GIT_BASE': 'https://opendev.org',
    'SERVICE_HOST': '192.0.2.10',
    'SERVICE_LISTEN_ADDRESS': '0.0.0.0',
    'SERVICE_PROTOCOL': 'http',
    'API_WORKERS': '2',
    'STACK_USER': 'stack',
    'REGION_NAME': 'RegionOne',
    'SERVICE_PASSWORD': 'secretservice',
    'SERVICE_PROJECT_NAME': 'service',
    'SERVICE_DOMAIN_NAME': 'Default',
    'KEYSTONE_SERVICE_URI': 'http://192.0.2.10/identity',
    'SERVICE_TIMEOUT': '60',
    'ENABLE_DEBUG_LOG_LEVEL': 'True',
    'DATABASE_USER': 'root',
    'DATABASE_PASSWORD': 'secretdb',
    'DATABASE_HOST': '127.0.0.1',
    'LIBS_FROM_GIT': '',
}
BASE_SERVICES = 'key,mysql,rabbit'
SWIFT_SERVICES = 's-proxy,s-object,s-container,s-account'

# Stubs that only record. Devstack's functions first, then the external
# commands the plugin runs (recorded instead of run).
RECORDING_STUBS = (
    'git_clone', 'setup_develop', 'pip_install', 'install_apache_uwsgi',
    'install_package', 'iniset', 'recreate_database',
    'configure_keystone_authtoken_middleware',
    'iniset_rpc_backend', 'write_uwsgi_config', 'remove_uwsgi_config',
    'stop_process', 'echo_summary',
    'sudo', 'install', 'rm', 'chmod', 'mysql', 'dropdb',
)
# Programs the plugin runs from GLARE_BIN_DIR.
BIN_STUBS = ('glare-db-manage', 'oslopolicy-sample-generator', 'uwsgi',
             'glare-api')
# Calls that only ask a question; left out of most comparisons.
QUERIES = ('is_service_enabled', 'use_library_from_git', 'trueorfalse',
           'get_python_exec_prefix', 'echo_summary')

STUBS = r'''
_record() {
    local line
    printf -v line ' %q' "$@"
    printf '%s\n' "${line# }" >> "$GLARE_TEST_LOG"
}
command_not_found_handle() {
    _record NOT_FOUND "$@"
    return 127
}
enable_service() {
    _record enable_service "$@"
    local s
    for s in "$@"; do ENABLED_SERVICES+=",$s"; done
}
# devstack's is_service_enabled: any of the names; "swift" stands for the
# s-* services and "keystone" for "key" (lib/keystone's is_keystone_enabled).
is_service_enabled() {
    _record is_service_enabled "$@"
    local s
    for s in "$@"; do
        [[ ",$ENABLED_SERVICES," == *",$s,"* ]] && return 0
        [[ $s == swift && ",$ENABLED_SERVICES" == *",s-"* ]] && return 0
        [[ $s == keystone && ",$ENABLED_SERVICES," == *",key,"* ]] && return 0
    done
    return 1
}
use_library_from_git() {
    _record use_library_from_git "$@"
    [[ ",$LIBS_FROM_GIT," == *",$1,"* ]]
}
trueorfalse() {
    _record trueorfalse "$@"
    local value=${!2:-$1}
    case ${value,,} in
        1|yes|true|on) echo True ;;
        0|no|false|off) echo False ;;
        *) echo "$1" ;;
    esac
}
get_python_exec_prefix() {
    _record get_python_exec_prefix "$@"
    echo "$GLARE_TEST_BIN"
}
database_connection_url() {
    _record database_connection_url "$@"
    echo "mysql+pymysql://$DATABASE_USER:$DATABASE_PASSWORD@$DATABASE_HOST/$1?charset=utf8"
}
create_service_user() { _record create_service_user "$@"; echo user-id; }
get_or_create_service() { _record get_or_create_service "$@"; echo svc-id; }
get_or_create_endpoint() { _record get_or_create_endpoint "$@"; echo ep-id; }
# devstack's run_process silently skips a service that is not enabled:
# here that is an error.
run_process() {
    _record run_process "$@"
    if [[ ",$ENABLED_SERVICES," != *",$1,"* ]]; then
        _record NOT_ENABLED "$1"
        return 1
    fi
}
wait_for_service() {
    _record wait_for_service "$@"
    return "$GLARE_TEST_WAIT_RC"
}
die() { _record die "$@"; return 1; }
'''


class Run:
    """The outcome of one bash run: exit code, stderr, recorded calls."""

    def __init__(self, proc, log, bin_dir):
        self.rc = proc.returncode
        self.stderr = proc.stderr
        self.bin_dir = bin_dir
        with open(log) as f:
            lines = [shlex.split(line) for line in f.read().splitlines()]
        marks = [i for i, c in enumerate(lines) if c[0] == '---']
        self.settings_calls = lines[:marks[0]] if marks else lines
        self.calls = lines[marks[0] + 1:marks[1]] if len(marks) > 1 else \
            lines[marks[0] + 1:] if marks else []
        self.epilogue = lines[marks[1] + 1:] if len(marks) > 1 else []

    def named(self, name):
        return [c[1:] for c in self.calls if c[0] == name]

    def actions(self):
        """The calls that change something, in order."""
        return [c for c in self.calls if c[0] not in QUERIES]

    def ini(self, path):
        """{(section, option): value} that iniset wrote to path."""
        return {(c[2], c[3]): c[4] for c in self.calls
                if c[0] == 'iniset' and c[1] == path}

    def index(self, call):
        return self.calls.index(call)

    def variables(self):
        return {c[1]: c[2] for c in self.epilogue if c[0] == 'VAR'}


class DevstackCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.empty_path = os.path.join(self.tmp, 'path')
        self.bin_dir = os.path.join(self.tmp, 'bin')
        os.mkdir(self.empty_path)
        os.mkdir(self.bin_dir)
        for name in BIN_STUBS:
            path = os.path.join(self.bin_dir, name)
            with open(path, 'w') as f:
                f.write('#!/bin/bash\nprintf -v line " %%q" %s "$@"\n'
                        'printf "%%s\\n" "${line# }" >> "$GLARE_TEST_LOG"\n'
                        % shlex.quote(name))
            os.chmod(path, 0o755)
        self.runs = 0

    def run_phase(self, *args, services=BASE_SERVICES, before='',
                  after_settings='', epilogue='', plugin=None, wait_rc=0,
                  check=True):
        """Source settings and plugin.sh with args; return a Run."""
        self.runs += 1
        log = os.path.join(self.tmp, 'calls-%d.log' % self.runs)
        open(log, 'w').close()
        variables = dict(DEVSTACK_VARS, ENABLED_SERVICES=services)
        script = '\n'.join(
            ['set -eu -o pipefail'] +
            ['%s=%s' % (k, shlex.quote(v)) for k, v in variables.items()] +
            [STUBS] +
            ['%s() { _record %s "$@"; }' % (n, n) for n in RECORDING_STUBS] +
            [before,
             'source %s' % shlex.quote(os.path.join(DEVSTACK, 'settings')),
             after_settings,
             '_record ---',
             'source %s %s' % (shlex.quote(plugin or os.path.join(
                 DEVSTACK, 'plugin.sh')), ' '.join(map(shlex.quote, args))),
             '_record ---',
             epilogue])
        path = os.path.join(self.tmp, 'run-%d.sh' % self.runs)
        with open(path, 'w') as f:
            f.write(script)
        env = {'PATH': self.empty_path, 'HOME': self.tmp, 'LC_ALL': 'C',
               'GLARE_TEST_LOG': log, 'GLARE_TEST_BIN': self.bin_dir,
               'GLARE_TEST_WAIT_RC': str(wait_rc)}
        proc = subprocess.run(['/bin/bash', '--noprofile', '--norc', path],
                              env=env, capture_output=True, text=True,
                              timeout=60)
        run = Run(proc, log, self.bin_dir)
        if check:
            self.assertEqual(0, run.rc, 'bash failed: %s\ncalls: %s'
                             % (run.stderr, run.calls))
            self.assertEqual([], [c for c in run.settings_calls + run.calls
                                  if c[0] in ('NOT_FOUND', 'NOT_ENABLED')])
        return run


class TestHarness(DevstackCase):
    """The test itself catches what devstack would not provide."""

    def _plugin(self, text):
        path = os.path.join(self.tmp, 'plugin.sh')
        with open(path, 'w') as f:
            f.write(text)
        return path

    def test_undefined_function_fails(self):
        run = self.run_phase('stack', 'install', check=False, plugin=(
            self._plugin('iniset f s o v\nno_such_devstack_function x\n')))
        self.assertNotEqual(0, run.rc)
        self.assertIn(['NOT_FOUND', 'no_such_devstack_function', 'x'],
                      run.calls)

    def test_undefined_function_in_substitution_is_recorded(self):
        run = self.run_phase('stack', 'install', check=False, plugin=(
            self._plugin('x=$(no_such_helper)\n')))
        self.assertIn(['NOT_FOUND', 'no_such_helper'], run.calls)

    def test_undefined_variable_fails(self):
        run = self.run_phase('stack', 'install', check=False, plugin=(
            self._plugin('iniset f s o "$NO_SUCH_DEVSTACK_VARIABLE"\n')))
        self.assertNotEqual(0, run.rc)
        self.assertIn('NO_SUCH_DEVSTACK_VARIABLE', run.stderr)

    def test_program_outside_bin_dir_fails(self):
        run = self.run_phase('stack', 'install', check=False, plugin=(
            self._plugin('"$GLARE_BIN_DIR/glare-manage" upgrade\n')))
        self.assertNotEqual(0, run.rc)


class TestSettings(DevstackCase):

    NAMES = ('GLARE_DIR', 'GLARE_REPO', 'GLARE_BRANCH', 'GLARE_BIN_DIR',
             'GLARE_CONF_DIR', 'GLARE_CONF_FILE', 'GLARE_SERVICE_PORT',
             'GLARE_SERVICE_PROTOCOL', 'GLARE_SERVICE_HOST',
             'GLARE_ENABLED_TYPES', 'GLARE_USE_UWSGI', 'GLARECLIENT_REPO',
             'GLARECLIENT_BRANCH', 'GLARE_DATA_DIR', 'ENABLED_SERVICES')

    def _variables(self, before=''):
        epilogue = 'for v in %s; do _record VAR "$v" "${!v}"; done' % (
            ' '.join(self.NAMES))
        return self.run_phase('stack', 'pre-install', before=before,
                              epilogue=epilogue).variables()

    def test_defaults(self):
        v = self._variables()
        self.assertEqual('/opt/stack/glare', v['GLARE_DIR'])
        self.assertEqual('https://opendev.org/x/glare.git', v['GLARE_REPO'])
        self.assertEqual('master', v['GLARE_BRANCH'])
        self.assertEqual(self.bin_dir, v['GLARE_BIN_DIR'])
        self.assertEqual('/etc/glare', v['GLARE_CONF_DIR'])
        self.assertEqual(CONF, v['GLARE_CONF_FILE'])
        self.assertEqual('9494', v['GLARE_SERVICE_PORT'])
        self.assertEqual('http', v['GLARE_SERVICE_PROTOCOL'])
        self.assertEqual('192.0.2.10', v['GLARE_SERVICE_HOST'])
        self.assertEqual('True', v['GLARE_USE_UWSGI'])
        self.assertEqual('/opt/stack/data/glare', v['GLARE_DATA_DIR'])
        self.assertEqual('https://opendev.org/x/python-glareclient.git',
                         v['GLARECLIENT_REPO'])
        self.assertEqual('master', v['GLARECLIENT_BRANCH'])
        # the service's own default list
        self.assertEqual(','.join(default_conf.DEFAULT_TYPES),
                         v['GLARE_ENABLED_TYPES'])
        services = v['ENABLED_SERVICES'].split(',')
        self.assertIn('glare', services)
        self.assertIn('glare-api', services)

    def test_local_conf_overrides(self):
        v = self._variables(before=(
            'GLARE_USE_UWSGI=false\nGLARE_SERVICE_PORT=9999\n'
            'GLARE_ENABLED_TYPES=images,secrets\nGLARE_CONF_DIR=/srv/glare'))
        self.assertEqual('False', v['GLARE_USE_UWSGI'])
        self.assertEqual('9999', v['GLARE_SERVICE_PORT'])
        self.assertEqual('images,secrets', v['GLARE_ENABLED_TYPES'])
        self.assertEqual('/srv/glare/glare.conf', v['GLARE_CONF_FILE'])


class TestInstall(DevstackCase):

    def test_install(self):
        run = self.run_phase('stack', 'install')
        self.assertEqual([
            ['git_clone', 'https://opendev.org/x/glare.git',
             '/opt/stack/glare', 'master'],
            ['setup_develop', '/opt/stack/glare'],
            ['install_package', 'qemu-utils'],
            ['install_apache_uwsgi'],
            ['pip_install', 'python-glareclient'],
        ], run.actions())

    def test_client_from_git(self):
        run = self.run_phase('stack', 'install',
                             before='LIBS_FROM_GIT=python-glareclient')
        self.assertEqual([
            ['git_clone', 'https://opendev.org/x/glare.git',
             '/opt/stack/glare', 'master'],
            ['setup_develop', '/opt/stack/glare'],
            ['install_package', 'qemu-utils'],
            ['install_apache_uwsgi'],
            ['git_clone', 'https://opendev.org/x/python-glareclient.git',
             '/opt/stack/python-glareclient', 'master'],
            ['setup_develop', '/opt/stack/python-glareclient'],
        ], run.actions())

    def test_without_uwsgi(self):
        run = self.run_phase('stack', 'install',
                             before='GLARE_USE_UWSGI=False')
        self.assertNotIn(['install_apache_uwsgi'], run.calls)
        self.assertIn(['setup_develop', '/opt/stack/glare'], run.calls)


def _sample_options():
    """{section: {option names}} of etc/glare/glare.conf.sample."""
    found = {}
    section = None
    with open(os.path.join(REPO, 'etc', 'glare', 'glare.conf.sample')) as f:
        for line in f:
            line = line.strip()
            if line.startswith('[') and line.endswith(']'):
                section = found.setdefault(line[1:-1], set())
            elif section is not None:
                match = re.match(r'#([\w-]+) =', line)
                if match:
                    section.add(match.group(1))
    return found


class TestPostConfig(DevstackCase):

    def test_glare_conf(self):
        run = self.run_phase('stack', 'post-config')
        ini = run.ini(CONF)
        expected = {
            ('DEFAULT', 'bind_host'): '0.0.0.0',
            ('DEFAULT', 'bind_port'): '9494',
            ('DEFAULT', 'workers'): '2',
            ('DEFAULT', 'debug'): 'True',
            ('DEFAULT', 'state_path'): '/opt/stack/data/glare',
            ('DEFAULT', 'enabled_artifact_types'):
                ','.join(default_conf.DEFAULT_TYPES),
            ('DEFAULT', 'auto_create_schema'): 'False',
            ('database', 'connection'): DB_URL,
            ('api', 'auth_strategy'): 'keystone',
            ('oslo_policy', 'policy_file'): '/etc/glare/policy.yaml',
            ('oslo_messaging_notifications', 'driver'): 'messagingv2',
            ('glance_store', 'stores'): 'file,http',
            ('glance_store', 'default_store'): 'file',
            ('glance_store', 'filesystem_store_datadir'):
                '/opt/stack/data/glare/blobs',
        }
        self.assertEqual(expected, ini)
        self.assertIn(['database_connection_url', 'glare'], run.calls)
        self.assertEqual([[CONF, 'glare']],
                         run.named('configure_keystone_authtoken_middleware'))
        self.assertEqual([['glare', CONF, 'oslo_messaging_notifications']],
                         run.named('iniset_rpc_backend'))
        # the file is started afresh, in a directory the stack user owns
        self.assertLess(run.index(['rm', '-f', CONF]),
                        run.index(['iniset', CONF, 'DEFAULT', 'bind_host',
                                   '0.0.0.0']))
        self.assertIn(['sudo', 'install', '-d', '-o', 'stack', '-m', '755',
                       '/etc/glare'], run.calls)
        self.assertEqual({}, run.ini(SWIFT_CONF))

    def test_every_option_is_known_to_the_service(self):
        options = _sample_options()
        for scenario in ({}, {'services': BASE_SERVICES + ',' +
                              SWIFT_SERVICES}):
            ini = self.run_phase('stack', 'post-config', **scenario).ini(CONF)
            for section, name in ini:
                self.assertIn(name, options.get(section, ()),
                              '[%s] %s is not a glare option' % (section,
                                                                 name))

    def test_policy_file(self):
        run = self.run_phase('stack', 'post-config')
        self.assertEqual(
            [['--namespace', 'glare', '--output-file',
              '/etc/glare/policy.yaml']],
            run.named('oslopolicy-sample-generator'))

    def test_database(self):
        run = self.run_phase('stack', 'post-config')
        migrate = ['glare-db-manage', '--config-file', CONF, 'upgrade']
        self.assertIn(migrate, run.calls)
        self.assertLess(run.index(['recreate_database', 'glare']),
                        run.index(migrate))
        self.assertLess(run.index(['iniset', CONF, 'database', 'connection',
                                   DB_URL]), run.index(migrate))

    def test_keystone_accounts(self):
        run = self.run_phase('stack', 'post-config')
        self.assertEqual([['glare', 'service']],
                         run.named('create_service_user'))
        self.assertEqual([['glare', 'artifact', 'Glare artifact repository']],
                         run.named('get_or_create_service'))
        self.assertEqual(
            [['artifact', 'RegionOne', 'http://192.0.2.10/artifact']],
            run.named('get_or_create_endpoint'))

    def test_uwsgi(self):
        run = self.run_phase('stack', 'post-config')
        write = ['write_uwsgi_config', UWSGI_CONF,
                 'glare.wsgi.api:application', '/artifact', '', 'glare-api']
        self.assertIn(write, run.calls)
        ini = run.ini(UWSGI_CONF)
        self.assertEqual({('uwsgi', 'env'): 'GLARE_CONFIG_FILE=' + CONF,
                          ('uwsgi', 'lazy-apps'): 'true'}, ini)
        # write_uwsgi_config starts the file afresh: additions come after
        for call in run.calls:
            if call[:2] == ['iniset', UWSGI_CONF]:
                self.assertLess(run.index(write), run.index(call))

    def test_uwsgi_entry_point_matches_the_code(self):
        # glare.wsgi.api defines ``application`` and reads the variable
        # the uwsgi ini sets
        with open(os.path.join(REPO, 'glare', 'wsgi', 'api.py')) as f:
            source = f.read()
        tree = ast.parse(source)
        assigned = {t.id for node in tree.body if isinstance(node, ast.Assign)
                    for t in node.targets if isinstance(t, ast.Name)}
        self.assertIn('application', assigned)
        self.assertIn("'GLARE_CONFIG_FILE'", source)

    def test_swift(self):
        run = self.run_phase('stack', 'post-config',
                             services=BASE_SERVICES + ',' + SWIFT_SERVICES)
        ini = run.ini(CONF)
        self.assertEqual('file,http,swift', ini['glance_store', 'stores'])
        self.assertEqual('swift', ini['glance_store', 'default_store'])
        self.assertEqual('glare', ini['glance_store', 'swift_store_container'])
        self.assertEqual(
            'True', ini['glance_store', 'swift_store_create_container_on_put'])
        self.assertEqual(SWIFT_CONF,
                         ini['glance_store', 'swift_store_config_file'])
        ref = ini['glance_store', 'default_swift_reference']
        self.assertEqual({
            (ref, 'user'): 'service:glare',
            (ref, 'key'): 'secretservice',
            (ref, 'auth_address'): 'http://192.0.2.10/identity/v3',
            (ref, 'user_domain_name'): 'Default',
            (ref, 'project_domain_name'): 'Default',
        }, run.ini(SWIFT_CONF))
        self.assertIn(['chmod', '600', SWIFT_CONF], run.calls)
        # the user whose account holds the blobs may operate on it
        self.assertEqual([['glare', 'admin']],
                         run.named('create_service_user'))

    def test_swift_store_file_is_read_by_glance_store(self):
        # The reference file has what glance_store's swift driver reads.
        run = self.run_phase('stack', 'post-config',
                             services=BASE_SERVICES + ',' + SWIFT_SERVICES)
        parser = configparser.ConfigParser()
        for (section, option), value in run.ini(SWIFT_CONF).items():
            if not parser.has_section(section):
                parser.add_section(section)
            parser.set(section, option, value)
        ref = run.ini(CONF)['glance_store', 'default_swift_reference']
        for option in ('auth_address', 'user', 'key'):
            self.assertTrue(parser.get(ref, option))

    def test_without_keystone(self):
        run = self.run_phase('stack', 'post-config', services='mysql,rabbit')
        self.assertEqual('noauth', run.ini(CONF)['api', 'auth_strategy'])
        for name in ('configure_keystone_authtoken_middleware',
                     'create_service_user', 'get_or_create_service',
                     'get_or_create_endpoint'):
            self.assertEqual([], run.named(name), name)
        self.assertIn(['recreate_database', 'glare'], run.calls)

    def test_without_rabbit(self):
        run = self.run_phase('stack', 'post-config', services='key,mysql')
        self.assertEqual('noop', run.ini(CONF)[
            'oslo_messaging_notifications', 'driver'])
        self.assertEqual([], run.named('iniset_rpc_backend'))

    def test_without_uwsgi(self):
        run = self.run_phase('stack', 'post-config',
                             before='GLARE_USE_UWSGI=False')
        self.assertEqual([], run.named('write_uwsgi_config'))
        self.assertEqual({}, run.ini(UWSGI_CONF))
        self.assertEqual(
            [['artifact', 'RegionOne', 'http://192.0.2.10:9494']],
            run.named('get_or_create_endpoint'))


class TestExtra(DevstackCase):

    def test_uwsgi(self):
        run = self.run_phase('stack', 'extra')
        self.assertEqual([
            ['run_process', 'glare-api', '%s/uwsgi --procname-prefix glare '
             '--ini %s' % (self.bin_dir, UWSGI_CONF)],
            ['wait_for_service', '60', 'http://192.0.2.10/artifact'],
        ], run.actions())

    def test_glare_api(self):
        run = self.run_phase('stack', 'extra', before='GLARE_USE_UWSGI=False')
        self.assertEqual([
            ['run_process', 'glare-api',
             '%s/glare-api --config-file %s' % (self.bin_dir, CONF)],
            ['wait_for_service', '60', 'http://192.0.2.10:9494'],
        ], run.actions())

    def test_service_does_not_answer(self):
        run = self.run_phase('stack', 'extra', wait_rc=1, check=False)
        self.assertNotEqual(0, run.rc)
        self.assertEqual(1, len(run.named('die')))


class TestUnstackAndClean(DevstackCase):

    def test_unstack(self):
        run = self.run_phase('unstack')
        self.assertEqual([['stop_process', 'glare-api']], run.actions())

    def test_clean_mysql(self):
        run = self.run_phase('clean')
        self.assertEqual([
            ['remove_uwsgi_config', UWSGI_CONF, 'glare-api'],
            ['mysql', '-uroot', '-psecretdb', '-h127.0.0.1', '-e',
             'DROP DATABASE IF EXISTS glare;'],
            ['sudo', 'rm', '-rf', '/etc/glare'],
            ['rm', '-rf', '/opt/stack/data/glare'],
        ], run.actions())

    def test_clean_postgresql_without_uwsgi(self):
        run = self.run_phase('clean', services='key,postgresql',
                             before='GLARE_USE_UWSGI=False')
        self.assertEqual([
            ['dropdb', '-h', '127.0.0.1', '-U', 'root', '--if-exists',
             'glare'],
            ['sudo', 'rm', '-rf', '/etc/glare'],
            ['rm', '-rf', '/opt/stack/data/glare'],
        ], run.actions())


class TestOtherPhases(DevstackCase):
    """Phases the plugin does not handle, and a disabled glare service."""

    UNHANDLED = (('stack', 'pre-install'), ('stack', 'test-config'),
                 ('override-defaults',), ('stack', 'unknown'))
    HANDLED = (('stack', 'install'), ('stack', 'post-config'),
               ('stack', 'extra'), ('unstack',), ('clean',))

    def test_unhandled_phases_do_nothing(self):
        for args in self.UNHANDLED:
            run = self.run_phase(*args)
            self.assertEqual([['is_service_enabled', 'glare']], run.calls,
                             args)

    def test_disabled_service_does_nothing(self):
        disable = 'ENABLED_SERVICES=key,mysql,rabbit'
        for args in self.HANDLED:
            run = self.run_phase(*args, after_settings=disable)
            self.assertEqual([['is_service_enabled', 'glare']], run.calls,
                             args)


class TestLint(base.TestCase):
    """Syntax always; shellcheck and bashate when they are installed."""

    def test_bash_syntax(self):
        for path in SCRIPTS:
            proc = subprocess.run(['/bin/bash', '-n', path],
                                  capture_output=True, text=True)
            self.assertEqual(0, proc.returncode, proc.stderr)

    def test_shellcheck(self):
        shellcheck = shutil.which('shellcheck')
        if not shellcheck:
            self.skipTest('shellcheck is not installed')
        proc = subprocess.run(
            [shellcheck, '-x', '-P', 'SCRIPTDIR'] + SCRIPTS,
            capture_output=True, text=True, cwd=DEVSTACK)
        self.assertEqual(0, proc.returncode, proc.stdout + proc.stderr)

    def test_bashate(self):
        try:
            import bashate  # noqa: F401
        except ImportError:
            self.skipTest('bashate is not installed')
        code = textwrap.dedent('''
            import sys
            from bashate import bashate
            sys.exit(bashate.main(sys.argv[1:]))''')
        proc = subprocess.run(
            [sys.executable, '-c', code, '-v', '-e', 'E*'] + SCRIPTS,
            capture_output=True, text=True)
        self.assertEqual(0, proc.returncode, proc.stdout + proc.stderr)
