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

"""Personas and shared check strings for Glare's policy rules."""

from oslo_policy import policy

RULE_PREFIX = 'artifact:'

CONTEXT_IS_ADMIN = 'context_is_admin'
ADMIN_OR_OWNER = 'admin_or_owner'
SERVICE_ROLE = 'service_role'

# Check strings, for composing rule defaults.
ADMIN = 'rule:' + CONTEXT_IS_ADMIN
OWNER_OR_ADMIN = 'rule:' + ADMIN_OR_OWNER
SERVICE = 'rule:' + SERVICE_ROLE
ADMIN_OR_SERVICE = 'role:admin or role:service'
ANYONE = ''
# Project personas, against the artifact's owner. Upstream defaults do not use
# them yet; they are here for operators and new rules to build on.
PROJECT_READER = 'role:reader and project_id:%(owner)s'
PROJECT_MEMBER = 'role:member and project_id:%(owner)s'
PROJECT_READER_OR_ADMIN = '(%s) or %s' % (PROJECT_READER, ADMIN)
PROJECT_MEMBER_OR_ADMIN = '(%s) or %s' % (PROJECT_MEMBER, ADMIN)


def rule(name, check_str, description, operations):
    """A documented rule default (every artifact rule is one)."""
    return policy.DocumentedRuleDefault(
        name=name, check_str=check_str, description=description,
        operations=operations)


def only_admin_if(value, key):
    """Check string: admin only when target ``key`` equals ``value``."""
    return "'%(v)s':%%(%(k)s)s and %(a)s or not '%(v)s':%%(%(k)s)s" % {
        'v': value, 'k': key, 'a': ADMIN}


rules = [
    policy.RuleDefault(
        name=CONTEXT_IS_ADMIN,
        check_str='role:admin',
        description='Who is a cloud administrator of Glare.'),
    policy.RuleDefault(
        name=ADMIN_OR_OWNER,
        check_str='is_admin:True or project_id:%(owner)s',
        description='An administrator, or a member of the project that '
                    'owns the artifact.'),
    policy.RuleDefault(
        name=SERVICE_ROLE,
        check_str='role:service',
        description='Another OpenStack service acting on Glare.'),
]


def list_rules():
    return rules
