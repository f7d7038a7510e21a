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

"""Murano packages: the safe zip reader, the manifest and requirements."""

import io
import tracemalloc
import warnings
import zipfile

from glare.artifact_types import archives
from glare.artifact_types import murano_package as mp
from glare import exception
from glare.objects import uploads
from glare.tests import base
from glare.tests.fixtures import murano_packages as pkgs
from glare.tests.fixtures import streams


def inspect(data):
    inspector = mp.PackageInspector(io.BytesIO(data))
    try:
        streams.drain(inspector)
        return inspector.finish()
    finally:
        inspector.close()


class TestPackageValues(base.TestCase):

    def test_manifest_fills_the_artifact(self):
        values = inspect(pkgs.package(
            'io.test.Web', '2.1.0', Tags=['web', 'db'],
            Classes={'io.test.Web': 'web.yaml', 'io.test.Db': 'db.yaml'},
            Type='Library', Require={'io.test.Base': '>=1.0,<2',
                                     'io.test.Any': None}))
        deps = values.pop('dependencies')
        self.assertEqual({
            'name': 'io.test.Web', 'version': '2.1.0',
            'display_name': 'App io.test.Web', 'type': 'Library',
            'description': 'Test package', 'tags': ['web', 'db'],
            'class_definitions': ['io.test.Db', 'io.test.Web'],
            'resources': {}}, values)
        self.assertEqual(
            [uploads.Requirement('murano_packages', 'io.test.Any', ''),
             uploads.Requirement('murano_packages', 'io.test.Base',
                                 '>=1.0,<2')], deps)

    def test_defaults(self):
        values = inspect(pkgs.package('io.test.Min', version=None, Name=None,
                                      Type=None, Description=None,
                                      Tags=None))
        self.assertEqual('io.test.Min', values['display_name'])
        self.assertEqual('Application', values['type'])
        self.assertNotIn('version', values)
        self.assertNotIn('tags', values)

    def assertRefused(self, data, message):
        exc = self.assertRaises(exception.InvalidData, inspect, data)
        self.assertIn(message, str(exc))
        return exc

    def test_bad_manifests(self):
        cases = [
            (pkgs.package(raw_manifest='a: [1, 2'), 'not valid YAML'),
            (pkgs.package(raw_manifest='- a\n- b\n'), 'must be a mapping'),
            (pkgs.package(FullName=None), 'has no FullName'),
            (pkgs.package('not a name'), 'is not a package name'),
            (pkgs.package(Format='Java/1.0'), "unknown Format 'Java/1.0'"),
            (pkgs.package(Tags='web'), 'Tags of manifest.yaml must be a '
                                       'list of strings'),
            (pkgs.package(Require=['io.x']), 'Require of manifest.yaml '
                                             'must be a mapping'),
            (pkgs.package(Require={'io.x': '>>1'}), 'required io.x'),
            (pkgs.package(Require={'io.x': [1]}), 'must be text'),
            (pkgs.package(Logo='logo.png'), 'Logo names logo.png'),
            (pkgs.package(UI='ui.yaml'), 'UI names UI/ui.yaml'),
        ]
        for data, message in cases:
            self.assertRefused(data, message)

    def test_missing_class_file(self):
        data = pkgs.with_entries([], base=pkgs.package())
        buf = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, \
                zipfile.ZipFile(buf, 'w') as dst:
            dst.writestr('manifest.yaml', src.read('manifest.yaml'))
        self.assertRefused(buf.getvalue(),
                           'file Classes/main.yaml is not in the archive')

    def test_logo_and_ui_become_resources(self):
        values = inspect(pkgs.package(Logo='icon.png', UI='form.yaml', files={
            'icon.png': b'\x89PNG', 'UI/form.yaml': 'Version: 2\n'}))
        self.assertEqual({
            'logo': uploads.BlobData(b'\x89PNG', 'image/png'),
            'ui_definition': uploads.BlobData(b'Version: 2\n',
                                              'application/yaml')},
            values['resources'])

    def test_default_logo_and_ui_names(self):
        values = inspect(pkgs.package(files={
            'logo.png': b'\x89PNG', 'UI/ui.yaml': 'Version: 2\n'}))
        self.assertEqual(['logo', 'ui_definition'],
                         sorted(values['resources']))

    def test_oversized_logo(self):
        self.assertRefused(pkgs.package(Logo='logo.png', files={
            'logo.png': bytes(mp.RESOURCE_MAX + 1)}), 'logo.png is larger')

    def test_alias_bomb_in_manifest_is_refused_quickly(self):
        lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]']
        for i in range(1, 12):
            lines.append('a%d: &a%d [%s]' % (i, i, ', '.join(
                ['*a%d' % (i - 1)] * 10)))
        raw = '\n'.join(lines) + '\nFullName: io.x\nRequire: {io.y: *a11}\n'
        self.assertRefused(pkgs.package(raw_manifest=raw),
                           'nodes once its aliases are expanded')


class TestSafeZip(base.TestCase):

    def assertRefused(self, data, message):
        exc = self.assertRaises(exception.InvalidData, inspect, data)
        self.assertIn(message, str(exc))

    def test_not_a_zip(self):
        self.assertRefused(b'just text', 'not a zip archive')
        self.assertRefused(b'', 'not a zip archive')

    def test_path_traversal(self):
        for name in ('../evil.sh', 'Classes/../../evil', 'a//b'):
            self.assertRefused(pkgs.with_entries([(name, b'x')]),
                               'leaves the archive')

    def test_absolute_paths(self):
        for name, message in (('/etc/cron.d/evil', 'has an absolute path'),
                              ('C:/evil', 'has an absolute path'),
                              ('C:\\evil', 'is not allowed')):
            info = zipfile.ZipInfo('placeholder')
            info.filename = name  # ZipInfo() itself strips the leading /
            self.assertRefused(pkgs.with_entries([(info, b'x')]), message)

    def test_symlink(self):
        self.assertRefused(pkgs.with_entries([pkgs.symlink_entry(
            'Classes/link', '/etc/passwd')]), 'is a symbolic link')

    def test_duplicate_names(self):
        with warnings.catch_warnings():
            # zipfile warns of the duplicate this test builds on purpose
            warnings.filterwarnings('ignore', 'Duplicate name',
                                    UserWarning)
            data = pkgs.with_entries([('manifest.yaml', b'FullName: io.z')])
        self.assertRefused(data, 'appears twice')

    def test_too_many_entries(self):
        data = pkgs.with_entries([('f%d' % i, b'') for i in range(5001)])
        self.assertRefused(data, 'more than the 5000 allowed')

    def test_zip_bomb_declared_size(self):
        data = pkgs.zip_bomb(600 * 1024 * 1024)
        self.assertLess(len(data), 2 * 1024 * 1024)
        self.assertRefused(data, 'expands to more than')

    def test_lying_headers_are_refused_with_bounded_memory(self):
        data = pkgs.lying_sizes()
        tracemalloc.start()
        try:
            self.assertRefused(data, 'cannot be read')
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        self.assertLess(peak, 8 * 1024 * 1024)

    def test_bomb_under_small_limits_bounded_memory(self):
        data = pkgs.zip_bomb(65 * 1024 * 1024)
        pkg = archives.SafeZip(io.BytesIO(data), 'pkg', archives.Limits(
            max_expanded=256 * 1024 * 1024))
        tracemalloc.start()
        try:
            pkg.verify()
            exc = self.assertRaises(exception.InvalidData, pkg.read,
                                    'bomb.bin')
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            pkg.close()
        self.assertIn('larger than', str(exc))
        self.assertLess(peak, 8 * 1024 * 1024)


class TestRequirement(base.TestCase):

    def matches(self, spec, version):
        return uploads.Requirement('t', 'n', spec).matches(version)

    def test_operators_and_ranges(self):
        self.assertTrue(self.matches('>=1.0,<2', '1.9.9'))
        self.assertFalse(self.matches('>=1.0,<2', '2.0.0'))
        self.assertTrue(self.matches('==1.2.3', '1.2.3'))
        self.assertTrue(self.matches('=1.2.3', '1.2.3'))
        self.assertFalse(self.matches('!=1.2.3', '1.2.3'))
        self.assertTrue(self.matches('>1', '1.0.1'))
        self.assertTrue(self.matches('<=1.5', '1.5.0'))

    def test_bare_versions_are_compatible_ranges(self):
        self.assertTrue(self.matches('1', '1.7.0'))
        self.assertFalse(self.matches('1', '2.0.0'))
        self.assertTrue(self.matches('1.2', '1.2.9'))
        self.assertFalse(self.matches('1.2', '1.3.0'))
        self.assertFalse(self.matches('1.2.3', '1.2.4'))
        self.assertTrue(self.matches('', '0.5.0'))
        self.assertFalse(self.matches('', '1.0.0'))

    def test_malformed(self):
        for spec in ('>>1', '1,', 'abc', '>=1.0,,<2'):
            self.assertRaises(ValueError,
                              uploads.Requirement('t', 'n', spec).clauses)
