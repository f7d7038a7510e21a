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

"""Sharing artifacts with projects (CATALOG §1, microversion 1.2), rule by
rule: visibility transitions, members, bad input, link-aware sharing,
uniqueness, /artifacts/all, the v0.1 list and /versions.

The authorization matrix (who may do what on which visibility) is in
test_sharing_matrix; the member notifications in
test_member_notifications. ``SharingHelpers`` is shared by the three.
"""

import json
from urllib import parse
import uuid

from glare.tests.functional import base

SAMPLE = base.SAMPLE
MAX_MEMBERS = 3
MEMBER_KEYS = {'artifact_id', 'type_name', 'member', 'status', 'created_at',
               'updated_at'}
STATUSES = ('pending', 'accepted', 'rejected')
ONLY_SHARED = 'only shared artifacts have members'
V01 = '/v0.1/artifacts/murano/v1'
MEDIA = 'application/vnd.openstack.artifacts-%s'


class SharingHelpers:
    """Members over HTTP, for the sharing test classes (mixed into a
    base.FunctionalTest)."""

    # -- paths -----------------------------------------------------------
    def members_path(self, artifact_id, member=None, type_name=SAMPLE,
                     query=''):
        path = '%s/members' % self.url(artifact_id, type_name)
        if member is not None:
            path += '/' + parse.quote(member, safe='')
        return path + ('?' + query if query else '')

    @staticmethod
    def link(artifact_id, type_name=SAMPLE):
        return '/artifacts/%s/%s' % (type_name, artifact_id)

    @staticmethod
    def project_of(headers):
        return headers['X-Auth-Token'].split(':')[1]

    # -- members ---------------------------------------------------------
    def post_member(self, artifact_id, member, headers=None,
                    type_name=SAMPLE, query='', **kw):
        return self.post(self.members_path(artifact_id, type_name=type_name,
                                           query=query),
                         {'member': member},
                         headers=self.user if headers is None else headers,
                         **kw)

    def add_member(self, artifact_id, member, headers=None,
                   type_name=SAMPLE, query=''):
        """POST a member (201 expected); returns the member document."""
        resp = self.post_member(artifact_id, member, headers, type_name,
                                query)
        self.assertEqual(201, resp.status_code, base.brief(resp))
        doc = resp.json()
        self.assertMember(doc, artifact_id, member, 'pending', type_name)
        return doc

    def put_status(self, artifact_id, member, status, headers,
                   type_name=SAMPLE):
        return self.request('PUT', self.members_path(artifact_id, member,
                                                     type_name),
                            headers=headers, json_body={'status': status})

    def set_status(self, artifact_id, member, status, headers=None,
                   type_name=SAMPLE):
        """The member (by default, with its own token) sets its status."""
        headers = self.auth(member) if headers is None else headers
        resp = self.put_status(artifact_id, member, status, headers,
                               type_name)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        doc = resp.json()
        self.assertMember(doc, artifact_id, member, status, type_name)
        return doc

    def members(self, artifact_id, headers=None, type_name=SAMPLE):
        """The member documents GET .../members answers (200 expected)."""
        resp = self.get(self.members_path(artifact_id, type_name=type_name),
                        headers=self.user if headers is None else headers)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        body = resp.json()
        self.assertEqual(['members'], list(body), body)
        for doc in body['members']:
            self.assertEqual(MEMBER_KEYS, set(doc), doc)
            self.assertEqual(artifact_id, doc['artifact_id'])
            self.assertEqual(type_name, doc['type_name'])
        return body['members']

    def statuses(self, artifact_id, headers=None, type_name=SAMPLE):
        """{member: status} as the owner (or headers) lists them."""
        return {m['member']: m['status']
                for m in self.members(artifact_id, headers, type_name)}

    def share(self, artifact_id, headers=None, type_name=SAMPLE):
        return self.set_values(artifact_id, headers=headers,
                               type_name=type_name, visibility='shared')

    def shared(self, members=(), headers=None, type_name=SAMPLE, **fields):
        """A new shared artifact with members {project: status} (or a
        sequence of projects, left pending)."""
        af = self.create(headers=headers, type_name=type_name, **fields)
        af = self.share(af['id'], headers, type_name)
        if not isinstance(members, dict):
            members = dict.fromkeys(members, 'pending')
        for member, status in members.items():
            self.add_member(af['id'], member, headers, type_name)
            if status != 'pending':
                self.set_status(af['id'], member, status,
                                type_name=type_name)
        return af

    def visible(self, artifact_id, headers, type_name=SAMPLE):
        """Whether headers may show the artifact (200) or not (404)."""
        resp = self.get(self.url(artifact_id, type_name), headers=headers)
        self.assertIn(resp.status_code, (200, 404), base.brief(resp))
        return resp.status_code == 200

    # -- assertions ------------------------------------------------------
    def assertMember(self, doc, artifact_id, member, status,
                     type_name=SAMPLE):
        self.assertEqual(MEMBER_KEYS, set(doc), doc)
        self.assertEqual((artifact_id, type_name, member, status),
                         (doc['artifact_id'], doc['type_name'],
                          doc['member'], doc['status']), doc)
        for key in ('created_at', 'updated_at'):
            self.assertRegex(doc[key], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$',
                             doc)
        self.assertLessEqual(doc['created_at'], doc['updated_at'])

    def assertSameError(self, code, resp, reference, real_id, other_id):
        """resp and reference are the same error document once the id
        each names (real_id, other_id) is blanked out."""
        body = self.assertError(code, resp)
        ref = self.assertError(code, reference)
        self.assertEqual(
            json.loads(json.dumps(ref).replace(other_id, '<id>')),
            json.loads(json.dumps(body).replace(real_id, '<id>')),
            'a %d naming %s differs from one naming %s' % (code, real_id,
                                                          other_id))

    def assertDependencies(self, resp, *artifacts):
        """A 409 link-aware refusal naming exactly these artifacts."""
        body = self.assertError(409, resp)
        expected = sorted(({'type_name': SAMPLE, 'id': a['id'],
                            'name': a['name'], 'version': a['version']}
                           for a in artifacts), key=lambda d: d['id'])
        self.assertEqual(expected, sorted(body.get('dependencies', []),
                                          key=lambda d: d['id']), body)
        for a in artifacts:
            message = body['error']['message']
            self.assertTrue(a['id'] in message or a['name'] in message,
                            'the 409 does not name %s: %s' % (a['id'],
                                                              message))
        return body


def murano_body(name):
    return {'name': name, 'version': '1.0.0', 'type': 'Application',
            'display_name': 'App ' + name}


def transition_tests(cls):
    """One test per (from, to) pair of cls.TRANSITIONS."""
    for source, target in cls.TRANSITIONS:
        def test(self, source=source, target=target):
            self.check_transition(source, target)
        test.__name__ = 'test_visibility_%s_to_%s' % (source, target)
        test.__qualname__ = '%s.%s' % (cls.__qualname__, test.__name__)
        test.__doc__ = 'Visibility %s -> %s by owner, admin, member and ' \
            'other, drafted and active.' % (source, target)
        setattr(cls, test.__name__, test)
    return cls


@base.with_backends
@transition_tests
class SharingTests(SharingHelpers):
    """The sharing rules one by one."""

    CONFIG = {'DEFAULT': {'delayed_delete': True},
              'sharing': {'max_members_per_artifact': MAX_MEMBERS}}

    def setUp(self):
        super().setUp()
        self.member = self.new_project('m')
        self.member_h = self.auth(self.member)
        self.other_h = self.auth(self.new_project('o'))

    def active(self, headers=None, **fields):
        af = self.create(headers=headers, string_required='r', **fields)
        return self.activate(af['id'], headers=headers)

    def change(self, artifact_id, headers, **values):
        ops = [{'op': 'replace', 'path': '/' + k, 'value': v}
               for k, v in values.items()]
        return self.patch(self.url(artifact_id), ops, headers=headers)

    # -- visibility transitions: a table ---------------------------------
    # (from, to) -> {status: codes for (owner, admin, member, other)}; the
    # member is an accepted member (its row is stale when `from` is
    # private: the artifact was shared, then made private again)
    TRANSITIONS = {
        ('private', 'shared'): {'drafted': (200, 200, 404, 404),
                                'active': (200, 200, 404, 404)},
        ('private', 'community'): {'drafted': (403, 403, 404, 404),
                                   'active': (200, 200, 404, 404)},
        ('private', 'public'): {'drafted': (403, 403, 404, 404),
                                'active': (403, 200, 404, 404)},
        ('shared', 'private'): {'drafted': (200, 200, 403, 404),
                                'active': (200, 200, 403, 404)},
        ('shared', 'community'): {'drafted': (403, 403, 403, 404),
                                  'active': (200, 200, 403, 404)},
        ('shared', 'public'): {'drafted': (403, 403, 403, 404),
                               'active': (403, 200, 403, 404)},
        ('community', 'private'): {'active': (403, 200, 403, 403)},
        ('community', 'shared'): {'active': (403, 200, 403, 403)},
        ('community', 'public'): {'active': (403, 200, 403, 403)},
        ('public', 'private'): {'active': (403, 403, 403, 403)},
        ('public', 'shared'): {'active': (403, 403, 403, 403)},
        ('public', 'community'): {'active': (403, 403, 403, 403)},
    }
    ACTORS = ('owner', 'admin', 'member', 'other')

    def artifact_in(self, visibility, status):
        """A new artifact of the test's project in that visibility and
        status, with self.member an accepted member while it was shared."""
        af = self.create(string_required='r')
        if visibility in ('private', 'shared'):
            self.share(af['id'])
            self.add_member(af['id'], self.member)
            self.set_status(af['id'], self.member, 'accepted')
        if status == 'active':
            self.activate(af['id'])
        if visibility == 'private':
            self.set_values(af['id'], visibility='private')
        elif visibility == 'community':
            self.set_values(af['id'], visibility='community')
        elif visibility == 'public':
            self.publish(af['id'])
        shown = self.show(af['id'], headers=self.admin)
        self.assertEqual((visibility, status),
                         (shown['visibility'], shown['status']))
        return shown

    def check_transition(self, source, target):
        headers = {'owner': self.user, 'admin': self.admin,
                   'member': self.member_h, 'other': self.other_h}
        for status, codes in sorted(self.TRANSITIONS[source, target].items()):
            for actor, code in zip(self.ACTORS, codes, strict=True):
                with self.subTest(status=status, actor=actor):
                    af = self.artifact_in(source, status)
                    resp = self.change(af['id'], headers[actor],
                                       visibility=target)
                    after = self.show(af['id'], headers=self.admin)
                    if code == 200:
                        self.assertEqual(200, resp.status_code,
                                         base.brief(resp))
                        self.assertEqual(target, resp.json()['visibility'])
                        self.assertEqual(target, after['visibility'])
                        self.assertEqual(status, after['status'])
                    else:
                        self.assertError(code, resp)
                        self.assertEqual(af, after)

    def test_visibility_value_checked(self):
        af = self.create()
        for value in ('Shared', 'protected', '', None, 1, ['shared']):
            with self.subTest(value=value):
                self.assertError(400, self.change(af['id'], self.user,
                                                  visibility=value))
        self.assertEqual('private', self.show(af['id'])['visibility'])

    def test_deleted_artifact_changes_nothing(self):
        # delayed_delete: the deleted artifact stays, in status deleted;
        # each attempt on an artifact of its own
        kinds = (('private', 'drafted'), ('shared', 'drafted'),
                 ('shared', 'active'), ('community', 'active'))
        for visibility, status in kinds:
            for actor, headers in (('owner', self.user),
                                   ('admin', self.admin)):
                for target in ('private', 'shared', 'community', 'public',
                               'member'):
                    if target == visibility:
                        continue
                    with self.subTest(visibility=visibility, status=status,
                                      actor=actor, target=target):
                        af = self.artifact_in(visibility, status)
                        resp = self.delete(self.url(af['id']),
                                           headers=self.user)
                        self.assertEqual(204, resp.status_code,
                                         base.brief(resp))
                        before = self.show(af['id'], headers=self.admin)
                        self.assertEqual('deleted', before['status'])
                        rows = self.statuses(af['id'], self.admin)
                        if target == 'member':
                            # sharing a deleted artifact
                            resp = self.post_member(af['id'],
                                                    self.new_project(),
                                                    headers)
                        else:
                            resp = self.change(af['id'], headers,
                                               visibility=target)
                        self.assertError(403, resp)
                        self.assertEqual(before, self.show(
                            af['id'], headers=self.admin))
                        self.assertEqual(rows, self.statuses(af['id'],
                                                             self.admin))

    # -- members kept while private --------------------------------------
    def test_private_keeps_members_granting_nothing(self):
        af = self.shared({self.member: 'accepted'})
        self.upload_blob(af['id'])
        self.assertTrue(self.visible(af['id'], self.member_h))
        self.assertEqual([af['id']], self.list_ids('id=' + af['id'],
                                                   self.member_h))
        rows = self.members(af['id'])
        self.set_values(af['id'], visibility='private')
        # the rows stay, as they were
        self.assertEqual(rows, self.members(af['id']))
        self.assertEqual(rows, self.members(af['id'], self.admin))
        # ... but grant nothing: not shown, downloaded, listed, their own
        # row is gone from their view, and leaving is not possible either
        self.assertFalse(self.visible(af['id'], self.member_h))
        self.assertError(404, self.get(self.url(af['id']) + '/blob',
                                       headers=self.member_h))
        for query in ('', '&member_status=all', '&member_status=accepted',
                      '&visibility=shared'):
            self.assertEqual([], self.list_ids('id=%s%s' % (af['id'], query),
                                               self.member_h))
            self.assertEqual([], self.list_ids('id=%s%s' % (af['id'], query),
                                               self.member_h, 'all'))
        for resp in (self.get(self.members_path(af['id']),
                              headers=self.member_h),
                     self.get(self.members_path(af['id'], self.member),
                              headers=self.member_h),
                     self.put_status(af['id'], self.member, 'rejected',
                                     self.member_h),
                     self.delete(self.members_path(af['id'], self.member),
                                 headers=self.member_h)):
            self.assertError(404, resp)
        # members cannot be added or changed on a private artifact
        body = self.assertError(403, self.post_member(
            af['id'], self.new_project()))
        self.assertIn(ONLY_SHARED, body['error']['message'])
        body = self.assertError(403, self.put_status(
            af['id'], self.member, 'rejected', self.admin))
        self.assertIn(ONLY_SHARED, body['error']['message'])
        self.assertEqual(rows, self.members(af['id']))
        # shared again: the same members, with the same status
        self.share(af['id'])
        self.assertEqual(rows, self.members(af['id']))
        self.assertTrue(self.visible(af['id'], self.member_h))
        self.assertEqual([af['id']], self.list_ids('id=' + af['id'],
                                                   self.member_h))
        resp = self.get(self.url(af['id']) + '/blob', headers=self.member_h)
        self.assertEqual(200, resp.status_code, base.brief(resp))

    def upload_blob(self, artifact_id, data=b'shared data'):
        resp = self.request('PUT', self.url(artifact_id) + '/blob',
                            headers=self.user, data=data,
                            content_type='application/octet-stream')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.json()

    def test_members_only_on_shared(self):
        private = self.create(string_required='r')
        for headers in (self.user, self.admin):
            body = self.assertError(403, self.post_member(
                private['id'], self.member, headers))
            self.assertIn(ONLY_SHARED, body['error']['message'])
        self.assertEqual([], self.members(private['id']))
        self.activate(private['id'])
        community = self.set_values(private['id'], visibility='community')
        self.assertEqual('community', community['visibility'])
        public = self.active()
        self.publish(public['id'])
        for af in (community, public):
            for headers in (self.user, self.admin):
                body = self.assertError(403, self.post_member(
                    af['id'], self.member, headers))
                self.assertIn(ONLY_SHARED, body['error']['message'])
                # no row to change: not found
                self.assertError(404, self.put_status(
                    af['id'], self.member, 'accepted', headers))
            self.assertEqual([], self.members(af['id']))
            self.assertEqual([], self.members(af['id'], self.admin))

    # -- adding members --------------------------------------------------
    def test_member_document_and_order(self):
        af = self.shared()
        projects = ['%s-%s' % (self.member, c) for c in 'cab']
        docs = [self.add_member(af['id'], p) for p in projects]
        self.assertGreaterEqual(docs[0]['created_at'], af['created_at'])
        listed = self.members(af['id'])
        # oldest first (created_at is stored finer than it is shown: the
        # member only breaks exact ties)
        self.assertEqual(docs, listed)
        self.assertEqual(listed, self.members(af['id'], self.admin))
        for doc in docs:
            resp = self.get(self.members_path(af['id'], doc['member']),
                            headers=self.user)
            self.assertEqual(200, resp.status_code, base.brief(resp))
            self.assertEqual(doc, resp.json())
        # the owner's view of the artifact is unchanged by members
        shown = self.show(af['id'])
        self.assertEqual('shared', shown['visibility'])

    def test_status_changes_by_the_member(self):
        af = self.shared([self.member])
        added = self.members(af['id'])[0]
        for status in ('accepted', 'rejected', 'pending', 'rejected',
                       'accepted', 'accepted'):
            doc = self.set_status(af['id'], self.member, status)
            self.assertEqual(added['created_at'], doc['created_at'])
            self.assertGreaterEqual(doc['updated_at'], added['updated_at'])
            self.assertEqual({self.member: status},
                             self.statuses(af['id']))
        # an admin may change it too; the owner may not
        self.assertEqual('rejected', self.set_status(
            af['id'], self.member, 'rejected', self.admin)['status'])
        self.assertError(403, self.put_status(af['id'], self.member,
                                              'accepted', self.user))
        self.assertEqual({self.member: 'rejected'}, self.statuses(af['id']))

    def test_member_sees_only_itself(self):
        peer = self.new_project('peer')
        af = self.shared({self.member: 'pending', peer: 'accepted'})
        own = self.members(af['id'], self.member_h)
        self.assertEqual([self.member], [m['member'] for m in own])
        self.assertEqual([peer], [m['member'] for m in self.members(
            af['id'], self.auth(peer))])
        # the peer's row: a 404 like a row that does not exist
        missing = self.new_project('nobody')
        for method, extra in (('GET', {}), ('DELETE', {}),
                              ('PUT', {'json_body': {'status': 'rejected'}})):
            with self.subTest(method=method):
                resp = self.request(method, self.members_path(af['id'], peer),
                                    headers=self.member_h, **extra)
                ref = self.request(method,
                                   self.members_path(af['id'], missing),
                                   headers=self.member_h, **extra)
                self.assertSameError(404, resp, ref, peer, missing)
        self.assertEqual({self.member: 'pending', peer: 'accepted'},
                         self.statuses(af['id']))

    def test_member_leaves_and_can_be_added_again(self):
        af = self.shared({self.member: 'accepted'})
        resp = self.delete(self.members_path(af['id'], self.member),
                           headers=self.member_h)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.assertEqual('', resp.text)
        self.assertEqual({}, self.statuses(af['id']))
        self.assertFalse(self.visible(af['id'], self.member_h))
        self.assertError(404, self.delete(
            self.members_path(af['id'], self.member), headers=self.user))
        doc = self.add_member(af['id'], self.member)
        self.assertEqual('pending', doc['status'])
        self.assertEqual([], self.list_ids('id=' + af['id'], self.member_h))
        # the owner and an admin remove members too
        resp = self.delete(self.members_path(af['id'], self.member),
                           headers=self.admin)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.add_member(af['id'], self.member)
        resp = self.delete(self.members_path(af['id'], self.member),
                           headers=self.user)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.assertEqual({}, self.statuses(af['id']))

    def test_any_status_reads_status_decides_listing(self):
        af = self.shared([self.member])
        self.upload_blob(af['id'], b'for members')
        ident = 'id=' + af['id']
        for status in ('pending', 'accepted', 'rejected'):
            with self.subTest(status=status):
                self.set_status(af['id'], self.member, status)
                self.assertEqual('shared', self.show(
                    af['id'], self.member_h)['visibility'])
                resp = self.get(self.url(af['id']) + '/blob',
                                headers=self.member_h)
                self.assertEqual(200, resp.status_code, base.brief(resp))
                self.assertEqual(b'for members', resp.content)
                for wanted in ('pending', 'accepted', 'rejected', 'all'):
                    listed = self.list_ids('%s&member_status=%s' % (
                        ident, wanted), self.member_h)
                    self.assertEqual(
                        [af['id']] if wanted in (status, 'all') else [],
                        listed, wanted)
                self.assertEqual([af['id']] if status == 'accepted' else [],
                                 self.list_ids(ident, self.member_h))
                self.assertEqual(
                    [af['id']] if status == 'accepted' else [],
                    self.list_ids(ident + '&visibility=shared',
                                  self.member_h))
                self.assertEqual(
                    [af['id']] if status == 'pending' else [],
                    self.list_ids(ident + '&visibility=shared&'
                                  'member_status=pending', self.member_h))
        # the owner sees its own whatever member_status says
        for wanted in ('pending', 'accepted', 'rejected', 'all'):
            self.assertEqual([af['id']], self.list_ids(
                '%s&member_status=%s' % (ident, wanted)))

    def test_bad_member_status_400(self):
        for value in ('', 'bogus', 'ACCEPTED', 'accepted,pending',
                      'in:accepted'):
            for type_name in (SAMPLE, 'all'):
                with self.subTest(value=value, type_name=type_name):
                    resp = self.get(self.url(type_name=type_name) + '?' +
                                    parse.urlencode({'member_status': value}),
                                    headers=self.member_h)
                    self.assertError(400, resp, 'member_status')

    def test_duplicate_409(self):
        af = self.shared({self.member: 'accepted'})
        before = self.members(af['id'])
        for headers in (self.user, self.admin):
            self.assertError(409, self.post_member(af['id'], self.member,
                                                   headers))
        self.assertEqual(before, self.members(af['id']))

    def test_max_members_413(self):
        af = self.shared()
        projects = [self.new_project() for _i in range(MAX_MEMBERS)]
        for p in projects:
            self.add_member(af['id'], p)
        before = self.members(af['id'])
        for headers in (self.user, self.admin):
            self.assertError(413, self.post_member(af['id'],
                                                   self.new_project(),
                                                   headers))
        self.assertEqual(before, self.members(af['id']))
        # a duplicate is still a duplicate when full
        self.assertError(409, self.post_member(af['id'], projects[0]))
        # the limit is per artifact
        self.add_member(self.shared()['id'], self.new_project())
        # a member leaving frees a place
        resp = self.delete(self.members_path(af['id'], projects[0]),
                           headers=self.auth(projects[0]))
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.add_member(af['id'], self.member)
        self.assertEqual(MAX_MEMBERS, len(self.members(af['id'])))

    def test_own_project_400(self):
        af = self.shared()
        self.assertError(400, self.post_member(af['id'], self.project))
        self.assertError(400, self.post_member(af['id'], self.project,
                                               self.admin))
        self.assertEqual([], self.members(af['id']))
        # an admin's own project is an ordinary one
        admin_project = self.project_of(self.admin)
        self.add_member(af['id'], admin_project, self.admin)

    def test_bad_member_input_4xx_nothing_written(self):
        af = self.shared({self.member: 'pending'})
        path = self.members_path(af['id'])
        before_af = self.show(af['id'])
        before = self.members(af['id'])
        fresh = self.new_project()
        cases = [
            ('non-JSON body', 400, dict(data='{"member": ', content_type=(
                'application/json'))),
            ('empty body', 400, dict(data='', content_type=(
                'application/json'))),
            ('list body', 400, dict(json_body=[{'member': fresh}])),
            ('string body', 400, dict(json_body=fresh)),
            ('null body', 400, dict(data='null',
                                    content_type='application/json')),
            ('no member', 400, dict(json_body={})),
            ('empty id', 400, dict(json_body={'member': ''})),
            ('null id', 400, dict(json_body={'member': None})),
            ('number id', 400, dict(json_body={'member': 42})),
            ('list id', 400, dict(json_body={'member': [fresh]})),
            ('10 kB id', 400, dict(json_body={'member': 'p' * 10240})),
            ('256 chars', 400, dict(json_body={'member': 'p' * 256})),
            ('NUL', 400, dict(json_body={'member': fresh + '\x00x'})),
            ('newline', 400, dict(json_body={'member': fresh + '\nx'})),
            ('tab', 400, dict(json_body={'member': '\t' + fresh})),
            ('DEL', 400, dict(json_body={'member': fresh + '\x7f'})),
            ('C1 control', 400, dict(json_body={'member': fresh + '\x85'})),
            ('extra key', 400, dict(json_body={'member': fresh,
                                               'status': 'accepted'})),
            ('other key', 400, dict(json_body={'project': fresh})),
            ('text/plain', 415, dict(data=json.dumps({'member': fresh}),
                                     content_type='text/plain')),
            ('form', 415, dict(data='member=' + fresh, content_type=(
                'application/x-www-form-urlencoded'))),
            ('json-patch', 415, dict(json_body={'member': fresh},
                                     content_type=(
                                         'application/json-patch+json'))),
            ('no content type', 415, dict(data=json.dumps(
                {'member': fresh}))),
        ]
        for name, code, kw in cases:
            with self.subTest(case=name):
                self.assertError(code, self.request('POST', path,
                                                    headers=self.user, **kw))
        for query in ('with_dependencies=maybe',
                      'with_dependencies=true&with_dependencies=false'):
            with self.subTest(query=query):
                self.assertError(400, self.post_member(af['id'], fresh,
                                                       query=query))
        # a 255-character id is fine
        long_id = 'q' * 255
        self.add_member(af['id'], long_id)
        self.assertEqual(dict({long_id: 'pending'}, **{m['member']: 'pending'
                                                       for m in before}),
                         self.statuses(af['id']))
        self.assertEqual(before_af, self.show(af['id']))

    def test_bad_status_input_4xx_nothing_written(self):
        peer = self.new_project('peer')
        af = self.shared({self.member: 'accepted', peer: 'rejected'})
        path = self.members_path(af['id'], self.member)
        before = self.members(af['id'])
        cases = [
            ('bad status', 400, dict(json_body={'status': 'approved'})),
            ('upper case', 400, dict(json_body={'status': 'Accepted'})),
            ('empty status', 400, dict(json_body={'status': ''})),
            ('null status', 400, dict(json_body={'status': None})),
            ('list status', 400, dict(json_body={'status': ['accepted']})),
            ('no status', 400, dict(json_body={})),
            ('extra key', 400, dict(json_body={'status': 'pending',
                                               'member': self.member})),
            ('list body', 400, dict(json_body=[{'status': 'pending'}])),
            ('non-JSON body', 400, dict(data='{status', content_type=(
                'application/json'))),
            ('text/plain', 415, dict(data='{"status": "pending"}',
                                     content_type='text/plain')),
        ]
        for headers in (self.member_h, self.admin):
            for name, code, kw in cases:
                with self.subTest(case=name, admin=headers is self.admin):
                    self.assertError(code, self.request(
                        'PUT', path, headers=headers, **kw))
        # someone else's status: the owner 403, a peer member 404 (it
        # cannot see that row), a stranger 404 (it cannot see the artifact)
        self.assertError(403, self.put_status(af['id'], self.member,
                                              'pending', self.user))
        self.assertError(404, self.put_status(af['id'], self.member,
                                              'pending', self.auth(peer)))
        self.assertError(404, self.put_status(af['id'], self.member,
                                              'pending', self.other_h))
        # a status for a project that is no member
        self.assertError(404, self.put_status(af['id'], self.new_project(),
                                              'accepted', self.admin))
        self.assertEqual(before, self.members(af['id']))

    def test_member_routes_of_missing_things_404(self):
        af = self.shared([self.member])
        missing = str(uuid.uuid4())
        for path in (self.members_path(missing),
                     self.members_path(missing, self.member),
                     '/artifacts/nosuchtype/%s/members' % af['id'],
                     self.members_path(af['id'], type_name='images')):
            with self.subTest(path=path):
                self.assertError(404, self.get(path, headers=self.user))
        self.assertError(404, self.post_member(missing, self.member))
        # the all type is read-only
        resp = self.post('/artifacts/all/%s/members' % af['id'],
                         {'member': self.new_project()}, headers=self.user)
        self.assertIn(resp.status_code, (403, 404, 405), base.brief(resp))
        self.assertEqual({self.member: 'pending'}, self.statuses(af['id']))

    def test_sharing_at_api_version_1_0(self):
        # everything is available at every API version
        for version in ('1.0', '1.1', '1.2'):
            with self.subTest(version=version):
                headers = dict(self.user, **{
                    'OpenStack-API-Version': 'artifact ' + version})
                af = self.shared(headers=headers)
                resp = self.post_member(af['id'], self.member, headers)
                self.assertEqual(201, resp.status_code, base.brief(resp))
                self.assertEqual('artifact ' + version,
                                 resp.headers['OpenStack-API-Version'])

    # -- link-aware sharing ----------------------------------------------
    def test_link_to_private_artifact_409_then_with_dependencies(self):
        dep = self.create(name=self.unique('dep'), version='2.0')
        af = self.shared(link1=self.link(dep['id']))
        self.assertDependencies(self.post_member(af['id'], self.member), dep)
        self.assertEqual([], self.members(af['id']))
        self.assertEqual(dep, self.show(dep['id']))
        self.assertFalse(self.visible(dep['id'], self.member_h))
        self.assertFalse(self.visible(af['id'], self.member_h))
        doc = self.add_member(af['id'], self.member,
                              query='with_dependencies=true')
        self.assertMember(doc, af['id'], self.member, 'pending')
        self.assertEqual('shared', self.show(dep['id'])['visibility'])
        self.assertEqual({self.member: 'pending'}, self.statuses(dep['id']))
        self.assertEqual({self.member: 'pending'}, self.statuses(af['id']))
        self.assertTrue(self.visible(dep['id'], self.member_h))
        self.assertTrue(self.visible(af['id'], self.member_h))

    def test_list_and_dict_of_links(self):
        dep1 = self.create()
        dep2 = self.create()
        public = self.active()
        self.publish(public['id'])
        community = self.active()
        self.set_values(community['id'], visibility='community')
        af = self.shared(
            list_of_links=[self.link(dep1['id']), self.link(public['id']),
                           'http://example.com/outside'],
            dict_of_links={'a': self.link(dep2['id']),
                           'b': self.link(dep1['id']),
                           'c': self.link(community['id'])})
        self.assertDependencies(self.post_member(af['id'], self.member),
                                dep1, dep2)
        self.assertEqual([], self.members(af['id']))
        for dep in (dep1, dep2):
            self.assertEqual('private', self.show(dep['id'])['visibility'])
        self.add_member(af['id'], self.member,
                        query='with_dependencies=true')
        for dep in (dep1, dep2):
            self.assertEqual('shared', self.show(dep['id'])['visibility'])
            self.assertEqual({self.member: 'pending'},
                             self.statuses(dep['id']))
        # what the member could read already is left alone
        for dep in (public, community):
            self.assertEqual([], self.members(dep['id']))

    def test_links_followed_transitively(self):
        deep = self.create(name=self.unique('deep'))
        mid = self.create(name=self.unique('mid'),
                          link1=self.link(deep['id']))
        af = self.shared(list_of_links=[self.link(mid['id'])])
        self.assertDependencies(self.post_member(af['id'], self.member),
                                mid, deep)
        self.add_member(af['id'], self.member,
                        query='with_dependencies=true')
        for dep in (mid, deep):
            self.assertEqual({self.member: 'pending'},
                             self.statuses(dep['id']))
            self.assertTrue(self.visible(dep['id'], self.member_h))

    def test_dependency_already_readable_by_the_member(self):
        readable = self.shared([self.member])  # pending reads too
        af = self.shared(link1=self.link(readable['id']))
        self.add_member(af['id'], self.member)
        self.assertEqual({self.member: 'pending'},
                         self.statuses(readable['id']))
        # shared, but not with this member: named, then joined
        not_yet = self.shared([self.new_project()])
        af2 = self.shared(link2=self.link(not_yet['id']))
        self.assertDependencies(self.post_member(af2['id'], self.member),
                                not_yet)
        self.add_member(af2['id'], self.member,
                        query='with_dependencies=true')
        self.assertIn(self.member, self.statuses(not_yet['id']))
        self.assertEqual(2, len(self.members(not_yet['id'])))

    def test_dependency_of_another_owner_409(self):
        theirs_h = self.auth(self.new_project('theirs'))
        # their artifact, shared with this test's project: it may link
        theirs = self.create(headers=theirs_h, name=self.unique('theirs'))
        self.share(theirs['id'], theirs_h)
        self.add_member(theirs['id'], self.project, theirs_h)
        mine = self.create(name=self.unique('mine'))
        af = self.shared(link1=self.link(theirs['id']),
                         link2=self.link(mine['id']))
        self.assertDependencies(self.post_member(af['id'], self.member),
                                theirs, mine)
        # with dependencies: the one not owned is named, nothing written
        self.assertDependencies(self.post_member(
            af['id'], self.member, query='with_dependencies=true'), theirs)
        self.assertEqual([], self.members(af['id']))
        self.assertEqual(mine, self.show(mine['id']))
        self.assertEqual({self.project: 'pending'},
                         self.statuses(theirs['id'], theirs_h))
        # once they share it with the member too, it goes through
        self.add_member(theirs['id'], self.member, theirs_h)
        self.add_member(af['id'], self.member,
                        query='with_dependencies=true')
        self.assertEqual('shared', self.show(mine['id'])['visibility'])
        self.assertEqual({self.member: 'pending'}, self.statuses(mine['id']))

    def test_link_cycle(self):
        af = self.create(name=self.unique('cycle-a'))
        dep = self.create(name=self.unique('cycle-b'),
                          link1=self.link(af['id']))
        self.update(af['id'], [{'op': 'replace', 'path': '/link1',
                                'value': self.link(dep['id'])}])
        self.share(af['id'])
        self.assertDependencies(self.post_member(af['id'], self.member), dep)
        self.add_member(af['id'], self.member,
                        query='with_dependencies=true')
        self.assertEqual({self.member: 'pending'}, self.statuses(dep['id']))
        self.assertEqual({self.member: 'pending'}, self.statuses(af['id']))
        # a link to itself
        selfish = self.shared()
        self.update(selfish['id'], [{'op': 'add', 'path': '/list_of_links/-',
                                     'value': self.link(selfish['id'])}])
        self.add_member(selfish['id'], self.member)

    # -- uniqueness ------------------------------------------------------
    def test_uniqueness_per_owner_unless_public(self):
        name = self.unique('uniq')
        first = self.shared(name=name, version='1.0')
        other_h = self.other_h
        second = self.shared(headers=other_h, name=name, version='1.0')
        self.assertEqual(('shared', 'shared'), (first['visibility'],
                                                second['visibility']))
        # the same owner: one of a name and version, whatever visibility
        self.assertError(409, self.post(self.url(), {
            'name': name, 'version': '1.0'}, headers=self.user))
        # a member of the first may have its own
        self.add_member(first['id'], self.member)
        self.set_status(first['id'], self.member, 'accepted')
        self.create(headers=self.member_h, name=name, version='1.0')
        # community: per owner too
        for headers in (self.user, other_h):
            af = self.active(headers=headers, name=name, version='2.0')
            self.assertEqual('community', self.set_values(
                af['id'], headers=headers,
                visibility='community')['visibility'])
        # public: across owners
        mine = self.active(name=name, version='3.0')
        theirs = self.active(headers=other_h, name=name, version='3.0')
        self.publish(mine['id'])
        self.assertEqual('shared', self.share(theirs['id'],
                                              other_h)['visibility'])
        self.assertError(409, self.change(theirs['id'], self.admin,
                                          visibility='public'))
        self.assertEqual('shared', self.show(theirs['id'],
                                             other_h)['visibility'])

    # -- the all type ----------------------------------------------------
    def test_all_type_shows_visibility_and_honours_member_status(self):
        af = self.shared([self.member], name=self.unique('all'))
        env = self.create(type_name='heat_environments')
        env = self.share(env['id'], type_name='heat_environments')
        self.add_member(env['id'], self.member, type_name='heat_environments')
        ids = 'id=in:%s,%s' % (af['id'], env['id'])
        both = sorted([af['id'], env['id']])
        self.assertEqual([], self.list_ids(ids, self.member_h, 'all'))
        for status in ('pending', 'all'):
            page = self.list(ids + '&member_status=' + status, self.member_h,
                             'all')
            self.assertEqual(both, sorted(a['id'] for a in page['artifacts']))
            self.assertEqual(2, page['total_count'])
            self.assertEqual({'shared'}, {a['visibility']
                                          for a in page['artifacts']})
        self.set_status(af['id'], self.member, 'accepted')
        self.assertEqual([af['id']], self.list_ids(ids, self.member_h,
                                                   'all'))
        self.assertEqual([af['id']], self.list_ids(
            ids + '&visibility=shared', self.member_h, 'all'))
        shown = self.show(af['id'], self.member_h, 'all')
        self.assertEqual(('shared', SAMPLE), (shown['visibility'],
                                              shown['type_name']))
        self.assertEqual('shared', self.show(env['id'], self.member_h,
                                             'all')['visibility'])
        self.assertError(404, self.get('/artifacts/all/' + af['id'],
                                       headers=self.other_h))
        self.assertEqual([], self.list_ids(ids + '&member_status=all',
                                           self.other_h, 'all'))

    # -- the v0.1 API ------------------------------------------------------
    def v01_ids(self, query, headers):
        token = parse.quote(headers['X-Auth-Token'], safe='')
        resp = self.get(V01 + '?' + query, headers={'X-Auth-Token': token})
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return [a['id'] for a in resp.json()['artifacts']]

    def test_murano_v01_list_shows_accepted_shares(self):
        name = 'org.example.' + self.unique('Shared').replace('-', '')
        pkg = self.create(murano_body(name), type_name='murano')
        resp = self.request('PUT', self.url(pkg['id'], 'murano') +
                            '/archive', headers=self.user,
                            data=b'zip' * 50,
                            content_type='application/octet-stream')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.set_values(pkg['id'], type_name='murano', status='active')
        self.share(pkg['id'], type_name='murano')
        query = parse.urlencode({'name': name})
        self.assertEqual([pkg['id']], self.v01_ids(query, self.user))
        self.assertEqual([], self.v01_ids(query, self.member_h))
        self.add_member(pkg['id'], self.member, type_name='murano')
        self.assertEqual([], self.v01_ids(query, self.member_h))
        # a pending member reads it by id
        token = parse.quote(self.member_h['X-Auth-Token'], safe='')
        resp = self.get('%s/%s' % (V01, pkg['id']),
                        headers={'X-Auth-Token': token})
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual('shared', resp.json()['visibility'])
        self.set_status(pkg['id'], self.member, 'accepted',
                        type_name='murano')
        self.assertEqual([pkg['id']], self.v01_ids(query, self.member_h))
        self.assertEqual([], self.v01_ids(query, self.other_h))
        self.set_values(pkg['id'], type_name='murano', visibility='private')
        self.assertEqual([], self.v01_ids(query, self.member_h))

    # -- versions ----------------------------------------------------------
    def test_microversion_1_2_advertised(self):
        resp = self.get('/versions')
        self.assertEqual(300, resp.status_code, base.brief(resp))
        statuses = {v['version']: v['status']
                    for v in resp.json()['versions']}
        # 1.2 brought sharing; later microversions come on top of it
        self.assertEqual('SUPPORTED', statuses['1.1'])
        self.assertIn(statuses['1.2'], ('SUPPORTED', 'CURRENT'))
        latest = max(statuses, key=lambda v: tuple(map(int, v.split('.'))))
        self.assertEqual('CURRENT', statuses[latest])
        for v in resp.json()['versions']:
            self.assertEqual(MEDIA % v['version'], v['media-type'])
        for headers, expected in (
                ({'OpenStack-API-Version': 'artifact 1.2'}, '1.2'),
                ({'OpenStack-API-Version': 'artifact latest'}, latest),
                ({'Accept': MEDIA % '1.2'}, '1.2'),
                ({'Accept': MEDIA % 'latest'}, latest)):
            resp = self.get('/schemas/all', headers=headers)
            self.assertEqual(200, resp.status_code, base.brief(resp))
            self.assertEqual('artifact ' + expected,
                             resp.headers['OpenStack-API-Version'])
        minor = int(latest.split('.')[1]) + 1
        resp = self.get('/schemas/all', headers={
            'OpenStack-API-Version': 'artifact 1.%d' % minor})
        self.assertError(406, resp)
