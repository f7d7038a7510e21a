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

"""Full-text search over real HTTP (API 1.6): q= on a type's list and on
all, sort=relevance, visibility and sharing, the index following every
write, property protection, and hostile queries answered, never a 500."""

from urllib import parse

from glare.tests.functional import base


def _q(text, **params):
    return parse.urlencode(dict(params, q=text))


ANONYMOUS = {'X-Identity-Status': 'Anonymous'}


class _Words:

    def setUp(self):
        super().setUp()
        # a word of this test only: tests of a class share one server
        self.word = self.unique('w').replace('-', '')

    def ids(self, query, headers=None, type_name=base.SAMPLE):
        return self.list_ids(query, headers, type_name)


@base.with_backends
class SearchTests(_Words):

    CONFIG = {'DEFAULT': {'allow_anonymous_access': True}}

    def test_words_phrases_negation_and_or(self):
        w = self.word
        first = self.create(name='%s web server' % w,
                            description='a fast nginx build',
                            tags=['http'])
        second = self.create(name='%s web proxy' % w,
                             description='the server side of caching')
        third = self.create(name=w + ' database',
                            dict_of_str={'os': 'debian'})

        def found(text):
            return sorted(self.ids(_q(text)))
        self.assertEqual(sorted([first['id'], second['id']]),
                         found('%s web' % w))
        self.assertEqual([first['id']], found('%s "web server"' % w))
        self.assertEqual(sorted([first['id'], second['id']]),
                         found('%s server' % w))
        self.assertEqual([second['id']], found('%s web -nginx' % w))
        self.assertEqual(sorted([first['id'], third['id']]),
                         found('%s nginx or debian' % w))
        self.assertEqual([first['id']], found('%s HTTP' % w))
        # with the other filters and on the read-only view of all types
        self.assertEqual([third['id']], found('%s -web' % w))
        self.assertEqual([third['id']], self.ids(
            _q(w + ' debian'), type_name='all'))
        self.assertEqual([], self.ids(_q(w + ' debian', name='other')))
        body = self.list(_q(w, limit=1))
        self.assertEqual(3, body['total_count'])
        self.assertIn('q=' + w, body['next'])

    def test_relevance(self):
        w = self.word
        # the better matches are older: an order by date alone fails
        in_name = self.create(name=w)
        in_tags = self.create(name='tagged', tags=[w])
        in_description = self.create(name='plain', description=w)
        url = _q(w, sort='relevance')
        self.assertEqual([in_name['id'], in_tags['id'],
                          in_description['id']], self.ids(url))
        self.assertEqual([in_name['id'], in_description['id']], self.ids(
            _q(w + ' -tagged', sort='relevance')))
        first = self.list(_q(w, sort='relevance', limit=2))
        self.assertEqual([in_name['id'], in_tags['id']],
                         [a['id'] for a in first['artifacts']])
        rest = self.get(first['next'].replace('/artifacts/' + base.SAMPLE,
                                              self.url()),
                        headers=self.user).json()
        self.assertEqual([in_description['id']],
                         [a['id'] for a in rest['artifacts']])

    def test_errors(self):
        for query, message in (
                (_q('x' * 257), 'longer than 256'),
                ('q=a&q=b', 'more than once'),
                ('sort=relevance', 'relevance needs q'),
                (_q('a', sort='relevance,name'), 'only sort key'),
                (_q('a', sort='relevance:up'), 'asc or desc')):
            self.assertError(400, self.get(self.url() + '?' + query,
                                           headers=self.user), message)

    def test_hostile_queries_are_answered(self):
        self.create(name=self.word + ' c++ foo-bar')
        for text in ('c++', 'foo-bar', '"unbalanced', 'AND (', '*',
                     '-', '""', '+-~*<>()@"' * 25, 'a\x00b', '🚀 emoji',
                     'مرحبا بالعالم', '\u202eevil', "'; DROP TABLE x; --",
                     'NEAR(a b)', 'a:b', '{a b} : c', '%', '_'):
            resp = self.get(self.url() + '?' + _q(text),
                            headers=self.user)
            self.assertEqual(200, resp.status_code, base.brief(resp))
            self.assertIsInstance(resp.json()['artifacts'], list)
        self.assertEqual(1, len(self.ids(_q(self.word + ' c++ foo-bar'))))

    def test_the_index_follows_every_write(self):
        w = self.word
        af = self.create(name=w, description='alpha words')
        self.assertEqual([af['id']], self.ids(_q(w + ' alpha')))
        self.set_values(af['id'], description='beta words',
                        list_of_str=['gamma'])
        self.assertEqual([], self.ids(_q(w + ' alpha')))
        self.assertEqual([af['id']], self.ids(_q(w + ' beta gamma')))
        self.update(af['id'], [{'op': 'add', 'path': '/dict_of_str/k',
                                'value': 'delta'}])
        self.assertEqual([af['id']], self.ids(_q(w + ' delta')))
        resp = self.delete(self.url(af['id']), headers=self.user)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.assertEqual([], self.ids(_q(w)))

    def test_visibility_and_sharing(self):
        w = self.word
        other = self.auth(self.new_project('other'))
        mine = self.create(name=w + ' mine')
        public = self.create(name=w + ' public')
        self.activate(public['id'])
        self.publish(public['id'])
        self.assertEqual([public['id']], self.ids(_q(w), headers=other))
        self.assertEqual([public['id']], self.ids(_q(w), headers=ANONYMOUS))
        self.assertEqual(sorted([mine['id'], public['id']]),
                         sorted(self.ids(_q(w))))
        self.assertEqual(2, self.list(_q(w), headers=self.admin)[
            'total_count'])



@base.with_backends
class ProtectedFieldSearchTests(_Words):

    POLICY = {
        'artifact:property:sample_artifact.str1:read': 'role:admin',
        'artifact:property:sample_artifact.str1:write': '',
    }

    def test_a_protected_field_is_not_searched_for_those_who_cannot_read_it(
            self):
        w = self.word
        af = self.create(name=w, str1='hush' + w)
        self.assertEqual([], self.ids(_q('hush' + w)))
        self.assertEqual([af['id']], self.ids(_q(w)))
        self.assertEqual([af['id']], self.ids(_q('hush' + w),
                                              headers=self.admin))
