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

"""doc/source/admin/ha.rst shows the HAProxy configuration and error
document the HA tests run with (glare.tests.fixtures.ha_cluster)."""

import json
import os

import glare
from glare.tests import base
from glare.tests.fixtures import ha_cluster

DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
    glare.__file__))), 'doc', 'source', 'admin', 'ha.rst')
NODES = [('node0', '10.0.0.11', 9494), ('node1', '10.0.0.12', 9494),
         ('node2', '10.0.0.13', 9494)]
ERRORS = '/etc/haproxy/errors/glare'


def literal_after(text, marker):
    """The content of the first code block at or after marker (a line of
    the directive, or text before it), dedented."""
    lines = text[text.index(marker):].splitlines()
    if not lines[0].strip().startswith(':'):
        lines = lines[next(i for i, line in enumerate(lines)
                           if '.. code-block::' in line):]
    lines = lines[1:]
    while lines and (not lines[0].strip() or
                     lines[0].strip().startswith(':')):
        lines.pop(0)
    indent = len(lines[0]) - len(lines[0].lstrip())
    block = []
    for line in lines:
        if line.strip() and len(line) - len(line.lstrip()) < indent:
            break
        block.append(line[indent:])
    return '\n'.join(block).strip('\n') + '\n'


class HADocTest(base.TestCase):

    def setUp(self):
        super().setUp()
        with open(DOC) as f:
            self.doc = f.read()

    def test_haproxy_config_is_the_tested_one(self):
        shown = literal_after(self.doc, ':name: haproxy-cfg')
        self.assertEqual(ha_cluster.haproxy_config(':9494', NODES, ERRORS),
                         shown)

    def test_error_document_is_the_tested_one(self):
        marker = '``502.http`` reads'
        shown = literal_after(self.doc, marker)
        # the doc's block ends each line with a newline, HTTP with CRLF
        expected = ha_cluster.error_document(502).replace('\r\n', '\n')
        self.assertEqual(expected.strip('\n') + '\n', shown)
        head, _sep, body = ha_cluster.error_document(502).partition(
            '\r\n\r\n')
        self.assertIn('Content-Length: %d' % len(body.encode()), head)
        self.assertEqual(502, json.loads(body)['code'])

    def test_every_balancer_error_is_a_json_error_document(self):
        for code in ha_cluster.BALANCER_ERRORS:
            head, _sep, body = ha_cluster.error_document(code).partition(
                '\r\n\r\n')
            self.assertTrue(head.startswith('HTTP/1.1 %d ' % code), head)
            self.assertIn('Content-Length: %d' % len(body.encode()), head)
            doc = json.loads(body)
            self.assertEqual(code, doc['code'])
            self.assertEqual({'code', 'title', 'explanation', 'error'},
                             set(doc))
            self.assertEqual({'message', 'type'}, set(doc['error']))
