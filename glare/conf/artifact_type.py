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

"""Per-type [artifact_type:<type>] groups, registered per enabled type."""

from oslo_config import cfg

GROUP_PREFIX = 'artifact_type:'

# None everywhere means "not set for this type": the service falls back to
# the [DEFAULT] option of the same name (or, for default_store, to the
# glance_store default store).
type_opts = [
    cfg.StrOpt('default_store',
               help='Store for the blobs of this type: a glance_store '
                    'scheme (file, swift, rbd, s3, http, cinder...) or '
                    '"database" to keep blobs in the SQL database. Unset '
                    'means the [glance_store] default_store.'),
    cfg.BoolOpt('delayed_delete',
                help='Overrides [DEFAULT] delayed_delete for this type.'),
    cfg.IntOpt('max_uploaded_data', min=-1,
               help='Default per-type quota of blob bytes a project may '
                    'store; overrides [DEFAULT] max_uploaded_data. -1 means '
                    'unlimited.'),
    cfg.StrOpt('require_signature', choices=(
        ('none', 'blobs need no signature'),
        ('activate', 'every blob needs a verified signature before the '
                     'artifact can be activated (409 otherwise), and '
                     'imports and pulls of active artifacts of this type '
                     'need them too'),
        ('download', 'as activate, and blobs without a verified signature '
                     'cannot be downloaded (403)')),
               help='Signatures this type requires (API 1.5). Unset means '
                    'none.'),
    cfg.IntOpt('max_artifact_number', min=-1,
               help='Default per-type quota of artifacts a project may '
                    'own; overrides [DEFAULT] max_artifact_number. -1 means '
                    'unlimited.'),
]

INHERITED = ('delayed_delete', 'max_uploaded_data', 'max_artifact_number')


def group_name(type_name):
    return GROUP_PREFIX + type_name


def register_type_opts(conf, type_name):
    """Register [artifact_type:<type_name>]; calling it again is a no-op."""
    conf.register_opts(type_opts, group=group_name(type_name))


def type_option(conf, type_name, name):
    """Effective value of a per-type option, inheriting from [DEFAULT]."""
    value = conf[group_name(type_name)][name]
    if value is None and name in INHERITED:
        return conf[name]
    return value


def required_signature(conf, type_name):
    """'none', 'activate' or 'download': what [artifact_type:<type>]
    require_signature asks of the type's blobs."""
    return conf[group_name(type_name)].require_signature or 'none'


def list_opts():
    # Documents the group once for the sample; '<type_name>' stands for
    # each enabled type.
    group = cfg.OptGroup(
        group_name('<type_name>'),
        help='One such group per enabled artifact type, e.g. '
             '[artifact_type:images]. Unset options inherit the service '
             'wide values.')
    return [(group, type_opts)]
