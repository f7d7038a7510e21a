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

"""A third-party type package, loaded through its entry point.

The package is glare/tests/fixtures/glare_example_type, the worked example
of doc/source/contributor/creating_artifact_types.rst. Its dist-info is
written to a temporary directory put on sys.path (see
glare.tests.example_type), so stevedore discovers the entry point the way
it discovers an installed package's.
"""

import importlib
from importlib import metadata
import logging
import os
import sys

import fixtures

from glare import exception
from glare.objects import base
from glare.objects import registry
from glare.objects import schema
from glare.objects import uploads
from glare.tests import base as test_base
from glare.tests import example_type
from glare.tests.fixtures import streams
from glare.tests.unit.objects import test_objects

# What the guide tells a type's author to pin in their own package: the
# VERSION and a hash of the field set (see test_objects).
EXPECTED_FINGERPRINT = '1.3-0dc8786eb18ccfaf7c51d19b7084cf14'


class ExampleTypeFixture(fixtures.Fixture):
    """The example package on sys.path, as if pip had installed it."""

    def __init__(self, extra_entry_points=None):
        super().__init__()
        self.extra_entry_points = extra_entry_points

    def _setUp(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        paths = example_type.make_distribution(tmp, self.extra_entry_points)
        self.useFixture(fixtures.MonkeyPatch('sys.path', paths + sys.path))
        # stevedore keeps what it read of a namespace and caches its scan
        # of each sys.path: start empty, and keep this throw-away path out
        # of the user's cache directory
        self.useFixture(fixtures.MonkeyPatch(
            'stevedore.extension.ExtensionManager.ENTRY_POINT_CACHE', {}))
        self.useFixture(fixtures.MonkeyPatch(
            'stevedore._cache._c._disable_caching', True))
        self.addCleanup(self._forget_modules)
        self._forget_modules()

    @staticmethod
    def _forget_modules():
        for name in list(sys.modules):
            if name.split('.')[0] == example_type.MODULE:
                del sys.modules[name]


class OutOfTreeTestCase(test_base.TestCase):

    extra_entry_points = None

    def setUp(self):
        super().setUp()
        self.log = self.useFixture(fixtures.FakeLogger(level=logging.WARNING))
        self.useFixture(ExampleTypeFixture(self.extra_entry_points))
        self.conf = self.useFixture(test_base.ConfigFixture())

    def load(self, *enabled):
        self.conf.set(enabled_artifact_types=list(enabled))
        return registry.TypeRegistry.load(self.conf.conf)


class TestLoad(OutOfTreeTestCase):

    def test_entry_point_is_discovered(self):
        found = {ep.name: ep for ep in metadata.entry_points(
            group=registry.NAMESPACE)}
        ep = found[example_type.TYPE_NAME]
        self.assertEqual('glare_example_type.notes:ExampleNotes', ep.value)
        self.assertEqual(example_type.DIST_NAME, ep.dist.metadata['Name'])

    def test_loads_when_enabled(self):
        types = self.load('images', example_type.TYPE_NAME)
        self.assertEqual(['all', 'example_notes', 'images'], types.names())
        cls = types.get('example_notes')
        self.assertEqual('glare_example_type.notes', cls.__module__)
        # the package's own code, not a copy somewhere in glare
        self.assertEqual(
            os.path.join(example_type.FIXTURE_DIR, 'glare_example_type',
                         'notes.py'),
            sys.modules[cls.__module__].__file__)
        self.assertTrue(issubclass(cls, base.BaseArtifact))
        self.assertEqual('Example Notes', cls.get_display_type_name())
        self.assertIn(cls, base.GlareObjectRegistry.obj_classes()[
            cls.obj_name()])
        self.assertEqual({'example_notes': cls}, {
            n: c for n, c in types.concrete().items() if n != 'images'})

    def test_not_loaded_unless_enabled(self):
        self.assertEqual(['all', 'images'], self.load('images').names())
        # stevedore imports only the entry points it was asked for
        self.assertNotIn('glare_example_type.notes', sys.modules)

    def test_misspelled_name_is_named(self):
        err = self.assertRaises(registry.TypeLoadError, self.load,
                                'images', 'example_note')
        self.assertIn('example_note (no entry point in '
                      'glare.artifact_types)', str(err))
        self.assertNotIn('images', str(err))

    def test_fingerprint(self):
        cls = self.load(example_type.TYPE_NAME).get('example_notes')
        actual = test_objects.fingerprints({'example_notes': cls})
        self.assertEqual([], test_objects.problems(
            {'example_notes': EXPECTED_FINGERPRINT}, actual),
            'actual fingerprint: %s' % actual)

    def test_schema(self):
        cls = self.load(example_type.TYPE_NAME).get('example_notes')
        props = schema.type_schema(cls)['properties']
        for name in ('notes', 'topic', 'audience', 'reviewers',
                     'line_count'):
            self.assertIn(name, props)
        self.assertEqual('Blob', props['notes']['glareType'])
        self.assertTrue(props['reviewers']['mutable'])
        self.assertTrue(props['topic']['sortable'])


class TestBrokenEntryPoints(OutOfTreeTestCase):
    """The same distribution declaring entry points that cannot load."""

    extra_entry_points = {
        'example_missing_module': 'glare_example_type.missing:Notes',
        'example_missing_class': 'glare_example_type.notes:Missing',
    }

    def test_missing_module_is_named(self):
        err = self.assertRaises(registry.TypeLoadError, self.load,
                                'images', 'example_missing_module')
        self.assertIn('example_missing_module', str(err))
        self.assertIn('glare_example_type.missing', str(err))

    def test_missing_class_is_named(self):
        err = self.assertRaises(registry.TypeLoadError, self.load,
                                'example_missing_class')
        self.assertIn('example_missing_class', str(err))

    def test_the_good_entry_point_still_loads(self):
        self.assertEqual(['all', 'example_notes'],
                         self.load('example_notes').names())


class TestNotesInspector(OutOfTreeTestCase):
    """The example's upload check, as the service drives it."""

    def setUp(self):
        super().setUp()
        self.cls = self.load('example_notes').get('example_notes')
        self.notes = importlib.import_module('glare_example_type.notes')

    def inspect(self, *parts, field='notes'):
        fd = self.cls.pre_upload_hook(None, None, field, None,
                                      streams.Pieces(*parts))
        self.assertIsInstance(fd, uploads.UploadInspector)
        data = streams.drain(fd)
        self.assertEqual(b''.join(parts), data)
        self.assertEqual(len(data), fd.size)
        return fd.finish()

    def test_counts_lines(self):
        self.assertEqual({'line_count': 0}, self.inspect())
        self.assertEqual({'line_count': 1}, self.inspect(b'one line'))
        self.assertEqual({'line_count': 2},
                         self.inspect(b'one\n', b'two\n'))
        self.assertEqual({'line_count': 3},
                         self.inspect(b'one\ntw', b'o\nthree'))

    def test_character_split_between_chunks(self):
        text = 'caf\u00e9 cr\u00e8me\n'.encode()
        self.assertEqual({'line_count': 1},
                         self.inspect(text[:4], text[4:]))

    def test_nul_byte_refused(self):
        err = self.assertRaises(exception.InvalidData, self.inspect,
                                b'text\x00more')
        self.assertIn('NUL', str(err))
        self.assertEqual(400, err.code)

    def test_not_utf8_refused(self):
        err = self.assertRaises(exception.InvalidData, self.inspect,
                                b'caf\xe9\n')
        self.assertIn('UTF-8', str(err))

    def test_truncated_character_refused_at_the_end(self):
        self.assertRaises(exception.InvalidData, self.inspect,
                          'caf\u00e9'.encode()[:-1])

    def test_other_fields_untouched(self):
        body = streams.Pieces(b'x')
        self.assertIs(body, self.cls.pre_upload_hook(None, None, 'other',
                                                     None, body))
