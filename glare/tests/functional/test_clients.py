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

"""The real clients against a live server: python-glareclient 0.5.3's
``glare`` CLI and ``openstack artifact ...`` (python-openstackclient with
``--os-auth-type none --os-endpoint URL``), run as subprocesses.

Every command both clients have is driven over HTTP here, success and
failure paths. The console scripts run unmodified; ``download`` and a
``list`` that stops at ``--limit`` rows go through
``glareclient_shim``, which patches the client's two Python 3 bugs in
memory (its docstring says what and why). SQLite only: the clients see
the same API whatever the database.
"""

import hashlib
import json
import os
import subprocess
import sys
import uuid

from glare.tests.functional import base
from glare.tests.functional import test_locations

CLI_TIMEOUT = 60
SHIM = 'glare.tests.functional.glareclient_shim'
# what the client prints for an HTTP error (it never shows the message)
HTTP_ERROR = '(HTTP %d)'
# the same commands under other names in the OpenStack client
OSC_NAMES = {'add-tag': ['add', 'tag'], 'remove-tag': ['remove', 'tag']}
# environment variables the clients read that must not leak into tests
CLIENT_ENV_PREFIXES = ('OS_', 'KEYCLOAK_', 'OPENID_', 'GLARECLIENT_')
CLIENT_ENV_NAMES = ('AUTH_TOKEN',)


def _script(name):
    """A console script of the interpreter running the tests."""
    return os.path.join(os.path.dirname(sys.executable), name)


def _fields(rows):
    """The Field -> Value map of an artifact the client printed."""
    return {row['Field']: row['Value'] for row in rows}


class ClientMixin:
    """Runs a client against the class's server; PROGRAM says which."""

    PROGRAM = None
    CONFIG = {'locations': {'allowed_networks': '127.0.0.1/32'}}

    @classmethod
    def setUpClass(cls):
        script = _script(cls.PROGRAM)
        if not os.path.exists(script):
            raise AssertionError(
                '%s is not installed next to %s (test-requirements.txt '
                'lists python-glareclient and python-openstackclient)' %
                (script, sys.executable))
        # an origin for external locations (loopback is allow-listed
        # above; 127.0.0.2 stays private)
        cls.origin = test_locations._serve('127.0.0.1')
        cls.addClassCleanup(cls.origin.server_close)
        cls.addClassCleanup(cls.origin.shutdown)
        super().setUpClass()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(CLIENT_ENV_PREFIXES)
               and k not in CLIENT_ENV_NAMES}
        # no clouds.yaml or caches of the user's
        env['XDG_CONFIG_HOME'] = env['XDG_CACHE_HOME'] = cls.workdir
        cls.cli_env = env

    def setUp(self):
        super().setUp()
        self._log_start = os.path.getsize(self.server.log_path)
        self.addCleanup(self.assert_no_server_errors)

    def assert_no_server_errors(self):
        # a 500 would reach the glare CLI as a TypeError of its own
        with open(self.server.log_path, 'rb') as f:
            f.seek(self._log_start)
            lines = f.read().decode('utf-8', 'replace').splitlines()
        self.assertEqual([], [line for line in lines
                              if 'glare.api.access' in line
                              and ' -> 5' in line])

    # -- running the client ----------------------------------------------
    def argv(self, args, token=None, patched=False):
        if patched:
            argv = [sys.executable, '-m', SHIM, self.PROGRAM]
        else:
            argv = [_script(self.PROGRAM)]
        if self.PROGRAM == 'glare':
            argv += ['--os-glare-url', self.server.url]
            if token:
                argv += ['--auth-token', token]
        else:
            if token:
                # a noauth token through keystoneauth's admin_token plugin
                argv += ['--os-auth-type', 'admin_token', '--os-token', token]
            else:
                argv += ['--os-auth-type', 'none']
            argv += ['--os-endpoint', self.server.url, 'artifact']
            args = OSC_NAMES.get(args[0], [args[0]]) + list(args[1:])
        return argv + list(args)

    def cli(self, *args, token=None, patched=False, stdin=None, expect=0):
        """Run one command; check its exit code; return the process."""
        argv = self.argv(args, token, patched)
        proc = subprocess.run(argv, input=stdin, capture_output=True,
                              env=self.cli_env, timeout=CLI_TIMEOUT)
        if expect is not None:
            self.assertEqual(
                expect, proc.returncode, '%s\nstdout: %s\nstderr: %s' % (
                    ' '.join(argv),
                    proc.stdout[-3000:].decode(errors='replace'),
                    proc.stderr[-3000:].decode(errors='replace')))
        return proc

    def cli_json(self, *args, **kw):
        """Run a command that prints a table, as JSON."""
        return json.loads(self.cli(*args, '-f', 'json', **kw).stdout)

    def cli_artifact(self, *args, **kw):
        """Run a command that prints an artifact; its Field -> Value."""
        return _fields(self.cli_json(*args, **kw))

    def cli_fails(self, *args, message, **kw):
        """A command that fails with message on stderr, no traceback."""
        proc = self.cli(*args, expect=1, **kw)
        stderr = proc.stderr.decode()
        self.assertIn(message, stderr)
        self.assertNotIn('Traceback', stderr)
        return stderr

    def cli_create(self, name, *args, type_name=base.SAMPLE, **kw):
        return self.cli_artifact('create', type_name, name, *args, **kw)

    def access_log(self, needle):
        """Request lines of the server's access log that contain needle."""
        with open(self.server.log_path, encoding='utf-8',
                  errors='replace') as f:
            return [line.split('glare.api.access', 1)[1]
                    for line in f if 'glare.api.access' in line
                    and needle in line]


class GlareCLITests(ClientMixin, base.FunctionalTest):
    """Every command of python-glareclient's ``glare``, every option."""

    BACKEND = 'sqlite'
    PROGRAM = 'glare'

    def test_type_list_and_schema(self):
        types = {row['Name']: row['Version']
                 for row in self.cli_json('type-list')}
        self.assertEqual({
            'all': '1.3', 'images': '1.4', 'heat_templates': '1.3',
            'heat_environments': '1.3', 'tosca_templates': '1.3',
            'murano_packages': '1.4', 'murano': '1.3', base.SAMPLE: '1.3'},
            types)

        props = {row['Name']: row for row in
                 self.cli_json('schema', base.SAMPLE)}
        self.assertEqual('Integer', props['int1']['Glare_type'])
        self.assertTrue(props['int1']['Sortable'])
        self.assertEqual('Blob', props['blob']['Glare_type'])
        self.assertTrue(props['blob']['Mutable'])
        self.assertEqual('BlobDict', props['dict_of_blobs']['Glare_type'])
        self.assertEqual('StringList', props['tags']['Glare_type'])
        self.assertTrue(props['string_required']['Required'])
        self.assertFalse(props['str1']['Required'])
        self.assertEqual(['like', 'eq', 'neq', 'in'],
                         props['str1']['Filters'])
        self.assertEqual(['aa', 'bb', 'c' * 11, None],
                         props['string_validators']['Available_values'])
        # the client's type aliases
        props = {row['Name']: row for row in
                 self.cli_json('schema', 'heat-template')}
        self.assertEqual('Blob', props['template']['Glare_type'])

        self.cli_fails('schema', 'no_such_type', message=HTTP_ERROR % 404)
        self.cli_fails('list', 'no_such_type', '--limit', '0',
                       message=HTTP_ERROR % 404)

    def test_create_coerces_strings_and_show_by_name_and_id(self):
        name = self.unique()
        af = self.cli_create(
            name, '-V', '1', '-p', 'int1=5', '-p', 'float1=2.5',
            '-p', 'bool1=true', '-p', 'str1=text', '-l', 'list_of_int=1,2',
            '-l', 'tags=red,blue', '-d', 'dict_of_int=k:7',
            '-d', 'dict_of_str=a:b,c:d')
        self.assertEqual(
            {'name': name, 'version': '1.0.0', 'status': 'drafted',
             'visibility': 'private', 'int1': 5, 'float1': 2.5,
             'bool1': True, 'str1': 'text', 'list_of_int': [1, 2],
             'tags': ['red', 'blue'], 'dict_of_int': {'k': 7},
             'dict_of_str': {'a': 'b', 'c': 'd'}},
            {k: af[k] for k in ('name', 'version', 'status', 'visibility',
                                'int1', 'float1', 'bool1', 'str1',
                                'list_of_int', 'tags', 'dict_of_int',
                                'dict_of_str')})
        newer = self.cli_create(name, '-V', '2.0')

        # by name: the latest version unless -V says which
        self.assertEqual(newer['id'], self.cli_artifact(
            'show', base.SAMPLE, name)['id'])
        shown = self.cli_artifact('show', base.SAMPLE, name, '-V', '1.0')
        self.assertEqual(af, dict(shown, updated_at=af['updated_at']))
        # by id, and through the "all" view
        self.assertEqual(af['id'], self.cli_artifact(
            'show', base.SAMPLE, af['id'], '--id')['id'])
        in_all = self.cli_artifact('show', 'all', name, '-V', '1')
        self.assertEqual((af['id'], base.SAMPLE, name.upper()),
                         (in_all['id'], in_all['type_name'],
                          in_all['__some_meta_information__']))

        self.cli_fails('create', base.SAMPLE, name, '-V', '1',
                       message=HTTP_ERROR % 409)
        self.cli_fails('create', base.SAMPLE, self.unique(), '-p',
                       'int1=five', message=HTTP_ERROR % 400)
        self.cli_fails('create', base.SAMPLE, self.unique(), '-p',
                       'no_such_field=1', message=HTTP_ERROR % 400)
        self.cli_fails('create', base.SAMPLE, self.unique(), '-p',
                       'system_attribute=x', message=HTTP_ERROR % 403)
        self.cli_fails('show', base.SAMPLE, self.unique(),
                       message='not found')
        self.cli_fails('show', base.SAMPLE, str(uuid.uuid4()), '--id',
                       message=HTTP_ERROR % 404)

    def test_update_add_and_remove(self):
        name = self.unique()
        self.cli_create(name, '-l', 'list_of_str=a,b,c',
                        '-d', 'dict_of_str=x:1,y:2', '-p', 'int1=3')
        af = self.cli_artifact(
            'update', base.SAMPLE, name, '-p', 'str1=new', '-p', 'int1=4',
            '-p', 'description=some words', '-l', 'list_of_int=9,8',
            '-d', 'dict_of_int=z:5')
        self.assertEqual(('new', 4, 'some words', [9, 8], {'z': 5}),
                         (af['str1'], af['int1'], af['description'],
                          af['list_of_int'], af['dict_of_int']))
        af = self.cli_artifact(
            'update', base.SAMPLE, af['id'], '--id', '-r', 'list_of_str/0',
            '-r', 'dict_of_str/x', '-r', 'int1', '-r', 'list_of_int')
        self.assertEqual((['b', 'c'], {'y': '2'}, None, []),
                         (af['list_of_str'], af['dict_of_str'], af['int1'],
                          af['list_of_int']))
        # renaming through an update
        renamed = self.unique()
        af = self.cli_artifact('update', base.SAMPLE, name, '-p',
                               'name=' + renamed, '-p', 'version=3')
        self.assertEqual((renamed, '3.0.0'), (af['name'], af['version']))

        for args, code in ((('-r', 'name'), 400),
                           (('-p', 'int1=x'), 400),
                           (('-r', 'dict_of_str/absent'), 400),
                           (('-p', 'system_attribute=x'), 403),
                           (('-p', 'blob=x'), 400)):
            self.cli_fails('update', base.SAMPLE, renamed, *args,
                           message=HTTP_ERROR % code)

    def test_add_and_remove_tags(self):
        name = self.unique()
        self.cli_create(name)
        self.assertEqual(['t1'], self.cli_artifact(
            'add-tag', base.SAMPLE, name, 't1')['tags'])
        self.assertEqual(['t1'], self.cli_artifact(
            'add-tag', base.SAMPLE, name, 't1')['tags'])
        self.assertEqual(['t1', 't2'], self.cli_artifact(
            'add-tag', base.SAMPLE, name, 't2')['tags'])
        self.assertEqual(['t2'], self.cli_artifact(
            'remove-tag', base.SAMPLE, name, 't1')['tags'])
        self.assertEqual(['t2'], self.cli_artifact(
            'remove-tag', base.SAMPLE, name, 'absent')['tags'])
        self.cli_fails('add-tag', base.SAMPLE, name, 'a/b',
                       message=HTTP_ERROR % 400)

    def test_lifecycle(self):
        name = self.unique()
        self.cli_create(name, '-p', 'string_required=yes')
        af = self.cli_artifact('activate', base.SAMPLE, name)
        self.assertEqual('active', af['status'])
        self.assertIsNotNone(af['activated_at'])
        self.assertEqual('deactivated', self.cli_artifact(
            'deactivate', base.SAMPLE, name)['status'])
        self.assertEqual('active', self.cli_artifact(
            'reactivate', base.SAMPLE, name)['status'])
        self.assertEqual('public', self.cli_artifact(
            'publish', base.SAMPLE, name)['visibility'])

        # a project member, with a noauth token
        member = '%s:%s:member' % (self.unique('u'), self.project)
        name = self.unique()
        self.cli_create(name, token=member)
        self.cli_fails('activate', base.SAMPLE, name, token=member,
                       message=HTTP_ERROR % 403)  # string_required unset
        self.cli_artifact('update', base.SAMPLE, name, '-p',
                          'string_required=yes', token=member)
        self.assertEqual('active', self.cli_artifact(
            'activate', base.SAMPLE, name, token=member)['status'])
        self.cli_fails('publish', base.SAMPLE, name, token=member,
                       message=HTTP_ERROR % 403)
        self.cli_fails('deactivate', base.SAMPLE, name, token=member,
                       message=HTTP_ERROR % 403)
        # another project does not see it
        stranger = 'u:%s:member' % self.new_project()
        self.cli_fails('show', base.SAMPLE, name, token=stranger,
                       message='not found')

    def test_list_filters_sort_and_paging(self):
        tag = self.unique('tag')
        ids = {}
        for i, (name, version) in enumerate(
                [('n0', '1'), ('n1', '1'), ('n2', '1'), ('n3', '1'),
                 ('n4', '1'), ('n4', '2')]):
            ids[i] = self.create(name=tag + name, version=version, int1=i,
                                 tags=[tag])['id']

        def listed(*args, **kw):
            rows = self.cli_json('list', base.SAMPLE, *args, **kw)
            return [row['Id'] for row in rows]

        # the default limit (20) rows, or all of them with --limit 0
        self.assertEqual([ids[i] for i in range(6)], listed(
            '--limit', '0', '--page-size', '2', '-F', 'tags=' + tag,
            '-S', 'int1:asc'))
        pages = self.access_log('tags=%s&limit=2' % tag)
        self.assertEqual(4, len(pages), pages)  # 2 + 2 + 2 + 0 rows
        self.assertIn('?&tags=', pages[0])
        for page in pages[1:]:
            self.assertIn('&marker=', page)
            self.assertIn('-> 200', page)
        # --limit under the number of rows: the shim's fix
        self.assertEqual([ids[5], ids[4], ids[3]], listed(
            '--limit', '3', '--page-size', '2', '-F', 'tags=' + tag,
            '-S', 'int1:desc', patched=True))
        self.assertEqual([ids[3], ids[4], ids[5]], listed(
            '--limit', '0', '-F', 'tags=' + tag, '-F', 'int1=gte:3',
            '-S', 'int1:asc'))
        self.assertEqual([ids[3], ids[4], ids[5]], listed(
            '--limit', '0', '-F', 'tags=' + tag, '-S', 'int1:asc',
            '--marker', ids[2]))
        self.assertEqual([ids[i] for i in (0, 1, 2, 3, 5)], listed(
            '--limit', '0', '-F', 'tags=' + tag, '-F', 'version=latest',
            '-S', 'name:asc'))
        self.assertEqual([ids[1], ids[0]], listed(
            '--limit', '0', '-F', 'name=in:%sn0,%sn1' % (tag, tag),
            '-S', 'name:desc'))
        rows = self.cli_json('list', 'all', '--limit', '0',
                             '-F', 'name=' + tag + 'n0')
        self.assertEqual([(ids[0], base.SAMPLE)],
                         [(r['Id'], r['Type name']) for r in rows])

        self.cli_fails('list', base.SAMPLE, '--limit', '0',
                       '-S', 'no_such_key', message=HTTP_ERROR % 400)
        self.cli_fails('list', base.SAMPLE, '--limit', '0',
                       '-F', 'int1=gt:abc', message=HTTP_ERROR % 400)
        self.cli_fails('list', base.SAMPLE, '--limit', '0',
                       '--marker', str(uuid.uuid4()),
                       message=HTTP_ERROR % 404)

    def test_upload_and_download(self):
        name = self.unique()
        self.cli_create(name)
        data = os.urandom(300 * 1024)
        path = os.path.join(self.workdir, name + '.bin')
        with open(path, 'wb') as f:
            f.write(data)
        blob = self.cli_json('upload', base.SAMPLE, name, '-p', 'blob',
                             '--file', path)
        self.assertEqual(
            ('blob', len(data), hashlib.md5(data).hexdigest(),
             hashlib.sha256(data).hexdigest(), 'active', False),
            (blob['blob_property'], blob['size'], blob['md5'],
             blob['sha256'], blob['status'], blob['external']))
        copy = path + '.copy'
        self.cli('download', base.SAMPLE, name, '-p', 'blob', '--file',
                 copy, patched=True)
        with open(copy, 'rb') as f:
            self.assertEqual(data, f.read())

        # from stdin: no length known, the client sends it chunked
        text = b''.join(b'line %d\n' % i for i in range(200))  # < 2000
        key = 'dict_of_blobs/docs/notes.txt'
        blob = self.cli_json('upload', base.SAMPLE, name, '-p', key,
                             '-C', 'text/plain', stdin=text)
        self.assertEqual((len(text), 'text/plain',
                          hashlib.md5(text).hexdigest()),
                         (blob['size'], blob['content_type'], blob['md5']))
        # to stdout
        self.assertEqual(text, self.cli('download', base.SAMPLE, name,
                                        '-p', key, patched=True).stdout)

        # the type's default blob field when -p is not given
        heat = self.unique()
        self.cli_create(heat, type_name='heat_templates')
        template = b'heat_template_version: 2018-08-31\nresources: {}\n'
        blob = self.cli_json('upload', 'heat_templates', heat, '-C',
                             'application/x-yaml', stdin=template)
        self.assertEqual(('template', len(template)),
                         (blob['blob_property'], blob['size']))
        self.assertEqual(template, self.cli('download', 'heat_templates',
                                            heat, patched=True).stdout)

        self.cli_fails('upload', base.SAMPLE, name, '-p', 'small_blob',
                       '--file', path, message=HTTP_ERROR % 413)
        self.cli_fails('upload', base.SAMPLE, name, '-p', 'int1',
                       '--file', path, message=HTTP_ERROR % 400)
        self.cli_fails('download', base.SAMPLE, name, '-p', 'small_blob',
                       patched=True, message=HTTP_ERROR % 404)

    def test_external_location(self):
        name = self.unique()
        self.cli_create(name)
        data = test_locations.DATA
        url = 'http://127.0.0.1:%d/data' % self.origin.server_address[1]
        blob = self.cli_json('location', base.SAMPLE, name, '-p', 'blob',
                             '--url', url, '--md5',
                             hashlib.md5(data).hexdigest())
        self.assertEqual((url, True, len(data),
                          hashlib.sha256(data).hexdigest()),
                         (blob['url'], blob['external'], blob['size'],
                          blob['sha256']))
        # the client follows the 301 itself and checks Content-MD5
        self.assertEqual(data, self.cli('download', base.SAMPLE, name,
                                        '-p', 'blob', patched=True).stdout)
        self.cli_fails('location', base.SAMPLE, name, '-p', 'blob',
                       '--url', url, message=HTTP_ERROR % 409)

        # remove-location removes it, then the client fails to print
        # its (empty) result: exit status 1
        self.cli('remove-location', base.SAMPLE, name, '-p', 'blob',
                 expect=1)
        self.assertEqual('None', self.cli_artifact('show', base.SAMPLE,
                                                   name)['blob'])
        self.cli_fails('remove-location', base.SAMPLE, name, '-p', 'blob',
                       message=HTTP_ERROR % 404)

        self.cli_fails('location', base.SAMPLE, name, '-p', 'blob',
                       '--url', url, '--md5', '0' * 32,
                       message=HTTP_ERROR % 400)
        private = 'http://127.0.0.2:%d/data' % self.origin.server_address[1]
        self.cli_fails('location', base.SAMPLE, name, '-p', 'blob',
                       '--url', private, message=HTTP_ERROR % 400)
        self.cli_fails('location', base.SAMPLE, name, '-p', 'blob',
                       '--url', 'ftp://example.com/x',
                       message=HTTP_ERROR % 400)

    def test_delete(self):
        name = self.unique()
        af = self.cli_create(name)
        self.cli('delete', base.SAMPLE, name)
        self.cli_fails('show', base.SAMPLE, name, message='not found')
        self.cli_fails('delete', base.SAMPLE, af['id'], '--id',
                       message=HTTP_ERROR % 404)
        self.assertEqual(404, self.get(self.url(af['id']),
                                       headers=self.admin).status_code)

    def test_client_bugs_the_shim_fixes(self):
        # the unpatched client, to show what the shim is for: when a
        # release fixes these, this test fails and the shim can go
        name = self.unique()
        self.cli_create(name)
        self.cli_create(self.unique())
        self.upload_text(name)
        self.cli_fails('download', base.SAMPLE, name, '-p', 'blob',
                       message="'generator' object has no attribute 'next'")
        self.cli_fails('list', base.SAMPLE, '--limit', '1',
                       message='generator raised StopIteration')

    def upload_text(self, name):
        self.cli_json('upload', base.SAMPLE, name, '-p', 'blob',
                      stdin=b'some text')


class OpenStackCLITests(ClientMixin, base.FunctionalTest):
    """``openstack artifact ...``: every command once, through
    keystoneauth's session (the glare CLI above covers the options; the
    command code is the same)."""

    BACKEND = 'sqlite'
    PROGRAM = 'openstack'

    def test_types_and_schema(self):
        types = {row['Name'] for row in self.cli_json('type-list')}
        self.assertIn(base.SAMPLE, types)
        props = {row['Name']: row['Glare_type'] for row in
                 self.cli_json('schema', 'images')}
        self.assertEqual('Blob', props['image'])
        self.cli_fails('schema', 'no_such_type', message=HTTP_ERROR % 404)

    def test_artifact_commands(self):
        tag = self.unique('tag')
        name = self.unique()
        af = self.cli_create(name, '-V', '1.1', '-p', 'int1=7',
                             '-p', 'bool1=1', '-l', 'tags=' + tag,
                             '-d', 'dict_of_str=a:b,c:d')
        self.assertEqual((7, True, '1.1.0', {'a': 'b', 'c': 'd'}),
                         (af['int1'], af['bool1'], af['version'],
                          af['dict_of_str']))
        self.assertEqual(af['id'], self.cli_artifact(
            'show', base.SAMPLE, name)['id'])
        self.assertEqual(name, self.cli_artifact(
            'show', base.SAMPLE, af['id'], '--id')['name'])
        af = self.cli_artifact('update', base.SAMPLE, name,
                               '-p', 'string_required=yes',
                               '-r', 'dict_of_str/a', '-r', 'int1')
        self.assertEqual(('yes', {'c': 'd'}, None),
                         (af['string_required'], af['dict_of_str'],
                          af['int1']))
        self.assertEqual([tag, 'x'], self.cli_artifact(
            'add-tag', base.SAMPLE, name, 'x')['tags'])
        self.assertEqual([tag], self.cli_artifact(
            'remove-tag', base.SAMPLE, name, 'x')['tags'])
        for command, key, value in (('activate', 'status', 'active'),
                                    ('deactivate', 'status', 'deactivated'),
                                    ('reactivate', 'status', 'active'),
                                    ('publish', 'visibility', 'public')):
            self.assertEqual(value, self.cli_artifact(
                command, base.SAMPLE, name)[key], command)

        others = [self.create(name=self.unique(), tags=[tag])['id']
                  for _i in range(3)]
        rows = self.cli_json('list', base.SAMPLE, '--limit', '0',
                             '--page-size', '2', '-F', 'tags=' + tag,
                             '-S', 'created_at:asc')
        self.assertEqual([af['id']] + others, [row['Id'] for row in rows])
        self.assertEqual(3, len(self.access_log('tags=%s&limit=2' % tag)))

        self.cli('delete', base.SAMPLE, name)
        self.cli_fails('show', base.SAMPLE, af['id'], '--id',
                       message=HTTP_ERROR % 404)
        self.cli_fails('create', base.SAMPLE, self.unique(),
                       '-p', 'int1=x', message=HTTP_ERROR % 400)

    def test_blob_commands(self):
        name = self.unique()
        self.cli_create(name)
        data = os.urandom(100 * 1024)
        path = os.path.join(self.workdir, name + '.bin')
        with open(path, 'wb') as f:
            f.write(data)
        blob = self.cli_json('upload', base.SAMPLE, name, '-p', 'blob',
                             '--file', path)
        self.assertEqual((len(data), hashlib.md5(data).hexdigest()),
                         (blob['size'], blob['md5']))
        self.assertEqual(data, self.cli('download', base.SAMPLE, name,
                                        '-p', 'blob', patched=True).stdout)
        blob = self.cli_json('upload', base.SAMPLE, name,
                             '-p', 'dict_of_blobs/k', stdin=b'from stdin')
        self.assertEqual(10, blob['size'])

        other = self.create()['id']
        url = 'http://127.0.0.1:%d/data' % self.origin.server_address[1]
        blob = self.cli_json('location', base.SAMPLE, other, '--id',
                             '-p', 'blob', '--url', url)
        self.assertEqual((url, True), (blob['url'], blob['external']))
        self.assertEqual(test_locations.DATA, self.cli(
            'download', base.SAMPLE, other, '--id', '-p', 'blob',
            patched=True).stdout)
        self.cli('remove-location', base.SAMPLE, other, '--id', '-p',
                 'blob', expect=1)  # the client's own bug, after the request
        self.assertIsNone(self.show(other, headers=self.admin)['blob'])
        self.cli_fails('download', base.SAMPLE, other, '--id', '-p', 'blob',
                       patched=True, message=HTTP_ERROR % 404)
