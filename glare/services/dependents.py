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

"""Deleting a linked artifact: the active artifacts it would leave dangling."""

from glare.db import links as db
from glare import exception
from glare.services import access

#: the dependents a refusal names; the count covers them all
SHOWN = 10


def link_fields(registry, skip=()):
    """{type name: [its Link fields (scalar, list or dict)]}.

    A system Link field is a record the service writes (images'
    converted_from: where the data came from), not a dependency the owner
    declared: it keeps nothing from being deleted or made private.
    """
    out = {}
    for type_name, cls in registry.items():
        if type_name in skip:
            continue
        names = sorted(n for n, fld in cls.fields.items()
                       if not fld.is_blob and fld.kind.name == 'Link' and
                       not fld.system)
        if names:
            out[type_name] = names
    return out


def _spellings(type_name, artifact_id):
    # a link's id is stored as the user wrote it: ids are made lower case,
    # and links written by hand are either that or upper case
    return sorted({'/artifacts/%s/%s' % (type_name, i)
                   for i in (artifact_id.lower(), artifact_id.upper())})


def _describe(row):
    return '%s/%s (%s %s)' % (row['type_name'], row['id'], row['name'],
                              row['version'])


def shared_with(context, fields, values, members):
    """([row], total) of the shared artifacts, in any status but deleted,
    that link to values and that one of members is a member of (at most
    SHOWN rows)."""
    if not members:
        return [], 0
    return db.active_dependents(
        context, _spellings(values['type_name'], values['id']), fields,
        values['id'], SHOWN, shared_with=members)


def describe(row):
    """A dependent row as a 409 names it."""
    return {k: row[k] for k in ('type_name', 'id', 'name', 'version')}


def check_none(context, fields, values, readable):
    """Conflict naming the active artifacts that link to values.

    fields: link_fields(); readable(context, rows): the dependents the
    caller may see. Only those are named (type, id, name, version), at most
    SHOWN of them; the count includes the others.
    """
    rows, total = db.active_dependents(
        context, _spellings(values['type_name'], values['id']), fields,
        values['id'], SHOWN)
    if not total:
        return
    shown = readable(context, rows)
    described = ', '.join(_describe(r) for r in shown)
    unnamed = total - len(shown)
    if unnamed and shown:
        described += ' and %d more' % unnamed
    elif unnamed:
        described = 'none you may see'
    exc = exception.Conflict(
        'Artifact %s cannot be deleted: %d active artifact%s link%s to it: '
        '%s. Delete them or remove their links first; an admin may delete '
        'it anyway with ?force=true, leaving the links dangling' % (
            values['id'], total, '' if total == 1 else 's',
            's' if total == 1 else '', described))
    exc.body_extra = {
        'dependents': [describe(r) for r in shown],
        'dependents_count': total}
    raise exc


def listed(context, fields, type_name, artifact_id, limit=SHOWN):
    """([row], total) of the active artifacts that link to an artifact
    and that the caller may read (at most limit rows, in type, name and
    version order); total counts them all, the unreadable ones too."""
    rows, total = db.active_dependents(
        context, _spellings(type_name, artifact_id), fields,
        artifact_id.lower(), limit)
    return access.readable(context, rows), total
