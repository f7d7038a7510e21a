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

"""Listing artifacts: filters, sorting, paging and links (SPEC §7).

Every test works in a project of its own and nothing in this class is
made public, so a plain list shows exactly the test's own artifacts.
"""

import datetime
from urllib import parse
import uuid

from glare.tests.functional import base

DEFAULT_LIMIT = 3
MAX_LIMIT = 10


def q(*pairs, **kwargs):
    """A query string from (name, value) pairs (repeats kept)."""
    return parse.urlencode(list(pairs) + list(kwargs.items()))


@base.with_backends
class ListTests:

    CONFIG = {'DEFAULT': {'default_api_limit': DEFAULT_LIMIT,
                          'max_api_limit': MAX_LIMIT}}

    def make(self, *bodies, **common):
        """Create one artifact per body (in order); returns them."""
        return [self.create(dict(common, **b)) for b in bodies]

    def values(self, query, field, headers=None):
        page = self.list(query, headers)
        return [a[field] for a in page['artifacts']]

    def names(self, query, headers=None):
        return sorted(self.values(query, 'name', headers))

    def bad(self, query, code=400, headers=None, type_name=base.SAMPLE):
        resp = self.get(self.url(type_name=type_name) + '?' + query,
                        headers=self.user if headers is None else headers)
        return self.assertError(code, resp)

    # -- operators ---------------------------------------------------------
    def test_integer_operators(self):
        self.make(*[{'int1': i} for i in (4, 2, 5, 1, 3)])
        for expr, expected in (('3', [3]), ('eq:3', [3]),
                               ('neq:3', [1, 2, 4, 5]),
                               ('in:1,3,5', [1, 3, 5]), ('in:2', [2]),
                               ('gt:3', [4, 5]), ('gte:3', [3, 4, 5]),
                               ('lt:3', [1, 2]), ('lte:3', [1, 2, 3]),
                               ('gt:5', [])):
            self.assertEqual(expected, self.values(
                q(('int1', expr), sort='int1:asc', limit=MAX_LIMIT),
                'int1'), expr)

    def test_float_operators(self):
        self.make(*[{'float1': f} for f in (1.5, 0.5, 2.5)])
        for expr, expected in (('2.5', [2.5]), ('gt:1.0', [1.5, 2.5]),
                               ('lte:1.5', [0.5, 1.5]),
                               ('neq:0.5', [1.5, 2.5]),
                               ('in:0.5,2.5', [0.5, 2.5]),
                               ('lt:0', [])):
            self.assertEqual(expected, self.values(
                q(('float1', expr), sort='float1:asc'), 'float1'), expr)

    def test_string_operators(self):
        self.make(*[{'str1': s} for s in ('apple', 'apricot', 'banana',
                                          'a,b', 'q"uote')])
        for expr, expected in (
                ('banana', ['banana']), ('eq:banana', ['banana']),
                ('neq:banana', ['a,b', 'apple', 'apricot', 'q"uote']),
                ('like:ap%', ['apple', 'apricot']),
                ('like:%an%', ['banana']),
                ('like:%', ['a,b', 'apple', 'apricot', 'banana', 'q"uote']),
                ('in:apple,banana', ['apple', 'banana']),
                ('in:"a,b",banana', ['a,b', 'banana']),
                ('in:"q""uote",apple', ['apple', 'q"uote']),
                ('in:a,b', []), ('eq:a,b', ['a,b'])):
            self.assertEqual(expected, self.values(
                q(('str1', expr), sort='str1:asc', limit=MAX_LIMIT),
                'str1'), expr)

    def test_like_and_eq_are_case_sensitive(self):
        # the same answer on every backend: SQLite's LIKE ignores ASCII
        # case unless told otherwise, PostgreSQL's and MySQL's (binary
        # collation) do not
        self.make({'str1': 'Apple', 'name': 'Name-' + self.unique()},
                  {'str1': 'apple', 'name': 'name-' + self.unique()})
        self.assertEqual(['Apple'], self.values(q(str1='like:A%'), 'str1'))
        self.assertEqual(['apple'], self.values(q(str1='like:ap%'),
                                                'str1'))
        self.assertEqual([], self.values(q(str1='like:APPLE'), 'str1'))
        self.assertEqual(['Apple'], self.values(q(str1='Apple'), 'str1'))
        self.assertEqual(['Apple'], self.values(q(name='like:Name-%'),
                                                'str1'))
        self.assertEqual([], self.values(q(name='like:NAME-%'), 'str1'))

    def test_name_operators(self):
        prefix = self.unique('n')
        self.make(*[{'name': '%s-%s' % (prefix, s)} for s in 'abc'])
        self.assertEqual(['%s-a' % prefix, '%s-b' % prefix], self.names(
            q(name='in:%s-a,%s-b' % (prefix, prefix))))
        self.assertEqual(['%s-b' % prefix], self.names(
            q(name='%s-b' % prefix)))
        self.assertEqual(['%s-a' % prefix, '%s-c' % prefix], self.names(
            q(name='neq:%s-b' % prefix)))
        self.assertEqual(3, len(self.names(q(name='like:%s-%%' % prefix))))

    def test_in_with_quotes_on_names(self):
        self.make({'name': 'x,y'}, {'name': 'z'}, {'name': 'say "hi"'})
        self.assertEqual(['x,y', 'z'], self.names(q(name='in:"x,y",z')))
        self.assertEqual(['say "hi"'], self.names(
            q(name='in:"say ""hi"""')))

    def test_and_or_combiners(self):
        self.make(*[{'int1': i, 'str1': 'x' if i <= 2 else 'y'}
                    for i in (1, 2, 3, 4, 5)])
        for pairs, expected in (
                ([('int1', 'or:1'), ('int1', 'or:5')], [1, 5]),
                ([('int1', 'or:eq:1'), ('int1', 'or:gt:4')], [1, 5]),
                ([('int1', 'and:gt:1'), ('int1', 'and:lt:4')], [2, 3]),
                ([('int1', 'gt:1'), ('int1', 'lt:4')], [2, 3]),
                ([('str1', 'x'), ('int1', 'or:2'), ('int1', 'or:3')], [2]),
                ([('str1', 'or:x'), ('int1', 'or:5')], [1, 2, 5]),
                ([('int1', 'or:in:1,2'), ('int1', 'or:4'),
                  ('str1', 'and:y')], [4])):
            self.assertEqual(expected, self.values(
                q(*pairs, sort='int1:asc', limit=MAX_LIMIT), 'int1'),
                pairs)

    def test_bad_operator_400(self):
        self.create(int1=1, str1='s')
        for pair in (('int1', 'like:1'), ('str1', 'gt:a'),
                     ('name', 'gt:a'), ('bool1', 'neq:true'),
                     ('visibility', 'like:p%'), ('description', 'x'),
                     ('created_at', 'gte:2020-01-01'),
                     ('list_validators', 'a'), ('dict_validators', 'abc'),
                     ('list_of_int', 'gt:1'), ('dict_of_int.n', 'gt:5'),
                     ('int1', 'xx:1'), ('tags', 'gt:a')):
            body = self.bad(q(pair))
            self.assertIn(pair[0].partition('.')[0], body['error'][
                'message'], pair)

    def test_bad_filter_values_400(self):
        self.create()
        for pair in (('int1', 'abc'), ('int1', 'gt:1.5'),
                     ('int1', 'gt:99999999999999999999'),
                     ('float1', 'nan'), ('float1', 'gt:inf'),
                     ('float1', 'x'), ('bool1', 'maybe'),
                     ('created_at', 'gt:yesterday'), ('version', 'gt:abc'),
                     ('int_validators', '5'), ('string_validators', 'zz'),
                     ('list_of_int', 'abc'), ('dict_of_int.n', 'abc'),
                     ('int1', 'in:1,x'), ('id', 'in:"a'),
                     ('nope', '1'), ('blob', 'x'), ('dict_of_blobs', 'a'),
                     ('list_of_str.k', 'x'), ('int1.k', '1')):
            self.bad(q(pair))

    def test_nul_in_filter_values_400(self):
        # no stored string holds NUL (create refuses it): a filter value
        # with one is a bad value like any other, not a database error
        self.create(tags=['a'], metadata={'k': 'v'}, str1='s')
        wrong = []
        for pair in (('tags', '\x00'), ('tags', 'a,\x00'),
                     ('tags-any', '\x00'), ('str1', 'like:\x00'),
                     ('name', 'like:a\x00%'), ('str1', 'in:s,\x00'),
                     ('metadata', '\x00'), ('metadata', 'in:k,\x00'),
                     ('dict_of_str', '\x00'), ('metadata.\x00', 'v'),
                     ('metadata.k', '\x00'), ('list_of_str', '\x00'),
                     ('owner', 'like:\x00')):
            resp = self.get(self.url() + '?' + q(pair), headers=self.user)
            if resp.status_code != 400:
                wrong.append((pair, resp.status_code))
            else:
                self.assertError(400, resp)
        self.assertEqual([], wrong, 'filters answered other than 400')

    def test_four_byte_utf8_filter_values(self):
        smile = '\U0001F600'
        self.create(str1='s', tags=['t'], metadata={'k': 'v'})
        wrong = []
        for pair in (('str1', smile), ('str1', 'in:s,' + smile),
                     ('str1', 'like:%' + smile), ('tags', smile),
                     ('tags-any', 't,' + smile), ('metadata', smile),
                     ('metadata.k', smile), ('name', smile)):
            resp = self.get(self.url() + '?' + q(pair), headers=self.user)
            expected = 1 if pair[1].startswith(('in:s', 't,')) else 0
            if resp.status_code != 200:
                wrong.append((pair, resp.status_code))
            else:
                self.assertEqual(expected, resp.json()['total_count'], pair)
        self.assertEqual([], wrong, 'filters answered other than 200')

    # -- containers, tags ------------------------------------------------
    def test_tags(self):
        a, b, c, d = self.make({'tags': ['a', 'b']}, {'tags': ['a']},
                               {'tags': ['c']}, {'tags': []})
        self.assertEqual(sorted([a['name']]), self.names(q(tags='a,b')))
        self.assertEqual(sorted([a['name'], b['name']]),
                         self.names(q(tags='a')))
        self.assertEqual(sorted([a['name'], c['name']]),
                         self.names(q(('tags-any', 'b,c'))))
        self.assertEqual([], self.names(q(('tags-any', 'zzz'))))
        # neq: artifacts with none of the tags (the whole set made here)
        self.assertEqual(sorted([b['name'], d['name']]),
                         self.names(q(('tags-any', 'neq:b,c'))))
        self.assertEqual([], self.names(q(tags='a,c')))
        # repeated tags parameters all apply
        self.assertEqual(sorted([a['name']]),
                         self.names(q(('tags', 'a'), ('tags', 'b'))))

    def test_list_contains(self):
        a, b, c = self.make({'list_of_str': ['x', 'y'], 'list_of_int': [1, 2]},
                            {'list_of_str': ['y'], 'list_of_int': [3]},
                            {})
        self.assertEqual([a['name']], self.names(q(list_of_str='x')))
        self.assertEqual(sorted([a['name'], b['name']]),
                         self.names(q(list_of_str='y')))
        self.assertEqual([a['name']], self.names(q(list_of_str='in:x,z')))
        self.assertEqual([b['name']], self.names(q(list_of_int='3')))
        self.assertEqual(sorted([a['name'], b['name']]),
                         self.names(q(list_of_int='in:1,3')))
        self.assertEqual([], self.names(q(list_of_int='4')))

    def test_dict_filters(self):
        a, b, c = self.make(
            {'dict_of_str': {'k1': 'v1', 'k2': 'v2'},
             'dict_of_int': {'n': 5}},
            {'dict_of_str': {'k1': 'other'}, 'dict_of_int': {'n': 7}},
            {'dict_of_str': {'k3': 'v1'}})
        self.assertEqual(sorted([a['name'], b['name']]),
                         self.names(q(dict_of_str='k1')))
        self.assertEqual(sorted([a['name'], c['name']]),
                         self.names(q(dict_of_str='in:k2,k3')))
        self.assertEqual([a['name']], self.names(q(**{
            'dict_of_str.k1': 'v1'})))
        self.assertEqual([a['name']], self.names(q(**{
            'dict_of_str.k1': 'eq:v1'})))
        self.assertEqual(sorted([a['name'], b['name']]), self.names(q(**{
            'dict_of_str.k1': 'in:v1,other'})))
        self.assertEqual([], self.names(q(**{'dict_of_str.k3': 'v2'})))
        self.assertEqual([a['name']], self.names(q(**{
            'dict_of_int.n': '5'})))
        self.assertEqual(sorted([a['name'], b['name']]), self.names(q(**{
            'dict_of_int.n': 'in:5,7'})))
        self.assertEqual([], self.names(q(dict_of_str='zz')))

    def test_metadata_filters(self):
        a, b = self.make({'metadata': {'os': 'linux'}},
                         {'metadata': {'os': 'bsd', 'arch': 'x86'}})
        self.assertEqual([b['name']], self.names(q(metadata='arch')))
        self.assertEqual([a['name']], self.names(q(**{
            'metadata.os': 'linux'})))
        self.assertEqual([b['name']], self.names(q(**{
            'metadata.os': 'neq:linux'})))

    def test_boolean_filter(self):
        t, f = self.make({'bool1': True}, {'bool1': False})
        self.assertEqual([t['name']], self.names(q(bool1='true')))
        self.assertEqual([t['name']], self.names(q(bool1='eq:1')))
        self.assertEqual([f['name']], self.names(q(bool1='false')))

    def test_id_status_and_owner_filters(self):
        a, b, c = self.make({}, {}, {})
        self.activate(c['id'])
        self.assertEqual([a['name']], self.names(q(id=a['id'])))
        self.assertEqual(sorted([a['name'], b['name']]), self.names(
            q(id='in:%s,%s' % (a['id'], b['id']))))
        self.assertEqual([c['name']], self.names(q(status='active')))
        self.assertEqual(sorted([a['name'], b['name']]),
                         self.names(q(status='drafted')))
        self.assertEqual(sorted([a['name'], b['name']]),
                         self.names(q(status='neq:active')))
        # an admin sees every project; owner narrows it down
        self.assertEqual(sorted([a['name'], b['name'], c['name']]),
                         self.names(q(owner=self.project),
                                    headers=self.admin))

    def test_datetime_filters(self):
        arts = self.make({}, {}, {})
        first = arts[0]['created_at']
        a_second_before = (datetime.datetime.strptime(
            first, '%Y-%m-%dT%H:%M:%SZ') - datetime.timedelta(
            seconds=1)).strftime('%Y-%m-%dT%H:%M:%SZ')
        past = '2000-01-01T00:00:00Z'
        future = (datetime.datetime.utcnow() + datetime.timedelta(
            hours=2)).strftime('%Y-%m-%dT%H:%M:%SZ')
        everything = sorted(a['name'] for a in arts)
        for pair, expected in (
                (('created_at', 'gt:' + past), everything),
                (('created_at', 'lt:' + past), []),
                (('created_at', 'lt:' + future), everything),
                (('created_at', 'gt:' + future), []),
                # seconds are shown: the first one was made at or after it
                (('created_at', 'gt:' + a_second_before), everything),
                (('created_at', 'lt:' + first), []),
                (('updated_at', 'gt:' + past), everything),
                (('created_at', 'gt:2000-01-01T00:00:00+05:00'),
                 everything)):
            self.assertEqual(expected, self.names(q(pair,
                                                    limit=MAX_LIMIT)),
                             pair)

    # -- versions --------------------------------------------------------
    def test_version_filters_and_sort(self):
        name = self.unique()
        self.make(*[{'version': v} for v in ('2.0.0', '10.0.0',
                                             '2.0.0-rc1', '1.0.0')],
                  name=name)

        def versions(*pairs):
            return self.values(q(('name', name), *pairs,
                                 sort='version:asc'), 'version')
        self.assertEqual(['1.0.0', '2.0.0-rc1', '2.0.0', '10.0.0'],
                         self.values(q(name=name, sort='version:asc',
                                       limit=MAX_LIMIT), 'version'))
        self.assertEqual(['10.0.0', '2.0.0', '2.0.0-rc1', '1.0.0'],
                         self.values(q(name=name, sort='version:desc',
                                       limit=MAX_LIMIT), 'version'))
        self.assertEqual(['10.0.0'], versions(('version', 'gt:2.0.0')))
        self.assertEqual(['1.0.0', '2.0.0-rc1'],
                         versions(('version', 'lt:2.0.0')))
        self.assertEqual(['2.0.0'], versions(('version', '2')))
        self.assertEqual(['2.0.0'], versions(('version', 'eq:2.0')))
        self.assertEqual(['2.0.0-rc1', '2.0.0'],
                         versions(('version', 'gte:2.0.0-rc1'),
                                  ('version', 'lt:10')))
        self.assertEqual(['1.0.0', '10.0.0'],
                         versions(('version', 'in:1,10.0.0')))

    def test_semver_precedence(self):
        name = self.unique()
        ordered = ['0.9.0', '1.0.0-alpha', '1.0.0-alpha.1',
                   '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2',
                   '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0-rc.1.5',
                   '1.0.0-rc-1', '1.0.0', '1.0.1-0', '1.0.1-1.2',
                   '1.0.1-20230101120000', '1.0.1-dev', '1.0.1',
                   '1.2.0', '1.10.0', '10.0.0']
        self.make(*[{'version': v} for v in reversed(ordered)], name=name)
        for sort, limit, expected in (
                ('version:asc', MAX_LIMIT, ordered),
                ('version:desc', 4, list(reversed(ordered)))):
            # paging over versions has no gaps or duplicates either
            pages = self.pages(q(name=name, sort=sort, limit=limit))
            self.assertEqual(expected, [a['version'] for p in pages
                                        for a in p['artifacts']])
        self.assertEqual(['1.0.0-rc.1.5', '1.0.0-rc-1', '1.0.0'],
                         self.values(q(('name', name),
                                       ('version', 'gt:1.0.0-rc.1'),
                                       ('version', 'lte:1.0.0'),
                                       sort='version:asc'), 'version'))
        self.assertEqual('10.0.0', self.values(
            q(name=name, version='latest'), 'version')[0])

    def test_version_latest(self):
        a, b = self.unique('a'), self.unique('b')
        self.make({'name': a, 'version': '1.0', 'int1': 1},
                  {'name': a, 'version': '10.0', 'int1': 2},
                  {'name': a, 'version': '2.0', 'int1': 1},
                  {'name': b, 'version': '3.0.0-rc1', 'int1': 1},
                  {'name': b, 'version': '1.0', 'int1': 2})
        latest = self.list(q(version='latest', sort='name:asc'))
        self.assertEqual([(a, '10.0.0'), (b, '3.0.0-rc1')],
                         [(x['name'], x['version'])
                          for x in latest['artifacts']])
        self.assertEqual(2, latest['total_count'])
        # the highest version among the rows matching the other filters
        latest = self.list(q(version='latest', int1='1', sort='name:asc'))
        self.assertEqual([(a, '2.0.0'), (b, '3.0.0-rc1')],
                         [(x['name'], x['version'])
                          for x in latest['artifacts']])
        latest = self.list(q(('version', 'latest'), ('name', b),
                             ('version', 'lt:3.0.0-rc1')))
        self.assertEqual([(b, '1.0.0')], [(x['name'], x['version'])
                                          for x in latest['artifacts']])

    # -- sorting ---------------------------------------------------------
    def test_sort_base_and_custom_fields(self):
        arts = self.make({'name': 'b', 'int1': 3, 'float1': 0.5,
                          'str1': 'y'},
                         {'name': 'c', 'int1': 1, 'float1': 2.5,
                          'str1': 'x'},
                         {'name': 'a', 'int1': 2, 'float1': 1.5,
                          'str1': 'z'})
        by = {a['name']: a for a in arts}
        for sort, expected in (('name:asc', 'abc'), ('name:desc', 'cba'),
                               ('name', 'cba'), ('int1:asc', 'cab'),
                               ('int1', 'bac'), ('float1:asc', 'bac'),
                               ('float1:desc', 'cab'), ('str1', 'abc'),
                               ('str1:asc', 'cba'),
                               ('created_at:asc', 'bca'),
                               ('created_at', 'acb'),
                               ('id:asc', ''.join(sorted(
                                   by, key=lambda n: by[n]['id']))),
                               ('system_attribute:asc,name:asc', 'abc')):
            self.assertEqual(list(expected),
                             self.values(q(sort=sort), 'name'), sort)

    def test_sort_multiple_keys(self):
        self.make({'name': 'p', 'int1': 1, 'str1': 'b'},
                  {'name': 'q', 'int1': 2, 'str1': 'd'},
                  {'name': 'r', 'int1': 1, 'str1': 'a'},
                  {'name': 's', 'int1': 2, 'str1': 'c'})
        self.assertEqual(list('rpsq'), self.values(
            q(sort='int1:asc,str1:asc', limit=MAX_LIMIT), 'name'))
        self.assertEqual(list('sqrp'), self.values(
            q(sort='int1:desc,str1:asc', limit=MAX_LIMIT), 'name'))
        self.assertEqual(list('qspr'), self.values(
            q(sort='int1:desc,str1:desc', limit=MAX_LIMIT), 'name'))

    def test_default_order_and_tie_breaker_is_newest_first(self):
        arts = self.make({'int1': 7}, {'int1': 7}, {'int1': 7}, {'int1': 7})
        newest_first = [a['id'] for a in reversed(arts)]
        self.assertEqual(newest_first, self.list_ids(q(limit=MAX_LIMIT)))
        self.assertEqual(newest_first, self.list_ids(q(sort='int1:asc',
                                                       limit=MAX_LIMIT)))
        self.assertEqual(newest_first, self.list_ids(q(sort='int1:desc',
                                                       limit=MAX_LIMIT)))

    def test_bad_sort_400(self):
        self.create()
        for sort in ('nope', 'nope:asc', 'name:up', 'tags',
                     'list_of_str', 'dict_of_str', 'blob', 'metadata',
                     'description', 'name:asc:desc', ''):
            self.bad(q(sort=sort))

    # -- paging ------------------------------------------------------------
    def pages(self, query):
        """Follow next links from query; returns the list of pages."""
        pages = [self.list(query)]
        while 'next' in pages[-1]:
            self.assertLess(len(pages), 20, 'paging does not end')
            nxt = pages[-1]['next']
            self.assertTrue(nxt.startswith('/artifacts/sample_artifact?'),
                            nxt)
            resp = self.get(nxt, headers=self.user)
            self.assertEqual(200, resp.status_code, base.brief(resp))
            pages.append(resp.json())
        return pages

    def _check_paging(self, query, expected_ids, sizes):
        pages = self.pages(query)
        self.assertEqual(sizes, [len(p['artifacts']) for p in pages])
        ids = [a['id'] for p in pages for a in p['artifacts']]
        self.assertEqual(expected_ids, ids)
        self.assertEqual(len(ids), len(set(ids)))
        for p in pages:
            self.assertEqual(len(expected_ids), p['total_count'])

    def test_paging_by_name(self):
        arts = self.make(*[{'name': 'n%d' % i} for i in (3, 6, 0, 4, 1, 5,
                                                         2)])
        by_name = [a['id'] for a in sorted(arts, key=lambda a: a['name'])]
        self._check_paging(q(sort='name:asc', limit=3), by_name, [3, 3, 1])
        self._check_paging(q(sort='name:desc', limit=3),
                           list(reversed(by_name)), [3, 3, 1])

    def test_paging_default_order_full_last_page(self):
        arts = self.make(*[{} for _i in range(6)])
        newest_first = [a['id'] for a in reversed(arts)]
        # a full last page has a next link, leading to an empty page
        self._check_paging(q(limit=3), newest_first, [3, 3, 0])
        self._check_paging(q(limit=2), newest_first, [2, 2, 2, 0])

    def test_paging_with_ties_and_nulls(self):
        arts = self.make(*[{'int1': v} for v in (1, 1, None, 1, 2, None,
                                                 1)])
        pages = self.pages(q(sort='int1:asc', limit=2))
        ids = [a['id'] for p in pages for a in p['artifacts']]
        self.assertEqual(sorted(a['id'] for a in arts), sorted(ids))
        self.assertEqual(len(arts), len(ids))
        self.assertEqual(ids, self.list_ids(q(sort='int1:asc',
                                              limit=MAX_LIMIT)))

    def test_paging_keeps_filters(self):
        arts = self.make(*[{'int1': i % 2} for i in range(7)])
        odd = [a['id'] for a in reversed(arts) if a['int1'] == 1]
        self._check_paging(q(int1='1', limit=2), odd, [2, 1])

    def test_links_keep_repeated_parameters(self):
        name = 'ü-' + self.unique()
        arts = self.make(*[{'name': name, 'version': str(i),
                            'int1': i} for i in (1, 2, 3)])
        pairs = [('name', name), ('int1', 'or:1'), ('int1', 'or:2'),
                 ('int1', 'or:3'), ('sort', 'int1:asc'), ('limit', '1')]
        page = self.list(parse.urlencode(pairs))
        self.assertEqual('sample_artifact', page['type_name'])
        self.assertEqual('/schemas/sample_artifact', page['schema'])
        self.assertEqual(3, page['total_count'])
        self.assertEqual([arts[0]['id']],
                         [a['id'] for a in page['artifacts']])
        for key in ('first', 'next'):
            path, _sep, query = page[key].partition('?')
            self.assertEqual('/artifacts/sample_artifact', path)
            self.assertIn('%C3%BC', query.upper())
        self.assertEqual(pairs, parse.parse_qsl(
            page['first'].partition('?')[2], keep_blank_values=True))
        self.assertEqual(pairs + [('marker', arts[0]['id'])],
                         parse.parse_qsl(page['next'].partition('?')[2],
                                         keep_blank_values=True))
        ids = [a['id'] for p in self.pages(parse.urlencode(pairs))
               for a in p['artifacts']]
        self.assertEqual([a['id'] for a in arts], ids)
        first = self.get(page['first'], headers=self.user).json()
        self.assertEqual(page['artifacts'], first['artifacts'])

    def test_no_next_link_on_short_page(self):
        self.make({}, {})
        page = self.list(q(limit=3))
        self.assertEqual(2, len(page['artifacts']))
        self.assertNotIn('next', page)
        self.assertEqual('/artifacts/sample_artifact?limit=3',
                         page['first'])
        page = self.list('')
        self.assertEqual('/artifacts/sample_artifact', page['first'])

    def test_default_and_max_limit(self):
        arts = self.make(*[{} for _i in range(MAX_LIMIT + 1)])
        page = self.list('')
        self.assertEqual(DEFAULT_LIMIT, len(page['artifacts']))
        self.assertIn('next', page)
        self.assertEqual(len(arts), page['total_count'])
        page = self.list(q(limit=1000))
        self.assertEqual(MAX_LIMIT, len(page['artifacts']))
        self.assertIn('next', page)
        page = self.list(q(limit=0))
        self.assertEqual([], page['artifacts'])
        self.assertEqual(len(arts), page['total_count'])

    def test_total_count_counts_all_matches(self):
        self.make(*[{'int1': 1} for _i in range(5)], *[{'int1': 2}])
        page = self.list(q(int1='1', limit=2))
        self.assertEqual(2, len(page['artifacts']))
        self.assertEqual(5, page['total_count'])

    def test_bad_limit_400(self):
        for limit in ('-1', 'abc', '1.5', '', '0x10'):
            self.bad(q(limit=limit))

    def test_marker_not_visible_404(self):
        mine = self.create()
        other = self.create(headers=self.auth(self.new_project()))
        self.bad(q(marker=other['id']), code=404)
        self.bad(q(marker=str(uuid.uuid4())), code=404)
        gone = self.create()
        self.assertEqual(204, self.delete(self.url(gone['id']),
                                          headers=self.user).status_code)
        self.bad(q(marker=gone['id']), code=404)
        self.assertEqual([], self.list(q(marker=mine['id']))['artifacts'])

    def test_query_starting_with_ampersand(self):
        af = self.create()
        self.create()
        for query in ('?&name=%s', '?name=%s&', '?&&name=%s&&'):
            resp = self.get(self.url() + query % af['name'],
                            headers=self.user)
            self.assertEqual(200, resp.status_code, base.brief(resp))
            self.assertEqual([af['id']],
                             [a['id'] for a in resp.json()['artifacts']])

    def test_deleted_never_listed(self):
        keep, gone = self.make({}, {})
        self.assertEqual(204, self.delete(self.url(gone['id']),
                                          headers=self.user).status_code)
        page = self.list(q(limit=MAX_LIMIT))
        self.assertEqual([keep['id']], [a['id'] for a in page['artifacts']])
        self.assertEqual(1, page['total_count'])
        self.assertEqual([], self.list(q(id=gone['id']),
                                       headers=self.admin)['artifacts'])

    def test_other_projects_private_not_listed(self):
        mine = self.create()
        other = self.create(headers=self.auth(self.new_project()))
        self.assertEqual([mine['id']], self.list_ids(q(limit=MAX_LIMIT)))
        self.assertEqual([], self.list_ids(q(id=other['id'])))
        self.assertEqual([other['id']], self.list_ids(
            q(id=other['id']), headers=self.admin))

    # -- the all type ----------------------------------------------------
    def test_all_lists_every_type(self):
        sample = self.create(name='s-' + self.unique())
        image = self.create(name='i-' + self.unique(), type_name='images')
        page = self.list(q(sort='name:asc'), type_name='all')
        self.assertEqual('all', page['type_name'])
        self.assertEqual('/schemas/all', page['schema'])
        self.assertEqual([(image['id'], 'images'),
                          (sample['id'], 'sample_artifact')],
                         [(a['id'], a['type_name'])
                          for a in page['artifacts']])
        self.assertEqual(2, page['total_count'])
        self.assertEqual([image['id']], self.list_ids(
            q(type_name='images'), type_name='all'))
        self.assertEqual([sample['id']], self.list_ids(
            q(type_name='like:sample%'), type_name='all'))
        self.assertEqual([sample['id']], self.list_ids(
            q(type_name='neq:images'), type_name='all'))
        # filters of a concrete type's own fields do not apply to all
        self.bad(q(int1='1'), type_name='all')
