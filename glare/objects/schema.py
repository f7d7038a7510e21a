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

"""JSON schema (draft 4) of artifact types, in the shape clients expect."""

from glare.objects import fields as glare_fields
from glare.objects import version as glare_version

_BLOB_SCHEMA = {
    'type': 'object',
    'properties': {
        'url': {'type': ['string', 'null']},
        'size': {'type': ['number', 'null']},
        'md5': {'type': ['string', 'null']},
        'sha1': {'type': ['string', 'null']},
        'sha256': {'type': ['string', 'null']},
        'external': {'type': 'boolean'},
        'status': {'type': 'string', 'enum': list(glare_fields.BLOB_STATUSES)},
        'content_type': {'type': ['string', 'null']},
    },
    'required': ['url', 'size', 'md5', 'sha1', 'sha256', 'external',
                 'status', 'content_type'],
    'additionalProperties': False,
}


def _json_type(kind, nullable):
    t = kind.json_type
    return [t, 'null'] if nullable else t


def _element_schema(field):
    if field.is_blob:
        s = dict(_BLOB_SCHEMA, type=['object', 'null'])
        return s
    if getattr(field.kind, 'json_schema', None):
        # a kind that says what its values hold (SignatureRecord)
        return dict(field.kind.json_schema)
    s = {'type': _json_type(field.kind, True)}
    for v in field.element_validators:
        s.update(v.to_jsonschema())
    if isinstance(field.kind, glare_fields.DateTime):
        s['format'] = 'date-time'
    return s


def _shape_schema(field):
    """The JSON type of a field's value (and its items or members)."""
    kind = field.kind
    if field.container == 'List':
        return {'type': ['array', 'null'] if field.nullable else 'array',
                'items': _element_schema(field)}
    if field.container in ('Dict', 'Folder'):
        return {'type': ['object', 'null'] if field.nullable else 'object',
                'additionalProperties': _element_schema(field)}
    if field.is_blob:
        return dict(_BLOB_SCHEMA, type=['object', 'null'])
    if getattr(kind, 'json_schema', None):
        # a scalar kind that says what its values hold (Rating)
        return dict(kind.json_schema)
    s = {'type': _json_type(kind, field.nullable)}
    if isinstance(kind, glare_fields.DateTime):
        s['format'] = 'date-time'
    if isinstance(kind, glare_fields.Version):
        s['pattern'] = glare_version.PATTERN
    return s


def _blob_sizes(field):
    if field.is_folder:
        return {'maxFolderSize': field.max_folder_size,
                'maxBlobSize': field.max_blob_size}
    if field.is_blob:
        out = {'maxBlobSize': field.max_blob_size}
        if field.content_check is not None:
            # the media types its data is checked to be (icon)
            out['contentTypes'] = list(field.content_check.media_types)
        return out
    return {}


def _attribute_schema(field):
    """The Glare attributes of a field, those that are set."""
    s = {'glareType': field.glare_type, 'filter_ops': list(field.filter_ops)}
    flags = (('readOnly', field.system), ('mutable', field.mutable),
             ('sortable', field.sortable))
    s.update((key, True) for key, on in flags if on)
    if not field.required_on_activate:
        s['required_on_activate'] = False
    default = field.get_default()
    if default is not None:
        s['default'] = field.primitive(default)
    if field.description:
        s['description'] = field.description
    if field.metadata:
        s['metadata'] = dict(field.metadata)
    return s


def field_schema(field):
    """One property of a type schema."""
    s = _shape_schema(field)
    for v in field.validators:
        s.update(v.to_jsonschema())
    if 'enum' in s and field.nullable and None not in s['enum']:
        # a nullable field's null must validate against its own schema
        s['enum'] = s['enum'] + [None]
    s.update(_blob_sizes(field))
    s.update(_attribute_schema(field))
    return s


def type_schema(cls):
    """The schema document of one artifact type."""
    props = {name: field_schema(field) for name, field in cls.fields.items()}
    props.update(cls.extra_schema_properties())
    return {
        'name': cls.get_type_name(),
        'version': cls.get_version(),
        'title': 'Artifact type %s of version %s' % (
            cls.get_type_name(), cls.get_version()),
        'type': 'object',
        'display_name': cls.get_display_type_name(),
        'required': ['name'],
        'properties': props,
    }
