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

"""Tests for the pure parts of sharing: member ids, bodies, visibility
steps, the member_status list parameter, closures' link parsing, reserved
names and who could read what."""

from oslo_config import cfg

from glare import conf as glare_conf
from glare import exception
from glare.objects import registry as type_registry
from glare.policies import artifacts as rules
from glare.services import access
from glare.services import closure
from glare.services import lifecycle
from glare.services import listing
from glare.services import sharing
from glare.tests import base
from glare.tests import sample_artifact

ID = '0b5ad3a6-5d4e-4b43-9d89-0b3b1b3c9a11'


def _conf():
    conf = cfg.ConfigOpts()
    glare_conf.register_opts(conf)
    conf(args=[], default_config_files=[], default_config_dirs=[])
    return conf


class TestMemberIds(base.TestCase):

    def test_good(self):
        for value in ('p2', 'a' * 255, '0123456789abcdef0123456789abcdef',
                      'proj-é'):
            self.assertEqual(value, sharing.member_id(value))

    def test_bad(self):
        for value in ('', None, 7, ['p'], {'p': 1}, 'a' * 256, ' p', 'p q',
                      'p\t', 'p\x00', 'p\x1b[31m', 'p\n', 'p\x85'):
            self.assertRaises(exception.BadRequest, sharing.member_id, value)


class TestBodies(base.TestCase):

    def test_object_with_the_one_key(self):
        self.assertEqual('p2', sharing._object({'member': 'p2'}, 'member',
                                               ''))

    def test_refused(self):
        for body in ([], ['member'], 'p2', None, 3, {},
                     {'member': 'p2', 'status': 'accepted'},
                     {'members': 'p2'}):
            err = self.assertRaises(exception.BadRequest, sharing._object,
                                    body, 'member', '{"member": "..."}')
            self.assertTrue(str(err))

    def test_document(self):
        import datetime
        when = datetime.datetime(2026, 1, 2, 3, 4, 5, 678)
        self.assertEqual(
            {'artifact_id': ID, 'type_name': 'images', 'member': 'p2',
             'status': 'pending', 'created_at': '2026-01-02T03:04:05Z',
             'updated_at': '2026-01-02T03:04:05Z'},
            sharing.member_document({'artifact_id': ID, 'member': 'p2',
                                     'status': 'pending', 'created_at': when,
                                     'updated_at': when}, 'images'))


class TestVisibilitySteps(base.TestCase):

    ALLOWED = {
        ('private', 'shared'): ('share', rules.UPDATE),
        ('shared', 'private'): ('unshare', rules.UPDATE),
        ('private', 'community'): ('communitize', rules.COMMUNITIZE),
        ('shared', 'community'): ('communitize', rules.COMMUNITIZE),
        ('community', 'private'): ('decommunitize', rules.DECOMMUNITIZE),
        ('community', 'shared'): ('decommunitize', rules.DECOMMUNITIZE),
        ('private', 'public'): ('publish', rules.PUBLISH),
        ('shared', 'public'): ('publish', rules.PUBLISH),
        ('community', 'public'): ('publish', rules.PUBLISH),
    }
    VALUES = ('private', 'shared', 'community', 'public')

    def test_every_pair(self):
        for old in self.VALUES:
            for new in self.VALUES:
                if old == new:
                    self.assertIsNone(lifecycle.visibility_transition(old,
                                                                      new))
                elif (old, new) in self.ALLOWED:
                    step = lifecycle.visibility_transition(old, new)
                    self.assertEqual(self.ALLOWED[(old, new)],
                                     (step.name, step.rule))
                    self.assertEqual({'visibility': new}, step.changes(None))
                else:
                    err = self.assertRaises(
                        exception.Forbidden, lifecycle.visibility_transition,
                        old, new)
                    if old == 'public':
                        self.assertIn('stays public', str(err))

    def test_community_and_public_need_active(self):
        cls = sample_artifact.SampleArtifact
        for name, new in (('communitize', 'community'),
                          ('publish', 'public')):
            step = lifecycle.visibility_transition('private', new)
            self.assertEqual(name, step.name)
            self.assertRaises(exception.Forbidden, step.check, cls,
                              {'status': 'drafted'})
            step.check(cls, {'status': 'active'})

    def test_sharing_steps_have_no_hooks(self):
        cls = sample_artifact.SampleArtifact
        for name in ('share', 'unshare', 'communitize', 'decommunitize'):
            self.assertIsNone(lifecycle.hook(cls, 'pre', name)(None, None))
        self.assertEqual(cls.pre_publish_hook,
                         lifecycle.hook(cls, 'pre', 'publish'))


class TestMemberStatusParameter(base.TestCase):

    def _spec(self, params):
        return listing.build_spec(sample_artifact.SampleArtifact.fields,
                                  params, 'sample_artifact', 'p1', False,
                                  _conf())

    def test_default_accepted(self):
        spec = self._spec([])
        self.assertIsNone(spec.member_statuses)
        self.assertFalse(spec.community)

    def test_values(self):
        for raw, want in (('pending', ('pending',)),
                          ('accepted', ('accepted',)),
                          ('rejected', ('rejected',)),
                          ('all', ('pending', 'accepted', 'rejected'))):
            self.assertEqual(want, self._spec(
                [('member_status', raw)]).member_statuses)

    def test_bad(self):
        for params in ([('member_status', 'maybe')],
                       [('member_status', '')],
                       [('member_status', 'ALL')],
                       [('member_status', 'all'),
                        ('member_status', 'accepted')]):
            self.assertRaises(exception.InvalidFilter, self._spec, params)

    def test_community_only_when_asked(self):
        for params, want in (
                ([('visibility', 'community')], True),
                ([('visibility', 'in:public,community')], True),
                ([('visibility', 'shared')], False),
                ([('visibility', 'neq:community')], False)):
            self.assertEqual(want, self._spec(params).community, params)


class TestLinks(base.TestCase):

    def test_internal_link(self):
        self.assertEqual(('images', ID), closure.internal_link(
            '/artifacts/images/' + ID.upper()))
        for link in ('http://example.com/artifacts/images/' + ID,
                     '/artifacts/images/' + ID + '/x', '/artifacts//' + ID,
                     '/artifacts/images/not-an-id'):
            self.assertIsNone(closure.internal_link(link))

    def test_links_of_every_container(self):
        fields = sample_artifact.SampleArtifact.fields
        other = '1b5ad3a6-5d4e-4b43-9d89-0b3b1b3c9a12'
        values = {
            'link1': '/artifacts/sample_artifact/' + ID,
            'list_of_links': ['/artifacts/images/' + other, None,
                              'https://example.com/x'],
            'dict_of_links': {'a': '/artifacts/sample_artifact/' + ID,
                              'b': None},
        }
        self.assertEqual(sorted([
            ('dict_of_links', 'sample_artifact', ID),
            ('link1', 'sample_artifact', ID),
            ('list_of_links', 'images', other)]),
            sorted(closure.links_of(fields, values)))


class TestReservedNames(base.TestCase):

    def test_fields_named_like_api_segments(self):
        cls = type('Bad', (sample_artifact.SampleArtifact,), {
            'fields': dict(sample_artifact.SampleArtifact.fields,
                           members=sample_artifact.SampleArtifact.fields[
                               'str1'])})
        found = type_registry.TypeRegistry._reserved('bad', cls)
        self.assertEqual(1, len(found))
        self.assertIn('members', found[0])
        self.assertIn('bad', found[0])
        self.assertEqual([], type_registry.TypeRegistry._reserved(
            'sample_artifact', sample_artifact.SampleArtifact))

    def test_type_named_import(self):
        found = type_registry.TypeRegistry._reserved(
            'import', sample_artifact.SampleArtifact)
        self.assertIn('/artifacts/import', found[0])


class TestCouldRead(base.TestCase):

    def test_table(self):
        for vis, owner, status, want in (
                ('public', 'p1', False, True),
                ('community', 'p1', False, True),
                ('private', 'p2', False, True),
                ('private', 'p1', False, False),
                ('private', 'p1', True, False),
                ('shared', 'p1', False, False),
                ('shared', 'p1', True, True),
                ('shared', 'p2', False, True)):
            self.assertEqual(want, access.project_could_read(
                {'visibility': vis, 'owner': owner}, 'p2', status),
                (vis, owner, status))
