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

"""Tests for glare.objects.registry: loading types through stevedore.

The entry points are the installed package's (setup.cfg); run
``pip install -e .`` after changing them.
"""

import logging
import os
import sys

import fixtures

from glare.artifact_types import all as all_type
from glare.artifact_types import images
from glare.objects import base
from glare.objects import registry
from glare.tests import base as test_base
from glare.tests import sample_artifact
from glare.tests.unit import objects as helpers

DEFAULT_TYPES = ['all', 'heat_environments', 'heat_templates', 'images',
                 'murano', 'murano_packages', 'tosca_templates']

_BROKEN_ENTRY_POINTS = """\
[glare.artifact_types]
broken_import = glare_test_broken_type:Broken
not_a_type = glare.objects.fields:String
misnamed = glare.artifact_types.images:Image
"""


class RegistryTestCase(test_base.TestCase):

    def setUp(self):
        super().setUp()
        # stevedore logs the entry points it cannot load
        self.log = self.useFixture(fixtures.FakeLogger(level=logging.WARNING))
        self.conf = self.useFixture(test_base.ConfigFixture())

    def load(self, **overrides):
        self.conf.set(**overrides)
        return registry.TypeRegistry.load(self.conf.conf)

    def assertLoadError(self, *names, **overrides):
        err = self.assertRaises(registry.TypeLoadError, self.load,
                                **overrides)
        for name in names:
            self.assertIn(name, str(err))
        return err


class TestLoad(RegistryTestCase):

    def test_defaults(self):
        types = self.load()
        self.assertEqual(DEFAULT_TYPES, types.names())
        self.assertNotIn('secrets', types)
        self.assertIs(images.Image, types.get('images'))
        self.assertIs(all_type.All, types.get('all'))

    def test_every_builtin_type(self):
        types = self.load(enabled_artifact_types=list(helpers.BUILTIN_TYPES))
        self.assertEqual(sorted(helpers.BUILTIN_TYPES), types.names())
        for name, cls in types.items():
            self.assertEqual(name, cls.get_type_name())
            self.assertTrue(issubclass(cls, base.BaseArtifact))

    def test_enabled_filtering(self):
        self.assertEqual(['all', 'images'],
                         self.load(enabled_artifact_types=['images']).names())
        self.assertEqual(
            ['all', 'secrets', 'tosca_templates'],
            self.load(enabled_artifact_types=['tosca_templates',
                                              'secrets']).names())

    def test_all_is_always_on(self):
        self.assertEqual(['all'],
                         self.load(enabled_artifact_types=[]).names())
        self.assertEqual(['all', 'images'], self.load(
            enabled_artifact_types=['images', 'all']).names())

    def test_blank_and_repeated_names(self):
        types = self.load(enabled_artifact_types=[' images ', '', 'images'])
        self.assertEqual(['all', 'images'], types.names())

    def test_custom_module(self):
        types = self.load(enabled_artifact_types=['images'],
                          custom_artifact_types_modules=[
                              helpers.SAMPLE_MODULE])
        self.assertEqual(['all', 'images', 'sample_artifact'], types.names())
        cls = types.get('sample_artifact')
        self.assertIs(sample_artifact.SampleArtifact, cls)
        self.assertIn(cls, base.GlareObjectRegistry.obj_classes()[
            'SampleArtifact'])

    def test_loaded_types_are_registered(self):
        types = self.load(enabled_artifact_types=list(helpers.BUILTIN_TYPES))
        registered = base.GlareObjectRegistry.obj_classes()
        for name, cls in types.items():
            self.assertIn(cls, registered[cls.obj_name()], name)

    def test_unknown_type(self):
        err = self.assertLoadError(
            'bogus', enabled_artifact_types=['images', 'bogus'])
        self.assertIn('bogus (no entry point in glare.artifact_types)',
                      str(err))
        self.assertNotIn('images', str(err))

    def test_every_unknown_type_is_named(self):
        self.assertLoadError('bogus1', 'bogus2',
                             enabled_artifact_types=['bogus1', 'bogus2'])

    def test_module_without_types(self):
        self.assertLoadError(
            'glare.objects.fields', 'defines no artifact type',
            custom_artifact_types_modules=['glare.objects.fields'])

    def test_module_importing_types_only(self):
        # classes imported from elsewhere are not the module's own types
        self.assertLoadError(
            'glare.objects.registry', 'defines no artifact type',
            custom_artifact_types_modules=['glare.objects.registry'])

    def test_module_not_importable(self):
        self.assertLoadError(
            'glare.no_such_module', 'Cannot import',
            custom_artifact_types_modules=['glare.no_such_module'])


class TestBrokenPlugins(RegistryTestCase):
    """Entry points of another installed distribution that are wrong."""

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(fixtures.TempDir()).path
        dist = os.path.join(tmp, 'glare_test_plugins-1.0.dist-info')
        os.mkdir(dist)
        with open(os.path.join(dist, 'METADATA'), 'w') as fd:
            fd.write('Metadata-Version: 2.1\nName: glare-test-plugins\n'
                     'Version: 1.0\n')
        with open(os.path.join(dist, 'entry_points.txt'), 'w') as fd:
            fd.write(_BROKEN_ENTRY_POINTS)
        with open(os.path.join(tmp, 'glare_test_broken_type.py'), 'w') as fd:
            fd.write('raise RuntimeError("type module is broken")\n')
        # stevedore keeps the entry points of a namespace once read, and
        # caches the scan of each sys.path: start from an empty cache, and
        # keep the scan of this throw-away path out of the user's cache dir
        self.useFixture(fixtures.MonkeyPatch('sys.path', [tmp] + sys.path))
        self.useFixture(fixtures.MonkeyPatch(
            'stevedore.extension.ExtensionManager.ENTRY_POINT_CACHE', {}))
        self.useFixture(fixtures.MonkeyPatch(
            'stevedore._cache._c._disable_caching', True))
        self.addCleanup(sys.modules.pop, 'glare_test_broken_type', None)

    def test_builtin_types_still_load(self):
        self.assertEqual(['all', 'images'],
                         self.load(enabled_artifact_types=['images']).names())

    def test_import_failure(self):
        self.assertLoadError('broken_import', 'type module is broken',
                             enabled_artifact_types=['broken_import'])

    def test_not_a_type(self):
        self.assertLoadError('not_a_type is not an artifact type class',
                             enabled_artifact_types=['not_a_type'])

    def test_misnamed(self):
        self.assertLoadError('entry point misnamed names type images',
                             enabled_artifact_types=['misnamed'])


class TestTypeRegistry(test_base.TestCase):

    def setUp(self):
        super().setUp()
        self.types = registry.TypeRegistry({
            'all': all_type.All, 'images': images.Image,
            'sample_artifact': sample_artifact.SampleArtifact})

    def test_lookup(self):
        self.assertIs(images.Image, self.types.get('images'))
        self.assertIsNone(self.types.get('secrets'))
        self.assertIn('images', self.types)
        self.assertNotIn('secrets', self.types)

    def test_listing(self):
        self.assertEqual(['all', 'images', 'sample_artifact'],
                         self.types.names())
        self.assertEqual([('all', all_type.All), ('images', images.Image),
                          ('sample_artifact',
                           sample_artifact.SampleArtifact)],
                         self.types.items())
        self.assertEqual({'images': images.Image,
                          'sample_artifact': sample_artifact.SampleArtifact},
                         self.types.concrete())
