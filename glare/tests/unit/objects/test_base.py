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

"""Tests for glare.objects.base: base fields, value access, hook defaults."""

import io

from glare import exception
from glare.objects import base
from glare.objects import fields as glare_fields
from glare.tests import base as test_base
from glare.tests import sample_artifact
from glare.tests.unit import objects as helpers
from glare.tests.unit.objects import test_schema


class TestBaseFields(test_base.TestCase):

    def test_names(self):
        self.assertEqual(sorted([
            'id', 'name', 'owner', 'status', 'visibility', 'version',
            'description', 'tags', 'metadata', 'created_at', 'updated_at',
            'activated_at', 'display_type_name', 'origin', 'signatures',
            'provided_by', 'supported_by', 'license', 'icon',
            'star_count', 'rating', 'downloads']),
            sorted(base.BaseArtifact.fields))

    def test_system_fields(self):
        system = sorted(n for n, fld in base.BaseArtifact.fields.items()
                        if fld.system)
        self.assertEqual(['activated_at', 'created_at', 'display_type_name',
                          'downloads', 'id', 'origin', 'owner', 'rating',
                          'signatures', 'star_count', 'updated_at'], system)

    def test_mutable_fields(self):
        mutable = sorted(n for n, fld in base.BaseArtifact.fields.items()
                         if fld.mutable)
        self.assertEqual(['description', 'icon', 'license', 'provided_by',
                          'supported_by', 'tags', 'updated_at'], mutable)

    def test_name(self):
        name = base.BaseArtifact.fields['name']
        self.assertFalse(name.nullable)
        self.assertEqual('a', name.coerce_value('a'))
        self.assertEqual('n' * 255, name.coerce_value('n' * 255))
        self.assertRaises(ValueError, name.coerce_value, '')
        self.assertRaises(ValueError, name.coerce_value, 'n' * 256)
        self.assertRaises(ValueError, name.coerce_value, None)

    def test_version(self):
        version = base.BaseArtifact.fields['version']
        self.assertEqual('0.0.0', version.get_default())
        self.assertEqual('1.0.0', version.coerce_value('1'))
        self.assertFalse(version.nullable)

    def test_status_and_visibility(self):
        status = base.BaseArtifact.fields['status']
        self.assertEqual('drafted', status.get_default())
        for value in base.STATUSES:
            self.assertEqual(value, status.coerce_value(value))
        self.assertRaises(ValueError, status.coerce_value, 'queued')
        visibility = base.BaseArtifact.fields['visibility']
        self.assertEqual('private', visibility.get_default())
        for value in ('private', 'shared', 'community', 'public'):
            self.assertEqual(value, visibility.coerce_value(value))
        self.assertRaises(ValueError, visibility.coerce_value, 'unlisted')

    def test_description(self):
        description = base.BaseArtifact.fields['description']
        self.assertEqual('d' * 4096, description.coerce_value('d' * 4096))
        self.assertRaises(ValueError, description.coerce_value, 'd' * 4097)

    def test_tags(self):
        tags = base.BaseArtifact.fields['tags']
        self.assertEqual(['a', 'b'], tags.coerce_value('a,b,a'))
        self.assertEqual(['x y', 'z'], tags.coerce_value(['x y', 'z', 'z']))
        for bad in (['a/b'], ['a,b'], [''], ['t' * 256],
                    [str(i) for i in range(256)]):
            self.assertRaises(ValueError, tags.coerce_value, bad)
        self.assertEqual(255, len(tags.coerce_value(
            [str(i) for i in range(255)])))
        self.assertRaises(ValueError, tags.coerce_value, None)

    def test_metadata(self):
        metadata = base.BaseArtifact.fields['metadata']
        self.assertEqual({'a': '1'}, metadata.coerce_value({'a': 1}))
        self.assertRaises(ValueError, metadata.coerce_value,
                          {str(i): 'v' for i in range(256)})
        self.assertRaises(ValueError, metadata.coerce_value, {'a': ['x']})
        self.assertFalse(metadata.mutable)

    def test_id(self):
        id_field = base.BaseArtifact.fields['id']
        uuid = '0b6b0ea5-1c7e-4c6e-a7b3-7b2d5f1a9c3e'
        self.assertEqual(uuid, id_field.coerce_value(uuid))
        self.assertRaises(ValueError, id_field.coerce_value, 'not-a-uuid')

    def test_column_fields(self):
        self.assertLessEqual(set(base.COLUMN_FIELDS),
                             set(base.BaseArtifact.fields))
        self.assertEqual(('status', 'visibility', 'display_type_name'),
                         base.CREATE_FORBIDDEN)

    def test_fields_are_field_instances(self):
        for name, fld in base.BaseArtifact.fields.items():
            self.assertIsInstance(fld, glare_fields.Field, name)


class TestTypes(test_base.TestCase):

    def setUp(self):
        super().setUp()
        self.types = dict(helpers.load_types(self).items())

    def test_every_type_has_the_base_fields(self):
        # images declare metadata again: img_signature values may be
        # longer (Glance's image signatures)
        redeclared = {('images', 'metadata')}
        for type_name, cls in self.types.items():
            for name, fld in base.BaseArtifact.fields.items():
                if (type_name, name) in redeclared:
                    self.assertIsNot(fld, cls.fields[name])
                    self.assertEqual(
                        (fld.glare_type, fld.filter_ops, fld.nullable,
                         fld.required_on_activate, fld.mutable, fld.system),
                        (cls.fields[name].glare_type,
                         cls.fields[name].filter_ops,
                         cls.fields[name].nullable,
                         cls.fields[name].required_on_activate,
                         cls.fields[name].mutable, cls.fields[name].system))
                    continue
                self.assertIs(fld, cls.fields[name], (type_name, name))

    def test_names(self):
        for type_name, cls in self.types.items():
            self.assertEqual(type_name, cls.get_type_name())
            self.assertEqual(test_schema.TYPE_VERSIONS.get(
                type_name, test_schema.DEFAULT_TYPE_VERSION),
                             cls.get_version())
            self.assertEqual('glare', cls.OBJ_PROJECT_NAMESPACE)
            self.assertTrue(cls.get_display_type_name())
            self.assertIs(cls, base.GlareObjectRegistry.obj_classes()[
                cls.obj_name()][0])

    def test_display_type_name_falls_back_to_type_name(self):
        class Plain(base.BaseArtifact):
            TYPE_NAME = 'plain'
        self.assertEqual('plain', Plain.get_display_type_name())

    def test_registered_objects_coerce_on_assignment(self):
        af = sample_artifact.SampleArtifact()
        af.int1 = '5'
        self.assertEqual(5, af.int1)
        af.tags = 'a,b,a'
        self.assertEqual(['a', 'b'], af.tags)
        af.bool1 = 'yes'
        self.assertIs(True, af.bool1)
        err = self.assertRaises(ValueError, setattr, af, 'int1', 'x')
        self.assertIn("'x' is not an integer", str(err))
        self.assertRaises(ValueError, setattr, af, 'string_validators',
                          'zz')

    def test_values(self):
        cls = sample_artifact.SampleArtifact
        af = cls.from_values({'name': 'n', 'int1': 3, 'unknown': 1})
        self.assertEqual('n', af.get('name'))
        self.assertEqual(3, af.get('int1'))
        self.assertEqual('d', af.get('bool1', 'd'))
        values = af.to_values()
        self.assertEqual(sorted(cls.fields), sorted(values))
        self.assertEqual(3, values['int1'])
        self.assertIsNone(values['str1'])
        self.assertNotIn('unknown', values)


class TestHooks(test_base.TestCase):

    def test_defaults_do_nothing(self):
        cls = base.BaseArtifact
        fd = io.BytesIO(b'data')
        self.assertIs(fd, cls.pre_upload_hook(None, None, 'f', None, fd))
        self.assertIs(fd, cls.post_download_hook(None, None, 'f', None, fd))
        for hook in ('create', 'activate', 'reactivate', 'deactivate',
                     'publish', 'delete'):
            for when in ('pre', 'post'):
                self.assertIsNone(getattr(cls, '%s_%s_hook' % (when, hook))(
                    None, None))
        self.assertIsNone(cls.pre_update_hook(None, None, patch=[]))
        self.assertIsNone(cls.post_update_hook(None, None))
        self.assertIsNone(cls.post_upload_hook(None, None, 'f', None))
        self.assertIsNone(cls.pre_add_location_hook(None, None, 'f', None,
                                                    'http://x'))
        self.assertIsNone(cls.post_add_location_hook(None, None, 'f', None))
        self.assertIsNone(cls.pre_download_hook(None, None, 'f', None))
        values = {'name': 'n'}
        self.assertIs(values, cls.format_output(values))
        self.assertIs(values, cls.format_all(values))
        self.assertEqual({}, cls.extra_schema_properties())

    def test_notification(self):
        payload = base.BaseArtifact.to_notification({
            'id': 'i', 'name': 'n', 'version': '1.0.0', 'type_name': 't',
            'owner': 'o', 'status': 'drafted', 'visibility': 'private',
            'created_at': 'c', 'updated_at': 'u', 'activated_at': None,
            'blob': {'url': 'secret'}})
        self.assertEqual(['activated_at', 'created_at', 'id', 'name',
                          'owner', 'status', 'type_name', 'updated_at',
                          'version', 'visibility'], sorted(payload))


class TestSampleArtifactBehaviour(test_base.TestCase):

    cls = sample_artifact.SampleArtifact

    def test_meta_information(self):
        self.assertEqual('MY ARTIFACT', self.cls.format_output(
            {'name': 'my artifact'})['__some_meta_information__'])

    def _read_all(self, payload, chunk=4):
        fd = self.cls.pre_upload_hook(None, None, 'blob', None,
                                      io.BytesIO(payload))
        return b''.join(iter(lambda: fd.read(chunk), b''))

    def test_pre_upload_rejects_invalid_data(self):
        for chunk in (1, 4, 100, -1):
            err = self.assertRaises(exception.BadRequest, self._read_all,
                                    b'invalid_data', chunk)
            self.assertEqual(400, err.code)

    def test_pre_upload_passes_other_data(self):
        for payload in (b'', b'data', b'invalid_data!', b'xinvalid_data',
                        b'invalid_dat'):
            self.assertEqual(payload, self._read_all(payload))


class TestPatchedFields(test_base.TestCase):

    def test_paths_and_froms(self):
        self.assertEqual({'a', 'b', 'c'}, base.patched_fields([
            {'op': 'replace', 'path': '/a', 'value': 1},
            {'op': 'add', 'path': '/b/key', 'value': 2},
            {'op': 'move', 'from': '/c', 'path': '/b/other'}]))

    def test_tests_and_junk_count_for_nothing(self):
        self.assertEqual(set(), base.patched_fields([
            {'op': 'test', 'path': '/a', 'value': 1}, 'junk',
            {'op': 'add', 'path': 5}, {'op': 'add', 'path': 'a'}]))
        self.assertEqual(set(), base.patched_fields(None))
