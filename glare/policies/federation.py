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

"""Policy rules of federation: searching, pulling from and pushing to
upstreams."""

from glare.policies import base

PULL = base.RULE_PREFIX + 'pull'
PUSH = base.RULE_PREFIX + 'push'
FEDERATION_SHOW = base.RULE_PREFIX + 'federation_show'
FEDERATED_SEARCH = base.RULE_PREFIX + 'federated_search'

_rule = base.rule

rules = [
    _rule(PULL, base.PROJECT_MEMBER_OR_ADMIN,
          "Pull an artifact (and its dependencies) from an upstream catalog "
          "into the caller's project. The target's owner is the caller's "
          "project.",
          [{'method': 'POST', 'path': '/artifacts/{type_name}/pull'}]),
    _rule(PUSH, base.OWNER_OR_ADMIN,
          'Push an artifact (and its dependencies) to an upstream catalog '
          'that takes pushes.',
          [{'method': 'POST',
            'path': '/artifacts/{type_name}/{artifact_id}/push'}]),
    # the upstreams answer as the service's identity there: who may make
    # the service ask them is a project's member (or reader), not anyone
    _rule(FEDERATED_SEARCH,
          '((role:reader or role:member) and project_id:%(owner)s) or '
          + base.ADMIN,
          "Search the upstream catalogs too (?federated=true on a list); "
          "they answer as the service's own identity there. The target's "
          "owner is the caller's project.",
          [{'method': 'GET', 'path': '/artifacts/{type_name}'}]),
    _rule(FEDERATION_SHOW, base.ANYONE,
          "Show this catalog's cloud_id and the names of its upstreams.",
          [{'method': 'GET', 'path': '/federation'}]),
]


def list_rules():
    return rules
