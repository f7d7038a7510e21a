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

"""Create bodies and JSON patches → validated field values."""

import copy
import dataclasses

import jsonpatch
import jsonpointer

from glare import exception
from glare.objects import base
from glare.objects import fields as glare_fields
from glare.objects import uploads
from glare import policy
from glare.services import links
from glare.services import lifecycle

LIFECYCLE_FIELDS = ('status', 'visibility')


@dataclasses.dataclass
class Change:
    fields: dict
    transitions: list


def _coerce(field, name, value):
    try:
        value = field.coerce_value(value)
    except (ValueError, TypeError) as exc:
        raise exception.BadRequest('Invalid value for field %s: %s' %
                                   (name, exc)) from exc
    if field.container and not value and field.get_default() is None:
        # an empty list or dict is stored as no rows, which reads back as
        # the field's default null: say so now, not on the next GET
        return None
    return value


def _reset_value(field, name):
    """What 'replace with null' means for a field."""
    if field.container or isinstance(field.kind, glare_fields.Boolean):
        return field.get_default()
    if not field.nullable:
        raise exception.BadRequest('Field %s cannot be null' % name)
    return None


def create_values(context, cls, body):
    """Defaults overlaid with the coerced body of a create request."""
    for name in body:
        if name in base.CREATE_FORBIDDEN:
            raise exception.BadRequest('%s cannot be set on create' % name)
        field = cls.fields.get(name)
        if field is None:
            raise exception.BadRequest('Unknown field %r' % (name,))
        if field.system:
            raise exception.Forbidden('Field %s is read-only' % name)
        if field.is_blob:
            raise exception.BadRequest('Blob field %s cannot be set here; '
                                       'upload data instead' % name)
    if 'name' not in body:
        raise exception.BadRequest('The artifact name is required')
    values = {}
    for name, field in cls.fields.items():
        if field.is_blob:
            values[name] = {} if field.is_folder else None
        elif name in body:
            value = body[name]
            if value is None:
                value = _reset_value(field, name)
            values[name] = _coerce(field, name, value)
        else:
            values[name] = field.get_default()
    target = policy.policy_target(
        context, owner=context.project_id, visibility='private',
        status='drafted', type_name=cls.get_type_name())
    for name in body:
        policy.check_write_field(context, cls.get_type_name(), name, target)
    links.check(context, cls, {n: values[n] for n in body})
    return values


def system_values(cls, values):
    """Values of system fields a service sets on an artifact it creates
    (never a request's), coerced and validated like any value."""
    out = {}
    for name, value in values.items():
        field = cls.fields.get(name)
        if field is None or not field.system or field.is_blob or \
                name in base.BaseArtifact.fields:
            raise ValueError('%s is not a system field a service sets'
                             % name)
        out[name] = _coerce(field, name, value)
    return out


def _document(cls, values):
    """The patchable JSON document of an artifact."""
    doc = {}
    for name, field in cls.fields.items():
        value = values.get(name)
        doc[name] = copy.deepcopy(value) if field.is_blob else \
            field.primitive(value)
    return doc


def _check_op(cls, op):
    if not isinstance(op, dict):
        raise exception.InvalidJsonPatch(reason='operations must be '
                                                'objects')
    for key in ('path', 'from'):
        if key not in op:
            continue
        path = op[key]
        if not isinstance(path, str) or not path.startswith('/'):
            raise exception.InvalidJsonPatch(reason='bad path %r' % (path,))
        parts = path[1:].split('/')
        name = jsonpointer.unescape(parts[0])
        field = cls.fields.get(name)
        if field is None:
            raise exception.BadRequest('Unknown field %r' % (name,))
        if field.is_blob:
            raise exception.BadRequest('Blob field %s cannot be changed '
                                       'with a patch' % name)
        if field.system:
            raise exception.Forbidden('Field %s is read-only' % name)
        if name == 'display_type_name':
            raise exception.Forbidden('Field %s is read-only' % name)
        if len(parts) == 1 and (op.get('op') == 'remove' or (
                op.get('op') == 'move' and key == 'from')):
            raise exception.BadRequest('Field %s cannot be removed' % name)
        if len(parts) > 1 and field.container is None:
            raise exception.BadRequest('Field %s has no members' % name)


def apply(context, cls, current, patch):
    """Apply a JSON patch; return the changed fields and transitions."""
    if not isinstance(patch, list):
        raise exception.InvalidJsonPatch(reason='a patch is a JSON array '
                                                'of operations')
    for op in patch:
        _check_op(cls, op)
    doc = _document(cls, current)
    try:
        new_doc = jsonpatch.JsonPatch(patch).apply(doc)
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException,
            TypeError, ValueError, KeyError, IndexError) as exc:
        raise exception.InvalidJsonPatch(reason=str(exc)) from exc
    changed, transitions = {}, []
    for name, value in new_doc.items():
        if value == doc.get(name):
            continue
        field = cls.fields[name]
        if name in LIFECYCLE_FIELDS:
            continue
        if value is None:
            value = _reset_value(field, name)
        coerced = _coerce(field, name, value)
        if coerced != current.get(name):
            changed[name] = coerced
    for name in LIFECYCLE_FIELDS:
        value = new_doc.get(name)
        if value != doc.get(name):
            value = _coerce(cls.fields[name], name, value)
            make = (lifecycle.status_transition if name == 'status'
                    else lifecycle.visibility_transition)
            t = make(current[name], value)
            if t:
                transitions.append(t)
    return Change(changed, transitions)


def check_field_changes(context, cls, current, change):
    """Status, mutability and property-protection rules of a change."""
    status = lifecycle.status_for_changes(current['status'],
                                          change.transitions)
    if status not in ('drafted', 'active'):
        raise exception.Forbidden('Artifact in status %s cannot be '
                                  'changed' % status)
    if status == 'active':
        frozen = sorted(n for n in change.fields
                        if not cls.fields[n].mutable)
        if frozen:
            raise exception.Forbidden('Fields %s cannot be changed on an '
                                      'active artifact' % ', '.join(frozen))
    target = policy.policy_target(context, current,
                                  type_name=cls.get_type_name())
    for name in change.fields:
        policy.check_write_field(context, cls.get_type_name(), name, target)
    links.check(context, cls, change.fields)


def inspected_changes(context, cls, current, values):
    """The changes an upload inspector asks for, checked like a patch.

    Requirements become links first; then the fields are coerced and held
    to the same status, mutability, property-protection and link rules as
    a user's patch, since what an inspector reads comes from the user's
    data. A Dict field's value is a partial one (key → value, None to
    remove the key), merged into the field's value.

    Returns (changed fields, {Dict field: partial value}).
    """
    changed, merges = {}, {}
    for name, value in (values or {}).items():
        field = cls.fields.get(name)
        if field is None or field.is_blob or field.system or \
                name in LIFECYCLE_FIELDS + base.CREATE_FORBIDDEN:
            raise exception.BadRequest(
                'The %s upload check tried to set field %r, which cannot '
                'be set that way' % (cls.get_type_name(), name))
        value = links.resolve_all(context, value)
        if field.container == 'Dict' and isinstance(value, dict):
            merges[name] = value
            value = uploads.merged(current.get(name), value)
        if value is None:
            value = _reset_value(field, name)
        coerced = _coerce(field, name, value)
        if coerced != current.get(name):
            changed[name] = coerced
    if changed:
        check_field_changes(context, cls, current, Change(changed, []))
    merges = {n: v for n, v in merges.items() if n in changed}
    return changed, merges
