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

"""Every key of a rendered artifact is a property of its type schema.

python-glareclient looks each key of an artifact up in the type schema
(SPEC §6), so the renderer must never show a key the schema lacks.
"""

import datetime

import jsonschema

from glare.objects import schema
from glare.services import artifacts
from glare.services import render
from glare.tests import base
from glare.tests.unit import objects as helpers
from glare.tests.unit import test_policy

UUID = '0b6b0ea5-1c7e-4c6e-a7b3-7b2d5f1a9c3e'
BLOB = {'url': None, 'size': 3, 'md5': 'a', 'sha1': 'b', 'sha256': 'c',
        'external': False, 'status': 'active', 'content_type': 'text/plain'}


def _values(type_name, cls):
    now = datetime.datetime(2020, 1, 2, 3, 4, 5)
    values = {name: field.get_default() for name, field in cls.fields.items()}
    values.update(id=UUID, name='art', owner='p1', type_name=type_name,
                  created_at=now, updated_at=now)
    for name, field in cls.fields.items():
        if field.is_folder:
            values[name] = {'a/b': dict(BLOB)}
        elif field.is_blob:
            values[name] = dict(BLOB)
    return values


class TestRenderedKeys(base.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(base.PolicyFixture())
        self.context = test_policy.ctx('p1', ['admin', 'member'])
        self.types = dict(helpers.load_types(self).items())

    def test_own_type(self):
        for type_name, cls in self.types.items():
            if type_name == 'all':
                continue
            doc = render.artifact(self.context, cls,
                                  _values(type_name, cls))
            props = schema.type_schema(cls)['properties']
            self.assertEqual([], sorted(set(doc) - set(props)), type_name)
            self.assertIn('display_type_name', doc)

    def test_sample_meta_information(self):
        cls = self.types['sample_artifact']
        doc = render.artifact(self.context, cls,
                              _values('sample_artifact', cls))
        self.assertEqual('ART', doc['__some_meta_information__'])
        self.assertIn('__some_meta_information__',
                      schema.type_schema(cls)['properties'])

    def test_all_view_carries_type_name(self):
        view = self.types['all']
        props = schema.type_schema(view)['properties']
        for type_name, cls in self.types.items():
            doc = render.artifact(self.context, cls,
                                  _values(type_name, cls), view)
            self.assertEqual(type_name, doc['type_name'])
            self.assertEqual(cls.get_display_type_name(),
                             doc['display_type_name'])
            for key in ('type_name', 'display_type_name', 'id', 'name',
                        'version', 'owner', 'status', 'visibility'):
                self.assertIn(key, props)
                self.assertIn(key, doc)

    def test_all_view_shows_only_the_all_schema_keys(self):
        # /artifacts/all: the all type's fields, then what format_all adds
        view = self.types['all']
        props = schema.type_schema(view)['properties']
        added = {'sample_artifact': {'__some_meta_information__'}}
        for type_name, cls in self.types.items():
            doc = render.artifact(self.context, cls,
                                  _values(type_name, cls), view)
            self.assertEqual(sorted(props), sorted(set(doc) -
                                                   added.get(type_name,
                                                             set())),
                             type_name)
            self.assertEqual(sorted(added.get(type_name, ())),
                             sorted(set(doc) - set(props)), type_name)
            jsonschema.Draft4Validator(
                schema.type_schema(view),
                format_checker=jsonschema.FormatChecker()).validate(doc)
        sample = self.types['sample_artifact']
        doc = render.artifact(self.context, sample,
                              _values('sample_artifact', sample), view)
        self.assertEqual('ART', doc['__some_meta_information__'])
        for own in ('blob', 'int1', 'str1', 'dict_of_blobs'):
            self.assertNotIn(own, doc)
        images = self.types['images']
        doc = render.artifact(self.context, images,
                              _values('images', images), view)
        self.assertNotIn('container_format', doc)
        self.assertNotIn('image', doc)

    def test_own_type_validates_against_its_schema(self):
        for type_name, cls in self.types.items():
            doc = render.artifact(self.context, cls,
                                  _values(type_name, cls))
            checker = jsonschema.Draft4Validator(
                schema.type_schema(cls),
                format_checker=jsonschema.FormatChecker())
            self.assertEqual([], [e.message for e in checker.iter_errors(doc)],
                             type_name)

    def test_null_enum_field_validates_against_its_schema(self):
        # a nullable field with an enum admits null in its schema too
        cls = self.types['images']
        values = _values('images', cls)
        values.update(container_format=None, disk_format=None)
        doc = render.artifact(self.context, cls, values)
        self.assertIsNone(doc['container_format'])
        checker = jsonschema.Draft4Validator(schema.type_schema(cls))
        self.assertEqual([], [e.message for e in checker.iter_errors(doc)])
        doc['container_format'] = 'not-a-format'
        self.assertFalse(checker.is_valid(doc))


class TestServedSchemas(base.TestCase):
    """What /schemas/{type} serves (ArtifactService.schemas)."""

    def setUp(self):
        super().setUp()
        self.useFixture(base.PolicyFixture())
        self.context = test_policy.ctx('p1', ['admin', 'member'])
        registry = helpers.load_types(self)
        self.types = dict(registry.items())
        self.service = artifacts.ArtifactService(None, registry)

    def test_all_schema_has_every_key_the_all_view_shows(self):
        # python-glareclient's "show all NAME" looks each key up in
        # /schemas/all: what format_all adds must be there too
        props = self.service.schemas(self.context, 'all')['all'][
            'properties']
        view = self.types['all']
        for type_name, cls in self.types.items():
            doc = render.artifact(self.context, cls,
                                  _values(type_name, cls), view)
            self.assertEqual([], sorted(set(doc) - set(props)), type_name)
        self.assertEqual('String',
                         props['__some_meta_information__']['glareType'])
        # the type's own schema keeps its own fields only
        own = self.service.schemas(self.context, 'images')['images']
        self.assertNotIn('__some_meta_information__', own['properties'])
        self.assertNotIn('type_name', own['properties'])

    def test_all_schema_stays_valid_draft4(self):
        doc = self.service.schemas(self.context, 'all')['all']
        meta = jsonschema.Draft4Validator(
            jsonschema.Draft4Validator.META_SCHEMA)
        self.assertEqual([], [e.message for e in meta.iter_errors(doc)])
