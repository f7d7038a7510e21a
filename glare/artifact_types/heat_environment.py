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

"""Heat environments."""

from glare.artifact_types import yaml_docs
from glare.objects import base
from glare.objects import fields as glare_fields

#: the top-level sections Heat reads in an environment (heat's
#: environment_format.SECTIONS); any other key makes Heat refuse the file
SECTIONS = ('parameters', 'parameter_defaults', 'resource_registry',
            'encrypted_param_names', 'event_sinks',
            'parameter_merge_strategies')
_MAPPINGS = ('parameters', 'parameter_defaults', 'resource_registry',
             'parameter_merge_strategies')
_LISTS = ('encrypted_param_names', 'event_sinks')


def check_environment(doc, what='environment'):
    """Raise yaml_docs.DocumentError unless doc is a Heat environment.

    As in Heat, an empty document is an empty environment.
    """
    if doc is None:
        return
    yaml_docs.require_mapping(doc, what)
    yaml_docs.require_sections(doc, SECTIONS, what)
    for section in _MAPPINGS:
        yaml_docs.require_kind(doc, section, (dict,), what)
    for section in _LISTS:
        yaml_docs.require_kind(doc, section, (list,), what)


class EnvironmentInspector(yaml_docs.DocumentInspector):
    what = 'Heat environment'

    def check(self, doc, fmt):
        check_environment(doc, self.what)


class HeatEnvironment(base.BaseArtifact):
    """A Heat environment file."""

    TYPE_NAME = 'heat_environments'
    DISPLAY_TYPE_NAME = 'Heat Environments'
    fields = dict(base.BaseArtifact.fields, **{
        'environment': glare_fields.Blob(
            description='Heat Environment text body.'),
    })

    @classmethod
    def pre_upload_hook(cls, context, af, field_name, blob_key, fd):
        if field_name == 'environment':
            return EnvironmentInspector(fd)
        # the base blob icon has a check of its own
        return fd
