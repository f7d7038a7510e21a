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

"""Heat templates and environments: what their uploads must be."""

import io

from glare.artifact_types import heat_environment as env
from glare.artifact_types import heat_template as tpl
from glare.artifact_types import yaml_docs
from glare import exception
from glare.tests import base

ENV_ID = '0b6f1b4c-65c4-4a4e-8f5e-6f7a5b8c9d0e'


def check_upload(inspector_cls, data):
    inspector = inspector_cls(io.BytesIO(data))
    while inspector.read(5):
        pass
    return inspector.finish()


class TestHotVersions(base.TestCase):

    def test_known(self):
        for value in ('2013-05-23', '2015-10-15', '2018-08-31',
                      '2021-04-16'):
            self.assertEqual(value, tpl.hot_version(value))
        for name, date in (('newton', '2016-10-14'), ('ocata', '2017-02-24'),
                           ('pike', '2017-09-01'), ('queens', '2018-03-02'),
                           ('rocky', '2018-08-31'),
                           ('wallaby', '2021-04-16')):
            self.assertEqual(date, tpl.hot_version(name))

    def test_later_dates_are_newer_heat(self):
        self.assertEqual('2024-10-02', tpl.hot_version('2024-10-02'))

    def test_unknown(self):
        for value in ('2014-01-01', '2012-12-12', '2030-02-30', 'stein',
                      'latest', '', 20180831, None, ['2018-08-31'],
                      '2018-8-31'):
            self.assertRaises(yaml_docs.DocumentError, tpl.hot_version,
                              value)


class TestCheckTemplate(base.TestCase):

    def ok(self, text):
        # a check: it returns nothing and raises DocumentError on refusal
        doc, _ = yaml_docs.parse(text.encode())
        self.assertIsNone(tpl.check_template(doc))

    def refused(self, text, message=None):
        doc, _ = yaml_docs.parse(text.encode())
        exc = self.assertRaises(yaml_docs.DocumentError, tpl.check_template,
                                doc)
        if message:
            self.assertIn(message, str(exc))

    def test_hot(self):
        self.ok('heat_template_version: 2018-08-31\n'
                'description: a stack\n'
                'parameter_groups: []\n'
                'parameters: {size: {type: number}}\n'
                'resources:\n  r: {type: "OS::Heat::None"}\n'
                'outputs: {}\nconditions: {c: true}\n')
        self.ok('heat_template_version: rocky\n')
        self.ok('{"heat_template_version": "2013-05-23", "resources": {}}')
        self.ok('heat_template_version: "2015-04-30"\nresources:\n')

    def test_cfn(self):
        self.ok('HeatTemplateFormatVersion: 2012-12-12\nResources: {}\n')
        self.ok('{"AWSTemplateFormatVersion": "2010-09-09", '
                '"Description": "x", "Resources": {}, "Conditions": {}}')
        self.refused('HeatTemplateFormatVersion: 2013-05-23\n',
                     'not one Heat knows')
        self.refused('AWSTemplateFormatVersion: 2010-09-09\nresources: {}',
                     "'resources'")

    def test_not_heat(self):
        self.refused('foo: bar\nbaz: [1, 2]\n', 'not a Heat template')
        self.refused('tosca_definitions_version: tosca_simple_yaml_1_3\n',
                     'not a Heat template')
        self.refused('- heat_template_version: 2018-08-31\n', 'mapping')
        self.refused('just text', 'mapping')
        self.refused('', 'mapping')

    def test_bad_sections(self):
        self.refused('heat_template_version: 2018-08-31\nResources: {}\n',
                     "'Resources'")
        self.refused('heat_template_version: 2018-08-31\nresources: [a]\n',
                     "section 'resources'")
        self.refused('heat_template_version: 2018-08-31\nparameters: x\n')
        self.refused('heat_template_version: 2018-08-31\n'
                     'parameter_groups: {}\n')
        self.refused('heat_template_version: 2016-04-08\nconditions: {}\n',
                     'conditions')
        self.refused('heat_template_version: 2018-08-31\n'
                     'HeatTemplateFormatVersion: 2012-12-12\n', 'ambiguous')

    def test_bad_version(self):
        self.refused('heat_template_version: 2019-01-01\n',
                     'not one Heat knows')
        self.refused('heat_template_version: 1\n')


class TestCheckEnvironment(base.TestCase):

    def test_ok(self):
        for text in ('', 'parameters: {}\n',
                     'parameters: {a: 1}\nparameter_defaults: {b: 2}\n'
                     'resource_registry: {"My::R": r.yaml}\n'
                     'encrypted_param_names: [a]\nevent_sinks: []\n'
                     'parameter_merge_strategies: {a: merge}\n',
                     '{"parameters": {"a": 1}}'):
            doc, _ = yaml_docs.parse(text.encode())
            # a check: it returns nothing and raises DocumentError on refusal
            self.assertIsNone(env.check_environment(doc), text)

    def test_refused(self):
        for text, message in (
                ('heat_template_version: 2018-08-31\n', 'does not know'),
                ('parameters: {}\nresources: {}\n', "'resources'"),
                ('foo: bar\n', "'foo'"),
                ('[parameters]', 'mapping'),
                ('text', 'mapping'),
                ('parameters: [a]\n', "section 'parameters'"),
                ('event_sinks: {a: 1}\n', "section 'event_sinks'"),
                ('encrypted_param_names: a\n', 'list')):
            doc, _ = yaml_docs.parse(text.encode())
            exc = self.assertRaises(yaml_docs.DocumentError,
                                    env.check_environment, doc)
            self.assertIn(message, str(exc))


class TestInspectors(base.TestCase):

    def test_template(self):
        self.assertEqual({}, check_upload(
            tpl.TemplateInspector, b'heat_template_version: 2018-08-31\n'))
        exc = self.assertRaises(exception.InvalidData, check_upload,
                                tpl.TemplateInspector, b'foo: bar\n')
        self.assertIn('Heat template', str(exc))

    def test_nested_template_named(self):
        inspector = tpl.HeatTemplate.pre_upload_hook(
            None, tpl.HeatTemplate(), 'nested_templates', 'net.yaml',
            io.BytesIO(b'foo: bar\n'))
        inspector.read()
        exc = self.assertRaises(exception.InvalidData, inspector.finish)
        self.assertIn('nested template net.yaml', str(exc))

    def test_environment(self):
        self.assertEqual({}, check_upload(env.EnvironmentInspector,
                                          b'parameters: {a: 1}\n'))
        self.assertRaises(exception.InvalidData, check_upload,
                          env.EnvironmentInspector,
                          b'heat_template_version: 2018-08-31\n')


class TestEnvironmentLinks(base.TestCase):

    def test_ok(self):
        # a check: it returns nothing and raises BadRequest on refusal
        for environments in (None, {}, {'e': None},
                             {'e': '/artifacts/heat_environments/' + ENV_ID}):
            self.assertIsNone(tpl.check_environment_links(environments))

    def test_refused(self):
        for link in ('/artifacts/heat_templates/' + ENV_ID,
                     '/artifacts/sample_artifact/' + ENV_ID,
                     'http://example.com/env.yaml',
                     '/artifacts/heat_environments/' + ENV_ID + '/x'):
            exc = self.assertRaises(exception.BadRequest,
                                    tpl.check_environment_links,
                                    {'e': link})
            self.assertIn('environments/e', str(exc))

    def test_update_checks_only_when_patched(self):
        af = tpl.HeatTemplate.from_values(
            {'environments': {'old': 'http://example.com/e'}})
        tpl.HeatTemplate.pre_update_hook(
            None, af, [{'op': 'replace', 'path': '/name', 'value': 'x'}])
        for path in ('/environments', '/environments/new'):
            self.assertRaises(exception.BadRequest,
                              tpl.HeatTemplate.pre_update_hook, None, af,
                              [{'op': 'add', 'path': path, 'value': {}}])
        self.assertRaises(exception.BadRequest,
                          tpl.HeatTemplate.pre_create_hook, None, af)
