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

"""Heat templates, Heat environments and TOSCA templates over HTTP: the
uploads their types accept and refuse."""

import json

from glare.artifact_types import yaml_docs
from glare.tests.functional import base
from glare.tests.functional import test_blobs
from glare.tests.unit.artifact_types import test_yaml_docs

TEMPLATE = (b'heat_template_version: 2018-08-31\n'
            b'description: one server\n'
            b'parameters:\n  flavor: {type: string, default: m1.small}\n'
            b'resources:\n  server:\n    type: OS::Nova::Server\n'
            b'    properties: {flavor: {get_param: flavor}}\n')
OTHER_TEMPLATE = b'heat_template_version: wallaby\nresources: {}\n'
ENVIRONMENT = (b'parameters: {flavor: m1.large}\n'
               b'resource_registry: {"My::Server": server.yaml}\n')
NOT_HEAT = (b'# an Ansible playbook: YAML, but no Heat template\n'
            b'- hosts: all\n  tasks:\n    - ping:\n')
NOT_HEAT_MAPPING = b'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n'
TOSCA = (b'tosca_definitions_version: tosca_simple_yaml_1_3\n'
         b'topology_template:\n  node_templates:\n'
         b'    server: {type: tosca.nodes.Compute}\n')


class TypeMixin(test_blobs.BlobMixin):
    TYPE = None

    def url(self, artifact_id=None, type_name=None):
        return super().url(artifact_id, type_name or self.TYPE)

    def new(self, **fields):
        return self.create(type_name=self.TYPE, **fields)['id']

    def assertRefused(self, artifact_id, field, data, code=400, key=None,
                      contains=None):
        resp = self.put_data(artifact_id, field, data, key=key)
        self.assertError(code, resp, contains)
        return resp

    def assertData(self, artifact_id, field, data, key=None):
        resp = self.download(artifact_id, field, key)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual(data, resp.content)

    def assertEmpty(self, artifact_id, field):
        self.assertIsNone(self.show(artifact_id, type_name=self.TYPE)[field])


class HeatTemplateTests(TypeMixin, base.FunctionalTest):
    """heat_templates: template and nested templates, environment links."""

    BACKEND = 'sqlite'
    TYPE = 'heat_templates'

    def test_template_accepted_and_activated(self):
        af = self.new()
        body = self.upload(af, 'template', TEMPLATE)
        self.assertEqual(len(TEMPLATE), body['template']['size'])
        self.assertData(af, 'template', TEMPLATE)
        self.assertEqual('active', self.activate(
            af, type_name=self.TYPE)['status'])

    def test_json_and_cfn_templates(self):
        af = self.new()
        doc = {'heat_template_version': '2015-10-15', 'resources': {}}
        self.upload(af, 'template', json.dumps(doc).encode())
        af = self.new()
        self.upload(af, 'template',
                    b'HeatTemplateFormatVersion: 2012-12-12\nResources: {}\n')

    def test_refused_upload_keeps_the_previous_value(self):
        af = self.new()
        before = self.upload(af, 'template', TEMPLATE)['template']
        for data, contains in (
                (NOT_HEAT, 'must be a mapping'),
                (NOT_HEAT_MAPPING, 'not a Heat template'),
                (b'heat_template_version: 2019-01-01\n', 'not one Heat'),
                (b'heat_template_version: 2018-08-31\nResources: {}\n',
                 "'Resources'"),
                (ENVIRONMENT, 'not a Heat template'),
                (TOSCA, 'not a Heat template'),
                (b'heat_template_version: [1', 'not valid YAML'),
                (b'\x00\x01binary', None),
                (b'', 'must be a mapping')):
            self.assertRefused(af, 'template', data, contains=contains)
            self.assertEqual(before, self.show(af, type_name=self.TYPE)[
                'template'])
            self.assertData(af, 'template', TEMPLATE)

    def test_refused_first_upload_leaves_no_blob(self):
        af = self.new()
        self.assertRefused(af, 'template', NOT_HEAT)
        self.assertEmpty(af, 'template')
        self.assertEqual(404, self.download(af, 'template').status_code)

    def test_yaml_bomb(self):
        af = self.new()
        self.assertRefused(af, 'template', test_yaml_docs.billion_laughs(),
                           contains='aliases are expanded')
        bomb = (b'heat_template_version: 2018-08-31\nresources: {}\n' +
                test_yaml_docs.billion_laughs().replace(b'l0: ', b'x0: '))
        self.assertRefused(af, 'template', bomb)
        self.assertRefused(af, 'template', b'[' * 100000, contains='nested')
        self.assertEmpty(af, 'template')

    def test_too_large(self):
        af = self.new()
        data = b'#' * (yaml_docs.MAX_DOCUMENT_SIZE + 1)
        self.assertRefused(af, 'template', data, code=413)
        self.assertEmpty(af, 'template')

    def test_nested_templates(self):
        af = self.new()
        self.upload(af, 'nested_templates', OTHER_TEMPLATE, key='net.yaml')
        resp = self.assertRefused(af, 'nested_templates', NOT_HEAT_MAPPING,
                                  key='bad.yaml')
        self.assertIn('nested template bad.yaml', resp.text)
        self.assertRefused(af, 'nested_templates', NOT_HEAT,
                           key='net.yaml')
        self.assertData(af, 'nested_templates', OTHER_TEMPLATE,
                        key='net.yaml')
        self.assertEqual(['net.yaml'], sorted(self.show(
            af, type_name=self.TYPE)['nested_templates']))

    def environment(self):
        return self.create(type_name='heat_environments')['id']

    def test_environment_links(self):
        env = '/artifacts/heat_environments/' + self.environment()
        af = self.create(type_name=self.TYPE, environments={'prod': env})
        self.assertEqual({'prod': env}, af['environments'])
        env2 = '/artifacts/heat_environments/' + self.environment()
        body = self.update(af['id'], [{'op': 'add',
                                       'path': '/environments/dev',
                                       'value': env2}],
                           type_name=self.TYPE)
        self.assertEqual({'prod': env, 'dev': env2}, body['environments'])

    def test_bad_environment_links(self):
        other_tpl = '/artifacts/heat_templates/' + self.new()
        sample = '/artifacts/sample_artifact/' + self.create()['id']
        for link in (other_tpl, sample, 'http://example.com/env.yaml'):
            resp = self.post(self.url(), {'name': self.unique(),
                                          'environments': {'e': link}},
                             headers=self.user)
            self.assertError(400, resp, 'heat_environments')
        af = self.new()
        for op in ({'op': 'add', 'path': '/environments/e',
                    'value': other_tpl},
                   {'op': 'replace', 'path': '/environments',
                    'value': {'e': sample}}):
            resp = self.patch(self.url(af), [op], headers=self.user)
            self.assertError(400, resp, 'heat_environments')
        self.assertEqual({}, self.show(af, type_name=self.TYPE)[
            'environments'] or {})
        # a missing environment: the link check of the service
        resp = self.post(self.url(), {
            'name': self.unique(), 'environments': {
                'e': '/artifacts/heat_environments/'
                     '0b6f1b4c-65c4-4a4e-8f5e-6f7a5b8c9d0e'}},
            headers=self.user)
        self.assertError(400, resp)


class HeatEnvironmentTests(TypeMixin, base.FunctionalTest):
    BACKEND = 'sqlite'
    TYPE = 'heat_environments'

    def test_accepted(self):
        for data in (ENVIRONMENT, b'{"parameter_defaults": {"a": 1}}',
                     b'encrypted_param_names: [a]\nevent_sinks: []\n'
                     b'parameter_merge_strategies: {a: merge}\n', b''):
            af = self.new()
            self.upload(af, 'environment', data)
            self.assertData(af, 'environment', data)

    def test_refused_keeps_previous(self):
        af = self.new()
        before = self.upload(af, 'environment', ENVIRONMENT)['environment']
        for data, contains in (
                (TEMPLATE, 'does not know'),
                (NOT_HEAT, 'mapping'),
                (b'parameters: {}\nresources: {}\n', "'resources'"),
                (b'parameters: [a, b]\n', "section 'parameters'"),
                (test_yaml_docs.billion_laughs(), 'aliases'),
                (b'parameters: {a: 1', 'not valid YAML')):
            self.assertRefused(af, 'environment', data, contains=contains)
        self.assertEqual(before, self.show(af, type_name=self.TYPE)[
            'environment'])
        self.assertData(af, 'environment', ENVIRONMENT)


class ToscaTemplateTests(TypeMixin, base.FunctionalTest):
    BACKEND = 'sqlite'
    TYPE = 'tosca_templates'

    def test_format_set_from_the_data(self):
        af = self.new()
        self.assertEqual('yaml', self.upload(af, 'template', TOSCA)[
            'template_format'])
        af = self.new()
        body = self.upload(af, 'template',
                           b'{"tosca_definitions_version": "tosca_2_0"}')
        self.assertEqual('json', body['template_format'])
        self.assertEqual('active', self.activate(
            af, type_name=self.TYPE)['status'])

    def test_format_checked(self):
        af = self.new(template_format='json')
        self.assertRefused(af, 'template', TOSCA, contains='not JSON')
        self.assertEmpty(af, 'template')
        af = self.new(template_format='yaml')
        self.assertEqual('yaml', self.upload(
            af, 'template', b'{"tosca_definitions_version": '
                            b'"tosca_simple_yaml_1_0"}')['template_format'])
        # the format describes the uploaded template: not changed after
        resp = self.patch(self.url(af), [{'op': 'replace',
                                          'path': '/template_format',
                                          'value': 'json'}],
                          headers=self.user)
        self.assertError(400, resp, 'template_format')

    def test_unknown_format(self):
        resp = self.post(self.url(), {'name': self.unique(),
                                      'template_format': 'xml'},
                         headers=self.user)
        self.assertError(400, resp, 'template_format')
        af = self.new()
        resp = self.patch(self.url(af), [{'op': 'add',
                                          'path': '/template_format',
                                          'value': 'xml'}],
                          headers=self.user)
        self.assertError(400, resp, 'template_format')

    def test_refused_keeps_previous(self):
        af = self.new()
        before = self.upload(af, 'template', TOSCA)['template']
        for data, contains in (
                (TEMPLATE, 'tosca_definitions_version'),
                (NOT_HEAT, 'mapping'),
                (b'tosca_definitions_version: tosca_simple_yaml\n',
                 'not a TOSCA version'),
                (test_yaml_docs.billion_laughs(), 'aliases')):
            self.assertRefused(af, 'template', data, contains=contains)
        body = self.show(af, type_name=self.TYPE)
        self.assertEqual(before, body['template'])
        self.assertEqual('yaml', body['template_format'])
        self.assertData(af, 'template', TOSCA)

    def test_secrets_not_enabled_by_default(self):
        self.assertEqual(404, self.get('/schemas/secrets',
                                       headers=self.user).status_code)
        resp = self.post('/artifacts/secrets', {'name': 'x'},
                         headers=self.user)
        self.assertEqual(404, resp.status_code, base.brief(resp))
