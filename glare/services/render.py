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

"""Artifact values → the JSON document clients see."""

from glare.objects import fields as glare_fields
from glare import policy


def _blob(type_name, artifact_id, field_name, key, blob):
    if blob is None:
        return None
    out = {k: blob.get(k) for k in ('size', 'md5', 'sha1', 'sha256',
                                    'external', 'status', 'content_type')}
    if out['status'] == 'saving':
        # the values of the data being replaced, until the new data lands
        out.update(size=None, md5=None, sha1=None, sha256=None)
    if blob.get('external'):
        out['url'] = blob.get('url')
    else:
        out['url'] = '/artifacts/%s/%s/%s%s' % (
            type_name, artifact_id, field_name,
            '/' + key if key is not None else '')
    return out


_SHAPES = {}


def _shape(field):
    if field.is_folder:
        return 'folder'
    if field.is_blob:
        return 'blob'
    if type(field).primitive is glare_fields.Field.primitive and \
            type(field.kind).to_primitive is glare_fields.Kind.to_primitive:
        return 'plain'  # a scalar whose JSON form is its value
    return None


def _shapes(fields):
    """(name, field, shape) per field, worked out once per type.

    shape: 'folder', 'blob', 'plain' or None (ask field.primitive).
    """
    hit = _SHAPES.get(id(fields))
    if hit is None or hit[0] is not fields or len(hit[1]) != len(fields):
        hit = _SHAPES[id(fields)] = (fields, tuple(
            (name, field, _shape(field)) for name, field in fields.items()))
    return hit[1]


def artifact(context, cls, values, view=None):
    """The artifact document; fields the caller may not read are left out.

    ``view`` is the 'all' type when rendering for /artifacts/all: only its
    fields are shown (every key is then in its schema), and the concrete
    type's format_all hook has the last word.
    """
    type_name = values['type_name']
    hidden = policy.unreadable_fields(context, type_name,
                                      policy.policy_target(context, values))
    out = {}
    for name, field, shape in _shapes((view or cls).fields):
        if name in hidden:
            continue
        value = values.get(name)
        if shape == 'plain':
            out[name] = value
        elif shape is None:
            out[name] = field.primitive(value)
        elif shape == 'folder':
            out[name] = {k: _blob(type_name, values['id'], name, k, b)
                         for k, b in (value or {}).items()}
        else:
            out[name] = _blob(type_name, values['id'], name, None, value)
    out['display_type_name'] = cls.get_display_type_name()
    if view is not None:
        out['type_name'] = type_name
        return cls.format_all(out)
    return cls.format_output(out)


def blobs_saving(cls, values):
    for name, field in cls.fields.items():
        if not field.is_blob:
            continue
        value = values.get(name)
        blobs = value.values() if field.is_folder else [value]
        if any(b and b.get('status') == 'saving' for b in blobs):
            return True
    return False

