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

"""Policy rules for quotas."""

from oslo_policy import policy

from glare.policies import base

SET_QUOTAS = base.RULE_PREFIX + 'set_quotas'
LIST_ALL_QUOTAS = base.RULE_PREFIX + 'list_all_quotas'
LIST_PROJECT_QUOTAS = base.RULE_PREFIX + 'list_project_quotas'

rules = [
    policy.DocumentedRuleDefault(
        name=SET_QUOTAS, check_str=base.ADMIN,
        description="Replace projects' quotas.",
        operations=[{'method': 'PUT', 'path': '/quotas'}]),
    policy.DocumentedRuleDefault(
        name=LIST_ALL_QUOTAS, check_str=base.ADMIN,
        description='List the quotas of every project and the global ones.',
        operations=[{'method': 'GET', 'path': '/quotas'}]),
    policy.DocumentedRuleDefault(
        name=LIST_PROJECT_QUOTAS,
        check_str='%s or project_id:%%(project_id)s' % base.ADMIN,
        description="List a project's quotas (one's own, or any as admin).",
        operations=[
            {'method': 'GET', 'path': '/project-quotas'},
            {'method': 'GET', 'path': '/project-quotas/{project_id}'}]),
]


def list_rules():
    return rules
