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

"""A real Keystone on loopback, and the identities the tests act as.

One Keystone per test process, started by the first test class that asks
for it (``cloud()``) and stopped when the process exits: a temporary
directory, SQLite, fernet tokens, ``keystone-manage db_sync``,
``fernet_setup``, ``credential_setup`` and ``bootstrap``, and Keystone's
public WSGI application under gunicorn on a free port. Through Keystone's
API it then makes projects A and B, a member, a reader and an admin, a
``glare`` service user with the ``service`` role, and the ``artifact``
service; each Glare server registers its own endpoint.

Without the ``keystone`` package the tests skip, unless
GLARE_TEST_REQUIRE_KEYSTONE=1 (set by ``tox -e keystone``), when they fail.
Set GLARE_TEST_KEEP_LOGS=1 to keep the Keystone directory
(/tmp/glare-keystone-*: keystone.conf, keystone.log, keystone.sqlite).
"""

import atexit
import dataclasses
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import uuid

import requests

from glare.tests.fixtures import processes

REQUIRE_ENV = 'GLARE_TEST_REQUIRE_KEYSTONE'
START_TIMEOUT = 90
HTTP_TIMEOUT = 60
REGION = 'RegionOne'
# Keystone's default roles after bootstrap (admin implies manager implies
# member implies reader) and the role of service users
EXPECTED_ROLES = ('admin', 'member', 'reader', 'service')
SERVICE_TYPE = 'artifact'
INTERFACES = ('public', 'internal', 'admin')

_KEYSTONE_CONF = """\
[DEFAULT]
debug = False

[database]
connection = sqlite:///{dir}/keystone.sqlite

[token]
provider = fernet

[fernet_tokens]
key_repository = {dir}/fernet-keys

[fernet_receipts]
key_repository = {dir}/fernet-keys

[credential]
key_repository = {dir}/credential-keys

[identity]
# bcrypt's fewest rounds: a password check costs milliseconds, not 0.2 s
password_hash_rounds = 4

[cache]
# in the one worker's memory: validating a token without it takes some
# 300 SQLite queries (0.3 s)
enabled = True
backend = dogpile.cache.memory
"""


class KeystoneFailed(processes.ServerFailed):
    """Keystone did not set up or start."""


def require_keystone():
    """Skip the calling test class when keystone is not installed (fail
    instead when REQUIRE_ENV says it must be there)."""
    try:
        import keystone  # noqa: F401
    except ImportError as exc:
        message = ('keystone is not installed (%s): the Keystone suite runs '
                   'in "tox -e keystone"' % exc)
        if os.environ.get(REQUIRE_ENV) == '1':
            raise KeystoneFailed(message + ', and %s=1 requires it' %
                                 REQUIRE_ENV) from exc
        raise unittest.SkipTest(message) from exc


def _utc_iso(moment):
    return moment.strftime('%Y-%m-%dT%H:%M:%S.%fZ')


def parse_time(text):
    """A Keystone timestamp (2026-01-02T03:04:05.000000Z) as aware UTC."""
    return datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))


class KeystoneServer(processes.ServerProcess):
    """Keystone's public API in a gunicorn process of its own."""

    NAME = 'keystone'
    FAILED = KeystoneFailed
    START_TIMEOUT = START_TIMEOUT
    POLL = 0.1

    def __init__(self, workdir):
        self.workdir = workdir
        self.conf_path = os.path.join(workdir, 'keystone.conf')
        self.log_path = os.path.join(workdir, 'keystone.log')
        self.admin_password = uuid.uuid4().hex
        self.port = None
        self.process = None
        self._log = None

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.port

    @property
    def auth_url(self):
        return self.url + '/v3'

    def _env(self):
        env = dict(os.environ)
        env['OS_KEYSTONE_CONFIG_FILES'] = self.conf_path
        # gunicorn's control socket: next to the rest, not in the home
        env['XDG_RUNTIME_DIR'] = self.workdir
        env['PYTHONUNBUFFERED'] = '1'
        return env

    def _command(self, *args):
        return [sys.executable, '-m', 'glare.tests.keystone.keystone_process'
                ] + list(args)

    def _manage(self, *commands):
        """keystone-manage commands, in order, in one process."""
        with open(self.log_path, 'ab') as log:
            proc = subprocess.run(
                self._command('manage', json.dumps(commands)), stdout=log,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=self._env(), cwd=self.workdir, timeout=300)
        if proc.returncode != 0:
            raise KeystoneFailed('keystone-manage %s failed:\n%s' % (
                ', '.join(c[0] for c in commands), self.log_tail()))

    def _bootstrap_command(self):
        """Admin user, project and roles, region, identity endpoints."""
        args = ['bootstrap', '--bootstrap-password', self.admin_password,
                '--bootstrap-region-id', REGION]
        for interface in INTERFACES:
            args += ['--bootstrap-%s-url' % interface, self.auth_url]
        return args

    def setup(self):
        """The configuration, database, key repositories, and bootstrap
        (with the identity endpoints at the port start() tries first)."""
        with open(self.conf_path, 'w') as f:
            f.write(_KEYSTONE_CONF.format(dir=self.workdir))
        for name in ('fernet-keys', 'credential-keys'):
            os.makedirs(os.path.join(self.workdir, name), mode=0o700)
        owner = ['--keystone-user', str(os.getuid()),
                 '--keystone-group', str(os.getgid())]
        self.port = processes.free_port()
        self._manage(['db_sync'], ['fernet_setup'] + owner,
                     ['credential_setup'] + owner, self._bootstrap_command())

    def spawn(self, attempt):
        if attempt:
            # taken since setup(): another port, the endpoints moved there
            self.port = processes.free_port()
            self._manage(self._bootstrap_command())
        return self._command('serve', str(self.port)), self._env()

    def ready(self, session):
        return session.get(self.auth_url, timeout=5).status_code == 200


@dataclasses.dataclass
class Persona:
    """A Keystone user and the project (or system) its tokens are for."""

    name: str
    user_id: str
    password: str
    project_id: str = None
    system: bool = False


class Cloud:
    """The Keystone API as the tests use it: tokens, identities, catalog."""

    def __init__(self, server):
        self.server = server
        self.session = requests.Session()
        self._tokens = {}
        self.personas = {}
        self.projects = {}
        self.roles = {}
        self.service_id = None

    @property
    def auth_url(self):
        return self.server.auth_url

    # -- the HTTP API ----------------------------------------------------
    def call(self, method, path, token=None, body=None, expect=None,
             headers=None):
        hdrs = dict(headers or {})
        if token is not None:
            hdrs['X-Auth-Token'] = token
        resp = self.session.request(method, self.auth_url + path,
                                    json=body, headers=hdrs,
                                    timeout=HTTP_TIMEOUT)
        if expect is not None and resp.status_code != expect:
            raise KeystoneFailed('%s %s answered %s (expected %s): %s' % (
                method, path, resp.status_code, expect, resp.text[:2000]))
        return resp

    def admin_call(self, method, path, body=None, expect=None):
        return self.call(method, path, self.token('admin'), body, expect)

    def issue_token(self, identity, scope=None):
        """POST /v3/auth/tokens; returns (token, token body)."""
        auth = {'identity': identity}
        if scope is not None:
            auth['scope'] = scope
        resp = self.call('POST', '/auth/tokens', body={'auth': auth},
                         expect=201)
        return resp.headers['X-Subject-Token'], resp.json()['token']

    def password_token(self, persona):
        """A new token for a persona, scoped to its project or system."""
        identity = {'methods': ['password'], 'password': {'user': {
            'id': persona.user_id, 'password': persona.password}}}
        if persona.system:
            scope = {'system': {'all': True}}
        else:
            scope = {'project': {'id': persona.project_id}}
        return self.issue_token(identity, scope)

    def token(self, name):
        """A persona's token, issued once (tokens live for an hour)."""
        if name not in self._tokens:
            self._tokens[name] = self.password_token(self.personas[name])[0]
        return self._tokens[name]

    def headers(self, name):
        return {'X-Auth-Token': self.token(name)}

    def revoke(self, token):
        self.call('DELETE', '/auth/tokens', self.token('admin'),
                  headers={'X-Subject-Token': token}, expect=204)

    def token_is_valid(self, token):
        resp = self.call('GET', '/auth/tokens', self.token('admin'),
                         headers={'X-Subject-Token': token})
        return resp.status_code == 200

    def short_lived_token(self, name, seconds):
        """A token of the persona that expires in ``seconds``: issued from
        an application credential that expires then (Keystone caps a
        token's expiry at its application credential's)."""
        persona = self.personas[name]
        expires = (datetime.datetime.now(datetime.timezone.utc) +
                   datetime.timedelta(seconds=seconds))
        cred = self.call(
            'POST', '/users/%s/application_credentials' % persona.user_id,
            self.token(name), body={'application_credential': {
                'name': 'short-' + uuid.uuid4().hex[:8],
                'expires_at': _utc_iso(expires)}}, expect=201,
        ).json()['application_credential']
        return self.issue_token({
            'methods': ['application_credential'],
            'application_credential': {'id': cred['id'],
                                       'secret': cred['secret']}})

    # -- identities ------------------------------------------------------
    def _create(self, collection, key, body):
        resp = self.admin_call('POST', '/' + collection, {key: body},
                               expect=201)
        return resp.json()[key]['id']

    def add_user(self, name, project, *roles):
        """A user with ``roles`` on project ``project`` (a name)."""
        password = uuid.uuid4().hex
        user_id = self._create('users', 'user', {
            'name': name, 'password': password, 'domain_id': 'default'})
        project_id = self.projects[project]
        for role in roles:
            self.admin_call('PUT', '/projects/%s/users/%s/roles/%s' % (
                project_id, user_id, self.roles[role]), expect=204)
        self.personas[name] = Persona(name, user_id, password, project_id)
        return self.personas[name]

    def populate(self):
        """Projects, users and the artifact service (once per Keystone)."""
        # the bootstrap admin's ids come with its first token
        boot = Persona('admin', None, self.server.admin_password)
        token, body = self.issue_token(
            {'methods': ['password'], 'password': {'user': {
                'name': 'admin', 'domain': {'id': 'default'},
                'password': boot.password}}},
            {'project': {'name': 'admin', 'domain': {'id': 'default'}}})
        boot.user_id = body['user']['id']
        boot.project_id = body['project']['id']
        self.personas['admin'] = boot
        self._tokens['admin'] = token
        self.personas['system-admin'] = Persona(
            'system-admin', boot.user_id, boot.password, system=True)
        self.projects['admin'] = boot.project_id

        roles = self.admin_call('GET', '/roles', expect=200).json()['roles']
        self.roles = {r['name']: r['id'] for r in roles}
        missing = set(EXPECTED_ROLES) - set(self.roles)
        if missing:
            raise KeystoneFailed('bootstrap made no role(s) %s; roles: %s' %
                                 (', '.join(sorted(missing)),
                                  ', '.join(sorted(self.roles))))
        for name in ('project-a', 'project-b', 'service'):
            self.projects[name] = self._create('projects', 'project', {
                'name': name, 'domain_id': 'default'})
        self.add_user('member-a', 'project-a', 'member')
        self.add_user('reader-a', 'project-a', 'reader')
        self.add_user('member-b', 'project-b', 'member')
        self.add_user('glare', 'service', 'service')
        self.service_id = self._create('services', 'service', {
            'type': SERVICE_TYPE, 'name': 'glare',
            'description': 'Glare artifact repository (functional tests)'})

    def register_endpoints(self, url):
        """The artifact service's endpoints at ``url``; returns their ids."""
        return [self._create('endpoints', 'endpoint', {
            'service_id': self.service_id, 'interface': interface,
            'region_id': REGION, 'url': url}) for interface in INTERFACES]

    def delete_endpoints(self, ids):
        for endpoint_id in ids:
            self.admin_call('DELETE', '/endpoints/' + endpoint_id,
                            expect=204)

    def glare_config(self):
        """Glare's [api] and [keystone_authtoken] for this Keystone."""
        glare = self.personas['glare']
        return {
            'api': {'auth_strategy': 'keystone'},
            'keystone_authtoken': {
                'www_authenticate_uri': self.auth_url,
                'auth_url': self.auth_url,
                'auth_type': 'password',
                'username': glare.name,
                'password': glare.password,
                'user_domain_id': 'default',
                'project_name': 'service',
                'project_domain_id': 'default',
                'region_name': REGION,
                'interface': 'public',
                # no memcached_servers: the in-process token cache
            },
        }


_CLOUD = None
_FAILURE = None


def cloud():
    """This process's Keystone, started and populated on first use (a
    failure is remembered: the next classes fail at once with it)."""
    global _CLOUD, _FAILURE
    if _CLOUD is not None:
        return _CLOUD
    require_keystone()
    if _FAILURE is not None:
        raise KeystoneFailed('Keystone failed to start earlier: %s' %
                             _FAILURE)
    try:
        _CLOUD = _start_cloud()
    except Exception as exc:
        _FAILURE = exc
        raise
    return _CLOUD


def _start_cloud():
    workdir = tempfile.mkdtemp(prefix='glare-keystone-')
    server = KeystoneServer(workdir)
    atexit.register(_shut_down, server, workdir)
    server.setup()
    server.start()
    new = Cloud(server)
    try:
        new.populate()
    except (KeystoneFailed, requests.RequestException) as exc:
        raise KeystoneFailed('%s\nkeystone log:\n%s' %
                             (exc, server.log_tail())) from exc
    return new


def _shut_down(server, workdir):
    server.stop()
    if not os.environ.get('GLARE_TEST_KEEP_LOGS'):
        shutil.rmtree(workdir, ignore_errors=True)
