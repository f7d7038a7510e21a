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

"""Heat orchestration templates."""

import datetime
import re

from glare.artifact_types import yaml_docs
from glare import exception
from glare.objects import base
from glare.objects import fields as glare_fields

#: HOT versions Heat knows, with the release names it accepts for some
HOT_VERSIONS = {
    '2013-05-23': '2013-05-23', '2014-10-16': '2014-10-16',
    '2015-04-30': '2015-04-30', '2015-10-15': '2015-10-15',
    '2016-04-08': '2016-04-08', '2016-10-14': '2016-10-14',
    '2017-02-24': '2017-02-24', '2017-09-01': '2017-09-01',
    '2018-03-02': '2018-03-02', '2018-08-31': '2018-08-31',
    '2021-04-16': '2021-04-16',
    'newton': '2016-10-14', 'ocata': '2017-02-24', 'pike': '2017-09-01',
    'queens': '2018-03-02', 'rocky': '2018-08-31', 'wallaby': '2021-04-16',
}
_NEWEST = max(v for v in HOT_VERSIONS.values())
#: the section of HOT templates introduced by a version
_CONDITIONS_SINCE = '2016-10-14'
HOT_SECTIONS = ('heat_template_version', 'description', 'parameter_groups',
                'parameters', 'resources', 'outputs', 'conditions')
#: the CloudFormation-compatible format: version key → accepted values
CFN_VERSIONS = {'HeatTemplateFormatVersion': ('2012-12-12',),
                'AWSTemplateFormatVersion': ('2010-09-09',)}
CFN_SECTIONS = ('HeatTemplateFormatVersion', 'AWSTemplateFormatVersion',
                'Description', 'Mappings', 'Parameters', 'Resources',
                'Outputs', 'Conditions')
_VERSION_KEYS = ('heat_template_version',) + tuple(CFN_VERSIONS)
_DATE = re.compile(r'^\d{4}-\d{2}-\d{2}$')
ENVIRONMENT_LINK = re.compile(
    r'^/artifacts/heat_environments/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-'
    r'[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')


def hot_version(value):
    """The date of a heat_template_version value; DocumentError when Heat
    does not know it. A well-formed date after the newest known version
    is taken as a version of a newer Heat."""
    if isinstance(value, datetime.date):
        value = value.isoformat()
    if not isinstance(value, str):
        raise yaml_docs.DocumentError(
            'heat_template_version must be a date or a release name, not '
            '%r' % (value,))
    known = HOT_VERSIONS.get(value)
    if known:
        return known
    if _DATE.match(value) and value > _NEWEST:
        try:
            datetime.date.fromisoformat(value)
            return value
        except ValueError:
            pass
    raise yaml_docs.DocumentError(
        'heat_template_version %r is not one Heat knows (%s)' % (
            value, ', '.join(sorted(HOT_VERSIONS))))


def check_template(doc, what='template'):
    """Raise yaml_docs.DocumentError unless doc is a Heat template: a
    mapping with one version key Heat knows and only its format's
    sections."""
    yaml_docs.require_mapping(doc, what)
    keys = [k for k in _VERSION_KEYS if k in doc]
    if not keys:
        raise yaml_docs.DocumentError(
            'it has no heat_template_version (nor HeatTemplateFormatVersion '
            'or AWSTemplateFormatVersion): not a Heat template')
    if len(keys) > 1:
        raise yaml_docs.DocumentError('%s has ambiguous versions: %s' % (
            what, ', '.join(keys)))
    if keys[0] == 'heat_template_version':
        _check_hot(doc, what)
    else:
        _check_cfn(doc, keys[0], what)


def _check_hot(doc, what):
    version = hot_version(doc['heat_template_version'])
    yaml_docs.require_sections(doc, HOT_SECTIONS, what)
    if 'conditions' in doc and version < _CONDITIONS_SINCE:
        raise yaml_docs.DocumentError(
            '%s has section conditions, which needs heat_template_version '
            '%s or later' % (what, _CONDITIONS_SINCE))
    for section in ('parameters', 'resources', 'outputs', 'conditions'):
        yaml_docs.require_kind(doc, section, (dict,), what)
    yaml_docs.require_kind(doc, 'parameter_groups', (list,), what)
    yaml_docs.require_kind(doc, 'description', (str,), what)


def _check_cfn(doc, key, what):
    value = doc[key]
    if isinstance(value, datetime.date):
        value = value.isoformat()
    if value not in CFN_VERSIONS[key]:
        raise yaml_docs.DocumentError('%s %r is not one Heat knows (%s)' % (
            key, value, ', '.join(CFN_VERSIONS[key])))
    yaml_docs.require_sections(doc, CFN_SECTIONS, what)
    for section in ('Mappings', 'Parameters', 'Resources', 'Outputs',
                    'Conditions'):
        yaml_docs.require_kind(doc, section, (dict,), what)


class TemplateInspector(yaml_docs.DocumentInspector):
    what = 'Heat template'

    def check(self, doc, fmt):
        check_template(doc, self.what)


def check_environment_links(environments):
    """BadRequest unless every link points at a heat_environments
    artifact (the links service checks that it exists)."""
    for key, link in sorted((environments or {}).items()):
        if link is not None and not ENVIRONMENT_LINK.match(str(link)):
            raise exception.BadRequest(
                'environments/%s must link to a heat_environments artifact '
                '(/artifacts/heat_environments/<id>), not %s' % (key, link))


class HeatTemplate(base.BaseArtifact):
    """A Heat template with its nested templates and environments."""

    TYPE_NAME = 'heat_templates'
    DISPLAY_TYPE_NAME = 'Heat Templates'
    fields = dict(base.BaseArtifact.fields, **{
        'environments': glare_fields.Dict(
            glare_fields.Link, mutable=True,
            description='References to Heat '
                        'Environments that can be used '
                        'with current Template.'),
        'template': glare_fields.Blob(description='Heat template body.'),
        'nested_templates': glare_fields.Folder(
            description='Dict of nested templates '
                        'where key is the name of '
                        'template and value is '
                        'nested template body.'),
        'default_envs': glare_fields.Dict(
            glare_fields.String, mutable=True,
            description='Default environments that can '
                        'be applied to the template if '
                        'no environments specified by '
                        'user.'),
    })

    @classmethod
    def pre_create_hook(cls, context, af):
        check_environment_links(af.get('environments'))

    @classmethod
    def pre_update_hook(cls, context, af, patch=None):
        # links stored before this check existed do not block other changes
        if patch is None or 'environments' in base.patched_fields(patch):
            check_environment_links(af.get('environments'))

    @classmethod
    def pre_upload_hook(cls, context, af, field_name, blob_key, fd):
        if field_name == 'nested_templates':
            inspector = TemplateInspector(fd)
            inspector.what = 'nested template %s' % blob_key
            return inspector
        if field_name == 'template':
            return TemplateInspector(fd)
        # the base blob icon has a check of its own
        return fd
