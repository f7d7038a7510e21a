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

"""The bounded YAML/JSON loader behind the template types."""

import io
import time

from glare.artifact_types import yaml_docs
from glare import exception
from glare.tests import base
from glare.tests.fixtures import streams


def billion_laughs(levels=9, width=9):
    """The YAML bomb: each level an anchored list of width aliases of the
    level below; width**levels leaves once expanded, a few hundred bytes
    as written."""
    lines = ['l0: &l0 [%s]' % ', '.join(['lol'] * width)]
    for i in range(1, levels + 1):
        lines.append('l%d: &l%d [%s]' % (i, i, ', '.join(
            ['*l%d' % (i - 1)] * width)))
    return ('\n'.join(lines) + '\n').encode()


class TestParse(base.TestCase):

    def test_yaml_and_json(self):
        self.assertEqual(({'a': 1}, 'yaml'), yaml_docs.parse(b'a: 1\n'))
        self.assertEqual(({'a': 1}, 'json'), yaml_docs.parse(b' {"a": 1}'))
        # JSON-looking YAML is still YAML
        self.assertEqual(({'a': 1}, 'yaml'), yaml_docs.parse(b'{a: 1}'))

    def test_timestamps_are_text(self):
        doc, _ = yaml_docs.parse(b'v: 2018-08-31\nt: 2001-12-14t21:59:43Z')
        self.assertEqual({'v': '2018-08-31', 't': '2001-12-14t21:59:43Z'},
                         doc)

    def test_empty(self):
        self.assertEqual((None, 'yaml'), yaml_docs.parse(b''))

    def test_aliases_within_limits(self):
        doc, _ = yaml_docs.parse(b'x: &a {b: 1}\ny: *a\nz: {<<: *a, c: 2}')
        self.assertEqual({'x': {'b': 1}, 'y': {'b': 1},
                          'z': {'b': 1, 'c': 2}}, doc)

    def test_billion_laughs_refused_quickly(self):
        data = billion_laughs()
        self.assertLess(len(data), 1000)
        start = time.monotonic()
        exc = self.assertRaises(yaml_docs.DocumentError, yaml_docs.parse,
                                data)
        self.assertLess(time.monotonic() - start, 2)
        self.assertIn('aliases are expanded', str(exc))

    def test_merge_key_bomb_refused(self):
        lines = ['m0: &m0 {%s}' % ', '.join('k%d: v' % i
                                            for i in range(10))]
        for i in range(1, 12):
            lines.append('m%d: &m%d {<<: [%s]}' % (
                i, i, ', '.join(['*m%d' % (i - 1)] * 4)))
        self.assertRaises(yaml_docs.DocumentError, yaml_docs.parse,
                          '\n'.join(lines).encode())

    def test_recursive_alias(self):
        exc = self.assertRaises(yaml_docs.DocumentError, yaml_docs.parse,
                                b'a: &a [1, *a]')
        self.assertIn('recursive', str(exc))

    def test_deep_nesting(self):
        # libyaml's composer would crash the process on this
        for data in (b'[' * 200000, b'{a: ' * 5000,
                     b'a:\n' + b''.join(b' ' * i + b'- \n'
                                        for i in range(1, 200))):
            exc = self.assertRaises(yaml_docs.DocumentError,
                                    yaml_docs.parse, data)
            self.assertIn('nested', str(exc))
        yaml_docs.parse(b'[' * 60 + b']' * 60)

    def test_deep_json_is_refused_too(self):
        self.assertRaises(yaml_docs.DocumentError, yaml_docs.parse,
                          b'[' * 100000 + b']' * 100000)

    def test_too_large(self):
        data = b'a: ' + b'x' * yaml_docs.MAX_DOCUMENT_SIZE
        self.assertRaises(yaml_docs.DocumentError, yaml_docs.parse, data)

    def test_malformed(self):
        for data in (b'a: [1, 2', b'a: 1\n---\nb: 2\n', b'a: *nowhere',
                     b'\xff\xfe\xfd', b'a: !!python/object/apply:os.system '
                     b'["true"]', b'a: ' + b'1' * 6000,
                     b'? [1, 2]\n: x\n', b'&a x: 1\n&a y: 2'):
            exc = self.assertRaises(yaml_docs.DocumentError,
                                    yaml_docs.parse, data)
            self.assertTrue(str(exc))

    def test_require_mapping(self):
        yaml_docs.require_mapping({'a': 1}, 'doc')
        for doc in (None, [], 'text', 3, {1: 'a'}):
            self.assertRaises(yaml_docs.DocumentError,
                              yaml_docs.require_mapping, doc, 'doc')


class _Check(yaml_docs.DocumentInspector):
    what = 'thing'

    def check(self, doc, fmt):
        if doc == 'bad':
            raise yaml_docs.DocumentError('bad thing')
        return {'fmt': fmt}


def drain(inspector, chunk=7):
    return streams.drain(inspector, chunk)


class TestDocumentInspector(base.TestCase):

    def test_passes_data_and_checks_it_whole(self):
        data = b'{"a": [1, 2, 3]}'
        inspector = _Check(io.BytesIO(data))
        self.assertEqual(data, drain(inspector))
        self.assertEqual({'fmt': 'json'}, inspector.finish())

    def test_refusal_is_invalid_data(self):
        inspector = _Check(io.BytesIO(b'bad'))
        drain(inspector)
        exc = self.assertRaises(exception.InvalidData, inspector.finish)
        self.assertIn('the thing is refused: bad thing', str(exc))
        inspector = _Check(io.BytesIO(b'[1'))
        drain(inspector)
        self.assertRaises(exception.InvalidData, inspector.finish)

    def test_too_large_is_413_while_streaming(self):
        big = io.BytesIO(b'#' * (yaml_docs.MAX_DOCUMENT_SIZE + 10))
        inspector = _Check(big)
        exc = self.assertRaises(exception.RequestEntityTooLarge, drain,
                                inspector, 65536)
        self.assertEqual(413, exc.code)
        # it stopped reading at the limit
        self.assertLess(big.tell(), yaml_docs.MAX_DOCUMENT_SIZE + 65536 + 1)
