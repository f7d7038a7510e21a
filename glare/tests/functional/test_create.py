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

"""Creating and showing artifacts (SPEC §6, §8 create)."""

import datetime
import json
from urllib import parse
import uuid

from glare.tests.functional import base

DT_FORMAT = '%Y-%m-%dT%H:%M:%SZ'


def _parse_dt(text):
    return datetime.datetime.strptime(text, DT_FORMAT)


@base.with_backends
class CreateTests:
    """POST /artifacts/{type} and GET /artifacts/{type}/{id}."""

    def _create_error(self, code, body, headers=None, contains=None):
        resp = self.post(self.url(), body,
                         headers=self.user if headers is None else headers)
        return self.assertError(code, resp, contains)

    def test_create_defaults(self):
        name = self.unique()
        before = datetime.datetime.utcnow().replace(microsecond=0)
        af = self.create(name=name)
        after = datetime.datetime.utcnow()
        self.assertEqual(4, uuid.UUID(af['id']).version)
        self.assertEqual(str(uuid.UUID(af['id'])), af['id'])
        expected = {
            'name': name, 'owner': self.project, 'status': 'drafted',
            'visibility': 'private', 'version': '0.0.0',
            'description': '', 'tags': [], 'metadata': {},
            'activated_at': None, 'display_type_name': 'Sample Artifact',
            'origin': None, 'signatures': {},
            'provided_by': {}, 'supported_by': {}, 'license': None,
            'icon': None, 'star_count': 0,
            'rating': {'average': None, 'count': 0},
            'downloads': {'total': 0, 'last_30_days': 0},
            'blob': None, 'small_blob': None, 'link1': None, 'link2': None,
            'bool1': False, 'bool2': False, 'int1': None, 'int2': None,
            'float1': None, 'float2': None, 'str1': None,
            'list_of_str': [], 'list_of_int': [], 'dict_of_str': {},
            'dict_of_int': {}, 'dict_of_links': {}, 'list_of_links': [],
            'dict_of_blobs': {}, 'string_mutable': None,
            'string_regex': None, 'string_required': None,
            'string_validators': None, 'int_validators': None,
            'list_validators': [], 'dict_validators': None,
            'system_attribute': 'default', 'metadata_attribute': 'default',
            '__some_meta_information__': name.upper(),
        }
        self.assertEqual(expected, {k: af[k] for k in expected})
        self.assertEqual(set(expected) | {'id', 'created_at', 'updated_at'},
                         set(af))
        created = _parse_dt(af['created_at'])
        self.assertEqual(af['created_at'], af['updated_at'])
        self.assertTrue(before <= created <= after,
                        (before, created, after))
        self.assertEqual(af, self.show(af['id']))

    def test_create_sets_fields(self):
        target = self.create()
        af = self.create({
            'version': '1.2.3-rc1', 'description': 'about it',
            'tags': ['a', 'b'], 'metadata': {'k': 'v'}, 'int1': 10,
            'float1': 1.5, 'bool1': True, 'str1': 'text',
            'list_of_str': ['x', 'y'], 'list_of_int': [3, 1],
            'dict_of_str': {'a': 'b'}, 'dict_of_int': {'n': 5},
            'link1': '/artifacts/sample_artifact/%s' % target['id'],
            'link2': 'https://example.com/thing',
            'dict_of_links': {'l': 'http://example.com/a'},
            'list_of_links': ['/artifacts/sample_artifact/%s' %
                              target['id']],
            'string_mutable': 'm', 'string_regex': 'deadBEEF',
            'string_required': 'r', 'string_validators': 'bb',
            'int_validators': 15, 'list_validators': ['p', 'q', 'r'],
            'dict_validators': {'abc': 'x', 'jkl': 'y'},
            'metadata_attribute': 'meta'})
        self.assertEqual('1.2.3-rc1', af['version'])
        self.assertEqual(['a', 'b'], af['tags'])
        self.assertEqual([3, 1], af['list_of_int'])
        self.assertEqual({'abc': 'x', 'jkl': 'y'}, af['dict_validators'])
        self.assertEqual('/artifacts/sample_artifact/%s' % target['id'],
                         af['link1'])
        self.assertEqual('meta', af['metadata_attribute'])
        self.assertEqual(af, self.show(af['id']))

    def test_strings_are_coerced(self):
        af = self.create({
            'int1': '5', 'int2': ' 7 ', 'float1': '2.5', 'float2': '3',
            'bool1': 'true', 'bool2': '1', 'list_of_int': ['1', '2'],
            'dict_of_int': {'a': '3'}, 'int_validators': '12',
            'version': '2.1'})
        self.assertEqual(5, af['int1'])
        self.assertEqual(7, af['int2'])
        self.assertEqual(2.5, af['float1'])
        self.assertEqual(3.0, af['float2'])
        self.assertIsInstance(af['float2'], float)
        self.assertIs(True, af['bool1'])
        self.assertIs(True, af['bool2'])
        self.assertEqual([1, 2], af['list_of_int'])
        self.assertEqual({'a': 3}, af['dict_of_int'])
        self.assertEqual(12, af['int_validators'])
        self.assertEqual('2.1.0', af['version'])
        self.assertEqual(af, self.show(af['id']))

    def test_flexible_booleans(self):
        for value, expected in ((1, True), ('1', True), ('true', True),
                                ('True', True), (0, False), ('0', False),
                                ('false', False)):
            af = self.create(bool1=value)
            self.assertIs(expected, af['bool1'], value)

    def test_version_coercion(self):
        for given, expected in ((1, '1.0.0'), ('1', '1.0.0'),
                                ('0.0', '0.0.0'), ('2.3', '2.3.0'),
                                ('1.0.0-beta.2', '1.0.0-beta.2'),
                                ('65535.65535.65535',
                                 '65535.65535.65535')):
            self.assertEqual(expected, self.create(version=given)['version'])

    def test_tag_duplicates_dropped(self):
        af = self.create(tags=['a', 'b', 'a', 'b', 'c'])
        self.assertEqual(['a', 'b', 'c'], af['tags'])

    def test_unicode_round_trip(self):
        # 4-byte UTF-8 too: every backend must store what it accepted
        name = 'имя-名前-\U0001F389-' + self.unique()
        af = self.create(name=name, str1='\U0001F600 smile',
                         description='d\u00e9j\u00e0 vu \U0001F30D',
                         tags=['\u00fc', '\U0001F3F7'],
                         dict_of_str={'cl\u00e9': '\U0001F511'},
                         list_of_str=['\u2603'])
        self.assertEqual(name, af['name'])
        self.assertEqual(name.upper(), af['__some_meta_information__'])
        self.assertEqual(['\u00fc', '\U0001F3F7'], af['tags'])
        self.assertEqual({'cl\u00e9': '\U0001F511'}, af['dict_of_str'])
        self.assertEqual(af, self.show(af['id']))
        page = self.list('name=' + parse.quote(name))
        self.assertEqual([af], page['artifacts'])
        self.assertEqual([af['id']], self.list_ids(
            'tags=' + parse.quote('\U0001F3F7')))
        self.assertEqual([af['id']], self.list_ids(
            'str1=' + parse.quote('\U0001F600 smile')))

    def test_strings_differing_in_trailing_space_are_distinct(self):
        af = self.create(name='pad', tags=['a', 'a '],
                         list_of_str=['x', 'x '])
        self.assertEqual(['a', 'a '], af['tags'])
        self.assertEqual(['x', 'x '], af['list_of_str'])
        padded = self.create(name='pad ', tags=['b '], str1='s ')
        self.assertEqual(['b '], padded['tags'])
        self.assertEqual([af['id']], self.list_ids('name=pad'))
        self.assertEqual([padded['id']], self.list_ids('name=pad%20'))
        self.assertEqual([], self.list_ids('tags=b'))
        self.assertEqual([], self.list_ids('str1=s'))
        # and they are different names for the uniqueness rule
        self.create(name='uniq', version='1.0')
        self.create(name='uniq ', version='1.0')

    def test_name_length_bounds(self):
        self.assertEqual('n' * 255, self.create(name='n' * 255)['name'])
        self._create_error(400, {'name': 'n' * 256}, contains='name')
        self._create_error(400, {'name': ''}, contains='name')
        self._create_error(400, {'name': None}, contains='name')
        self._create_error(400, {'name': []}, contains='name')

    def test_name_required(self):
        self._create_error(400, {'int1': 1})

    def test_overlong_strings_400(self):
        self.create(str1='s' * 255, description='d' * 4096)
        for field, value in (('str1', 's' * 256),
                             ('description', 'd' * 4097),
                             ('string_validators', 'c' * 11),
                             ('tags', ['t' * 256]),
                             ('metadata', {'k': 'v' * 256}),
                             ('list_of_str', ['x' * 256]),
                             ('dict_of_str', {'k': 'x' * 256})):
            self._create_error(400, {'name': self.unique(), field: value},
                               contains=field)

    def test_nul_characters_400(self):
        for field, value in (('name', 'a\x00b'), ('str1', 'a\x00'),
                             ('description', '\x00'),
                             ('tags', ['a\x00']),
                             ('list_of_str', ['\x00']),
                             ('dict_of_str', {'k': 'v\x00'}),
                             ('dict_of_str', {'k\x00': 'v'})):
            body = {'name': self.unique(), field: value}
            self._create_error(400, body, contains=field)

    def test_bad_values_400_name_the_field(self):
        other = self.create(headers=self.auth(self.new_project()))
        cases = (
            ('int1', 'abc'), ('int1', '1.5'), ('int1', [1]),
            ('int1', {'a': 1}), ('float1', 'x'), ('float1', [1.0]),
            ('bool1', 'maybe'), ('bool1', 2), ('bool1', [True]),
            ('str1', ['s']), ('str1', {'s': 1}),
            ('list_of_int', ['a']), ('list_of_int', {'a': 1}),
            ('list_of_str', {'a': 'b'}), ('list_of_str', [['x']]),
            ('dict_of_int', {'a': 'b'}), ('dict_of_int', ['a']),
            ('dict_of_str', 'string'), ('dict_of_str', {'a': {'b': 'c'}}),
            ('string_regex', 'xyz'), ('string_regex', 'deadbeef0'),
            ('string_validators', 'cc'), ('int_validators', 9),
            ('int_validators', 21), ('int_validators', '25'),
            ('list_validators', ['a', 'a']),
            ('list_validators', ['a', 'b', 'c', 'd']),
            ('dict_validators', {'zzz': 'x'}),
            ('dict_validators', {'abc': 'a', 'def': 'b', 'ghi': 'c',
                                 'jkl': 'd'}),
            ('link1', 'not-a-link'), ('link1', 'ftp://example.com/x'),
            ('link1', '/artifacts/sample_artifact/%s' % uuid.uuid4()),
            # a private artifact of another project is not linkable
            ('link1', '/artifacts/sample_artifact/%s' % other['id']),
            ('list_of_links', ['/artifacts/sample_artifact/%s' %
                               uuid.uuid4()]),
            ('dict_of_links', {'a': 'nope'}),
            ('version', 'abc'), ('version', '65536.0.0'),
            ('version', None), ('version', []),
            ('tags', ['a,b']), ('tags', ['a/b']),
            ('tags', {'a': 'b'}), ('metadata', ['a']),
            ('metadata', {'k': ['v']}), ('description', ['d']),
        )
        for field, value in cases:
            self._create_error(400, {'name': self.unique(), field: value},
                               contains=field)
        # nothing was created by the refused requests
        self.assertEqual(0, self.count_own())

    def test_too_many_list_items_and_dict_keys_400(self):
        self.create(tags=['t%d' % i for i in range(255)])
        self._create_error(400, {'name': self.unique(),
                                 'tags': ['t%d' % i for i in range(256)]},
                           contains='tags')
        self._create_error(400, {'name': self.unique(),
                                 'metadata': {'k%d' % i: 'v'
                                              for i in range(256)}},
                           contains='metadata')

    def test_lifecycle_fields_in_body_400(self):
        for field, value in (('status', 'drafted'), ('status', 'active'),
                             ('visibility', 'private'),
                             ('visibility', 'public'),
                             ('display_type_name', 'Sample Artifact')):
            self._create_error(400, {'name': self.unique(), field: value},
                               contains=field)

    def test_system_fields_403(self):
        for field, value in (('id', str(uuid.uuid4())),
                             ('owner', self.project),
                             ('created_at', '2020-01-01T00:00:00Z'),
                             ('updated_at', '2020-01-01T00:00:00Z'),
                             ('activated_at', '2020-01-01T00:00:00Z'),
                             ('system_attribute', 'mine')):
            self._create_error(403, {'name': self.unique(), field: value})
        self.assertEqual(0, self.count_own())

    def test_unknown_field_400(self):
        self._create_error(400, {'name': self.unique(), 'nope': 1},
                           contains='nope')
        self._create_error(400, {'name': self.unique(), 'type_name': 'x'})
        self._create_error(400, {'name': self.unique(),
                                 '__some_meta_information__': 'x'})

    def test_blob_fields_400(self):
        blob = {'url': 'http://example.com', 'size': 1, 'md5': None,
                'sha1': None, 'sha256': None, 'external': True,
                'status': 'active', 'content_type': 'text/plain'}
        for field, value in (('blob', blob), ('blob', None),
                             ('small_blob', 'data'),
                             ('dict_of_blobs', {'a': blob}),
                             ('dict_of_blobs', {})):
            self._create_error(400, {'name': self.unique(), field: value},
                               contains=field)

    def test_wrong_content_type_415(self):
        body = json.dumps({'name': self.unique()})
        for ctype in ('text/plain', 'application/json-patch+json',
                      'application/x-www-form-urlencoded',
                      'application/octet-stream'):
            resp = self.request('POST', self.url(), headers=self.user,
                                data=body, content_type=ctype)
            self.assertError(415, resp)
        self.assertEqual(0, self.count_own())

    def test_json_with_charset_accepted(self):
        resp = self.request('POST', self.url(), headers=self.user,
                            data=json.dumps({'name': 'cs'}),
                            content_type='application/json; charset=UTF-8')
        self.assertEqual(201, resp.status_code, base.brief(resp))

    def test_empty_or_malformed_body_400(self):
        for data in (None, b'', b'{', b'{"name": "x"', b'name=x', b'[]',
                     b'"name"', b'null', b'12', b'\xff\xfe',
                     b'{"name": NaN}', b'{"name": "a"} trailing'):
            resp = self.request('POST', self.url(), headers=self.user,
                                data=data, content_type='application/json')
            self.assertError(400, resp)
        # no body and no content type at all
        self.assertError(400, self.request('POST', self.url(),
                                           headers=self.user))
        self.assertEqual(0, self.count_own())

    def test_deeply_nested_json_400(self):
        body = '{"name": "n", "dict_of_str": ' + '[' * 100000 + \
            ']' * 100000 + '}'
        resp = self.request('POST', self.url(), headers=self.user,
                            data=body, content_type='application/json')
        self.assertError(400, resp)

    def test_show_other_projects_private_404(self):
        af = self.create()
        other = self.auth(self.new_project())
        self.assertError(404, self.get(self.url(af['id']), headers=other))
        # an admin of any project sees it
        self.assertEqual(af, self.show(af['id'], headers=self.admin))

    def test_show_bad_ids_404(self):
        self.create()
        for bad in ('not-a-uuid', '12345', str(uuid.uuid4()),
                    str(uuid.uuid4()).replace('-', '')[:31]):
            self.assertError(404, self.get(self.url(bad),
                                           headers=self.user))

    def test_show_with_wrong_type_404(self):
        af = self.create()
        self.assertError(404, self.get(self.url(af['id'], 'images'),
                                       headers=self.user))
        self.assertError(404, self.get(self.url(af['id'], 'nope'),
                                       headers=self.user))

    def test_show_through_all(self):
        af = self.create()
        shown = self.show(af['id'], type_name='all')
        self.assertEqual('sample_artifact', shown['type_name'])
        self.assertEqual(af['id'], shown['id'])
        self.assertEqual(af['name'], shown['name'])
        self.assertEqual(af['name'].upper(),
                         shown['__some_meta_information__'])
        for key in ('owner', 'version', 'status', 'visibility', 'tags',
                    'metadata', 'created_at', 'updated_at',
                    'display_type_name', 'description'):
            self.assertEqual(af[key], shown[key], key)

    def test_create_other_types(self):
        for type_name, body in (
                ('images', {'container_format': 'bare',
                            'disk_format': 'qcow2', 'min_ram': '512'}),
                ('heat_templates', {'default_envs': {'a': 'b'}}),
                ('heat_environments', {}),
                ('tosca_templates', {'template_format': 'yaml'}),
                ('murano_packages', {'categories': ['x'],
                                     'type': 'Library'})):
            af = self.create(body, type_name=type_name)
            for key, value in body.items():
                self.assertEqual(512 if key == 'min_ram' else value,
                                 af[key], (type_name, key))
            self.assertEqual(af, self.show(af['id'], type_name=type_name))
        self.assertEqual('Application', self.create(
            type_name='murano_packages')['type'])
        self.assertError(400, self.post(self.url(type_name='images'), {
            'name': 'x', 'disk_format': 'floppy'}, headers=self.user))
        self.assertError(400, self.post(self.url(type_name='images'), {
            'name': 'x', 'min_ram': -1}, headers=self.user))
