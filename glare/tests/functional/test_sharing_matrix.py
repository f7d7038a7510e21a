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

"""The sharing authorization matrix (CATALOG §1): who may do what to an
artifact of each visibility, generated from the tables below, one test per
cell (``test_<operation>_<visibility>_<caller>``).

Callers: the owner, a member whose status is pending, accepted or
rejected, a project that is no member, an admin (of another project) and
an anonymous caller. The shared artifact has the three members; the private
one had them while it was shared (the rows stay, granting nothing); the
community and public ones are active and have none. Each has a blob.

Reading cells use one set of artifacts per class; each writing cell makes
its own. Every error a caller gets for an artifact it cannot see must be
the error of an artifact that does not exist (the same document, the id
aside), and a 404 for a member row the same as for a project that is no
member.
"""

from urllib import parse
import uuid

from glare.tests.functional import base
from glare.tests.functional import test_sharing

CALLERS = ('owner', 'pending', 'accepted', 'rejected', 'other', 'admin',
           'anonymous')
MEMBERS = ('pending', 'accepted', 'rejected')
VISIBILITIES = ('private', 'shared', 'community', 'public')
ANONYMOUS = {'X-Identity-Status': 'Anonymous'}
#: the status a writing cell changes a member's to
NEXT_STATUS = {'pending': 'accepted', 'accepted': 'rejected',
               'rejected': 'accepted'}
T, F = True, False

# For each operation and visibility, the outcome for each caller, in the
# order of CALLERS:
#   owner  pending  accepted  rejected  other  admin  anonymous
_READ = {
    'private': (200, 404, 404, 404, 404, 200, 404),
    'shared': (200, 200, 200, 200, 404, 200, 404),
    'community': (200, 200, 200, 200, 200, 200, 200),
    'public': (200, 200, 200, 200, 200, 200, 200),
}
EXPECTED = {
    # GET the artifact / its blob: HTTP status
    'show': _READ,
    'download': _READ,
    # in GET /artifacts/{type}?id=<id>: listed or not
    'default_list': {
        'private': (T, F, F, F, F, T, F),
        'shared': (T, F, T, F, F, T, F),
        'community': (T, F, F, F, F, T, F),
        'public': (T, T, T, T, T, T, T),
    },
    # in ...?id=<id>&member_status=all
    'list_member_status_all': {
        'private': (T, F, F, F, F, T, F),
        'shared': (T, T, T, T, F, T, F),
        'community': (T, F, F, F, F, T, F),
        'public': (T, T, T, T, T, T, T),
    },
    # GET .../members: every row, only the caller's, none (200), or an
    # error: 403 for who sees the artifact but is neither its owner, an
    # admin nor a member
    'members_list': {
        'private': ('all', 404, 404, 404, 404, 'all', 404),
        'shared': ('all', 'own', 'own', 'own', 404, 'all', 404),
        'community': ('none', 403, 403, 403, 403, 'none', 403),
        'public': ('none', 403, 403, 403, 403, 'none', 403),
    },
    # GET .../members/{project}: the caller's own row (members), the
    # pending member's (the others)
    'member_show': {
        'private': (200, 404, 404, 404, 404, 200, 404),
        'shared': (200, 200, 200, 200, 404, 200, 404),
        'community': (404, 404, 404, 404, 404, 404, 404),
        'public': (404, 404, 404, 404, 404, 404, 404),
    },
    # GET .../members/{project} of another member
    'member_show_peer': {
        'private': (200, 404, 404, 404, 404, 200, 404),
        'shared': (200, 404, 404, 404, 404, 200, 404),
        'community': (404, 404, 404, 404, 404, 404, 404),
        'public': (404, 404, 404, 404, 404, 404, 404),
    },
    # POST .../members {"member": a new project}; anonymous callers write
    # nothing (403, as for an artifact that does not exist)
    'member_add': {
        'private': (403, 404, 404, 404, 404, 403, 403),
        'shared': (201, 403, 403, 403, 404, 201, 403),
        'community': (403, 403, 403, 403, 403, 403, 403),
        'public': (403, 403, 403, 403, 403, 403, 403),
    },
    # PUT .../members/{project} {"status": ...}: a member its own row, the
    # non-member its own project, the others the pending member's row
    # (community and public artifacts have none: 404)
    'member_update': {
        'private': (403, 404, 404, 404, 404, 403, 403),
        'shared': (403, 200, 200, 200, 404, 200, 403),
        'community': (404, 404, 404, 404, 404, 404, 403),
        'public': (404, 404, 404, 404, 404, 404, 403),
    },
    # DELETE .../members/{project}: the rows of member_update
    'member_delete': {
        'private': (204, 404, 404, 404, 404, 204, 403),
        'shared': (204, 204, 204, 204, 404, 204, 403),
        'community': (404, 404, 404, 404, 404, 404, 403),
        'public': (404, 404, 404, 404, 404, 404, 403),
    },
}

# The member row an operation names, per caller ('new': a project that is
# no member of anything)
_OWN_ROW = {'owner': 'pending', 'pending': 'pending',
            'accepted': 'accepted', 'rejected': 'rejected',
            'other': 'pending', 'admin': 'pending', 'anonymous': 'pending'}
_WRITE_ROW = dict(_OWN_ROW, other='other')
TARGET = {
    'member_show': _OWN_ROW,
    'member_show_peer': {'owner': 'accepted', 'pending': 'accepted',
                         'accepted': 'rejected', 'rejected': 'pending',
                         'other': 'accepted', 'admin': 'accepted',
                         'anonymous': 'accepted'},
    'member_add': dict.fromkeys(CALLERS, 'new'),
    'member_update': _WRITE_ROW,
    'member_delete': _WRITE_ROW,
}
WRITES = ('member_add', 'member_update', 'member_delete')


def matrix_tests(cls):
    """One test per (operation, visibility, caller) of EXPECTED."""
    for op, table in EXPECTED.items():
        for visibility in VISIBILITIES:
            for caller, expected in zip(CALLERS, table[visibility],
                                        strict=True):
                def test(self, op=op, visibility=visibility, caller=caller,
                         expected=expected):
                    self.check_cell(op, visibility, caller, expected)
                test.__name__ = 'test_%s_%s_%s' % (op, visibility, caller)
                test.__qualname__ = '%s.%s' % (cls.__qualname__,
                                               test.__name__)
                test.__doc__ = '%s on a %s artifact by %s: %s' % (
                    op, visibility, caller, expected)
                setattr(cls, test.__name__, test)
    return cls


@base.with_backends
@matrix_tests
class SharingMatrix(test_sharing.SharingHelpers):
    """The matrix, and paging through lists that mix shared artifacts in."""

    CONFIG = {'DEFAULT': {'allow_anonymous_access': True}}
    _actors = None
    _fixtures = None

    def setUp(self):
        super().setUp()
        cls = type(self)
        if cls._actors is None:
            projects = {c: self.new_project(c[:3]) for c in CALLERS
                        if c != 'anonymous'}
            headers = {c: self.auth(p) for c, p in projects.items()}
            headers['admin'] = self.auth(projects['admin'], 'admin')
            headers['anonymous'] = ANONYMOUS
            cls._actors = projects, headers
        self.projects, self.callers = cls._actors

    # -- fixtures ----------------------------------------------------------
    def build(self, visibility, data=None):
        """A new artifact of the owner in that visibility (see the module
        doc), with data in its blob."""
        owner = self.callers['owner']
        af = self.create(headers=owner, string_required='r',
                         name=self.unique('mx-' + visibility))
        if data is not None:
            resp = self.request('PUT', self.url(af['id']) + '/blob',
                                headers=owner, data=data,
                                content_type='application/octet-stream')
            self.assertEqual(200, resp.status_code, base.brief(resp))
        if visibility in ('private', 'shared'):
            self.share(af['id'], owner)
            for role in MEMBERS:
                self.add_member(af['id'], self.projects[role], owner)
                if role != 'pending':
                    self.set_status(af['id'], self.projects[role], role,
                                    self.callers[role])
            if visibility == 'private':
                self.set_values(af['id'], headers=owner,
                                visibility='private')
        else:
            self.activate(af['id'], headers=owner)
            self.set_values(af['id'], visibility=visibility, headers=(
                owner if visibility == 'community'
                else self.callers['admin']))
        shown = self.show(af['id'], headers=owner)
        self.assertEqual(visibility, shown['visibility'])
        return shown

    def fixture(self, visibility):
        """The class's artifact of that visibility, for reading cells."""
        cls = type(self)
        if cls._fixtures is None:
            cls._fixtures = {}
        if visibility not in cls._fixtures:
            cls._fixtures[visibility] = self.build(
                visibility, self.blob_data(visibility))
        return cls._fixtures[visibility]

    @staticmethod
    def blob_data(visibility):
        return ('data of the %s artifact' % visibility).encode()

    def rows(self, artifact_id):
        """{member: status}, as the admin lists them."""
        return self.statuses(artifact_id, self.callers['admin'])

    # -- one cell ------------------------------------------------------------
    def check_cell(self, op, visibility, caller, expected):
        visible = EXPECTED['show'][visibility][CALLERS.index(caller)] == 200
        if op in WRITES:
            af = self.build(visibility)
        else:
            af = self.fixture(visibility)
        getattr(self, 'cell_' + op)(af, visibility, caller, expected,
                                    visible)

    def target(self, op, caller):
        role = TARGET[op][caller]
        if role == 'new':
            return self.new_project('new')
        return self.projects[role]

    def call(self, op, artifact_id, member, caller, status=None):
        """The request of a member operation."""
        headers = self.callers[caller]
        if op == 'members_list':
            return self.get(self.members_path(artifact_id), headers=headers)
        if op == 'member_add':
            return self.post_member(artifact_id, member, headers)
        path = self.members_path(artifact_id, member)
        if op in ('member_show', 'member_show_peer'):
            return self.get(path, headers=headers)
        if op == 'member_update':
            return self.put_status(artifact_id, member, status, headers)
        return self.delete(path, headers=headers)

    def check_error(self, code, resp, op, af, member, caller, visible,
                    status=None):
        """An error: when the caller cannot see the artifact, the very
        error of an artifact that does not exist; a 404 naming a member
        row, the very 404 of a project that is no member."""
        if not visible:
            missing = str(uuid.uuid4())
            return self.assertSameError(
                code, resp, self.call(op, missing, member, caller, status),
                af['id'], missing)
        if code != 404 or op in ('members_list', 'member_add'):
            return self.assertError(code, resp)
        nobody = self.new_project('nobody')
        return self.assertSameError(
            404, resp, self.call(op, af['id'], nobody, caller, status),
            member, nobody)

    # reading
    def cell_show(self, af, visibility, caller, expected, visible):
        resp = self.get(self.url(af['id']), headers=self.callers[caller])
        if expected == 200:
            self.assertEqual(200, resp.status_code, base.brief(resp))
            body = resp.json()
            self.assertEqual((af['id'], visibility, self.projects['owner']),
                             (body['id'], body['visibility'],
                              body['owner']))
        else:
            missing = str(uuid.uuid4())
            self.assertSameError(404, resp, self.get(
                self.url(missing), headers=self.callers[caller]),
                af['id'], missing)

    def cell_download(self, af, visibility, caller, expected, visible):
        path = self.url(af['id']) + '/blob'
        resp = self.get(path, headers=self.callers[caller])
        if expected == 200:
            self.assertEqual(200, resp.status_code, base.brief(resp))
            self.assertEqual(self.blob_data(visibility), resp.content)
        else:
            missing = str(uuid.uuid4())
            self.assertSameError(404, resp, self.get(
                self.url(missing) + '/blob', headers=self.callers[caller]),
                af['id'], missing)

    def listed(self, af, caller, query, expected):
        page = self.list('id=%s%s' % (af['id'], query),
                         headers=self.callers[caller])
        ids = [a['id'] for a in page['artifacts']]
        self.assertEqual([af['id']] if expected else [], ids)
        self.assertEqual(len(ids), page['total_count'])

    def cell_default_list(self, af, visibility, caller, expected, visible):
        self.listed(af, caller, '', expected)

    def cell_list_member_status_all(self, af, visibility, caller, expected,
                                    visible):
        self.listed(af, caller, '&member_status=all', expected)

    def cell_members_list(self, af, visibility, caller, expected, visible):
        resp = self.call('members_list', af['id'], None, caller)
        if isinstance(expected, int):
            return self.check_error(expected, resp, 'members_list', af,
                                    None, caller, visible)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        docs = resp.json()['members']
        for doc in docs:
            self.assertMember(doc, af['id'], doc['member'], doc['status'])
        got = {d['member']: d['status'] for d in docs}
        if expected == 'all':
            # oldest first: in the order they were added
            self.assertEqual([(self.projects[r], r) for r in MEMBERS],
                             [(d['member'], d['status']) for d in docs])
        elif expected == 'own':
            self.assertEqual({self.projects[caller]: caller}, got)
        else:
            self.assertEqual('none', expected)
            self.assertEqual({}, got)

    def _cell_member_show(self, op, af, caller, expected, visible):
        member = self.target(op, caller)
        resp = self.call(op, af['id'], member, caller)
        if expected != 200:
            return self.check_error(expected, resp, op, af, member, caller,
                                    visible)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertMember(resp.json(), af['id'], member,
                          TARGET[op][caller])

    def cell_member_show(self, af, visibility, caller, expected, visible):
        self._cell_member_show('member_show', af, caller, expected, visible)

    def cell_member_show_peer(self, af, visibility, caller, expected,
                              visible):
        self._cell_member_show('member_show_peer', af, caller, expected,
                               visible)

    # writing: each on an artifact of its own; what the admin lists after
    # is what the answer says was done, or what was there before
    def cell_member_add(self, af, visibility, caller, expected, visible):
        before = self.rows(af['id'])
        member = self.target('member_add', caller)
        resp = self.call('member_add', af['id'], member, caller)
        if expected == 201:
            self.assertEqual(201, resp.status_code, base.brief(resp))
            self.assertMember(resp.json(), af['id'], member, 'pending')
            before[member] = 'pending'
        else:
            self.check_error(expected, resp, 'member_add', af, member,
                             caller, visible)
        self.assertEqual(before, self.rows(af['id']))

    def cell_member_update(self, af, visibility, caller, expected, visible):
        before = self.rows(af['id'])
        member = self.target('member_update', caller)
        status = NEXT_STATUS[before.get(member, 'pending')]
        resp = self.call('member_update', af['id'], member, caller, status)
        if expected == 200:
            self.assertEqual(200, resp.status_code, base.brief(resp))
            self.assertMember(resp.json(), af['id'], member, status)
            before[member] = status
        else:
            self.check_error(expected, resp, 'member_update', af, member,
                             caller, visible, status)
        self.assertEqual(before, self.rows(af['id']))

    def cell_member_delete(self, af, visibility, caller, expected, visible):
        before = self.rows(af['id'])
        member = self.target('member_delete', caller)
        resp = self.call('member_delete', af['id'], member, caller)
        if expected == 204:
            self.assertEqual(204, resp.status_code, base.brief(resp))
            self.assertEqual(b'', resp.content)
            del before[member]
        else:
            self.check_error(expected, resp, 'member_delete', af, member,
                             caller, visible)
        self.assertEqual(before, self.rows(af['id']))

    # -- paging through lists with shared artifacts ------------------------
    def pages(self, query, headers, type_name=base.SAMPLE):
        """Follow the next links from query; returns the pages."""
        pages = [self.list(query, headers, type_name)]
        while 'next' in pages[-1]:
            self.assertLess(len(pages), 30, 'paging does not end')
            nxt = pages[-1]['next']
            self.assertTrue(nxt.startswith('/artifacts/%s?' % type_name),
                            nxt)
            resp = self.get(nxt, headers=headers)
            self.assertEqual(200, resp.status_code, base.brief(resp))
            pages.append(resp.json())
        return pages

    def check_paging(self, query, headers, expected, type_name=base.SAMPLE):
        pages = self.pages(query, headers, type_name)
        ids = [a['id'] for p in pages for a in p['artifacts']]
        self.assertEqual(expected, ids, query)
        sizes = [len(p['artifacts']) for p in pages]
        # a full last page may lead to an empty one
        self.assertIn(sizes, ([1] * len(expected),
                              [1] * len(expected) + [0]), query)
        for p in pages:
            self.assertEqual(len(expected), p['total_count'], query)
            kept = dict(parse.parse_qsl(p['first'].partition('?')[2]))
            self.assertEqual(dict(parse.parse_qsl(query)), kept)

    def test_paging_with_shared_artifacts_interleaved(self):
        viewer, o1, o2, x = (self.new_project(p) for p in 'vabx')
        hv, h1, h2, hx = (self.auth(p) for p in (viewer, o1, o2, x))
        prefix = self.unique('pg')

        def make(i, headers, visibility, members=()):
            af = self.create(headers=headers, string_required='r',
                             name='%s-%02d' % (prefix, i))
            if visibility in ('community', 'public'):
                self.activate(af['id'], headers=headers)
                self.set_values(af['id'], visibility=visibility,
                                headers=self.admin if visibility == 'public'
                                else headers)
            elif visibility != 'private' or members:
                self.share(af['id'], headers)
            for project, status, hdrs in members:
                self.add_member(af['id'], project, headers)
                if status != 'pending':
                    self.set_status(af['id'], project, status, hdrs)
            if visibility == 'private' and members:
                self.set_values(af['id'], visibility='private',
                                headers=headers)
            return af['id']

        v = (viewer, 'pending', hv)
        ids = [
            make(0, hv, 'private'),
            make(1, h1, 'shared', [(viewer, 'accepted', hv)]),
            make(2, h2, 'shared', [v]),
            make(3, h1, 'private'),
            make(4, h2, 'shared', [(viewer, 'rejected', hv)]),
            make(5, hv, 'shared', [(o1, 'pending', h1)]),
            make(6, h1, 'shared', [(viewer, 'accepted', hv)]),
            make(7, h2, 'public'),
            make(8, h1, 'community'),
            make(9, h2, 'shared', [(x, 'accepted', hx)]),
            make(10, hv, 'community'),
            # shared with the viewer (accepted), then private again
            make(11, h1, 'private', [(viewer, 'accepted', hv)]),
        ]
        cases = {
            '': [0, 1, 5, 6, 7, 10],
            'member_status=accepted': [0, 1, 5, 6, 7, 10],
            'member_status=all': [0, 1, 2, 4, 5, 6, 7, 10],
            'member_status=pending': [0, 2, 5, 7, 10],
            'member_status=rejected': [0, 4, 5, 7, 10],
            'visibility=shared': [1, 5, 6],
            'visibility=shared&member_status=pending': [2, 5],
            'visibility=shared&member_status=all': [1, 2, 4, 5, 6],
            'visibility=community': [8, 10],
            'visibility=private': [0],
            'visibility=public': [7],
        }
        name = 'name=' + parse.quote('like:%s-%%' % prefix)
        for extra, expected in cases.items():
            with self.subTest(query=extra):
                query = '&'.join(filter(None, (name, extra, 'sort=name:asc',
                                               'limit=1')))
                self.check_paging(query, hv, [ids[i] for i in expected])
        # the default order (newest first), two by two
        page = self.list(name + '&limit=2', hv)
        self.assertEqual(6, page['total_count'])
        newest = [ids[i] for i in reversed(cases[''])]
        self.assertEqual(newest[:2], [a['id'] for a in page['artifacts']])
        # the all type pages the same way
        self.check_paging(name + '&member_status=all&sort=name:asc&limit=1',
                          hv, [ids[i] for i in cases['member_status=all']],
                          'all')
        # another member sees its own share only (and the public and the
        # community ones as anybody)
        self.check_paging(name + '&member_status=all&sort=name:asc&limit=1',
                          hx, [ids[i] for i in (7, 9)])

    # -- the rows a formerly shared artifact keeps -----------------------
    def test_members_of_a_formerly_shared_artifact_stay_hidden(self):
        member = self.new_project('m')
        for visibility in ('community', 'public'):
            with self.subTest(visibility=visibility):
                af = self.shared({member: 'accepted'}, string_required='r')
                self.activate(af['id'])
                self.set_values(af['id'], visibility=visibility, headers=(
                    self.admin if visibility == 'public' else self.user))
                for headers in (ANONYMOUS, self.auth(self.new_project())):
                    resp = self.get(self.members_path(af['id']),
                                    headers=headers)
                    self.assertNotIn(member, resp.text)
                    self.assertError(403, resp)

    # -- a shared artifact deleted with its members ----------------------
    def test_deleting_a_shared_artifact_removes_its_members(self):
        member = self.new_project('m')
        for deleter in (self.user, self.admin):
            af = self.shared({member: 'accepted'})
            self.add_member(af['id'], self.new_project())
            resp = self.delete(self.url(af['id']), headers=deleter)
            self.assertEqual(204, resp.status_code, base.brief(resp))
            for headers in (self.user, self.admin, self.auth(member)):
                self.assertError(404, self.get(self.url(af['id']),
                                               headers=headers))
                self.assertError(404, self.get(self.members_path(af['id']),
                                               headers=headers))
            self.assertEqual([], self.list_ids(
                'id=%s&member_status=all' % af['id'], self.auth(member)))
        # the member can be added to other artifacts as before
        again = self.shared({member: 'accepted'})
        self.assertEqual([again['id']], self.list_ids('id=' + again['id'],
                                                      self.auth(member)))
