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

"""``openstack artifact member ...`` (glare/osc) against a live server.

The real ``openstack`` console script runs as a subprocess against the
class's glare-api, authenticated as in test_clients (noauth tokens
through keystoneauth's admin_token plugin), one project owning and
sharing, others as members and strangers. Visibility changes go through
python-glareclient's own ``openstack artifact update -p visibility=...``,
which these tests also show to be enough (no extra command for it).

The commands are found the way the OpenStack client finds any plugin's,
through the ``openstack.artifact.v1`` entry points. When the installed
Glare's metadata predates them (a development install not refreshed
since setup.cfg changed), :func:`entry_point_paths` writes the
dist-info pip would write for the ones it lacks, taken from setup.cfg,
to a directory put on the client's PYTHONPATH. SQLite only: the client
sees the same API whatever the database (the API's own tests cover the
backends).
"""

import configparser
import importlib.metadata
import os
import uuid

import glare
from glare.tests.functional import base
from glare.tests.functional import test_clients

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(glare.__file__)))
GROUP = 'openstack.artifact.v1'
DIST_NAME = 'glare_osc_commands'
MEMBER_FIELDS = ('artifact_id', 'type_name', 'member', 'status',
                 'created_at', 'updated_at')
LIST_HEADERS = ['Member', 'Status', 'Created at', 'Updated at']
COMMANDS = ('add', 'list', 'show', 'set', 'delete')


def declared_entry_points():
    """{name: target} of setup.cfg's openstack.artifact.v1 group."""
    config = configparser.ConfigParser()
    config.read(os.path.join(ROOT, 'setup.cfg'))
    points = {}
    for line in config.get('entry_points', GROUP).splitlines():
        if '=' in line:
            name, _eq, target = line.partition('=')
            points[name.strip()] = target.strip()
    return points


def entry_point_paths(dest):
    """PYTHONPATH entries that let the client find glare/osc's commands.

    The source tree under test, and, when the installed metadata lacks
    some of setup.cfg's entry points, a dist-info under dest declaring
    them (cliff warns about a command declared twice, so only those).
    """
    installed = {ep.name: ep.value for ep in
                 importlib.metadata.entry_points(group=GROUP)}
    missing = {name: target for name, target
               in declared_entry_points().items()
               if installed.get(name) != target}
    paths = [ROOT]
    if missing:
        info = os.path.join(dest, '%s-0.dist-info' % DIST_NAME)
        os.makedirs(info, exist_ok=True)
        with open(os.path.join(info, 'METADATA'), 'w') as f:
            f.write('Metadata-Version: 2.1\nName: %s\nVersion: 0\n'
                    % DIST_NAME)
        with open(os.path.join(info, 'entry_points.txt'), 'w') as f:
            f.write('[%s]\n' % GROUP)
            for name, target in sorted(missing.items()):
                f.write('%s = %s\n' % (name, target))
        paths.insert(0, dest)
    return paths


def client_env(env, workdir):
    """env with the PYTHONPATH of entry_point_paths."""
    paths = entry_point_paths(os.path.join(workdir, 'osc-entry-points'))
    if env.get('PYTHONPATH'):
        paths.append(env['PYTHONPATH'])
    return dict(env, PYTHONPATH=os.pathsep.join(paths))


class MemberCommandsTests(test_clients.ClientMixin, base.FunctionalTest):
    """Every ``openstack artifact member`` command, success and failure."""

    BACKEND = 'sqlite'
    PROGRAM = 'openstack'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cli_env = client_env(cls.cli_env, cls.workdir)

    def setUp(self):
        super().setUp()
        self.owner = self.token(self.project)
        self.project_b = self.new_project('b')
        self.member_b = self.token(self.project_b)

    @staticmethod
    def token(project):
        return 'u-%s:%s:member' % (project, project)

    # -- helpers -------------------------------------------------------------
    def member(self, *args, **kw):
        """openstack artifact member ARGS."""
        return self.cli('member', *args, **kw)

    def member_json(self, *args, **kw):
        return self.cli_json('member', *args, **kw)

    def member_fails(self, *args, message, **kw):
        return self.cli_fails('member', *args, message=message, **kw)

    def shared(self, name=None, **fields):
        """An artifact of the owner's, made shared through the client's
        update command."""
        af = self.create(name=name or self.unique(), **fields)
        shown = self.cli_artifact('update', base.SAMPLE, af['id'], '--id',
                                  '-p', 'visibility=shared',
                                  token=self.owner)
        self.assertEqual('shared', shown['visibility'])
        return af

    def members_url(self, artifact_id, project=None):
        path = self.url(artifact_id) + '/members'
        return path + ('/' + project if project else '')

    def api_message(self, resp, code):
        """The message of the API's error document (checked to be one)."""
        return self.assertError(code, resp)['error']['message']

    def assertMember(self, doc, af, project, status):
        self.assertEqual(set(MEMBER_FIELDS), set(doc), doc)
        self.assertEqual((af['id'], base.SAMPLE, project, status),
                         (doc['artifact_id'], doc['type_name'],
                          doc['member'], doc['status']))
        for key in ('created_at', 'updated_at'):
            self.assertTrue(doc[key], doc)

    # -- tests ---------------------------------------------------------------
    def test_commands_are_registered(self):
        declared = declared_entry_points()
        self.assertEqual({'artifact_member_%s' % c for c in COMMANDS},
                         set(declared))
        for command in COMMANDS:
            proc = self.member(command, '--help', token=self.owner)
            self.assertIn(b'usage: openstack artifact member ' +
                          command.encode(), proc.stdout)
            # each declared once (cliff warns of duplicates)
            self.assertEqual(b'', proc.stderr)

    def test_share_accept_and_leave(self):
        name = self.unique()
        af = self.shared(name)
        b = self.project_b

        added = self.member_json('add', base.SAMPLE, name, b,
                                 token=self.owner)
        self.assertMember(added, af, b, 'pending')
        self.assertEqual(added, self.show_member(af, b))

        rows = self.member_json('list', base.SAMPLE, name,
                                token=self.owner)
        self.assertEqual([dict(zip(LIST_HEADERS, (
            b, 'pending', added['created_at'], added['updated_at']),
            strict=True))], rows)
        # by id (told, or shaped like one), by the owner and the member;
        # a pending member finds it by name too
        for ref, extra, token in ((af['id'], ('--id',), self.owner),
                                  (af['id'], (), self.owner),
                                  (name, (), self.member_b),
                                  (af['id'], (), self.member_b)):
            self.assertEqual(added, self.member_json(
                'show', base.SAMPLE, ref, b, *extra, token=token))
        # pending: not in the member's default list yet
        self.assertEqual([], self.listed_ids(name, self.member_b))

        accepted = self.member_json('set', base.SAMPLE, name, b,
                                    '--status', 'accepted',
                                    token=self.member_b)
        self.assertMember(accepted, af, b, 'accepted')
        self.assertEqual('accepted', self.show_member(af, b)['status'])
        self.assertEqual([af['id']], self.listed_ids(name, self.member_b))
        # the member lists only itself; the owner sees every member
        c = self.new_project('c')
        self.member_json('add', base.SAMPLE, af['id'], c, token=self.owner)
        self.assertEqual([(b, 'accepted')], [
            (row['Member'], row['Status']) for row in self.member_json(
                'list', base.SAMPLE, name, token=self.member_b)])
        self.assertEqual([(b, 'accepted'), (c, 'pending')], [
            (row['Member'], row['Status']) for row in self.member_json(
                'list', base.SAMPLE, name, token=self.owner)])

        rejected = self.member_json('set', base.SAMPLE, name, b,
                                    '--status', 'rejected',
                                    token=self.member_b)
        self.assertEqual('rejected', rejected['status'])
        self.assertEqual([], self.listed_ids(name, self.member_b))

        # leaving: the member deletes its own membership; no output
        proc = self.member('delete', base.SAMPLE, name, b,
                           token=self.member_b)
        self.assertEqual(b'', proc.stdout)
        self.assertEqual(404, self.get(self.members_url(af['id'], b),
                                       headers=self.user).status_code)
        self.member_fails('list', base.SAMPLE, af['id'], '--id',
                          token=self.member_b, message='(HTTP 404)')
        # the owner removes the other
        self.member('delete', base.SAMPLE, af['id'], c, token=self.owner)
        self.assertEqual([], self.member_json('list', base.SAMPLE, name,
                                              token=self.owner))

    def show_member(self, af, project):
        resp = self.get(self.members_url(af['id'], project),
                        headers=self.user)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.json()

    def listed_ids(self, name, token):
        return [row['Id'] for row in self.cli_json(
            'list', base.SAMPLE, '--limit', '0', '-F', 'name=' + name,
            token=token)]

    def test_versions_pick_the_artifact(self):
        name = self.unique()
        v1 = self.shared(name, version='1.0')
        v2 = self.shared(name, version='2.0')
        b = self.project_b
        self.assertEqual(v1['id'], self.member_json(
            'add', base.SAMPLE, name, b, '-V', '1.0',
            token=self.owner)['artifact_id'])
        self.assertEqual(v2['id'], self.member_json(
            'add', base.SAMPLE, name, b, token=self.owner)['artifact_id'])
        self.assertEqual('accepted', self.member_json(
            'set', base.SAMPLE, name, b, '--artifact-version', '1',
            '--status', 'accepted', token=self.member_b)['status'])
        self.assertEqual('pending', self.show_member(v2, b)['status'])
        self.member_fails('show', base.SAMPLE, name, b, '-V', '3.0',
                          token=self.owner,
                          message='Artifact with name=%s and version=3.0 '
                                  'not found.' % name)

    def test_a_name_two_artifacts_share(self):
        # the member's own artifact and one shared with it, same name and
        # version: the lookup lists both and asks for an id
        name = self.unique()
        af = self.shared(name, version='1.0')
        own = self.create(name=name, version='1.0',
                          headers=self.auth(self.project_b))
        self.member_json('add', base.SAMPLE, name, self.project_b,
                         token=self.owner)
        stderr = self.member_fails(
            'show', base.SAMPLE, name, self.project_b, token=self.member_b,
            message='More than one artifact has name=%s and version=latest'
                    % name)
        self.assertIn(af['id'], stderr)
        self.assertIn(own['id'], stderr)
        self.assertEqual('pending', self.member_json(
            'show', base.SAMPLE, af['id'], self.project_b, '--id',
            token=self.member_b)['status'])
        # a higher version of the name, shared with B: "latest" is that
        # one; 1.0 stays ambiguous
        newer = self.shared(name, version='2.0')
        self.member_json('add', base.SAMPLE, newer['id'], self.project_b,
                         token=self.owner)
        self.assertEqual(newer['id'], self.member_json(
            'show', base.SAMPLE, name, self.project_b,
            token=self.member_b)['artifact_id'])
        self.member_fails('show', base.SAMPLE, name, self.project_b,
                          '-V', '1.0', token=self.member_b,
                          message='More than one artifact has name=%s and '
                                  'version=1.0' % name)

    def test_refusals_print_the_api_message(self):
        name = self.unique()
        af = self.shared(name)
        url = self.members_url(af['id'])

        # own project, empty id: 400 with the API's message
        for project in (self.project, ''):
            message = self.api_message(self.post(
                url, {'member': project}, headers=self.user), 400)
            self.member_fails('add', base.SAMPLE, name, project,
                              token=self.owner,
                              message='%s (HTTP 400)' % message)
        # a duplicate: 409
        self.member_json('add', base.SAMPLE, name, self.project_b,
                         token=self.owner)
        message = self.api_message(self.post(
            url, {'member': self.project_b}, headers=self.user), 409)
        self.member_fails('add', base.SAMPLE, name, self.project_b,
                          token=self.owner, message='%s (HTTP 409)' % message)
        # the owner cannot accept for the member: 403
        message = self.api_message(self.request(
            'PUT', self.members_url(af['id'], self.project_b),
            headers=self.user, json_body={'status': 'accepted'}), 403)
        self.member_fails('set', base.SAMPLE, name, self.project_b,
                          '--status', 'accepted', token=self.owner,
                          message='%s (HTTP 403)' % message)
        # a project that is no member: 404 for show, set and delete
        unknown = self.new_project('unknown')
        message = self.api_message(self.get(
            self.members_url(af['id'], unknown), headers=self.user), 404)
        for args in (('show',), ('delete',),
                     ('set', '--status', 'accepted')):
            self.member_fails(args[0], base.SAMPLE, name, unknown,
                              *args[1:], token=self.owner,
                              message='%s (HTTP 404)' % message)
        # a status the API does not have: the client refuses it
        proc = self.member('set', base.SAMPLE, name, self.project_b,
                           '--status', 'maybe', token=self.member_b,
                           expect=2)
        self.assertIn(b"invalid choice: 'maybe'", proc.stderr)
        self.assertEqual('pending',
                         self.show_member(af, self.project_b)['status'])

    def test_only_shared_artifacts_have_members(self):
        name = self.unique()
        af = self.create(name=name)  # private
        message = self.api_message(self.post(
            self.members_url(af['id']), {'member': self.project_b},
            headers=self.user), 403)
        self.assertIn('only shared artifacts have members', message.lower())
        self.member_fails('add', base.SAMPLE, name, self.project_b,
                          token=self.owner, message='%s (HTTP 403)' % message)

    def test_strangers_find_nothing(self):
        name = self.unique()
        af = self.shared(name)
        self.member_json('add', base.SAMPLE, name, self.project_b,
                         token=self.owner)
        stranger = self.token(self.new_project('s'))
        # by name: the lookup finds nothing; by id: the API's 404, the
        # same as for an artifact that does not exist
        self.member_fails('list', base.SAMPLE, name, token=stranger,
                          message='Artifact with name=%s and version=latest '
                                  'not found.' % name)
        ghost = str(uuid.uuid4())
        missing = self.api_message(self.get(
            self.members_url(ghost), headers=self.user), 404)
        for args in (('list',), ('add', 'x'), ('show', self.project_b),
                     ('set', self.project_b, '--status', 'accepted'),
                     ('delete', self.project_b)):
            errors = {}
            for ref in (af['id'], ghost):
                errors[ref] = self.member_fails(
                    args[0], base.SAMPLE, ref, '--id', *args[1:],
                    token=stranger, message='(HTTP 404)').replace(
                        ref, 'ID').split(' (Request-ID: ')[0]
            # no telling an artifact one may not see from a missing one
            self.assertEqual(errors[ghost], errors[af['id']], args)
            self.assertNotIn(self.project_b, errors[af['id']])
            if args[0] == 'list':
                self.assertIn('%s (HTTP 404)' % missing.replace(
                    ghost, 'ID'), errors[ghost])

    def test_with_dependencies(self):
        dep = self.create(name=self.unique())  # private, the owner's
        link = '/artifacts/%s/%s' % (base.SAMPLE, dep['id'])
        name = self.unique()
        af = self.shared(name, link1=link)
        b = self.project_b
        stderr = self.member_fails('add', base.SAMPLE, name, b,
                                   token=self.owner, message='(HTTP 409)')
        self.assertIn(dep['id'], stderr)
        self.assertIn('--with-dependencies', stderr)
        self.assertEqual(404, self.get(self.url(dep['id']),
                                       headers=self.auth(b)).status_code)

        added = self.member_json('add', base.SAMPLE, name, b,
                                 '--with-dependencies', token=self.owner)
        self.assertMember(added, af, b, 'pending')
        self.assertEqual('shared', self.show(dep['id'])['visibility'])
        self.assertEqual(b, self.show_member(dep, b)['member'])
        self.assertEqual(200, self.get(self.url(dep['id']),
                                       headers=self.auth(b)).status_code)

    def test_visibility_through_the_update_command(self):
        # python-glareclient's update already changes visibility: shared,
        # private again, community once active
        name = self.unique()
        self.create(name=name, string_required='yes')
        for value, token in (('shared', self.owner),
                             ('private', self.owner)):
            self.assertEqual(value, self.cli_artifact(
                'update', base.SAMPLE, name, '-p', 'visibility=' + value,
                token=token)['visibility'])
        self.cli_artifact('activate', base.SAMPLE, name, token=self.owner)
        self.assertEqual('community', self.cli_artifact(
            'update', base.SAMPLE, name, '-p', 'visibility=community',
            token=self.owner)['visibility'])
        self.cli_fails('update', base.SAMPLE, name, '-p',
                       'visibility=private', token=self.owner,
                       message='(HTTP 403)')
