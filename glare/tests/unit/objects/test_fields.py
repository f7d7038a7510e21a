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

"""Tests for glare.objects.fields: coercion of every kind and attributes."""

import datetime

from glare.objects import fields as glare_fields
from glare.objects import validators
from glare.tests import base as test_base
from glare.tests import base

UUID = '0b6b0ea5-1c7e-4c6e-a7b3-7b2d5f1a9c3e'
BLOB = {'url': None, 'size': 3, 'md5': 'a', 'sha1': 'b', 'sha256': 'c',
        'external': False, 'status': 'active', 'content_type': 'text/plain'}


class FieldTestCase(test_base.TestCase):

    def assertCoerces(self, field, value, expected):
        out = field.coerce_value(value)
        self.assertEqual(expected, out)
        self.assertIs(type(expected), type(out))

    def assertBad(self, field, value, *fragments):
        err = self.assertRaises(ValueError, field.coerce_value, value)
        self.assertTrue(str(err), 'empty message for %r' % (value,))
        for fragment in fragments:
            self.assertIn(fragment, str(err))
        return err


class TestString(FieldTestCase):

    field = glare_fields.Scalar(glare_fields.String)

    def test_strings(self):
        self.assertCoerces(self.field, 'abc', 'abc')
        self.assertCoerces(self.field, '', '')
        self.assertCoerces(self.field, 'ünïcode', 'ünïcode')

    def test_numbers_become_strings(self):
        self.assertCoerces(self.field, 1, '1')
        self.assertCoerces(self.field, 1.5, '1.5')

    def test_rejects(self):
        self.assertBad(self.field, True, 'string is expected', 'bool')
        self.assertBad(self.field, ['a'], 'string is expected', 'list')
        self.assertBad(self.field, {'a': 'b'}, 'string is expected', 'dict')
        self.assertBad(self.field, 'a\x00b', 'NUL')

    def test_max_length_255_by_default(self):
        self.assertCoerces(self.field, 'x' * 255, 'x' * 255)
        self.assertBad(self.field, 'x' * 256, 'length 256', '255')
        self.assertEqual([validators.MaxStrLen(255).to_jsonschema()],
                         [x.to_jsonschema() for x in self.field.validators])

    def test_explicit_max_length_replaces_the_default(self):
        field = glare_fields.Scalar(
            glare_fields.String, validators=[validators.MaxStrLen(4096)])
        self.assertCoerces(field, 'x' * 4096, 'x' * 4096)
        self.assertBad(field, 'x' * 4097, '4096')
        self.assertEqual(1, len(field.validators))

    def test_null(self):
        self.assertIsNone(self.field.coerce_value(None))
        self.assertBad(
            glare_fields.Scalar(glare_fields.String, nullable=False), None,
            'null is not allowed')

    def test_validators_run(self):
        field = glare_fields.Scalar(
            glare_fields.String,
            validators=[validators.AllowedValues(['a'])])
        self.assertCoerces(field, 'a', 'a')
        self.assertBad(field, 'b', "'b'", 'allowed')

    def test_default_ops(self):
        self.assertEqual(('eq', 'neq', 'in'), self.field.filter_ops)


class TestInteger(FieldTestCase):

    field = glare_fields.Scalar(glare_fields.Integer)

    def test_cli_strings(self):
        self.assertCoerces(self.field, '1', 1)
        self.assertCoerces(self.field, ' 2 ', 2)
        self.assertCoerces(self.field, '-7', -7)

    def test_numbers(self):
        self.assertCoerces(self.field, 3, 3)
        self.assertCoerces(self.field, 4.0, 4)

    def test_rejects(self):
        self.assertBad(self.field, '1.5', "'1.5' is not an integer")
        self.assertBad(self.field, 1.5, '1.5 is not an integer')
        self.assertBad(self.field, 'x', "'x' is not an integer")
        self.assertBad(self.field, '', 'not an integer')
        self.assertBad(self.field, '1e3', 'not an integer')
        self.assertBad(self.field, True, 'not a boolean')
        self.assertBad(self.field, [1], 'integer is expected', 'list')

    def test_range(self):
        top = 2 ** 63 - 1
        self.assertCoerces(self.field, top, top)
        self.assertCoerces(self.field, -top, -top)
        self.assertBad(self.field, top + 1, 'out of range')
        self.assertBad(self.field, str(-top - 1), 'out of range')

    def test_default_ops(self):
        self.assertEqual(glare_fields.ALL_OPS[:-1], self.field.filter_ops)
        self.assertNotIn('like', self.field.filter_ops)


class TestFloat(FieldTestCase):

    field = glare_fields.Scalar(glare_fields.Float)

    def test_cli_strings(self):
        self.assertCoerces(self.field, '1.5', 1.5)
        self.assertCoerces(self.field, '1', 1.0)
        self.assertCoerces(self.field, '-2e3', -2000.0)

    def test_numbers(self):
        self.assertCoerces(self.field, 1, 1.0)
        self.assertCoerces(self.field, 0.25, 0.25)

    def test_rejects(self):
        self.assertBad(self.field, 'x', "'x' is not a number")
        self.assertBad(self.field, True, 'not a boolean')
        self.assertBad(self.field, [1.0],
                       'number is expected')
        for bad in ('nan', 'inf', '-inf', '1e400', float('nan')):
            self.assertBad(self.field, bad, 'not a finite number')


class TestBoolean(FieldTestCase):

    field = glare_fields.Scalar(glare_fields.Boolean)

    def test_true(self):
        for value in ('1', 'true', 'True', 'TRUE', 't', 'yes', 'y', 'on',
                      1, True):
            self.assertCoerces(self.field, value, True)

    def test_false(self):
        for value in ('0', 'false', 'False', 'f', 'no', 'n', 'off', 0,
                      False):
            self.assertCoerces(self.field, value, False)

    def test_rejects(self):
        for value in ('2', 2, -1, '', 'maybe', 1.0, [True], {}):
            self.assertBad(self.field, value, 'is not a boolean')

    def test_default_ops(self):
        self.assertEqual(('eq',), self.field.filter_ops)


class TestDateTime(FieldTestCase):

    field = glare_fields.Scalar(glare_fields.DateTime)

    def test_iso_strings(self):
        expected = datetime.datetime(2020, 1, 2, 3, 4, 5)
        self.assertCoerces(self.field, '2020-01-02T03:04:05Z', expected)
        self.assertCoerces(self.field, '2020-01-02T03:04:05', expected)
        # aware values are turned into naive UTC
        self.assertCoerces(self.field, '2020-01-02T05:04:05+02:00', expected)

    def test_datetimes(self):
        naive = datetime.datetime(2020, 1, 2, 3, 4, 5, 6)
        self.assertCoerces(self.field, naive, naive)
        aware = datetime.datetime(
            2020, 1, 2, 4, 4, 5, 6,
            tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
        self.assertCoerces(self.field, aware, naive)

    def test_rejects(self):
        self.assertBad(self.field, 'yesterday', "'yesterday'", 'ISO 8601')
        self.assertBad(self.field, '2020-13-45T00:00:00', 'ISO 8601')
        self.assertBad(self.field, 5, 'datetime is expected')

    def test_output(self):
        value = datetime.datetime(2020, 1, 2, 3, 4, 5, 999)
        self.assertEqual('2020-01-02T03:04:05Z', self.field.primitive(value))
        self.assertIsNone(self.field.primitive(None))

    def test_storage_form_sorts_as_text(self):
        value = datetime.datetime(2020, 1, 2, 3, 4, 5, 6)
        self.assertEqual('2020-01-02T03:04:05.000006',
                         glare_fields.format_datetime(value))
        self.assertIsNone(glare_fields.format_datetime(None))
        earlier = glare_fields.format_datetime(value - datetime.timedelta(
            microseconds=1))
        self.assertLess(earlier, glare_fields.format_datetime(value))


class TestVersion(FieldTestCase):

    field = glare_fields.Scalar(glare_fields.Version)

    def test_coerced_to_semver(self):
        self.assertCoerces(self.field, '1', '1.0.0')
        self.assertCoerces(self.field, '0.0', '0.0.0')
        self.assertCoerces(self.field, '1.2.3-rc.1+b5', '1.2.3-rc.1+b5')
        self.assertCoerces(self.field, 1, '1.0.0')
        self.assertCoerces(self.field, 2.5, '2.5.0')

    def test_rejects(self):
        self.assertBad(self.field, 'x', "'x' is not a valid version")
        self.assertBad(self.field, '', 'not a valid version')
        self.assertBad(self.field, '65536', '65536', '65535')
        self.assertBad(self.field, True, 'must be a string')

    def test_no_implicit_length_validator(self):
        self.assertEqual([], self.field.validators)
        self.assertEqual('String', self.field.glare_type)


class TestLink(FieldTestCase):

    field = glare_fields.Scalar(glare_fields.Link)

    def test_accepts(self):
        for link in ('/artifacts/images/' + UUID,
                     '/artifacts/sample_artifact/' + UUID.upper(),
                     'http://example.com/a', 'https://example.com/b?c=d'):
            self.assertCoerces(self.field, link, link)

    def test_rejects(self):
        for link in ('ftp://example.com/a', 'example.com', '/artifacts/x',
                     '/artifacts/images/1', '/artifacts/images/%s/x' % UUID,
                     'artifacts/images/' + UUID, 'javascript:alert(1)', ''):
            self.assertBad(self.field, link, repr(link),
                           'neither /artifacts/<type>/<id> nor an http(s) URL')
        self.assertBad(self.field, True, 'string is expected')

    def test_max_length(self):
        self.assertBad(self.field, 'http://x/' + 'a' * 250, 'length 259')

    def test_glare_type(self):
        self.assertEqual('Link', self.field.glare_type)
        self.assertEqual(
            'LinkList', glare_fields.List(glare_fields.Link).glare_type)
        self.assertEqual(
            'LinkDict', glare_fields.Dict(glare_fields.Link).glare_type)


class TestBlob(FieldTestCase):

    def test_defaults(self):
        field = glare_fields.Blob()
        self.assertTrue(field.is_blob)
        self.assertFalse(field.is_folder)
        # like every field, required on activate unless stated (TYPES.md)
        self.assertTrue(field.required_on_activate)
        self.assertFalse(field.mutable)
        self.assertFalse(field.sortable)
        self.assertEqual((), field.filter_ops)
        self.assertEqual(10 * 1024 * 1024, field.max_blob_size)
        self.assertEqual('Blob', field.glare_type)

    def test_attributes_kept(self):
        field = glare_fields.Blob(
            max_blob_size=10, mutable=True, sortable=True,
            filter_ops=(glare_fields.EQ,), required_on_activate=False)
        self.assertEqual(10, field.max_blob_size)
        self.assertTrue(field.mutable)
        self.assertFalse(field.required_on_activate)
        # never sortable nor filterable, whatever the declaration says
        self.assertFalse(field.sortable)
        self.assertEqual((), field.filter_ops)

    def test_values(self):
        field = glare_fields.Blob()
        self.assertEqual(BLOB, field.coerce_value(dict(BLOB)))
        self.assertEqual(dict(BLOB, id='x'),
                         field.coerce_value(dict(BLOB, id='x')))
        self.assertBad(field, dict(BLOB, location='file:///etc/passwd'),
                       'invalid blob value')
        self.assertBad(field, 'data', 'invalid blob value')


class TestFolder(FieldTestCase):

    def test_defaults(self):
        field = glare_fields.Folder()
        self.assertTrue(field.is_blob)
        self.assertTrue(field.is_folder)
        self.assertEqual('Folder', field.container)
        self.assertEqual('BlobDict', field.glare_type)
        self.assertTrue(field.required_on_activate)
        self.assertFalse(glare_fields.Folder(required_on_activate=False)
                         .required_on_activate)
        self.assertEqual((), field.filter_ops)
        self.assertEqual(2550 * 1024 * 1024, field.max_folder_size)
        self.assertEqual(10 * 1024 * 1024, field.max_blob_size)
        self.assertEqual({}, field.get_default())

    def test_values(self):
        field = glare_fields.Folder(validators=[validators.MaxDictKeyLen(3)])
        self.assertEqual({'a/b': BLOB}, field.coerce_value({'a/b': BLOB}))
        self.assertBad(field, {'a': 'data'}, 'invalid blob value')
        self.assertBad(field, {'abcd': BLOB}, "'abcd'", 'longer than 3')
        self.assertBad(field, [BLOB], 'dict is expected')


class TestList(FieldTestCase):

    def test_cli_comma_lists(self):
        self.assertCoerces(
            glare_fields.List(glare_fields.String), 'a,b,c', ['a', 'b', 'c'])
        self.assertCoerces(glare_fields.List(glare_fields.String), 'a', ['a'])
        self.assertCoerces(glare_fields.List(glare_fields.String), '', [])
        self.assertCoerces(
            glare_fields.List(glare_fields.Integer), '1,2,3', [1, 2, 3])
        self.assertCoerces(
            glare_fields.List(glare_fields.Float), '1.5,2', [1.5, 2.0])
        self.assertCoerces(
            glare_fields.List(glare_fields.Boolean), 'true,0', [True, False])

    def test_elements_coerced(self):
        self.assertCoerces(
            glare_fields.List(glare_fields.String), ['a', 1], ['a', '1'])
        self.assertCoerces(
            glare_fields.List(glare_fields.Integer), ['1', 2], [1, 2])
        self.assertCoerces(
            glare_fields.List(glare_fields.String), ('a',), ['a'])

    def test_rejects(self):
        self.assertBad(glare_fields.List(glare_fields.Integer), '1,x',
                       "'x' is not an integer")
        self.assertBad(glare_fields.List(glare_fields.Integer), [1, None],
                       'integer is expected')
        self.assertBad(glare_fields.List(glare_fields.String), {'a': 'b'},
                       'list is expected',
                       'dict')
        self.assertBad(
            glare_fields.List(glare_fields.String), 5, 'list is expected')
        self.assertBad(
            glare_fields.List(glare_fields.Link), ['x'], "'x' is neither")
        self.assertBad(
            glare_fields.List(glare_fields.String), ['x' * 256], 'length 256')

    def test_null(self):
        self.assertIsNone(
            glare_fields.List(glare_fields.String).coerce_value(None))
        self.assertBad(
            glare_fields.List(glare_fields.String, nullable=False), None,
            'null is not allowed')

    def test_max_size(self):
        self.assertCoerces(glare_fields.List(glare_fields.Integer),
                           list(range(255)), list(range(255)))
        self.assertBad(glare_fields.List(glare_fields.Integer),
                       list(range(256)), 'list size 256', '255')
        field = glare_fields.List(glare_fields.String, max_size=3)
        self.assertCoerces(field, 'a,b,c', ['a', 'b', 'c'])
        self.assertBad(field, 'a,b,c,d', 'list size 4', '3')

    def test_unique_strict(self):
        field = glare_fields.List(
            glare_fields.String, validators=[validators.Unique()])
        self.assertCoerces(field, 'a,b', ['a', 'b'])
        self.assertBad(field, 'a,b,a', 'duplicate')

    def test_unique_drops_duplicates(self):
        field = glare_fields.List(
            glare_fields.String,
            validators=[validators.Unique(convert_to_set=True)])
        self.assertCoerces(field, 'b,a,b,c,a', ['b', 'a', 'c'])

    def test_element_validators(self):
        field = glare_fields.List(glare_fields.String, element_validators=[
            validators.ForbiddenChars([',', '/']), validators.MinStrLen(1)])
        self.assertCoerces(field, ['a', 'b c'], ['a', 'b c'])
        self.assertBad(field, ['a/b'], "'/'")
        self.assertBad(field, ['a', ''], 'length 0')

    def test_default_is_a_fresh_empty_list(self):
        field = glare_fields.List(glare_fields.String)
        first = field.get_default()
        self.assertEqual([], first)
        first.append('x')
        self.assertEqual([], field.get_default())

    def test_declaration(self):
        field = glare_fields.List(glare_fields.Integer, sortable=True)
        self.assertEqual('List', field.container)
        self.assertFalse(field.sortable)
        self.assertFalse(field.is_blob)
        self.assertEqual('IntegerList', field.glare_type)
        self.assertEqual(
            'StringList', glare_fields.List(glare_fields.String).glare_type)
        self.assertEqual(
            'FloatList', glare_fields.List(glare_fields.Float).glare_type)
        self.assertEqual(
            'BooleanList', glare_fields.List(glare_fields.Boolean).glare_type)

    def test_primitive(self):
        field = glare_fields.List(glare_fields.DateTime)
        self.assertEqual(['2020-01-02T03:04:05Z'], field.primitive(
            [datetime.datetime(2020, 1, 2, 3, 4, 5)]))
        self.assertIsNone(field.primitive(None))


class TestDict(FieldTestCase):

    def test_values(self):
        self.assertCoerces(
            glare_fields.Dict(glare_fields.String), {'a': 'b', 'c': 1},
            {'a': 'b', 'c': '1'})
        self.assertCoerces(
            glare_fields.Dict(glare_fields.Integer), {'a': '1'}, {'a': 1})
        self.assertCoerces(
            glare_fields.Dict(glare_fields.Boolean), {'a': 'yes'}, {'a': True})
        self.assertCoerces(glare_fields.Dict(glare_fields.String), {}, {})

    def test_rejects(self):
        self.assertBad(glare_fields.Dict(glare_fields.Integer), {'a': 'x'},
                       "'x' is not an integer")
        self.assertBad(glare_fields.Dict(glare_fields.String), 'a=b',
                       'dict is expected', 'str')
        self.assertBad(
            glare_fields.Dict(glare_fields.String), ['a'], 'dict is expected')
        for key in ('', 1, 'k' * 256, 'a\x00'):
            self.assertBad(glare_fields.Dict(glare_fields.String), {key: 'v'},
                           'dict keys')
        self.assertBad(glare_fields.Dict(glare_fields.String),
                       {'a': 'x' * 256}, 'length 256')
        self.assertBad(
            glare_fields.Dict(glare_fields.Link), {'a': 'x'}, 'neither')

    def test_max_size(self):
        big = {str(i): 'v' for i in range(255)}
        self.assertCoerces(glare_fields.Dict(glare_fields.String), big, big)
        self.assertBad(
            glare_fields.Dict(glare_fields.String), dict(big, x='v'),
            'dict size 256', '255')
        self.assertBad(glare_fields.Dict(glare_fields.String, max_size=1),
                       {'a': '1', 'b': '2'},
                       'dict size 2')

    def test_allowed_keys(self):
        field = glare_fields.Dict(
            glare_fields.String,
            validators=[validators.AllowedDictKeys(['a', 'b'])])
        self.assertCoerces(field, {'a': 'x'}, {'a': 'x'})
        self.assertBad(field, {'a': 'x', 'z': 'y'}, "['z']", 'not allowed')

    def test_declaration(self):
        field = glare_fields.Dict(glare_fields.Integer, sortable=True)
        self.assertEqual('Dict', field.container)
        self.assertFalse(field.sortable)
        self.assertFalse(field.is_blob)
        self.assertEqual('IntegerDict', field.glare_type)
        self.assertEqual(
            'StringDict', glare_fields.Dict(glare_fields.String).glare_type)
        self.assertEqual({}, field.get_default())
        self.assertIsNone(
            glare_fields.Dict(glare_fields.String, default=None).get_default())

    def test_default_is_a_fresh_dict(self):
        field = glare_fields.Dict(glare_fields.String, default={'a': 'b'})
        first = field.get_default()
        first['c'] = 'd'
        self.assertEqual({'a': 'b'}, field.get_default())

    def test_primitive(self):
        field = glare_fields.Dict(glare_fields.DateTime)
        self.assertEqual({'a': '2020-01-02T03:04:05Z'}, field.primitive(
            {'a': datetime.datetime(2020, 1, 2, 3, 4, 5)}))


class TestFieldAttributes(test_base.TestCase):

    def test_defaults(self):
        field = glare_fields.Scalar(glare_fields.String)
        self.assertFalse(field.mutable)
        self.assertTrue(field.required_on_activate)
        self.assertFalse(field.system)
        self.assertTrue(field.nullable)
        self.assertFalse(field.sortable)
        self.assertIsNone(field.get_default())
        self.assertIsNone(field.description)
        self.assertEqual({}, field.metadata)
        self.assertIsNone(field.container)
        self.assertEqual('String', field.glare_type)

    def test_declared(self):
        field = glare_fields.Scalar(
            glare_fields.Integer, mutable=True, required_on_activate=False,
            system=True, nullable=False, default=5,
            sortable=True, filter_ops=(glare_fields.EQ, glare_fields.GT),
            description='d', metadata={'k': 'v'})
        self.assertTrue(field.mutable)
        self.assertFalse(field.required_on_activate)
        self.assertTrue(field.system)
        self.assertFalse(field.nullable)
        self.assertTrue(field.sortable)
        self.assertEqual(('eq', 'gt'), field.filter_ops)
        self.assertEqual(5, field.get_default())
        self.assertEqual('d', field.description)
        self.assertEqual({'k': 'v'}, field.metadata)

    def test_no_filter_ops(self):
        self.assertEqual((), glare_fields.Scalar(
            glare_fields.String, filter_ops=()).filter_ops)
        self.assertEqual((), glare_fields.Scalar(
            glare_fields.String, filter_ops=[]).filter_ops)

    def test_kind_class_or_instance(self):
        self.assertEqual(repr(glare_fields.Scalar(glare_fields.Integer)),
                         repr(glare_fields.Scalar(glare_fields.Integer())))

    def test_repr_carries_the_attributes(self):
        # the object fingerprints are computed from this repr
        base = repr(glare_fields.Scalar(glare_fields.String))
        for kwargs in ({'mutable': True}, {'required_on_activate': False},
                       {'system': True}, {'nullable': False},
                       {'sortable': True}, {'filter_ops': ()},
                       {'default': 'x'}, {'metadata': {'a': 'b'}},
                       {'validators': [validators.MaxStrLen(10)]}):
            self.assertNotEqual(base, repr(glare_fields.Scalar(
                glare_fields.String, **kwargs)),
                                kwargs)
        self.assertNotEqual(repr(glare_fields.Scalar(glare_fields.String)),
                            repr(glare_fields.Scalar(glare_fields.Link)))
        self.assertNotEqual(repr(glare_fields.List(glare_fields.String)),
                            repr(glare_fields.Dict(glare_fields.String)))
        self.assertNotEqual(repr(glare_fields.List(glare_fields.String)),
                            repr(glare_fields.List(
                                glare_fields.String, max_size=3)))
        self.assertNotEqual(repr(glare_fields.Blob()), repr(glare_fields.Blob(
            max_blob_size=1)))
        self.assertNotEqual(repr(glare_fields.Folder()),
                            repr(glare_fields.Folder(max_folder_size=1)))
        # descriptions are documentation, not part of the field set
        self.assertEqual(base, repr(glare_fields.Scalar(
            glare_fields.String, description='x')))


class TestFilterOps(base.TestCase):
    """SPEC 6: each kind's operators, and only those the query can do."""

    def test_defaults_per_kind(self):
        for field, ops in (
                (glare_fields.Scalar(glare_fields.String),
                 ('eq', 'neq', 'in')),
                (glare_fields.Scalar(glare_fields.Integer),
                 glare_fields.ORDER_OPS),
                (glare_fields.Scalar(glare_fields.Float),
                 glare_fields.ORDER_OPS),
                (glare_fields.Scalar(glare_fields.Version),
                 glare_fields.ORDER_OPS),
                (glare_fields.Scalar(glare_fields.Boolean), ('eq',)),
                (glare_fields.Scalar(glare_fields.Link), ('eq', 'neq')),
                (glare_fields.Scalar(glare_fields.DateTime), ('lt', 'gt')),
                (glare_fields.List(glare_fields.String), ('eq', 'in')),
                (glare_fields.List(glare_fields.Integer), ('eq', 'in')),
                (glare_fields.Dict(glare_fields.String), ('eq', 'in')),
                (glare_fields.List(glare_fields.Link), ('eq',)),
                (glare_fields.Dict(glare_fields.Link), ('eq',)),
                (glare_fields.Blob(), ()), (glare_fields.Folder(), ())):
            self.assertEqual(ops, field.filter_ops, repr(field))

    def test_declared_ops_the_query_cannot_do(self):
        for make, ops in (
                (lambda o: glare_fields.Scalar(
                    glare_fields.Integer, filter_ops=o), (glare_fields.LIKE,)),
                (lambda o: glare_fields.Scalar(
                    glare_fields.Boolean, filter_ops=o), (glare_fields.GT,)),
                (lambda o: glare_fields.Scalar(
                    glare_fields.Version, filter_ops=o), (glare_fields.LIKE,)),
                (lambda o: glare_fields.Dict(
                    glare_fields.String, filter_ops=o), (glare_fields.LIKE,)),
                (lambda o: glare_fields.Dict(
                    glare_fields.Integer, filter_ops=o),
                 (glare_fields.EQ, glare_fields.GT)),
                (lambda o: glare_fields.List(
                    glare_fields.Integer, filter_ops=o), (glare_fields.LIKE,)),
                (lambda o: glare_fields.Scalar(
                    glare_fields.String, filter_ops=o), ('bogus',)),
                (lambda o: glare_fields.Scalar(
                    glare_fields.String, filter_ops=o),
                 (glare_fields.EQ, glare_fields.EQ))):
            err = self.assertRaises(ValueError, make, ops)
            self.assertIn('filter_ops %s:' % ', '.join(ops), str(err))

    def test_declared_ops_kept_in_order(self):
        self.assertEqual(('like', 'eq'), glare_fields.Scalar(
            glare_fields.String, filter_ops=(
                glare_fields.LIKE, glare_fields.EQ)).filter_ops)
        self.assertEqual(('eq', 'neq', 'in'), glare_fields.Dict(
            glare_fields.Integer, filter_ops=(glare_fields.EQ,
                                              glare_fields.NEQ,
                                              glare_fields.IN)).filter_ops)
        self.assertEqual(('gt', 'like'), glare_fields.List(
            glare_fields.String, filter_ops=(
                glare_fields.GT, glare_fields.LIKE)).filter_ops)

