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

"""Property protection: per-type, per-field read/write rules."""

from oslo_policy import policy

from glare.policies import base

PREFIX = base.RULE_PREFIX + 'property:'
READ = 'read'
WRITE = 'write'


def rule_name(type_name, field, access):
    """Name of the rule guarding ``access`` (read/write) to a field."""
    return '%s%s.%s:%s' % (PREFIX, type_name, field, access)


def parse_rule_name(name):
    """(type_name, field, access) for a property rule name, else None."""
    if not name.startswith(PREFIX):
        return None
    head, sep, access = name[len(PREFIX):].rpartition(':')
    type_name, dot, field = head.partition('.')
    if not (sep and dot and type_name and field) or access not in (
            READ, WRITE):
        return None
    return type_name, field, access


def _write_rule(type_name, field, check_str, description):
    return policy.DocumentedRuleDefault(
        name=rule_name(type_name, field, WRITE), check_str=check_str,
        description=description,
        operations=[{'method': 'POST', 'path': '/artifacts/%s' % type_name},
                    {'method': 'PATCH',
                     'path': '/artifacts/%s/{artifact_id}' % type_name}])


rules = [
    _write_rule('images', field, base.ADMIN_OR_SERVICE,
                'Set %s of an image (it points the compute service at '
                'other resources).' % field)
    for field in ('kernel_id', 'ramdisk_id', 'instance_uuid')
]


def list_rules():
    return rules
