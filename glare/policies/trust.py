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

"""Policy rules of the trust store and of signing blobs.

Trust store targets: ``owner`` is the entry's project (the caller's
project for a new entry, for a list, and for a global entry read), and
``project_id`` the caller's.
"""

from glare.policies import artifacts
from glare.policies import base

TRUST_CREATE = base.RULE_PREFIX + 'trust_create'
TRUST_CREATE_GLOBAL = base.RULE_PREFIX + 'trust_create_global'
TRUST_LIST = base.RULE_PREFIX + 'trust_list'
TRUST_GET = base.RULE_PREFIX + 'trust_get'
TRUST_DELETE = base.RULE_PREFIX + 'trust_delete'
SIGN = base.RULE_PREFIX + 'sign'

_ENTRIES = '/trust/certificates'
_ENTRY = _ENTRIES + '/{certificate_id}'
_SIGNATURE = '/artifacts/{type_name}/{artifact_id}/signatures/{field}'

_rule = base.rule

rules = [
    _rule(TRUST_CREATE, base.PROJECT_MEMBER_OR_ADMIN,
          "Add a certificate or public key to the caller's project's "
          'trust store.',
          [{'method': 'POST', 'path': _ENTRIES}]),
    _rule(TRUST_CREATE_GLOBAL, base.ADMIN,
          'Add an entry every project trusts ("scope": "global"), or '
          'remove one (checked with artifact:trust_delete).',
          [{'method': 'POST', 'path': _ENTRIES},
           {'method': 'DELETE', 'path': _ENTRY}]),
    _rule(TRUST_LIST, base.OWNER_OR_ADMIN,
          "List the caller's project's trust store entries and the global "
          'ones (every project\'s with ?all_projects=true: admin only).',
          [{'method': 'GET', 'path': _ENTRIES}]),
    _rule(TRUST_GET, base.OWNER_OR_ADMIN,
          'Show a trust store entry, with its PEM.',
          [{'method': 'GET', 'path': _ENTRY}]),
    _rule(TRUST_DELETE, base.PROJECT_MEMBER_OR_ADMIN,
          'Remove a trust store entry. Signatures verified with it keep '
          'their records; new ones cannot use it.',
          [{'method': 'DELETE', 'path': _ENTRY}]),
    _rule(SIGN, '%s and rule:%s' % (base.OWNER_OR_ADMIN,
                                    artifacts.UPDATE_PUBLIC),
          "Attach a verified signature to a blob's data (a drafted "
          'artifact, or an active one whose blob has none yet).',
          [{'method': 'PUT', 'path': _SIGNATURE},
           {'method': 'PUT', 'path': _SIGNATURE + '/{key}'}]),
]


def list_rules():
    return rules
