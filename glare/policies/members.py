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

"""Policy rules for the members of shared artifacts."""

from glare.policies import base

MEMBER_ADD = base.RULE_PREFIX + 'member_add'
MEMBER_LIST = base.RULE_PREFIX + 'member_list'
MEMBER_UPDATE = base.RULE_PREFIX + 'member_update'
MEMBER_DELETE = base.RULE_PREFIX + 'member_delete'

#: the target's "member": the member project a rule is checked for (the
#: caller's own project when it lists the members as one of them)
THE_MEMBER = 'project_id:%(member)s'

_MEMBERS = '/artifacts/{type_name}/{artifact_id}/members'
_MEMBER = _MEMBERS + '/{project_id}'


#: every rule here is a documented one (glare.policies.base.rule)
_rule = base.rule


rules = [
    _rule(MEMBER_ADD, base.OWNER_OR_ADMIN,
          'Share an artifact with another project.',
          [{'method': 'POST', 'path': _MEMBERS}]),
    _rule(MEMBER_LIST, '%s or %s' % (base.OWNER_OR_ADMIN, THE_MEMBER),
          'List or show the members of an artifact (a member sees only '
          'itself).',
          [{'method': 'GET', 'path': _MEMBERS},
           {'method': 'GET', 'path': _MEMBER}]),
    _rule(MEMBER_UPDATE, '%s or %s' % (base.ADMIN, THE_MEMBER),
          "Accept, reject or put back to pending an artifact shared with "
          "the caller's project.",
          [{'method': 'PUT', 'path': _MEMBER}]),
    _rule(MEMBER_DELETE, '%s or %s' % (base.OWNER_OR_ADMIN, THE_MEMBER),
          'Stop sharing an artifact with a project (the owner), or leave '
          'it (the member).',
          [{'method': 'DELETE', 'path': _MEMBER}]),
]


def list_rules():
    return rules
