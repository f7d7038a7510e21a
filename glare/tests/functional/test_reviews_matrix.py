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

"""Who may star, review and read the reviews of an artifact (API 1.6), over
real HTTP: the owner, a member, another project, an admin and an anonymous
caller, on private, shared and public artifacts."""

import uuid

from glare.tests.functional import base
from glare.tests.functional import test_reviews

ANONYMOUS = test_reviews.ANONYMOUS


#: callers of the matrix: the owner project, a project the shared artifact
#: is shared with (accepted), one it is not, an admin of another project
#: and an anonymous caller
CALLERS = ('owner', 'member', 'other', 'admin', 'anonymous')
#: who reads (and so lists the reviews of) an artifact of each visibility
#: as GET /artifacts/{type}/{id} decides, in the order of CALLERS
READS = {
    'private': (True, False, False, True, False),
    'shared': (True, True, False, True, False),
    'public': (True, True, True, True, True),
}


@base.with_backends
class MatrixTests(test_reviews.ReviewHelpers):
    """Who may star, review and read reviews of an artifact of each
    visibility: exactly who may read it; the others get the 404 of an
    artifact that does not exist (anonymous writers: 403, as for any
    write)."""

    CONFIG = {'DEFAULT': {'allow_anonymous_access': True}}

    def setUp(self):
        super().setUp()
        member = self.new_project('m')
        self.headers = {'owner': self.user, 'member': self.auth(member),
                        'other': self.auth(self.new_project('o')),
                        'admin': self.admin, 'anonymous': ANONYMOUS}
        self.afs = {'private': self.create(),
                    'shared': self.shared({member: 'accepted'}),
                    'public': self.public()}
        # a review by the owner on each, for the listing cells
        self.owner_review = {v: self.review(af['id'], 3)['id']
                             for v, af in self.afs.items()}

    def _expect(self, visibility, caller, ok, write=True):
        if caller == 'anonymous' and write:
            return 403
        return ok if READS[visibility][CALLERS.index(caller)] else 404

    def _check(self, resp, code, artifact_id):
        if code == 404:
            missing = str(uuid.uuid4())
            reference = self.request(resp.request.method,
                                     resp.request.path_url.replace(
                                         artifact_id, missing),
                                     headers=dict(resp.request.headers),
                                     data=resp.request.body)
            self.assertSameError(404, resp, reference, artifact_id, missing)
        elif code >= 400:
            self.assertError(code, resp)
        else:
            self.assertEqual(code, resp.status_code, base.brief(resp))

    def test_matrix(self):
        for visibility, af in self.afs.items():
            for caller in CALLERS:
                headers = self.headers[caller]
                where = '%s/%s' % (visibility, caller)
                with self.subTest(where):
                    self._check(self.put_star(af['id'], headers),
                                self._expect(visibility, caller, 204),
                                af['id'])
                    self._check(self.get(self.reviews_path(af['id']),
                                         headers=headers),
                                self._expect(visibility, caller, 200,
                                             write=False), af['id'])
                    self._check(self.get(self.reviews_path(
                        af['id'], self.owner_review[visibility]),
                        headers=headers),
                        self._expect(visibility, caller, 200, write=False),
                        af['id'])
                    if caller != 'owner':
                        self._check(self.post_review(af['id'], {'rating': 4},
                                                     headers),
                                    self._expect(visibility, caller, 201),
                                    af['id'])
                    self._check(self.del_star(af['id'], headers),
                                self._expect(visibility, caller, 204),
                                af['id'])
            readers = [c for c in CALLERS if c != 'anonymous' and
                       READS[visibility][CALLERS.index(c)]]
            self.assertEqual((0, len(readers)),
                             (self.signals(af['id'])[0],
                              self.signals(af['id'])[1]['count']),
                             visibility)
