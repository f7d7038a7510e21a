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

"""Policy rules for artifact types and artifacts."""

from glare.policies import base

TYPE_LIST = base.RULE_PREFIX + 'type_list'
TYPE_GET = base.RULE_PREFIX + 'type_get'
LIST = base.RULE_PREFIX + 'list'
GET = base.RULE_PREFIX + 'get'
GET_ANY = base.RULE_PREFIX + 'get_any_artifact'
CREATE = base.RULE_PREFIX + 'create'
UPDATE_PUBLIC = base.RULE_PREFIX + 'update_public'
UPDATE = base.RULE_PREFIX + 'update'
ACTIVATE = base.RULE_PREFIX + 'activate'
REACTIVATE = base.RULE_PREFIX + 'reactivate'
DEACTIVATE = base.RULE_PREFIX + 'deactivate'
PUBLISH = base.RULE_PREFIX + 'publish'
COMMUNITIZE = base.RULE_PREFIX + 'communitize'
DECOMMUNITIZE = base.RULE_PREFIX + 'decommunitize'
DELETE_PUBLIC = base.RULE_PREFIX + 'delete_public'
DELETE_DEACTIVATED = base.RULE_PREFIX + 'delete_deactivated'
DELETE = base.RULE_PREFIX + 'delete'
DELETE_FORCE = base.RULE_PREFIX + 'delete_force'

_ARTIFACTS = '/artifacts/{type_name}'
_ARTIFACT = '/artifacts/{type_name}/{artifact_id}'
_PATCH = [{'method': 'PATCH', 'path': _ARTIFACT}]


#: every rule here is a documented one (glare.policies.base.rule)
_rule = base.rule


rules = [
    _rule(TYPE_LIST, base.ANYONE, 'List artifact type schemas.',
          [{'method': 'GET', 'path': '/schemas'}]),
    _rule(TYPE_GET, base.ANYONE, 'Show the schema of an artifact type.',
          [{'method': 'GET', 'path': '/schemas/{type_name}'}]),
    _rule(LIST, base.ANYONE, 'List artifacts.',
          [{'method': 'GET', 'path': _ARTIFACTS}]),
    _rule(GET, base.ANYONE, 'Show an artifact.',
          [{'method': 'GET', 'path': _ARTIFACT}]),
    _rule(GET_ANY, base.ADMIN,
          "See other projects' private artifacts.",
          [{'method': 'GET', 'path': _ARTIFACTS},
           {'method': 'GET', 'path': _ARTIFACT}]),
    _rule(CREATE, base.ANYONE,
          'Create an artifact (anonymous callers are refused by the '
          'service whatever this rule says).',
          [{'method': 'POST', 'path': _ARTIFACTS}]),
    _rule(UPDATE_PUBLIC, base.only_admin_if('public', 'visibility'),
          'Change a public artifact: admin only.', _PATCH),
    _rule(UPDATE, '%s and rule:%s' % (base.OWNER_OR_ADMIN, UPDATE_PUBLIC),
          'Update an artifact.', _PATCH),
    _rule(ACTIVATE, base.OWNER_OR_ADMIN,
          'Activate a drafted artifact.', _PATCH),
    _rule(REACTIVATE, base.ADMIN,
          'Activate a deactivated artifact again.', _PATCH),
    _rule(DEACTIVATE, base.ADMIN, 'Deactivate an active artifact.', _PATCH),
    _rule(PUBLISH, base.ADMIN, 'Make an artifact public.', _PATCH),
    _rule(COMMUNITIZE, base.OWNER_OR_ADMIN,
          'Make an active private or shared artifact community: anyone '
          'who knows it may read it.', _PATCH),
    _rule(DECOMMUNITIZE, base.ADMIN,
          'Make a community artifact private or shared again (others may '
          'already use it).', _PATCH),
    _rule(DELETE_PUBLIC, base.only_admin_if('public', 'visibility'),
          'Delete a public artifact: admin only.',
          [{'method': 'DELETE', 'path': _ARTIFACT}]),
    _rule(DELETE_DEACTIVATED, base.only_admin_if('deactivated', 'status'),
          'Delete a deactivated artifact: admin only.',
          [{'method': 'DELETE', 'path': _ARTIFACT}]),
    _rule(DELETE, '%s and rule:%s and rule:%s' % (
        base.OWNER_OR_ADMIN, DELETE_PUBLIC, DELETE_DEACTIVATED),
        'Delete an artifact.',
        [{'method': 'DELETE', 'path': _ARTIFACT}]),
    _rule(DELETE_FORCE, base.ADMIN,
          'Delete an artifact that active artifacts link to (?force=true), '
          'leaving their links dangling.',
          [{'method': 'DELETE', 'path': _ARTIFACT + '?force=true'}]),
]


def list_rules():
    return rules
