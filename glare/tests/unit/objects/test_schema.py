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

"""Tests for glare.objects.schema: the type schemas clients read (SPEC §6)."""

import jsonschema

from glare.objects import fields as glare_fields
from glare.objects import schema
from glare.objects import validators
from glare.objects import version as glare_version
from glare.tests import base
from glare.tests.unit import objects as helpers

STR_OPS = ['eq', 'neq', 'in']
NUM_OPS = ['eq', 'neq', 'in', 'gt', 'gte', 'lt', 'lte']
#: upstream's operators of the base fields (SPEC 6)
NAME_OPS = ['like', 'eq', 'neq', 'in']
DT_OPS = ['lt', 'gt']
MIB = 1024 * 1024
UUID_PATTERN = ('^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}'
                '-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$')
BLOB_KEYS = ['url', 'size', 'md5', 'sha1', 'sha256', 'external', 'status',
             'content_type']
BLOB_VALUE = {
    'type': ['object', 'null'],
    'properties': {
        'url': {'type': ['string', 'null']},
        'size': {'type': ['number', 'null']},
        'md5': {'type': ['string', 'null']},
        'sha1': {'type': ['string', 'null']},
        'sha256': {'type': ['string', 'null']},
        'external': {'type': 'boolean'},
        'status': {'type': 'string', 'enum': ['saving', 'active']},
        'content_type': {'type': ['string', 'null']},
    },
    'required': BLOB_KEYS,
    'additionalProperties': False,
}
NULL_STR = ['string', 'null']
STR_ITEM = {'type': NULL_STR, 'maxLength': 255}


def _blob(**extra):
    return dict(BLOB_VALUE, glareType='Blob', filter_ops=[], **extra)


def _str(**extra):
    return dict({'type': NULL_STR, 'glareType': 'String', 'maxLength': 255,
                 'filter_ops': STR_OPS}, **extra)


DT_BASE = {'type': 'string', 'format': 'date-time', 'glareType': 'DateTime',
           'filter_ops': DT_OPS, 'readOnly': True, 'sortable': True}

#: provided_by and supported_by: three known keys, href an http(s) URL
CONTACT = {
    'type': 'object', 'glareType': 'StringDict', 'maxProperties': 255,
    'properties': {
        'name': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'company': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'href': {'type': 'string', 'minLength': 1, 'maxLength': 2048,
                 'format': 'uri',
                 'pattern': '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#]+\\S*$'},
    },
    'additionalProperties': False, 'default': {},
    'filter_ops': ['eq', 'neq', 'in'], 'mutable': True,
    'required_on_activate': False,
}

#: the base fields every type has (SPEC §6), as the schema shows them
BASE_PROPERTIES = {
    'id': {'type': 'string', 'glareType': 'String', 'maxLength': 255,
           'pattern': UUID_PATTERN, 'filter_ops': STR_OPS, 'readOnly': True,
           'sortable': True, 'description': 'Artifact UUID.'},
    'name': {'type': 'string', 'glareType': 'String', 'minLength': 1,
             'maxLength': 255, 'filter_ops': NAME_OPS,
             'sortable': True, 'required_on_activate': False,
             'description': 'Artifact Name.'},
    'owner': {'type': 'string', 'glareType': 'String', 'maxLength': 255,
              'filter_ops': STR_OPS, 'readOnly': True,
              'sortable': True, 'required_on_activate': False,
              'description': 'ID of user/tenant who uploaded artifact.'},
    'status': {'type': 'string', 'glareType': 'String', 'maxLength': 255,
               'enum': ['drafted', 'active', 'deactivated', 'deleted'],
               'default': 'drafted', 'filter_ops': STR_OPS,
               'sortable': True, 'description': 'Artifact status.'},
    'visibility': {'type': 'string', 'glareType': 'String', 'maxLength': 255,
                   'enum': ['private', 'shared', 'community', 'public'],
                   'default': 'private',
                   'filter_ops': STR_OPS, 'sortable': True,
                   'description': 'Artifact visibility that defines if '
                                  'artifact can be available to other '
                                  'users.'},
    'version': {'type': 'string', 'glareType': 'String',
                'pattern': glare_version.PATTERN, 'default': '0.0.0',
                'filter_ops': NUM_OPS, 'sortable': True,
                'required_on_activate': False,
                'description': 'Artifact version(semver).'},
    'description': {'type': NULL_STR, 'glareType': 'String',
                    'maxLength': 4096, 'default': '',
                    'filter_ops': [], 'mutable': True,
                    'required_on_activate': False,
                    'description': 'Artifact description.'},
    'tags': {'type': 'array', 'glareType': 'StringList',
             'items': {'type': NULL_STR, 'maxLength': 255, 'minLength': 1,
                       'pattern': '^[^,/]*$'},
             'maxItems': 255, 'uniqueItems': True, 'default': [],
             'filter_ops': ['neq'], 'mutable': True,
             'required_on_activate': False,
             'description': 'List of tags added to Artifact.'},
    'metadata': {'type': 'object', 'glareType': 'StringDict',
                 'additionalProperties': STR_ITEM, 'maxProperties': 255,
                 'default': {}, 'filter_ops': STR_OPS,
                 'required_on_activate': False,
                 'description': 'Key-value dict with useful information '
                                'about an artifact.'},
    'created_at': dict(DT_BASE, description='Datetime when artifact has '
                                            'been created.'),
    'updated_at': dict(DT_BASE, mutable=True,
                       description='Datetime when artifact has been '
                                   'updated last time.'),
    'activated_at': dict(DT_BASE, type=NULL_STR, required_on_activate=False,
                         description='Datetime when artifact has became '
                                     'active.'),
    'display_type_name': {'type': 'string', 'glareType': 'String',
                          'maxLength': 255, 'filter_ops': NAME_OPS,
                          'readOnly': True, 'required_on_activate': False,
                          'sortable': True,
                          'description': 'Display name of artifact type.'},
    # API 1.3: where an imported artifact came from
    'origin': {'type': ['object', 'null'], 'glareType': 'StringDict',
               'additionalProperties': STR_ITEM, 'maxProperties': 255,
               'filter_ops': [], 'readOnly': True,
               'required_on_activate': False,
               'description': 'Where an imported artifact came from: '
                              'cloud_id, upstream, id (its id there) and '
                              'digest (of the bundle manifest it came in); '
                              'null for artifacts made here.'},
    # API 1.5: the verified signatures of the blobs
    'signatures': {'type': 'object', 'glareType': 'SignatureRecordDict',
                   'additionalProperties':
                       glare_fields.SignatureRecord.json_schema,
                   'default': {}, 'filter_ops': [], 'readOnly': True,
                   'required_on_activate': False,
                   'description': 'The verified signatures of the blobs, by '
                                  'blob field (folder entries: "field/key"): '
                                  'who signed (certificate_id, '
                                  'fingerprint_sha256, subject), how '
                                  '(hash_method, key_type, form) and when '
                                  '(verified_at). A blob whose data changes '
                                  'loses its record.'},
    # API 1.6: the generic catalog fields, all mutable
    'provided_by': dict(CONTACT, description='Who provides the artifact: '
                        'name, href (an http(s) URL) and company, each '
                        'optional.'),
    'supported_by': dict(CONTACT, description='Who supports the artifact: '
                         'name, href (an http(s) URL) and company, each '
                         'optional.'),
    'license': _str(minLength=1, filter_ops=NAME_OPS, mutable=True,
                    required_on_activate=False,
                    description='The license of the artifact: an SPDX '
                                'identifier or expression (Apache-2.0, MIT '
                                'OR GPL-2.0-only) or free text.'),
    'icon': _blob(maxBlobSize=1024 * 1024, mutable=True,
                  required_on_activate=False,
                  contentTypes=['image/png', 'image/jpeg', 'image/svg+xml'],
                  description='An image shown with the artifact: PNG, JPEG '
                              'or SVG, at most 1 MiB, checked by its content '
                              'when uploaded.'),
    # API 1.6: the catalog signals
    'star_count': {'type': 'integer', 'glareType': 'Integer', 'default': 0,
                   'filter_ops': NUM_OPS, 'readOnly': True, 'sortable': True,
                   'required_on_activate': False,
                   'description': 'How many users starred the artifact.'},
    'rating': dict(glare_fields.Rating.json_schema, glareType='Rating',
                   default={'average': None, 'count': 0},
                   filter_ops=NUM_OPS, readOnly=True, sortable=True,
                   required_on_activate=False,
                   description='The average rating (1 to 5) of the visible '
                               'reviews of the artifact (null without any) '
                               'and their number. Filtered and sorted by the '
                               'average.'),
    'downloads': dict(glare_fields.Downloads.json_schema,
                      glareType='Downloads',
                      default={'total': 0, 'last_30_days': 0},
                      filter_ops=NUM_OPS, readOnly=True, sortable=True,
                      required_on_activate=False,
                      description='How many times the artifact\'s blobs '
                                  'were downloaded from their first byte by '
                                  'other projects than its own: in all, and '
                                  'in the last 30 days (UTC, today '
                                  'included). Counted in memory and written '
                                  'every few seconds. Filtered and sorted by '
                                  'the total.'),
}

#: sample_artifact's own fields (TYPES.md), as the schema shows them
SAMPLE_PROPERTIES = {
    'blob': _blob(maxBlobSize=10 * MIB, mutable=True,
                  required_on_activate=False, description='I am Blob'),
    'small_blob': _blob(maxBlobSize=10, mutable=True,
                        required_on_activate=False),
    'link1': _str(glareType='Link', required_on_activate=False,
                  filter_ops=['eq', 'neq']),
    'link2': _str(glareType='Link', required_on_activate=False,
                  filter_ops=['eq', 'neq']),
    'bool1': {'type': ['boolean', 'null'], 'glareType': 'Boolean',
              'filter_ops': ['eq'], 'default': False,
              'required_on_activate': False},
    'bool2': {'type': ['boolean', 'null'], 'glareType': 'Boolean',
              'filter_ops': ['eq'], 'default': False,
              'required_on_activate': False},
    'int1': {'type': ['integer', 'null'], 'glareType': 'Integer',
             'filter_ops': NUM_OPS, 'sortable': True,
             'required_on_activate': False},
    'int2': {'type': ['integer', 'null'], 'glareType': 'Integer',
             'filter_ops': NUM_OPS, 'sortable': True,
             'required_on_activate': False},
    'float1': {'type': ['number', 'null'], 'glareType': 'Float',
               'filter_ops': NUM_OPS, 'sortable': True,
               'required_on_activate': False},
    'float2': {'type': ['number', 'null'], 'glareType': 'Float',
               'filter_ops': NUM_OPS, 'sortable': True,
               'required_on_activate': False},
    'str1': _str(filter_ops=['like', 'eq', 'neq', 'in'], sortable=True,
                 required_on_activate=False),
    'list_of_str': {'type': ['array', 'null'], 'glareType': 'StringList',
                    'items': STR_ITEM, 'maxItems': 255, 'default': [],
                    'filter_ops': ['eq', 'in'],
                    'required_on_activate': False},
    'list_of_int': {'type': ['array', 'null'], 'glareType': 'IntegerList',
                    'items': {'type': ['integer', 'null']}, 'maxItems': 255,
                    'default': [], 'filter_ops': ['eq', 'in'],
                    'required_on_activate': False},
    'dict_of_str': {'type': ['object', 'null'], 'glareType': 'StringDict',
                    'additionalProperties': STR_ITEM, 'maxProperties': 255,
                    'default': {}, 'filter_ops': ['eq', 'in'],
                    'required_on_activate': False},
    'dict_of_int': {'type': ['object', 'null'], 'glareType': 'IntegerDict',
                    'additionalProperties': {'type': ['integer', 'null']},
                    'maxProperties': 255, 'default': {},
                    'filter_ops': ['eq', 'in'],
                    'required_on_activate': False},
    'dict_of_links': {'type': ['object', 'null'], 'glareType': 'LinkDict',
                      'additionalProperties': STR_ITEM,
                      'maxProperties': 255, 'default': {},
                      'filter_ops': ['eq'], 'mutable': True,
                      'required_on_activate': False},
    'list_of_links': {'type': ['array', 'null'], 'glareType': 'LinkList',
                      'items': STR_ITEM, 'maxItems': 255, 'default': [],
                      'filter_ops': ['eq'], 'mutable': True,
                      'required_on_activate': False},
    'dict_of_blobs': {'type': ['object', 'null'], 'glareType': 'BlobDict',
                      'additionalProperties': BLOB_VALUE,
                      'maxFolderSize': 2000, 'maxBlobSize': 10 * MIB,
                      'propertyNames': {'maxLength': 1000},
                      'default': {}, 'filter_ops': [],
                      'required_on_activate': False},
    'string_mutable': _str(mutable=True, required_on_activate=False),
    'string_regex': _str(pattern='^([0-9a-fA-F]){8}$',
                         required_on_activate=False),
    'string_required': _str(),
    'string_validators': _str(enum=['aa', 'bb', 'c' * 11, None],
                              maxLength=10,
                              required_on_activate=False),
    'int_validators': {'type': ['integer', 'null'],
                       'glareType': 'Integer', 'filter_ops': NUM_OPS,
                       'minimum': 10, 'maximum': 20,
                       'required_on_activate': False},
    'list_validators': {'type': ['array', 'null'],
                        'glareType': 'StringList', 'items': STR_ITEM,
                        'maxItems': 3, 'uniqueItems': True, 'default': [],
                        'filter_ops': [], 'required_on_activate': False},
    'dict_validators': {'type': ['object', 'null'],
                        'glareType': 'StringDict',
                        'properties': {'abc': {}, 'def': {}, 'ghi': {},
                                       'jkl': {}},
                        'additionalProperties': False, 'maxProperties': 3,
                        'filter_ops': [], 'required_on_activate': False},
    'system_attribute': _str(readOnly=True, sortable=True,
                             default='default'),
    'metadata_attribute': _str(default='default',
                               metadata={'metadata1': 'value1',
                                         'metadata2': 'blahblahblah'}),
    '__some_meta_information__': {'type': NULL_STR, 'glareType': 'String',
                                  'readOnly': True, 'filter_ops': []},
}

DISPLAY_NAMES = {
    'all': 'All Artifacts', 'heat_environments': 'Heat Environments',
    'heat_templates': 'Heat Templates', 'images': 'Images',
    'murano_packages': 'Murano packages', 'secrets': 'Secrets',
    'tosca_templates': 'TOSCA Templates', 'sample_artifact': 'Sample Artifact',
}

#: keys of the schema attributes a declaration controls; a key missing
#: from an expectation below must be missing from the property too
CONTROLLED = ('required_on_activate', 'mutable', 'sortable', 'readOnly',
              'default', 'enum')

#: the builtin types whose version is not TYPES.md's 1.0
#: 1.2 (1.3): the base field signatures (API 1.5); 1.3 (1.4): the base
#: catalog fields and the fields star_count and rating (API 1.6); images
#: 1.4: its read-only link converted_from (image conversion)
TYPE_VERSIONS = {'murano_packages': '1.4', 'images': '1.4'}
DEFAULT_TYPE_VERSION = '1.3'

#: the builtin types' own fields (TYPES.md); roa is True unless stated (blobs
#: too); a nullable field's enum ends with None, so that null validates
BUILTIN_FIELDS = {
    'all': {
        'type_name': {'glareType': 'String', 'readOnly': True,
                      'sortable': True,
                      'filter_ops': ['like', 'eq', 'neq', 'in']},
    },
    'images': {
        'container_format': {
            'glareType': 'String',
            'enum': ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker',
                     None]},
        'disk_format': {
            'glareType': 'String',
            'enum': ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw',
                     'qcow2', 'vdi', 'iso', None]},
        'min_ram': {'glareType': 'Integer', 'minimum': 0,
                    'required_on_activate': False},
        'min_disk': {'glareType': 'Integer', 'minimum': 0,
                     'required_on_activate': False},
        'image': {'glareType': 'Blob', 'maxBlobSize': 1000 * 1024 ** 3,
                  'required_on_activate': False},
        'kernel_id': {'glareType': 'String', 'pattern': UUID_PATTERN,
                      'required_on_activate': False},
        'ramdisk_id': {'glareType': 'String', 'pattern': UUID_PATTERN,
                       'required_on_activate': False},
        'instance_uuid': {'glareType': 'String',
                          'required_on_activate': False},
        'architecture': {'glareType': 'String',
                         'required_on_activate': False},
        'os_distro': {'glareType': 'String', 'required_on_activate': False},
        'os_version': {'glareType': 'String', 'required_on_activate': False},
        'converted_from': {'glareType': 'Link', 'readOnly': True,
                           'required_on_activate': False},
    },
    'heat_templates': {
        'environments': {'glareType': 'LinkDict', 'mutable': True,
                         'default': {}},
        'template': {'glareType': 'Blob', 'maxBlobSize': 10 * MIB},
        'nested_templates': {'glareType': 'BlobDict', 'default': {}},
        'default_envs': {'glareType': 'StringDict', 'mutable': True,
                         'default': {}},
    },
    'heat_environments': {
        'environment': {'glareType': 'Blob', 'maxBlobSize': 10 * MIB},
    },
    'tosca_templates': {
        'template_format': {'glareType': 'String'},
        'template': {'glareType': 'Blob', 'maxBlobSize': 10 * MIB},
    },
    'murano_packages': {
        'package': {'glareType': 'Blob', 'maxBlobSize': 100 * MIB,
                    'required_on_activate': False},
        'type': {'glareType': 'String',
                 'enum': ['Application', 'Library', None],
                 'default': 'Application'},
        'display_name': {'glareType': 'String', 'mutable': True},
        'categories': {'glareType': 'StringList', 'mutable': True,
                       'default': []},
        'class_definitions': {'glareType': 'StringList',
                              'uniqueItems': True, 'default': []},
        'inherits': {'glareType': 'StringDict', 'default': {}},
        'keywords': {'glareType': 'StringList', 'mutable': True,
                     'default': []},
        'dependencies': {'glareType': 'LinkList', 'default': [],
                         'required_on_activate': False},
        # not in TYPES.md: added with version 1.1 (the package's logo and
        # UI definition, written by the service only)
        'resources': {'glareType': 'BlobDict', 'readOnly': True,
                      'default': {}, 'required_on_activate': False,
                      'maxBlobSize': 5 * MIB, 'maxFolderSize': 10 * MIB},
    },
    'secrets': {
        'payload': {'glareType': 'Blob', 'maxBlobSize': 10 * MIB},
        'payload_content_encoding': {'glareType': 'String',
                                     'default': 'base64',
                                     'enum': ['base64', None],
                                     'filter_ops': []},
        'secret_type': {'glareType': 'String', 'default': 'opaque',
                        'sortable': True, 'filter_ops': ['eq'],
                        'enum': ['symmetric', 'public', 'private',
                                 'passphrase', 'certificate', 'opaque',
                                 None]},
        'algorithm': {'glareType': 'String', 'filter_ops': ['eq']},
        'bit_length': {'glareType': 'Integer', 'minimum': 1,
                       'sortable': True},
        'mode': {'glareType': 'String', 'filter_ops': ['eq']},
    },
}
# By the letter of TYPES.md the secrets metadata fields are required on
# activation (its table states no roa for them), but upstream 5.0.1 declared
# them required_on_activate=False and the type follows upstream: left
# unchecked until the contract says which one holds.
_ROA_UNSPECIFIED = {('secrets', n) for n in (
    'payload_content_encoding', 'secret_type', 'algorithm', 'bit_length',
    'mode')}


def _default_ops(glare_type):
    """SPEC 6: the operators of a typed field that names none."""
    if glare_type in ('Blob', 'BlobDict'):
        return []
    if glare_type in ('Integer', 'Float'):
        return NUM_OPS
    if glare_type == 'DateTime':
        return DT_OPS
    if glare_type == 'Boolean':
        return ['eq']
    if glare_type == 'Link':
        return ['eq', 'neq']
    if glare_type in ('LinkList', 'LinkDict'):
        return ['eq']
    if glare_type.endswith(('List', 'Dict')):
        return ['eq', 'in']
    return STR_OPS


class SchemaTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.types = dict(helpers.load_types(self).items())
        self.schemas = {n: schema.type_schema(c)
                        for n, c in self.types.items()}


class TestSampleArtifactSchema(SchemaTestCase):

    def test_header(self):
        sample = self.schemas['sample_artifact']
        self.assertEqual({
            'name': 'sample_artifact', 'version': '1.3',
            'title': 'Artifact type sample_artifact of version 1.3',
            'type': 'object', 'display_name': 'Sample Artifact',
            'required': ['name']},
            {k: v for k, v in sample.items() if k != 'properties'})

    def test_property_names(self):
        self.assertEqual(sorted(set(BASE_PROPERTIES) | set(SAMPLE_PROPERTIES)),
                         sorted(self.schemas['sample_artifact']['properties']))

    def test_every_sample_property(self):
        props = self.schemas['sample_artifact']['properties']
        for name, expected in SAMPLE_PROPERTIES.items():
            self.assertEqual(expected, props[name], name)

    def test_every_base_property(self):
        props = self.schemas['sample_artifact']['properties']
        for name, expected in BASE_PROPERTIES.items():
            self.assertEqual(expected, props[name], name)

    def test_nullable_shows_null(self):
        props = self.schemas['sample_artifact']['properties']
        for name, field in self.types['sample_artifact'].fields.items():
            json_type = props[name]['type']
            self.assertEqual(field.nullable, isinstance(json_type, list)
                             and 'null' in json_type, name)


class TestBlobSchema(base.TestCase):

    def test_blob_value(self):
        # SPEC §6 blob value; §12.6: the blob schema lists url
        # like every field, a blob is required on activate unless stated
        self.assertEqual(_blob(maxBlobSize=10 * MIB),
                         schema.field_schema(glare_fields.Blob()))
        self.assertEqual(sorted(BLOB_KEYS),
                         sorted(BLOB_VALUE['properties']))

    def test_folder_elements(self):
        prop = schema.field_schema(glare_fields.Folder(max_folder_size=5,
                                                       max_blob_size=2))
        self.assertEqual(BLOB_VALUE, prop['additionalProperties'])
        self.assertEqual(5, prop['maxFolderSize'])
        self.assertEqual(2, prop['maxBlobSize'])

    def test_datetime_elements(self):
        prop = schema.field_schema(glare_fields.List(glare_fields.DateTime))
        self.assertEqual({'type': NULL_STR, 'format': 'date-time'},
                         prop['items'])
        self.assertEqual('DateTimeList', prop['glareType'])

    def test_nullable_enum_admits_null(self):
        # a nullable field's null validates against its own schema
        prop = schema.field_schema(glare_fields.Scalar(
            glare_fields.String, validators=[validators.AllowedValues(
                ['a', 'b'])]))
        self.assertEqual(['a', 'b', None], prop['enum'])
        checker = jsonschema.Draft4Validator(prop)
        for good in ('a', 'b', None):
            self.assertTrue(checker.is_valid(good), good)
        self.assertFalse(checker.is_valid('c'))
        # not for a non-nullable field
        prop = schema.field_schema(glare_fields.Scalar(
            glare_fields.String, nullable=False,
            validators=[validators.AllowedValues(['a', 'b'])]))
        self.assertEqual(['a', 'b'], prop['enum'])
        self.assertFalse(jsonschema.Draft4Validator(prop).is_valid(None))

    def test_non_nullable_containers(self):
        self.assertEqual('array', schema.field_schema(
            glare_fields.List(glare_fields.String, nullable=False))['type'])
        self.assertEqual('object', schema.field_schema(
            glare_fields.Dict(glare_fields.String, nullable=False))['type'])
        self.assertEqual('integer', schema.field_schema(
            glare_fields.Scalar(glare_fields.Integer, nullable=False))['type'])


#: base fields a type declares again, with their schema there: images
#: take signatures of up to 2,048 characters in metadata img_signature
#: (Glance's image signature properties), the other values 255
BASE_OVERRIDES = {
    ('images', 'metadata'): dict(
        BASE_PROPERTIES['metadata'],
        properties={'img_signature': {'type': NULL_STR, 'maxLength': 2048}},
        description=BASE_PROPERTIES['metadata']['description'] +
        ' Images: the value of img_signature may be up to 2048 characters '
        'long (a Glance-style signature of the image data), the others '
        '255.'),
}


class TestBuiltinSchemas(SchemaTestCase):

    def check_type(self, type_name):
        doc = self.schemas[type_name]
        version = TYPE_VERSIONS.get(type_name, DEFAULT_TYPE_VERSION)
        self.assertEqual({
            'name': type_name, 'version': version,
            'title': 'Artifact type %s of version %s' % (type_name,
                                                         version),
            'type': 'object', 'display_name': DISPLAY_NAMES[type_name],
            'required': ['name']},
            {k: v for k, v in doc.items() if k != 'properties'})
        own = BUILTIN_FIELDS[type_name]
        self.assertEqual(sorted(set(BASE_PROPERTIES) | set(own)),
                         sorted(doc['properties']))
        for name, expected in BASE_PROPERTIES.items():
            expected = BASE_OVERRIDES.get((type_name, name), expected)
            self.assertEqual(expected, doc['properties'][name], name)
        wrong = []
        for name, expected in own.items():
            prop = doc['properties'][name]
            expected = dict(expected)
            expected.setdefault('filter_ops',
                                _default_ops(expected['glareType']))
            for key in CONTROLLED:
                if (type_name, name) in _ROA_UNSPECIFIED and \
                        key == 'required_on_activate':
                    continue
                if key not in expected and key in prop:
                    wrong.append('%s.%s: the schema has %s=%r, TYPES.md '
                                 'does not declare it' % (
                                     type_name, name, key, prop[key]))
            for key, value in expected.items():
                if prop.get(key, '<missing>') != value:
                    wrong.append('%s.%s: %s is %r, TYPES.md says %r' % (
                        type_name, name, key, prop.get(key, '<missing>'),
                        value))
        self.assertEqual([], wrong)

    def test_all(self):
        self.check_type('all')

    def test_images(self):
        self.check_type('images')

    def test_heat_templates(self):
        self.check_type('heat_templates')

    def test_heat_environments(self):
        self.check_type('heat_environments')

    def test_tosca_templates(self):
        self.check_type('tosca_templates')

    def test_murano_packages(self):
        self.check_type('murano_packages')

    def test_secrets(self):
        self.check_type('secrets')


class TestEverySchema(SchemaTestCase):

    def test_loaded(self):
        self.assertEqual(sorted(helpers.BUILTIN_TYPES + ('sample_artifact',)),
                         sorted(self.schemas))

    def test_draft4(self):
        meta = jsonschema.Draft4Validator(
            jsonschema.Draft4Validator.META_SCHEMA)
        for name, doc in self.schemas.items():
            self.assertEqual([], [e.message for e in meta.iter_errors(doc)],
                             name)

    def test_every_property_has_type_glare_type_and_filter_ops(self):
        for type_name, doc in self.schemas.items():
            for name, prop in doc['properties'].items():
                where = '%s.%s' % (type_name, name)
                self.assertIn('type', prop, where)
                self.assertIn(prop['glareType'], (
                    'String', 'Integer', 'Float', 'Boolean', 'DateTime',
                    'Blob', 'Link', 'BlobDict', 'StringList', 'IntegerList',
                    'FloatList', 'BooleanList', 'LinkList', 'StringDict',
                    'IntegerDict', 'FloatDict', 'BooleanDict', 'LinkDict',
                    # API 1.5: the records of the base field signatures
                    'SignatureRecordDict',
                    # API 1.6: the base field rating
                    'Rating', 'Downloads'),
                    where)
                self.assertIsInstance(prop['filter_ops'], list, where)
                if 'required_on_activate' in prop:
                    self.assertIs(False, prop['required_on_activate'], where)
                for flag in ('readOnly', 'mutable', 'sortable'):
                    if flag in prop:
                        self.assertIs(True, prop[flag], where)

    def test_document_keys_are_properties(self):
        # the client looks up every key of an artifact in the schema
        for type_name, cls in self.types.items():
            values = {n: f.get_default() for n, f in cls.fields.items()}
            values.update(name='an artifact', id='x')
            keys = set(cls.format_output(dict(
                values, display_type_name=cls.get_display_type_name())))
            props = self.schemas[type_name]['properties']
            self.assertEqual([], sorted(keys - set(props)), type_name)
            self.assertIn('display_type_name', props, type_name)
        self.assertIn('__some_meta_information__',
                      self.schemas['sample_artifact']['properties'])
        self.assertIn('type_name', self.schemas['all']['properties'])

    def test_images_artifact_with_null_container_format(self):
        doc = self.schemas['images']
        artifact = {'id': '0b6b0ea5-1c7e-4c6e-a7b3-7b2d5f1a9c3e',
                    'name': 'img', 'owner': 'p1', 'status': 'drafted',
                    'visibility': 'private', 'version': '0.0.0',
                    'description': '', 'tags': [], 'metadata': {},
                    'created_at': '2020-01-02T03:04:05Z',
                    'updated_at': '2020-01-02T03:04:05Z',
                    'activated_at': None,
                    'display_type_name': 'Images', 'origin': None,
                    'signatures': {'image': {
                        'verified': True, 'certificate_id': 'c',
                        'fingerprint_sha256': 'f' * 64, 'subject': None,
                        'hash_method': 'SHA-256', 'key_type': 'RSA-PSS',
                        'verified_at': '2020-01-02T03:04:05Z',
                        'form': 'raw', 'signature': 'AAAA',
                        'sigstore_bundle': None}},
                    'star_count': 3,
                    'rating': {'average': 4.5, 'count': 2},
                    'downloads': {'total': 7, 'last_30_days': 1},
                    'container_format': None, 'disk_format': None,
                    'min_ram': None, 'min_disk': None, 'image': None,
                    'kernel_id': None, 'ramdisk_id': None,
                    'instance_uuid': None, 'architecture': None,
                    'os_distro': None, 'os_version': None,
                    'converted_from': None,
                    'provided_by': {'name': 'Ops', 'company': 'ACME',
                                    'href': 'https://acme.example/ops'},
                    'supported_by': {}, 'license': 'Apache-2.0',
                    'icon': None}
        self.assertEqual(sorted(doc['properties']), sorted(artifact))
        checker = jsonschema.Draft4Validator(
            doc, format_checker=jsonschema.FormatChecker())
        self.assertEqual([], [e.message for e in
                              checker.iter_errors(artifact)])
        self.assertFalse(checker.is_valid(dict(artifact,
                                               container_format='nope')))
        # the catalog fields: known keys only, href an http(s) URL
        for contact in ({'email': 'a@b'}, {'href': 'ftp://x/y'},
                        {'href': 'https://'}, {'name': ''},
                        {'company': 'c' * 256}):
            self.assertFalse(checker.is_valid(dict(
                artifact, supported_by=contact)), contact)

    def test_schema_is_stable(self):
        for type_name, cls in self.types.items():
            self.assertEqual(self.schemas[type_name],
                             schema.type_schema(cls))
