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

"""policy.policy_target: the one shape of the targets rules are checked on."""

import testtools

from glare import context
from glare import policy

ARTIFACT = {'id': 'a1', 'owner': 'p2', 'visibility': 'public',
            'status': 'active', 'type_name': 'images', 'name': 'n'}


class TestPolicyTarget(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.ctx = context.RequestContext(project_id='p1', user_id='u1')

    def test_no_artifact_is_the_callers_project(self):
        self.assertEqual({'project_id': 'p1'},
                         policy.policy_target(self.ctx))

    def test_artifact_gives_its_four_keys_and_nothing_else(self):
        self.assertEqual({'project_id': 'p1', 'owner': 'p2',
                          'visibility': 'public', 'status': 'active',
                          'type_name': 'images'},
                         policy.policy_target(self.ctx, ARTIFACT))

    def test_artifact_without_type_name(self):
        values = dict(ARTIFACT)
        del values['type_name']
        self.assertIsNone(
            policy.policy_target(self.ctx, values)['type_name'])

    def test_artifact_missing_a_key_is_an_error(self):
        values = dict(ARTIFACT)
        del values['owner']
        self.assertRaises(KeyError, policy.policy_target, self.ctx, values)

    def test_keys_add_and_override(self):
        target = policy.policy_target(self.ctx, ARTIFACT, field='blob',
                                      type_name='heat_templates')
        self.assertEqual('blob', target['field'])
        self.assertEqual('heat_templates', target['type_name'])
        self.assertEqual('p1', target['project_id'])

    def test_project_id_override_for_another_project(self):
        # quotas: the target is the project asked about, not the caller's
        self.assertEqual({'project_id': 'p3', 'owner': 'p3'},
                         policy.policy_target(self.ctx, project_id='p3',
                                              owner='p3'))

    def test_anonymous_caller(self):
        anonymous = context.RequestContext()
        self.assertEqual({'project_id': None, 'type_name': 't'},
                         policy.policy_target(anonymous, type_name='t'))

    def test_each_call_is_a_new_dict(self):
        # callers add keys (blobs add 'field'): no shared state
        first = policy.policy_target(self.ctx, ARTIFACT)
        first['field'] = 'x'
        self.assertNotIn('field', policy.policy_target(self.ctx, ARTIFACT))
