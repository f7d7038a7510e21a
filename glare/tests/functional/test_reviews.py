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

"""Stars and reviews over real HTTP (CATALOG §5, API 1.6): the rules, bad
input and concurrent stars (the authorization matrix:
test_reviews_matrix)."""

import uuid

from glare.tests.functional import base
from glare.tests.functional import test_sharing

SAMPLE = base.SAMPLE
ANONYMOUS = {'X-Identity-Status': 'Anonymous'}
REVIEW_KEYS = {'id', 'artifact_id', 'type_name', 'user_id', 'project_id',
               'rating', 'comment', 'hidden', 'created_at', 'updated_at'}
NO_RATING = {'average': None, 'count': 0}


class ReviewHelpers(test_sharing.SharingHelpers):
    """Stars and reviews over HTTP (mixed into a base.FunctionalTest)."""

    def star_path(self, artifact_id, type_name=SAMPLE):
        return self.url(artifact_id, type_name) + '/star'

    def reviews_path(self, artifact_id, review_id=None, query='',
                     type_name=SAMPLE):
        path = self.url(artifact_id, type_name) + '/reviews'
        if review_id is not None:
            path += '/' + review_id
        return path + ('?' + query if query else '')

    def put_star(self, artifact_id, headers=None, session=None):
        return self.request('PUT', self.star_path(artifact_id),
                            headers=self.user if headers is None else headers,
                            session=session)

    def del_star(self, artifact_id, headers=None, session=None):
        return self.request('DELETE', self.star_path(artifact_id),
                            headers=self.user if headers is None else headers,
                            session=session)

    def star(self, artifact_id, headers=None):
        resp = self.put_star(artifact_id, headers)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.assertEqual(b'', resp.content)

    def stars(self, headers=None, query=''):
        resp = self.get('/stars' + ('?' + query if query else ''),
                        headers=self.user if headers is None else headers)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.json()

    def starred_ids(self, headers=None, query=''):
        return [s['artifact']['id'] for s in
                self.stars(headers, query)['stars']]

    def post_review(self, artifact_id, body, headers=None, **kw):
        return self.post(self.reviews_path(artifact_id), body,
                         headers=self.user if headers is None else headers,
                         **kw)

    def review(self, artifact_id, rating, comment=None, headers=None):
        body = {'rating': rating}
        if comment is not None:
            body['comment'] = comment
        resp = self.post_review(artifact_id, body, headers)
        self.assertEqual(201, resp.status_code, base.brief(resp))
        doc = resp.json()
        self.assertEqual(REVIEW_KEYS, set(doc), doc)
        self.assertEqual((artifact_id, SAMPLE, rating, comment, False),
                         (doc['artifact_id'], doc['type_name'],
                          doc['rating'], doc['comment'], doc['hidden']))
        return doc

    def reviews(self, artifact_id, headers=None, query=''):
        resp = self.get(self.reviews_path(artifact_id, query=query),
                        headers=self.user if headers is None else headers)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.json()

    def review_ids(self, artifact_id, headers=None):
        return [r['id'] for r in
                self.reviews(artifact_id, headers, 'limit=100')['reviews']]

    def signals(self, artifact_id, headers=None):
        doc = self.show(artifact_id, headers=headers or self.admin)
        return doc['star_count'], doc['rating']

    def user_of(self, project, name):
        return self.auth(project, user=name)

    def public(self):
        af = self.create(string_required='r')
        self.activate(af['id'])
        return self.publish(af['id'])


@base.with_backends
class StarsTests(ReviewHelpers):
    """Stars: per user, idempotent, counted on the artifact."""

    CONFIG = {'DEFAULT': {'allow_anonymous_access': True}}

    def test_star_is_per_user_and_idempotent(self):
        af = self.create()
        self.assertEqual((0, NO_RATING), self.signals(af['id']))
        self.star(af['id'])
        self.star(af['id'])  # again: nothing changes
        self.assertEqual(1, self.signals(af['id'])[0])
        # another user of the same project has a star of their own
        colleague = self.user_of(self.project, 'u-colleague')
        self.star(af['id'], colleague)
        self.assertEqual(2, self.show(af['id'])['star_count'])
        for _ in range(2):
            resp = self.del_star(af['id'])
            self.assertEqual(204, resp.status_code, base.brief(resp))
        self.assertEqual(1, self.signals(af['id'])[0])
        self.assertEqual([af['id']], self.starred_ids(colleague))
        self.assertEqual([], self.starred_ids())

    def test_stars_list_newest_first_in_pages(self):
        ids = [self.create()['id'] for _ in range(5)]
        for artifact_id in ids:
            self.star(artifact_id)
        body = self.stars(query='limit=2')
        self.assertEqual(ids[::-1][:2],
                         [s['artifact']['id'] for s in body['stars']])
        star = body['stars'][0]
        self.assertEqual({'artifact', 'starred_at'}, set(star))
        self.assertEqual(SAMPLE, star['artifact']['type_name'])
        self.assertEqual(1, star['artifact']['star_count'])
        self.assertRegex(star['starred_at'],
                         r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
        seen = []
        path = '/stars?limit=2'
        while path:
            resp = self.get(path, headers=self.user)
            self.assertEqual(200, resp.status_code, base.brief(resp))
            page = resp.json()
            seen += [s['artifact']['id'] for s in page['stars']]
            path = page.get('next')
        self.assertEqual(ids[::-1], seen)
        self.assertError(404, self.get('/stars?marker=%s' % uuid.uuid4(),
                                       headers=self.user))
        for query in ('limit=x', 'limit=-1', 'sort=name', 'limit=1&limit=2'):
            self.assertError(400, self.get('/stars?' + query,
                                           headers=self.user))
        self.assertError(405, self.request('POST', '/stars',
                                           headers=self.user))
        self.assertError(404, self.get('/stars/x', headers=self.user))

    def test_stars_list_only_what_the_caller_still_sees(self):
        member = self.new_project('m')
        member_h = self.auth(member)
        af = self.shared({member: 'accepted'})
        self.star(af['id'], member_h)
        self.assertEqual([af['id']], self.starred_ids(member_h))
        # back to private: the member's star stays, unlisted
        self.set_values(af['id'], visibility='private')
        self.assertEqual([], self.starred_ids(member_h))
        self.assertEqual(1, self.signals(af['id'])[0])
        self.share(af['id'])
        self.assertEqual([af['id']], self.starred_ids(member_h))

    def test_anonymous_callers_have_no_stars(self):
        af = self.public()
        self.assertError(403, self.put_star(af['id'], ANONYMOUS))
        self.assertError(403, self.del_star(af['id'], ANONYMOUS))
        self.assertError(403, self.get('/stars', headers=ANONYMOUS))
        self.assertEqual(0, self.signals(af['id'])[0])

    def test_star_takes_no_body_and_two_methods(self):
        af = self.create()
        resp = self.request('PUT', self.star_path(af['id']),
                            headers=self.user, json_body={'a': 1})
        self.assertError(400, resp)
        self.assertError(405, self.post(self.star_path(af['id']), {},
                                        headers=self.user))
        self.assertError(404, self.put_star(str(uuid.uuid4())))
        self.assertError(404, self.put_star('not-a-uuid'))
        self.assertError(404, self.request(
            'PUT', self.star_path(af['id']) + '/x', headers=self.user))
        self.assertEqual(0, self.signals(af['id'])[0])

    def test_sort_and_filter_on_star_count(self):
        tag = self.unique('tag')
        afs = [self.create(tags=[tag]) for _ in range(3)]
        for i, af in enumerate(afs):
            for n in range(i):
                self.star(af['id'], self.user_of(self.project, 'u%d' % n))
        query = 'tags=%s&sort=star_count:desc' % tag
        self.assertEqual([a['id'] for a in afs[::-1]], self.list_ids(query))
        self.assertEqual([a['id'] for a in afs],
                         self.list_ids('tags=%s&sort=star_count:asc' % tag))
        self.assertEqual([afs[2]['id']],
                         self.list_ids('tags=%s&star_count=gt:1' % tag))
        self.assertEqual(sorted([afs[0]['id'], afs[2]['id']]), sorted(
            self.list_ids('tags=%s&star_count=in:0,2' % tag)))
        # pages of a sorted list follow its order
        first = self.list(query + '&limit=2')
        self.assertEqual(2, len(first['artifacts']))
        rest = self.get(first['next'], headers=self.user).json()
        self.assertEqual([afs[0]['id']],
                         [a['id'] for a in rest['artifacts']])
        self.assertError(400, self.get(self.url() + '?star_count=gt:x',
                                       headers=self.user))

    def test_deleting_the_artifact_drops_its_stars_and_reviews(self):
        af = self.create()
        self.star(af['id'])
        self.review(af['id'], 4)
        resp = self.delete(self.url(af['id']), headers=self.user)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.assertEqual([], self.starred_ids())
        self.assertError(404, self.put_star(af['id']))
        self.assertError(404, self.get(self.reviews_path(af['id']),
                                       headers=self.user))

    def test_signals_are_read_only(self):
        af = self.create()
        self.star(af['id'])
        for path, value in (('/star_count', 10),
                            ('/rating', {'average': 5, 'count': 9})):
            self.assertError(403, self.patch(self.url(af['id']), [
                {'op': 'replace', 'path': path, 'value': value}],
                headers=self.admin))
        for key, value in (('star_count', 3),
                           ('rating', {'average': 5.0, 'count': 1})):
            self.assertError(403, self.post(self.url(), {
                'name': self.unique(), key: value}, headers=self.user))
        self.assertEqual((1, NO_RATING), self.signals(af['id']))

    def test_etag_follows_stars(self):
        af = self.create()
        before = self.get(self.url(af['id']), headers=self.user)
        etag = before.headers['ETag']
        self.star(af['id'])
        resp = self.get(self.url(af['id']),
                        headers=dict(self.user, **{'If-None-Match': etag}))
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual(1, resp.json()['star_count'])
        self.assertNotEqual(etag, resp.headers['ETag'])

    def test_concurrent_stars_end_at_the_exact_count(self):
        af = self.create()
        users = [self.user_of(self.project, 'c%d' % i) for i in range(50)]
        # the second half starred it before
        for headers in users[25:]:
            self.star(af['id'], headers)

        def call(verb, headers):
            def run(session):
                return (self.put_star if verb == 'PUT' else
                        self.del_star)(af['id'], headers, session)
            return run
        # each user twice: the first half stars, the second unstars
        calls = [call('PUT' if i < 25 else 'DELETE', h)
                 for i, h in enumerate(users)] * 2
        statuses = [r.status_code for r in self.fire(calls)]
        self.assertEqual([204] * 100, statuses)
        self.assertEqual(25, self.signals(af['id'])[0])
        self.assertEqual([af['id']], self.starred_ids(users[0]))
        self.assertEqual([], self.starred_ids(users[49]))


@base.with_backends
class ReviewsTests(ReviewHelpers):
    """Reviews: one per user, edited by their author, hidden by the
    artifact's owner, counted in its rating."""

    CONFIG = {'DEFAULT': {'allow_anonymous_access': True}}

    def setUp(self):
        super().setUp()
        self.af = self.public()
        self.other = self.auth(self.new_project('o'))

    def test_one_review_per_user_edited_and_deleted(self):
        mine = self.review(self.af['id'], 4, 'works')
        self.assertEqual(self.project, mine['project_id'])
        self.assertEqual('u-' + self.project, mine['user_id'])
        self.assertEqual({'average': 4.0, 'count': 1},
                         self.signals(self.af['id'])[1])
        self.assertError(409, self.post_review(self.af['id'], {'rating': 2}),
                         'reviewed artifact %s already' % self.af['id'])
        theirs = self.review(self.af['id'], 1, headers=self.other)
        self.assertEqual({'average': 2.5, 'count': 2},
                         self.signals(self.af['id'])[1])
        # the author edits (the whole review: rating and comment)
        resp = self.request('PUT', self.reviews_path(self.af['id'],
                                                     mine['id']),
                            headers=self.user, json_body={'rating': 5})
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual((5, None), (resp.json()['rating'],
                                     resp.json()['comment']))
        self.assertEqual({'average': 3.0, 'count': 2},
                         self.signals(self.af['id'])[1])
        # nobody else does, not even an admin
        for headers in (self.other, self.admin):
            self.assertError(403, self.request(
                'PUT', self.reviews_path(self.af['id'], mine['id']),
                headers=headers, json_body={'rating': 1}))
        # the author or an admin deletes; not the artifact's owner
        self.assertError(403, self.delete(
            self.reviews_path(self.af['id'], theirs['id']),
            headers=self.user))
        resp = self.delete(self.reviews_path(self.af['id'], theirs['id']),
                           headers=self.admin)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        resp = self.delete(self.reviews_path(self.af['id'], mine['id']),
                           headers=self.user)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.assertEqual(NO_RATING, self.signals(self.af['id'])[1])
        self.assertError(404, self.delete(
            self.reviews_path(self.af['id'], mine['id']), headers=self.user))
        # deleted, the user may review again
        self.review(self.af['id'], 3)

    def test_list_newest_first_in_pages(self):
        users = [self.user_of(self.project, 'r%d' % i) for i in range(5)]
        ids = [self.review(self.af['id'], 1 + i, headers=h)['id']
               for i, h in enumerate(users)]
        body = self.reviews(self.af['id'], ANONYMOUS, 'limit=2')
        self.assertEqual(ids[::-1][:2], [r['id'] for r in body['reviews']])
        seen, path = [], body['first']
        while path:
            resp = self.get(path, headers=ANONYMOUS)
            self.assertEqual(200, resp.status_code, base.brief(resp))
            seen += [r['id'] for r in resp.json()['reviews']]
            path = resp.json().get('next')
        self.assertEqual(ids[::-1], seen)
        self.assertEqual(ids[3], self.get(
            self.reviews_path(self.af['id'], ids[3]),
            headers=ANONYMOUS).json()['id'])
        for query in ('limit=x', 'marker=%s' % uuid.uuid4(), 'q=1'):
            resp = self.get(self.reviews_path(self.af['id'], query=query),
                            headers=self.user)
            self.assertIn(resp.status_code, (400, 404), base.brief(resp))
            self.assertError(resp.status_code, resp)
        self.assertEqual({'average': 3.0, 'count': 5},
                         self.signals(self.af['id'])[1])

    def test_hidden_reviews(self):
        author = self.other
        doc = self.review(self.af['id'], 1, 'spam', headers=author)
        kept = self.review(self.af['id'], 5,
                           headers=self.auth(self.new_project('k')))
        path = self.reviews_path(self.af['id'], doc['id'])
        # the author and others may not hide it; the owner project may
        for headers in (author, self.auth(self.new_project('x'))):
            self.assertError(403, self.request('PATCH', path,
                                               headers=headers,
                                               json_body={'hidden': True}))
        resp = self.request('PATCH', path, headers=self.user,
                            json_body={'hidden': True})
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertTrue(resp.json()['hidden'])
        self.assertEqual({'average': 5.0, 'count': 1},
                         self.signals(self.af['id'])[1])
        # others see it no more; its author, the owner and admins do
        for headers in (ANONYMOUS, self.auth(self.new_project('x'))):
            self.assertEqual([kept['id']],
                             self.review_ids(self.af['id'], headers))
            self.assertError(404, self.get(path, headers=headers))
        for headers in (author, self.user, self.admin):
            listed = self.reviews(self.af['id'], headers)['reviews']
            self.assertEqual([(kept['id'], False), (doc['id'], True)],
                             [(r['id'], r['hidden']) for r in listed])
        # edited by its author, it stays hidden and uncounted
        resp = self.request('PUT', path, headers=author,
                            json_body={'rating': 2, 'comment': 'sorry'})
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertTrue(resp.json()['hidden'])
        self.assertEqual({'average': 5.0, 'count': 1},
                         self.signals(self.af['id'])[1])
        # shown again by an admin: counted again
        resp = self.request('PATCH', path, headers=self.admin,
                            json_body={'hidden': False})
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual({'average': 3.5, 'count': 2},
                         self.signals(self.af['id'])[1])
        self.assertEqual(2, len(self.review_ids(self.af['id'], ANONYMOUS)))

    def test_comments_are_kept_as_sent(self):
        text = '<script>alert("x")</script> & \u00e9\u4e2d\U0001f600\n\t"\\'
        doc = self.review(self.af['id'], 3, text)
        self.assertEqual(text, doc['comment'])
        listed = self.reviews(self.af['id'], ANONYMOUS)['reviews']
        self.assertEqual(text, listed[0]['comment'])
        longest = self.review(self.af['id'], 3, 'x' * 4096,
                              headers=self.other)
        self.assertEqual(4096, len(longest['comment']))

    def test_bad_input_writes_nothing(self):
        path = self.reviews_path(self.af['id'])
        for body in ([{'rating': 3}], 'text', 3, None, {}, {'rating': 0},
                     {'rating': 6}, {'rating': '5'}, {'rating': 5.5},
                     {'rating': 4.0}, {'rating': None}, {'rating': True},
                     {'rating': 3, 'comment': 'x' * 4097},
                     {'rating': 3, 'comment': 5},
                     {'rating': 3, 'comment': ['x']},
                     {'rating': 3, 'hidden': True},
                     {'rating': 3, 'user_id': 'me'}):
            self.assertError(400, self.request('POST', path,
                                               headers=self.user,
                                               json_body=body), )
        self.assertError(400, self.request('POST', path, headers=self.user,
                                           data='{"rating": ',
                                           content_type='application/json'))
        self.assertError(400, self.request('POST', path, headers=self.user,
                                           data='{"rating": NaN}',
                                           content_type='application/json'))
        self.assertError(415, self.request('POST', path, headers=self.user,
                                           data='rating=3',
                                           content_type='text/plain'))
        self.assertEqual([], self.review_ids(self.af['id']))
        self.assertEqual(NO_RATING, self.signals(self.af['id'])[1])
        doc = self.review(self.af['id'], 2)
        one = self.reviews_path(self.af['id'], doc['id'])
        for body in ({'rating': 9}, {'comment': 'no rating'}, [],
                     {'rating': 3, 'hidden': True}):
            self.assertError(400, self.request('PUT', one,
                                               headers=self.user,
                                               json_body=body))
        for body in ({'hidden': 'yes'}, {'hidden': 1}, {}, {'hidden': None},
                     {'hidden': True, 'rating': 5}):
            self.assertError(400, self.request('PATCH', one,
                                               headers=self.user,
                                               json_body=body))
        for review_id in ('nope', str(uuid.uuid4()), 'x' * 300):
            for verb in ('GET', 'DELETE'):
                self.assertError(404, self.request(
                    verb, self.reviews_path(self.af['id'], review_id),
                    headers=self.user))
            self.assertError(404, self.request(
                'PUT', self.reviews_path(self.af['id'], review_id),
                headers=self.user, json_body={'rating': 1}))
        # a review of another artifact is no review of this one
        other_af = self.public()
        self.assertError(404, self.get(self.reviews_path(other_af['id'],
                                                         doc['id']),
                                       headers=self.user))
        self.assertError(405, self.post(one, {}, headers=self.user))
        self.assertEqual([(doc['id'], 2, False)], [
            (r['id'], r['rating'], r['hidden'])
            for r in self.reviews(self.af['id'])['reviews']])
        self.assertEqual({'average': 2.0, 'count': 1},
                         self.signals(self.af['id'])[1])

    def test_sort_and_filter_on_rating(self):
        tag = self.unique('tag')
        afs = [self.create(tags=[tag]) for _ in range(3)]
        for af, ratings in zip(afs, ((), (2, 3), (5,)), strict=True):
            for i, rating in enumerate(ratings):
                self.review(af['id'], rating,
                            headers=self.user_of(self.project, 'v%d' % i))
        ids = [a['id'] for a in afs]
        # no rating (null) last when descending, first when ascending
        self.assertEqual([ids[2], ids[1], ids[0]],
                         self.list_ids('tags=%s&sort=rating:desc' % tag))
        self.assertEqual([ids[0], ids[1], ids[2]],
                         self.list_ids('tags=%s&sort=rating:asc' % tag))
        self.assertEqual([ids[2]],
                         self.list_ids('tags=%s&rating=gte:3' % tag))
        self.assertEqual({'average': 2.5, 'count': 2},
                         self.show(ids[1])['rating'])
        self.assertError(400, self.get(self.url() + '?rating=gt:good',
                                       headers=self.user))

