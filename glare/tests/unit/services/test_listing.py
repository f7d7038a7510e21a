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

"""Tests for glare.services.listing: the list query language (SPEC §7)."""

import datetime

from glare.artifact_types import all as all_type
from glare.db import query as list_query
from glare import exception
from glare.objects import fields as glare_fields
from glare.services import listing
from glare.tests import base
from glare.tests import sample_artifact

FIELDS = sample_artifact.SampleArtifact.fields
ALL_FIELDS = all_type.All.fields
UUID = '0b6b0ea5-1c7e-4c6e-a7b3-7b2d5f1a9c3e'


def flt(field, op, value, combiner='and', target='column', kind=None,
        key=None):
    return list_query.Filter(field, op, value, combiner, target=target,
                             kind=kind, key=key)


class TestSplitInValues(base.TestCase):

    def test_plain(self):
        self.assertEqual(['a', 'b'], listing.split_in_values('a,b'))
        self.assertEqual(['a'], listing.split_in_values('a'))
        self.assertEqual([], listing.split_in_values(''))
        self.assertEqual(['a', ''], listing.split_in_values('a,'))
        self.assertEqual(['', 'a'], listing.split_in_values(',a'))
        self.assertEqual([' a ', ' b'], listing.split_in_values(' a , b'))

    def test_quotes_escape_commas(self):
        self.assertEqual(['a', 'b,c', 'd'],
                         listing.split_in_values('a,"b,c",d'))
        self.assertEqual(['b,c'], listing.split_in_values('"b,c"'))
        self.assertEqual(['', 'x'], listing.split_in_values('"",x'))

    def test_doubled_quotes_are_a_quote(self):
        self.assertEqual(['a"b', 'c'], listing.split_in_values('"a""b",c'))
        # a quote inside an unquoted value is kept as it is
        self.assertEqual(['a"b'], listing.split_in_values('a"b'))

    def test_bad_lists(self):
        for text in ('"a', 'a,"b', '"a" ,b', '"a"b', 'a\nb'):
            err = self.assertRaises(exception.InvalidFilter,
                                    listing.split_in_values, text)
            self.assertEqual(400, err.code)
            self.assertIn('bad in: list', str(err))


class FilterTestCase(base.TestCase):

    fields = FIELDS

    def assertFilter(self, expected, name, raw):
        self.assertEqual(expected, listing.parse_filter(self.fields, name,
                                                        raw))

    def assertInvalid(self, name, raw, *fragments):
        err = self.assertRaises(exception.InvalidFilter,
                                listing.parse_filter, self.fields, name, raw)
        self.assertEqual(400, err.code)
        self.assertIsInstance(err, exception.BadRequest)
        for fragment in fragments:
            self.assertIn(fragment, str(err))
        return err


class TestFilterTargets(FilterTestCase):

    def test_column(self):
        self.assertFilter(flt('name', 'eq', 'x'), 'name', 'x')
        self.assertFilter(flt('name', 'like', 'x%'), 'name', 'like:x%')
        self.assertFilter(flt('name', 'neq', 'x'), 'name', 'neq:x')
        self.assertFilter(flt('name', 'in', ['a', 'b,c']), 'name',
                          'in:a,"b,c"')
        self.assertFilter(flt('id', 'eq', UUID), 'id', UUID)
        self.assertFilter(flt('owner', 'neq', 'p'), 'owner', 'neq:p')
        self.assertFilter(flt('status', 'in', ['active', 'drafted']),
                          'status', 'in:active,drafted')
        self.assertFilter(flt('visibility', 'eq', 'public'), 'visibility',
                          'public')
        self.assertFilter(flt('visibility', 'in', ['public', 'private']),
                          'visibility', 'in:public,private')

    def test_datetime_column(self):
        self.assertFilter(
            flt('created_at', 'gt', datetime.datetime(2020, 1, 2, 3, 4, 5)),
            'created_at', 'gt:2020-01-02T03:04:05Z')
        self.assertFilter(
            flt('updated_at', 'lt', datetime.datetime(2020, 1, 2, 1, 4, 5)),
            'updated_at', 'lt:2020-01-02T03:04:05+02:00')
        self.assertFilter(
            flt('activated_at', 'lt', datetime.datetime(2020, 1, 2)),
            'activated_at', 'lt:2020-01-02')

    def test_type_name_column_of_all(self):
        self.assertEqual(flt('type_name', 'in', ['images', 'secrets']),
                         listing.parse_filter(ALL_FIELDS, 'type_name',
                                              'in:images,secrets'))
        self.assertEqual(flt('type_name', 'like', 'heat%'),
                         listing.parse_filter(ALL_FIELDS, 'type_name',
                                              'like:heat%'))

    def test_version(self):
        self.assertFilter(flt('version', 'eq', '1.0.0', target='version'),
                          'version', '1')
        self.assertFilter(flt('version', 'gte', '0.0.0', target='version'),
                          'version', 'gte:0.0')
        self.assertFilter(flt('version', 'in', ['1.0.0', '2.1.0-rc.1'],
                              target='version'), 'version', 'in:1,2.1-rc.1')

    def test_prop(self):
        self.assertFilter(flt('int1', 'gt', 5, target='prop',
                              kind=FIELDS['int1'].kind), 'int1', 'gt:5')
        self.assertFilter(flt('int1', 'in', [1, 2], target='prop',
                              kind=FIELDS['int1'].kind), 'int1', 'in:1,2')
        self.assertFilter(flt('float1', 'lte', 1.5, target='prop',
                              kind=FIELDS['float1'].kind),
                          'float1', 'lte:1.5')
        self.assertFilter(flt('bool1', 'eq', True, target='prop',
                              kind=FIELDS['bool1'].kind), 'bool1', 'true')
        self.assertFilter(flt('bool1', 'eq', False, target='prop',
                              kind=FIELDS['bool1'].kind), 'bool1', '0')
        self.assertFilter(flt('str1', 'like', 'a%', target='prop',
                              kind=FIELDS['str1'].kind), 'str1', 'like:a%')
        link = '/artifacts/images/' + UUID
        self.assertFilter(flt('link1', 'eq', link, target='prop',
                              kind=FIELDS['link1'].kind), 'link1', link)
        self.assertFilter(flt('system_attribute', 'eq', 'x', target='prop',
                              kind=FIELDS['system_attribute'].kind),
                          'system_attribute', 'x')
        self.assertFilter(flt('string_validators', 'eq', 'aa', target='prop',
                              kind=FIELDS['string_validators'].kind),
                          'string_validators', 'aa')

    def test_list(self):
        kind = FIELDS['list_of_int'].kind
        self.assertFilter(flt('list_of_int', 'eq', 1, target='list',
                              kind=kind), 'list_of_int', '1')
        self.assertFilter(flt('list_of_int', 'in', [1, 2], target='list',
                              kind=kind), 'list_of_int', 'in:1,2')
        self.assertFilter(flt('list_of_str', 'in', ['a,b', 'c'],
                              target='list', kind=FIELDS['list_of_str'].kind),
                          'list_of_str', 'in:"a,b",c')
        # a list filter is about one element: commas are part of the value
        self.assertFilter(flt('list_of_str', 'eq', 'a,b', target='list',
                              kind=FIELDS['list_of_str'].kind),
                          'list_of_str', 'a,b')

    def test_dict_key(self):
        self.assertFilter(flt('dict_of_int', 'eq', 'k', target='dict-key'),
                          'dict_of_int', 'k')
        self.assertFilter(flt('dict_of_str', 'in', ['a', 'b,c'],
                              target='dict-key'),
                          'dict_of_str', 'in:a,"b,c"')
        self.assertFilter(flt('metadata', 'neq', 'k', target='dict-key'),
                          'metadata', 'neq:k')

    def test_dict_value(self):
        kind = FIELDS['dict_of_int'].kind
        self.assertFilter(flt('dict_of_int', 'eq', 5, target='dict-value',
                              kind=kind, key='k'), 'dict_of_int.k', '5')
        self.assertFilter(flt('dict_of_int', 'in', [1, 2],
                              target='dict-value', kind=kind, key='k'),
                          'dict_of_int.k', 'in:1,2')
        self.assertFilter(flt('metadata', 'eq', 'v', target='dict-value',
                              kind=FIELDS['metadata'].kind, key='a.b'),
                          'metadata.a.b', 'v')
        self.assertFilter(flt('dict_of_links', 'eq', 'http://x',
                              target='dict-value',
                              kind=FIELDS['dict_of_links'].kind, key='k'),
                          'dict_of_links.k', 'http://x')

    def test_tags(self):
        self.assertFilter(flt('tags', 'eq', ['a', 'b'], target='tags'),
                          'tags', 'a,b')
        self.assertFilter(flt('tags-any', 'eq', ['a', 'b'],
                              target='tags-any'), 'tags-any', 'a,b')
        self.assertFilter(flt('tags', 'neq', ['a'], target='tags'),
                          'tags', 'neq:a')
        self.assertFilter(flt('tags-any', 'eq', ['a'], 'or',
                              target='tags-any'), 'tags-any', 'or:a')

    def test_combiners(self):
        self.assertFilter(flt('name', 'eq', 'x', 'or'), 'name', 'or:x')
        self.assertFilter(flt('name', 'eq', 'x'), 'name', 'and:x')
        self.assertFilter(flt('name', 'neq', 'x', 'or'), 'name', 'or:neq:x')
        self.assertFilter(flt('name', 'in', ['a', 'b'], 'or'), 'name',
                          'or:in:a,b')
        self.assertFilter(flt('int1', 'gt', 1, 'or', target='prop',
                              kind=FIELDS['int1'].kind), 'int1', 'or:gt:1')

    def test_colons_in_values(self):
        # a value with a word and a colon at its start: with its operator
        self.assertFilter(flt('name', 'eq', 'foo:bar'), 'name', 'eq:foo:bar')
        self.assertFilter(flt('name', 'eq', 'xor:eq:a'), 'name',
                          'eq:xor:eq:a')
        self.assertFilter(flt('name', 'eq', 'eq:x', 'or'), 'name',
                          'or:eq:eq:x')
        self.assertFilter(flt('name', 'in', ['a:b', 'c']), 'name',
                          'in:a:b,c')
        # colons after something that is not a word
        self.assertFilter(flt('name', 'eq', '1:2'), 'name', '1:2')
        self.assertFilter(flt('name', 'eq', 'a b:c'), 'name', 'a b:c')
        self.assertFilter(flt('name', 'eq', ':x'), 'name', ':x')
        self.assertFilter(flt('name', 'eq', 'a-b:c'), 'name', 'a-b:c')
        # a URL's scheme is not an operator
        self.assertFilter(flt('link1', 'eq', 'http://x', target='prop',
                              kind=FIELDS['link1'].kind), 'link1',
                          'http://x')
        self.assertFilter(flt('link1', 'neq', 'https://x', target='prop',
                              kind=FIELDS['link1'].kind), 'link1',
                          'neq:https://x')
        # the tags lists have no eq: a colon is part of a tag there
        self.assertFilter(flt('tags', 'eq', ['os:linux', 'b'],
                              target='tags'), 'tags', 'os:linux,b')
        self.assertFilter(flt('tags-any', 'neq', ['os:linux'], 'or',
                              target='tags-any'), 'tags-any',
                          'or:neq:os:linux')


class TestFilterFailures(FilterTestCase):

    def test_unknown_field(self):
        self.assertInvalid('nope', 'x', "unknown field 'nope'")
        self.assertInvalid('nope.key', 'x', "unknown field 'nope'")
        self.assertInvalid('type_name', 'images', "unknown field "
                           "'type_name'")

    def test_op_not_allowed(self):
        for name, raw in (('name', 'gt:a'), ('int1', 'like:5'),
                          ('visibility', 'like:p%'), ('owner', 'like:p%'),
                          ('created_at', 'eq:2020-01-01'),
                          ('created_at', 'gte:2020-01-01'),
                          ('description', 'like:%d%'), ('description', 'eq:d'),
                          ('tags', 'eq:x'), ('tags-any', 'in:x,y'),
                          ('metadata', 'like:k%'),
                          ('list_of_int', 'neq:1'), ('bool1', 'neq:true'),
                          ('dict_of_int.k', 'gt:1'), ('dict_of_int', 'gt:k'),
                          ('version', 'like:1%')):
            self.assertInvalid(name, raw, 'operator %s is not allowed for '
                               '%s (allowed: ' % (raw.split(':')[0],
                                                  name.split('.')[0]))

    def test_unknown_operators(self):
        # SPEC 7: not an operator of the field's: 400, never a value
        for name, raw, hint in (
                ('name', 'bogus:x:y', 'name=eq:bogus:x:y'),
                ('metadata.k', 'bogus:v', 'metadata.k=eq:bogus:v'),
                ('name', 'or:bogus:x', 'name=eq:bogus:x'),
                ('int1', 'xx:1', 'int1=eq:xx:1'),
                ('link1', 'ftp:x', 'link1=eq:ftp:x'),
                ('created_at', 'after:2020-01-01', None)):
            err = self.assertInvalid(name, raw, "%r is not an operator "
                                     "(allowed for %s: " % (
                                         raw.split(':')[-2 if raw.startswith(
                                             'or:') else 0], name))
            if hint:
                self.assertIn(hint, str(err))
            else:
                self.assertNotIn('=eq:', str(err))

    def test_implicit_eq_needs_eq(self):
        # field=value means eq: a field without eq must name its operator
        self.assertInvalid('created_at', '2020-01-01T00:00:00',
                           'operator eq is not allowed for created_at '
                           '(allowed: lt, gt)')
        self.assertInvalid('description', 'd', 'operator eq is not allowed '
                           'for description (allowed: none)')

    def test_not_filterable(self):
        self.assertInvalid('list_validators', 'a', 'operator eq is not '
                           'allowed for list_validators (allowed: none)')
        self.assertInvalid('dict_validators', 'abc', 'allowed: none')
        self.assertInvalid('dict_validators.abc', 'x', 'allowed: none')

    def test_blob_fields(self):
        for name in ('blob', 'small_blob', 'dict_of_blobs',
                     'dict_of_blobs.key'):
            self.assertInvalid(name, 'x', 'blob field %s is not filterable'
                               % name.split('.')[0])

    def test_dict_key_on_non_dict(self):
        for name in ('int1', 'name', 'list_of_str', 'version'):
            self.assertInvalid(name + '.k', '1', '%s is not a dict: %s.k '
                               'is invalid' % (name, name))

    def test_bad_values(self):
        for name, raw, reason in (
                ('int1', 'x', "'x' is not an integer"),
                ('int1', 'in:1,x', "'x' is not an integer"),
                ('float1', 'gt:abc', "'abc' is not a number"),
                ('bool1', 'maybe', "'maybe' is not a boolean"),
                ('version', 'x', "'x' is not a valid version"),
                ('version', 'gt:65536', 'exceeds 65535'),
                ('created_at', 'gt:yesterday', 'ISO 8601'),
                ('status', 'queued', 'not one of the allowed values'),
                ('string_validators', 'zz', 'not one of the allowed values'),
                ('int_validators', '5', 'below the minimum of 10'),
                ('string_regex', 'xyz', 'does not match'),
                ('id', 'x', "'x' is not a UUID"),
                ('link1', 'ftp://x', 'neither'),
                ('name', '', 'below the minimum of 1'),
                ('str1', 'x' * 256, 'exceeds the maximum of 255'),
                ('list_of_int', 'x', "'x' is not an integer"),
                ('list_of_links', 'x', 'neither'),
                ('dict_of_int.k', 'x', "'x' is not an integer"),
                ('dict_of_int.k', 'in:1,"x', 'bad in: list'),
                ('name', 'in:"a', 'bad in: list')):
            self.assertInvalid(name, raw, reason)

    def test_bad_values_name_the_field(self):
        self.assertInvalid('int1', 'x', 'bad value for int1')
        self.assertInvalid('dict_of_int.k', 'x', 'bad value for dict_of_int')

    def test_tags(self):
        for name in ('tags', 'tags-any'):
            self.assertInvalid(name, '', '%s takes a comma list of tags'
                               % name)
            self.assertInvalid(name, 'in:a,b', 'operator in is not '
                               'allowed for %s (allowed: neq)' % name)
            self.assertInvalid(name, 'gt:a', 'operator gt is not allowed')
            self.assertInvalid(name, 'eq:a', 'operator eq is not allowed')
            self.assertInvalid(name, 'or:', 'takes a comma list')
            self.assertInvalid(name, 'neq:', 'takes a comma list')

    def test_like_only_on_strings(self):
        # a type cannot even declare it: its schema would promise it
        err = self.assertRaises(
            ValueError, glare_fields.Scalar, glare_fields.Integer,
            filter_ops=(glare_fields.LIKE,))
        self.assertIn('filter_ops like: Integer fields can be filtered with '
                      'eq, neq, in, gt, gte, lt, lte only', str(err))


class TestParseSort(base.TestCase):

    def test_default_direction_is_desc(self):
        self.assertEqual([list_query.Sort('name', 'desc', 'column',
                                          FIELDS['name'].kind)],
                         listing.parse_sort(FIELDS, 'name'))

    def test_targets(self):
        self.assertEqual([
            list_query.Sort('name', 'asc', 'column', FIELDS['name'].kind),
            list_query.Sort('version', 'desc', 'version',
                            FIELDS['version'].kind),
            list_query.Sort('int1', 'asc', 'prop', FIELDS['int1'].kind),
            list_query.Sort(
                'created_at', 'desc', 'column', FIELDS['created_at'].kind)],
            listing.parse_sort(FIELDS, 'name:asc,version:desc,int1:asc,'
                                       'created_at'))
        self.assertEqual([list_query.Sort('type_name', 'asc', 'column',
                                          ALL_FIELDS['type_name'].kind)],
                         listing.parse_sort(ALL_FIELDS, 'type_name:asc'))

    def test_spaces_around_keys(self):
        sorts = listing.parse_sort(FIELDS, ' name , int1:asc')
        self.assertEqual(['name', 'int1'], [s.field for s in sorts])

    def test_every_sortable_field(self):
        for name, field in FIELDS.items():
            if field.sortable:
                sort, = listing.parse_sort(FIELDS, name)
                if name == listing.DISPLAY_TYPE_NAME:
                    # not stored: sorted by the rank of the type's name
                    self.assertEqual((name, 'desc', 'type-rank'),
                                     (sort.field, sort.direction,
                                      sort.target))
                    continue
                self.assertEqual((name, 'desc', field.kind),
                                 (sort.field, sort.direction, sort.kind))

    def test_failures(self):
        for raw, reason in (
                ('bogus', "'bogus' is not a sortable field"),
                ('blob', "'blob' is not a sortable field"),
                ('list_of_str', "'list_of_str' is not a sortable field"),
                ('dict_of_str', "'dict_of_str' is not a sortable field"),
                ('tags', "'tags' is not a sortable field"),
                ('description', "'description' is not a sortable field"),
                ('int_validators', 'not a sortable field'),
                ('', "'' is not a sortable field"),
                ('name,', "'' is not a sortable field"),
                ('name:up', "direction 'up' is not asc or desc"),
                ('name:ASC', "direction 'ASC' is not asc or desc"),
                ('name,name:asc', 'name is given twice'),
                ('type_name', 'not a sortable field')):
            err = self.assertRaises(exception.InvalidSort,
                                    listing.parse_sort, FIELDS, raw)
            self.assertEqual(400, err.code)
            self.assertIn(reason, str(err))


class TestBuildSpec(base.TestCase):

    def setUp(self):
        super().setUp()
        self.conf = self.useFixture(base.ConfigFixture())

    def spec(self, params, see_all=False):
        return listing.build_spec(FIELDS, params, 'sample_artifact', 'p1',
                                  see_all, self.conf.conf)

    def test_defaults(self):
        self.assertEqual(list_query.ListSpec(
            type_name='sample_artifact', project_id='p1', see_all=False,
            filters=[], sorts=[], limit=25, marker=None, latest=False),
            self.spec([]))
        self.assertTrue(self.spec([], see_all=True).see_all)

    def test_limit(self):
        self.assertEqual(5, self.spec([('limit', '5')]).limit)
        self.assertEqual(0, self.spec([('limit', '0')]).limit)
        self.assertEqual(1000, self.spec([('limit', '1000')]).limit)
        self.assertEqual(1000, self.spec([('limit', '1001')]).limit)
        self.assertEqual(1000, self.spec([('limit', '10' * 20)]).limit)

    def test_limit_config(self):
        self.conf.set(default_api_limit=7, max_api_limit=50)
        self.assertEqual(7, self.spec([]).limit)
        self.assertEqual(50, self.spec([('limit', '60')]).limit)
        self.conf.set(default_api_limit=100, max_api_limit=50)
        self.assertEqual(50, self.spec([]).limit)

    def test_bad_limit(self):
        for raw, reason in (('-1', 'limit must not be negative'),
                            ('x', "limit must be an integer, not 'x'"),
                            ('1.5', 'limit must be an integer'),
                            ('', 'limit must be an integer'),
                            (None, 'limit must be an integer')):
            err = self.assertRaises(exception.BadRequest, self.spec,
                                    [('limit', raw)])
            self.assertEqual(400, err.code)
            self.assertIn(reason, str(err))

    def test_marker(self):
        self.assertEqual(UUID, self.spec([('marker', UUID)]).marker)

    def test_sort(self):
        self.assertEqual(['name', 'int1'], [s.field for s in self.spec(
            [('sort', 'name,int1:asc')]).sorts])
        err = self.assertRaises(exception.InvalidSort, self.spec,
                                [('sort', 'name'), ('sort', 'int1')])
        self.assertIn('sort is given twice', str(err))
        self.assertRaises(exception.InvalidSort, self.spec,
                          [('sort', 'bogus')])

    def test_latest(self):
        spec = self.spec([('version', 'latest'), ('name', 'a')])
        self.assertTrue(spec.latest)
        self.assertEqual([flt('name', 'eq', 'a')], spec.filters)
        spec = self.spec([('version', 'gt:1'), ('version', 'latest')])
        self.assertTrue(spec.latest)
        self.assertEqual([flt('version', 'gt', '1.0.0', target='version')],
                         spec.filters)

    def test_version_filter_is_not_latest(self):
        spec = self.spec([('version', '1')])
        self.assertFalse(spec.latest)
        self.assertEqual([flt('version', 'eq', '1.0.0', target='version')],
                         spec.filters)

    def test_repeated_filters_all_apply(self):
        spec = self.spec([('name', 'a'), ('name', 'or:b'), ('int1', 'gt:1'),
                          ('int1', 'lt:9'), ('tags', 'x')])
        self.assertEqual([
            flt('name', 'eq', 'a'), flt('name', 'eq', 'b', 'or'),
            flt('int1', 'gt', 1, target='prop', kind=FIELDS['int1'].kind),
            flt('int1', 'lt', 9, target='prop', kind=FIELDS['int1'].kind),
            flt('tags', 'eq', ['x'], target='tags')], spec.filters)

    def test_bad_filter(self):
        self.assertRaises(exception.InvalidFilter, self.spec,
                          [('limit', '5'), ('nope', 'x')])


class TestPageLinks(base.TestCase):

    def test_first_only(self):
        self.assertEqual({'first': '/artifacts/images'},
                         listing.page_links('images', [], [], 25))
        self.assertEqual({'first': '/artifacts/images?name=a&limit=2'},
                         listing.page_links('images', [('name', 'a'),
                                                       ('limit', '2')],
                                            [{'id': '1'}], 2))

    def test_next_on_a_full_page(self):
        links = listing.page_links(
            'images', [('name', 'a'), ('limit', '2')],
            [{'id': '1'}, {'id': '2'}], 2)
        self.assertEqual({'first': '/artifacts/images?name=a&limit=2',
                          'next': '/artifacts/images?name=a&limit=2&'
                                  'marker=2'}, links)
        links = listing.page_links('all', [], [{'id': UUID}], 1)
        self.assertEqual('/artifacts/all?marker=' + UUID, links['next'])

    def test_no_next_for_limit_zero(self):
        self.assertEqual({'first': '/artifacts/images?limit=0'},
                         listing.page_links('images', [('limit', '0')], [],
                                            0))

    def test_repeated_parameters_kept_in_order(self):
        params = [('tags', 'a'), ('name', 'x'), ('tags', 'b'),
                  ('marker', 'old'), ('sort', 'name:asc')]
        links = listing.page_links('images', params, [{'id': 'n'}], 1)
        self.assertEqual('/artifacts/images?tags=a&name=x&tags=b&'
                         'sort=name%3Aasc', links['first'])
        self.assertEqual(links['first'] + '&marker=n', links['next'])

    def test_utf8_encoding(self):
        links = listing.page_links(
            'images', [('name', 'ü é&=/?#'), ('metadata.clé', 'v')],
            [{'id': 'x'}], 1)
        self.assertEqual('/artifacts/images?name=%C3%BC+%C3%A9%26%3D%2F%3F'
                         '%23&metadata.cl%C3%A9=v', links['first'])
        self.assertTrue(links['next'].isascii())


class TestDisplayTypeName(base.TestCase):
    """display_type_name is not stored: filtered and sorted by type."""

    names = listing.DisplayNames({'images': 'Images', 'heat': 'Heat T',
                                  'heat_env': 'Heat E', 'odd': 'a_b%c',
                                  'twin': 'Images'})

    def parse(self, raw):
        return listing.parse_filter(ALL_FIELDS, 'display_type_name', raw,
                                    self.names)

    def test_filters_become_type_names(self):
        for raw, types in (
                ('Images', ['images', 'twin']), ('eq:Heat T', ['heat']),
                ('neq:Images', ['heat', 'heat_env', 'odd']),
                ('in:Heat E,"Images"', ['heat_env', 'images', 'twin']),
                ('like:Heat%', ['heat', 'heat_env']),
                ('like:heat%', []), ('like:H_at _', ['heat', 'heat_env']),
                ('like:a\\_b\\%c', ['odd']), ('like:a\\_b\\%', []),
                ('nothing', [])):
            flt = self.parse(raw)
            self.assertEqual(('type-names', types), (flt.target, flt.value),
                             raw)

    def test_operators(self):
        self.assertRaises(exception.InvalidFilter, self.parse, 'gt:a')
        self.assertRaises(exception.InvalidFilter, self.parse, 'bogus:a')
        self.assertEqual('or', self.parse('or:Images').combiner)

    def test_sort(self):
        sort, = listing.parse_sort(ALL_FIELDS, 'display_type_name:asc',
                                   self.names)
        self.assertEqual(('display_type_name', 'asc', 'type-rank'),
                         (sort.field, sort.direction, sort.target))
        # equal display names, equal ranks; ordered by code point
        self.assertEqual({'heat_env': 0, 'heat': 1, 'images': 2, 'twin': 2,
                          'odd': 3}, sort.ranks)
