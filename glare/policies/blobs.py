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

"""Policy rules for the blobs of artifacts."""

from glare.policies import artifacts
from glare.policies import base

UPLOAD = base.RULE_PREFIX + 'upload'
DOWNLOAD_DEACTIVATED = base.RULE_PREFIX + 'download_deactivated'
DOWNLOAD = base.RULE_PREFIX + 'download'
SET_LOCATION = base.RULE_PREFIX + 'set_location'
SET_INTERNAL_LOCATION = base.RULE_PREFIX + 'set_internal_location'
DELETE_BLOB = base.RULE_PREFIX + 'delete_blob'

_BLOB = '/artifacts/{type_name}/{artifact_id}/{field}'
_FOLDER_BLOB = _BLOB + '/{key}'
_OWNER_NOT_PUBLIC = '%s and rule:%s' % (base.OWNER_OR_ADMIN,
                                        artifacts.UPDATE_PUBLIC)


def _ops(method):
    return [{'method': method, 'path': _BLOB},
            {'method': method, 'path': _FOLDER_BLOB}]


#: every rule here is a documented one (glare.policies.base.rule)
_rule = base.rule


rules = [
    _rule(UPLOAD, _OWNER_NOT_PUBLIC, 'Upload blob data.', _ops('PUT')),
    _rule(DOWNLOAD_DEACTIVATED, base.only_admin_if('deactivated', 'status'),
          'Download from a deactivated artifact: admin only.', _ops('GET')),
    _rule(DOWNLOAD, 'rule:' + DOWNLOAD_DEACTIVATED,
          'Download blob data.', _ops('GET')),
    _rule(SET_LOCATION, _OWNER_NOT_PUBLIC,
          'Point a blob at an external location (PUT with the '
          'application/vnd+openstack.glare-custom-location+json body).',
          _ops('PUT')),
    _rule(SET_INTERNAL_LOCATION, base.ADMIN,
          'Point a blob at a location inside a configured store.',
          _ops('PUT')),
    _rule(DELETE_BLOB, _OWNER_NOT_PUBLIC,
          'Remove a blob: its stored data or its external '
          'location.', _ops('DELETE')),
]


def list_rules():
    return rules
