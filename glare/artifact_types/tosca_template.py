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

"""TOSCA templates."""

import re

from glare.artifact_types import yaml_docs
from glare import exception
from glare.objects import base
from glare.objects import fields as glare_fields

#: tosca_definitions_version values: the TOSCA Simple Profile in YAML
#: (tosca_simple_yaml_1_0 … 1_3), TOSCA 2.0 (tosca_2_0) and the profiles
#: tosca-parser knows (tosca_simple_profile_for_nfv_1_0_0, …)
TOSCA_VERSION = re.compile(
    r'^tosca_(simple_yaml_\d+_\d+|\d+_\d+|'
    r'simple_profile_for_[a-z0-9]+_\d+_\d+_\d+)$')
#: what template_format says: the syntax of the template blob. JSON is
#: YAML, so a 'yaml' template may be written in JSON; a 'json' one must be
#: JSON. Unset at upload, it is set from the data.
FORMATS = ('yaml', 'json')


def check_template(doc, what='TOSCA template'):
    """Raise yaml_docs.DocumentError unless doc is a TOSCA template."""
    yaml_docs.require_mapping(doc, what)
    if 'tosca_definitions_version' not in doc:
        raise yaml_docs.DocumentError(
            '%s is not a TOSCA template: it has no '
            'tosca_definitions_version' % what)
    version = doc['tosca_definitions_version']
    if not isinstance(version, str) or not TOSCA_VERSION.match(version):
        raise yaml_docs.DocumentError(
            'tosca_definitions_version %r is not a TOSCA version (such as '
            'tosca_simple_yaml_1_3 or tosca_2_0)' % (version,))


def check_format(value):
    """The normalised template_format; BadRequest when unknown."""
    if value is None:
        return None
    if not isinstance(value, str) or value.lower() not in FORMATS:
        raise exception.BadRequest(
            'template_format must be one of %s, not %r' % (
                ', '.join(FORMATS), value))
    return value.lower()


class TemplateInspector(yaml_docs.DocumentInspector):
    what = 'TOSCA template'

    def __init__(self, fd, template_format):
        super().__init__(fd)
        self.template_format = template_format

    def check(self, doc, fmt):
        check_template(doc, self.what)
        if self.template_format is None:
            return {'template_format': fmt}
        if self.template_format == 'json' and fmt != 'json':
            raise yaml_docs.DocumentError(
                'template_format is json, but the template is not JSON')
        return {}


class TOSCATemplate(base.BaseArtifact):
    """A TOSCA template."""

    TYPE_NAME = 'tosca_templates'
    DISPLAY_TYPE_NAME = 'TOSCA Templates'
    fields = dict(base.BaseArtifact.fields, **{
        'template_format': glare_fields.Scalar(
            glare_fields.String,
            description='TOSCA template format.'),
        'template': glare_fields.Blob(description='TOSCA template body.'),
    })

    @classmethod
    def pre_create_hook(cls, context, af):
        check_format(af.get('template_format'))

    @classmethod
    def pre_update_hook(cls, context, af, patch=None):
        # values stored before this check existed do not block other changes
        if patch is not None and \
                'template_format' not in base.patched_fields(patch):
            return
        check_format(af.get('template_format'))
        if af.get('template') is not None:
            raise exception.BadRequest(
                'template_format describes the uploaded template; upload '
                'the template again (in a new artifact) to change it')

    @classmethod
    def pre_upload_hook(cls, context, af, field_name, blob_key, fd):
        if field_name != 'template':
            # the base blob icon has a check of its own
            return fd
        return TemplateInspector(fd, check_format(
            af.get('template_format')))
