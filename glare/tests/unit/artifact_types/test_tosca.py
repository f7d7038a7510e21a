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

"""TOSCA templates: what their uploads must be."""

import io

from glare.artifact_types import tosca_template as tosca
from glare.artifact_types import yaml_docs
from glare import exception
from glare.tests import base


def upload(data, template_format=None):
    inspector = tosca.TOSCATemplate.pre_upload_hook(
        None, tosca.TOSCATemplate.from_values(
            {'template_format': template_format}), 'template', None,
        io.BytesIO(data))
    while inspector.read(3):
        pass
    return inspector.finish()


class TestCheckTemplate(base.TestCase):

    def test_versions(self):
        for version in ('tosca_simple_yaml_1_0', 'tosca_simple_yaml_1_3',
                        'tosca_2_0', 'tosca_simple_profile_for_nfv_1_0_0'):
            tosca.check_template({'tosca_definitions_version': version})
        for version in ('tosca_simple_yaml', 'yaml_1_0', 'TOSCA_2_0', 1.0,
                        None, 'tosca_simple_yaml_1_0 '):
            self.assertRaises(yaml_docs.DocumentError, tosca.check_template,
                              {'tosca_definitions_version': version})

    def test_not_tosca(self):
        for doc in ({'heat_template_version': '2018-08-31'}, [], 'x', None,
                    {}):
            self.assertRaises(yaml_docs.DocumentError, tosca.check_template,
                              doc)

    def test_check_format(self):
        self.assertIsNone(tosca.check_format(None))
        self.assertEqual('yaml', tosca.check_format('YAML'))
        self.assertEqual('json', tosca.check_format('json'))
        for value in ('xml', '', 'tosca', 3):
            self.assertRaises(exception.BadRequest, tosca.check_format,
                              value)


class TestUpload(base.TestCase):

    YAML = (b'tosca_definitions_version: tosca_simple_yaml_1_3\n'
            b'topology_template:\n  node_templates: {}\n')
    JSON = b'{"tosca_definitions_version": "tosca_simple_yaml_1_0"}'

    def test_format_set_from_data(self):
        self.assertEqual({'template_format': 'yaml'}, upload(self.YAML))
        self.assertEqual({'template_format': 'json'}, upload(self.JSON))

    def test_format_checked(self):
        self.assertEqual({}, upload(self.YAML, 'yaml'))
        self.assertEqual({}, upload(self.JSON, 'yaml'))  # JSON is YAML
        self.assertEqual({}, upload(self.JSON, 'JSON'))
        exc = self.assertRaises(exception.InvalidData, upload, self.YAML,
                                'json')
        self.assertIn('not JSON', str(exc))

    def test_refused(self):
        for data in (b'heat_template_version: 2018-08-31\n', b'foo: [1',
                     b'- tosca_definitions_version: tosca_2_0\n'):
            self.assertRaises(exception.InvalidData, upload, data)

    def test_hooks(self):
        cls = tosca.TOSCATemplate
        cls.pre_create_hook(None, cls.from_values({'template_format': 'yaml'}))
        self.assertRaises(exception.BadRequest, cls.pre_create_hook, None,
                          cls.from_values({'template_format': 'xml'}))
        self.assertRaises(exception.BadRequest, cls.pre_upload_hook, None,
                          cls.from_values({'template_format': 'xml'}),
                          'template', None, io.BytesIO(b''))
        op = [{'op': 'replace', 'path': '/template_format', 'value': 'json'}]
        cls.pre_update_hook(None, cls.from_values({'template_format': 'json'}),
                            op)
        uploaded = cls.from_values({'template_format': 'json',
                                    'template': {'status': 'active'}})
        self.assertRaises(exception.BadRequest, cls.pre_update_hook, None,
                          uploaded, op)
        cls.pre_update_hook(None, uploaded, [
            {'op': 'replace', 'path': '/name', 'value': 'x'}])
        legacy = cls.from_values({'template_format': 'TOSCA 1.0'})
        cls.pre_update_hook(None, legacy, [
            {'op': 'replace', 'path': '/name', 'value': 'x'}])
        self.assertRaises(exception.BadRequest, cls.pre_update_hook, None,
                          legacy, op)
