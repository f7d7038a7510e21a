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

"""Tests for glare.objects.version: coercion, ordering, database encoding."""

import random
import re

import semantic_version

from glare.objects import version
from glare.tests import base

# Ascending semver precedence (checked against semantic_version below).
ASCENDING = [
    '0.0.0', '0.0.1', '0.1.0', '0.1.1',
    '1.0.0-0', '1.0.0-0.0', '1.0.0-1', '1.0.0-2', '1.0.0-10',
    '1.0.0-9999999999', '1.0.0-99999999999', '1.0.0-100000000000',
    '1.0.0-0a', '1.0.0-A', '1.0.0-Z', '1.0.0-a',
    '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.1.1', '1.0.0-alpha.2',
    '1.0.0-alpha.beta', '1.0.0-alpha-1', '1.0.0-alpha0', '1.0.0-alphab',
    '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11',
    '1.0.0-rc', '1.0.0-rc.1', '1.0.0-rc-1', '1.0.0-rc1',
    '1.0.0', '1.0.1', '1.1.0', '1.2.0', '1.10.0',
    '2.0.0-dev.20230101120000', '2.0.0-dev.20230101120000.1',
    '2.0.0-dev.20240101120000', '2.0.0',
    '10.0.0', '255.255.255', '256.0.0', '65535.0.0',
    '65535.65535.65534', '65535.65535.65535',
]


def db_key(text):
    cols = version.db_columns(text)
    return cols['version_prefix'], cols['version_suffix']


class TestCoercion(base.TestCase):

    def test_short_forms(self):
        self.assertEqual('1.0.0', version.normalize('1'))
        self.assertEqual('1.2.0', version.normalize('1.2'))
        self.assertEqual('0.0.0', version.normalize('0.0'))
        self.assertEqual('0.0.0', version.normalize('0'))
        self.assertEqual('1.0.0', version.normalize(1))
        self.assertEqual('1.5.0', version.normalize(1.5))
        self.assertEqual('1.0.0', version.normalize(' 1.0 '))
        self.assertEqual('1.2.0', version.normalize('01.02'))

    def test_full_forms_kept(self):
        for text in ('1.2.3', '1.2.3-rc.1', '1.2.3-rc.1+build.5',
                     '1.2.3+20230101', '0.0.0-0'):
            self.assertEqual(text, version.normalize(text))

    def test_equal_forms(self):
        self.assertEqual(version.parse('0.0'), version.parse('0.0.0'))
        self.assertEqual(version.db_columns('0.0'),
                         version.db_columns('0.0.0'))
        self.assertEqual(version.db_columns('1'),
                         version.db_columns('1.0.0'))

    def test_component_limit(self):
        self.assertEqual('65535.65535.65535',
                         version.normalize('65535.65535.65535'))
        for text in ('65536', '1.65536', '1.0.65536', '4294967296.0.0'):
            err = self.assertRaises(ValueError, version.parse, text)
            self.assertIn('exceeds 65535', str(err))
            self.assertIn(repr(text), str(err))

    def test_rejects(self):
        for value in ('', '   ', 'x', 'a.b.c', '1..2', '-1', '1.0.0-01',
                      '1.0.0-a..b', 'x' * 256, '1' * 256, '1.0\x00'):
            err = self.assertRaises(ValueError, version.parse, value)
            self.assertIn('not a valid version', str(err))
        for value in (None, True, ['1'], {'1': 1}):
            err = self.assertRaises(ValueError, version.parse, value)
            self.assertIn('must be a string', str(err))

    def test_encoding_must_fit_the_column(self):
        text = '0.0.0-' + '.'.join(['1'] * 120)
        self.assertLessEqual(len(text), 255)
        err = self.assertRaises(ValueError, version.parse, text)
        self.assertIn('too long', str(err))
        self.assertFalse(version.is_valid(text))
        for text in ('1.0.0-' + 'a' * 240, '1.0.0-' + '1' * 240,
                     '1.0.0-' + '.'.join(['a'] * 60)):
            self.assertLessEqual(
                len(version.db_columns(text)['version_suffix']),
                version.MAX_SUFFIX_LEN)

    def test_is_valid(self):
        self.assertTrue(version.is_valid('1'))
        self.assertTrue(version.is_valid('1.0.0-rc.1+b'))
        self.assertFalse(version.is_valid('x'))
        self.assertFalse(version.is_valid(None))

    def test_pattern_matches_every_normal_form(self):
        for text in ASCENDING + ['1.0.0+b.1', '1.0.0-rc.1+b-2']:
            self.assertTrue(re.match(version.PATTERN,
                                     version.normalize(text)), text)
        for text in ('1', '1.0', 'v1.0.0', '1.0.0-', '1.0.0-a..b'):
            self.assertIsNone(re.match(version.PATTERN, text), text)


class TestOrdering(base.TestCase):

    def test_test_data_is_in_semver_order(self):
        self.assertEqual(ASCENDING,
                         sorted(ASCENDING, key=semantic_version.Version))
        self.assertEqual(len(ASCENDING), len(set(map(db_key, ASCENDING))))

    def test_prefix_suffix_order_is_semver_order(self):
        shuffled = list(ASCENDING)
        random.Random(42).shuffle(shuffled)
        self.assertEqual(sorted(shuffled, key=semantic_version.Version),
                         sorted(shuffled, key=db_key))

    def test_pairwise(self):
        # a failure here names the first pair in the wrong order
        for lower, higher in zip(ASCENDING, ASCENDING[1:], strict=False):
            self.assertLess(db_key(lower), db_key(higher),
                            '%s should sort before %s' % (lower, higher))

    def test_prerelease_before_release(self):
        for pre in ('1.0.0-rc.1', '1.0.0-zzz', '1.0.0-0',
                    '1.0.0-' + '9' * 200):
            self.assertLess(db_key(pre), db_key('1.0.0'), pre)
            self.assertGreater(db_key(pre), db_key('0.65535.65535'), pre)

    def test_build_metadata_does_not_order(self):
        self.assertEqual(db_key('1.0.0+a'), db_key('1.0.0+b'))
        self.assertEqual(db_key('1.0.0'), db_key('1.0.0+b'))
        self.assertEqual('b.2', version.db_columns('1.0.0+b.2')[
            'version_meta'])
        self.assertEqual('', version.db_columns('1.0.0')['version_meta'])

    def test_prefix_packs_the_components(self):
        v = version.parse('1.2.3')
        self.assertEqual((1 << 32) + (2 << 16) + 3, version.prefix(v))
        self.assertEqual(2 ** 48 - 1,
                         version.prefix(version.parse('65535.65535.65535')))
        self.assertEqual('~', version.suffix(v))


class TestRoundTrip(base.TestCase):

    def test_from_db(self):
        for text in ASCENDING + ['1.0.0+b.1', '1.2.3-rc.1+build.5-x',
                                 '1.0.0-' + '1' * 240, '0.0']:
            self.assertEqual(version.normalize(text),
                             version.from_db(**version.db_columns(text)),
                             text)

    def test_db_columns(self):
        self.assertEqual({'version_prefix': 1 << 32, 'version_suffix': '~',
                          'version_meta': ''}, version.db_columns('1'))
