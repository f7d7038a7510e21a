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

"""The records of a bundle: an artifact's links as a bundle names them,
and the values of an artifact read back from its record (import).

A record comes from outside: every value is coerced and validated by its
field as a create or a patch would be, every blob checked against the
layer that carries its data.
"""

import re
import uuid

from glare import exception
from glare.objects import fields as glare_fields
from glare.services import closure

#: base fields an import sets itself, whatever the record says
#: (signatures: a record's are never taken as they are; they are checked
#: again against the importer's trust store, or dropped; star_count,
#: rating and downloads are this cloud's own signals)
SET_BY_IMPORT = ('id', 'owner', 'visibility', 'status', 'created_at',
                 'updated_at', 'activated_at', 'display_type_name',
                 'origin', 'signatures', 'star_count', 'rating',
                 'downloads')
_HEX = {'md5': 32, 'sha1': 40, 'sha256': 64}
_HEX_RE = re.compile(r'[0-9a-f]+')
_TYPE_VERSION = re.compile(r'(\d{1,9})\.(\d{1,9})')


def link_labels(fields, values):
    """{"field" | "field[i]" | "field/key": {"type_name", "id"}} of the
    internal links in values (external URLs stay in the document)."""
    out = {}
    for name, field in sorted(fields.items()):
        if field.is_blob or field.kind.name != 'Link':
            continue
        value = values.get(name)
        if value is None:
            continue
        if field.container == 'List':
            items = [('%s[%d]' % (name, i), v) for i, v in enumerate(value)]
        elif field.container == 'Dict':
            items = [('%s/%s' % (name, k), v) for k, v in value.items()]
        else:
            items = [(name, value)]
        for label, link in items:
            target = closure.internal_link(link) if isinstance(
                link, str) else None
            if target is not None:
                out[label] = {'type_name': target[0], 'id': target[1]}
    return out


def artifact_id(value, where):
    """The canonical (lower case) form of an artifact id, else 400."""
    try:
        canonical = str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError) as exc:
        raise exception.BadRequest('%s: %r is not an artifact id (a UUID)'
                                   % (where, value)) from exc
    if canonical != value:
        raise exception.BadRequest('%s: artifact id %r is not in its '
                                   'canonical form %s' % (where, value,
                                                          canonical))
    return canonical


def check_type_version(served, recorded, where):
    """400 when the record's type version is malformed or newer (major,
    minor) than the type this service serves: it may hold fields or
    values this service does not know."""
    got = _TYPE_VERSION.fullmatch(recorded or '')
    mine = _TYPE_VERSION.fullmatch(served)
    if got is None:
        raise exception.BadRequest('%s: type_version %r is not MAJOR.MINOR'
                                   % (where, recorded))
    if tuple(map(int, got.groups())) > tuple(map(int, mine.groups())):
        raise exception.BadRequest(
            '%s: it was written by type version %s, newer than the %s this '
            'service serves' % (where, recorded, served))


def _coerce(field, name, value, where):
    try:
        if value is None:
            if field.container or isinstance(field.kind,
                                              glare_fields.Boolean):
                return field.get_default()
            value = field.coerce_value(None)
        else:
            value = field.coerce_value(value)
    except (ValueError, TypeError) as exc:
        raise exception.BadRequest('%s: field %s: %s' % (where, name, exc)
                                   ) from exc
    if field.container and not value and field.get_default() is None:
        return None  # stored as no rows: reads back as the default null
    return value


def field_values(cls, doc, where):
    """The values of the non-blob fields an artifact document holds,
    coerced and validated by their fields; missing ones get their default
    (a record of an older type version), keys that are no field are
    ignored (what a type's format_output adds)."""
    values = {}
    for name, field in cls.fields.items():
        if field.is_blob or name in SET_BY_IMPORT:
            continue
        if name not in doc:
            values[name] = field.get_default()
            continue
        values[name] = _coerce(field, name, doc[name], where)
    return values


def timestamp(cls, doc, name, where, required):
    value = doc.get(name)
    if value is None:
        if required:
            raise exception.BadRequest('%s: %s is missing' % (where, name))
        return None
    value = _coerce(cls.fields[name], name, value, where)
    return value.replace(tzinfo=None)


def _hex(blob, name, label, where):
    value = blob.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) != _HEX[name] or \
            not _HEX_RE.fullmatch(value):
        raise exception.BadRequest('%s: blob %s has a malformed %s' % (
            where, label, name))
    return value


def _blob_row(blob, name, key, label, where, check_url):
    """The row of one blob of a record (its data not staged yet)."""
    if not isinstance(blob, dict):
        raise exception.BadRequest('%s: blob %s is not an object' % (
            where, label))
    if blob.get('status') != 'active':
        raise exception.BadRequest('%s: blob %s is %r, not active' % (
            where, label, blob.get('status')))
    external = blob.get('external')
    if not isinstance(external, bool):
        raise exception.BadRequest('%s: blob %s says neither whether it is '
                                   'external' % (where, label))
    ctype = blob.get('content_type')
    if ctype is not None and (not isinstance(ctype, str) or
                              len(ctype) > 255 or '\x00' in ctype):
        raise exception.BadRequest('%s: blob %s has a bad content type' % (
            where, label))
    size = blob.get('size')
    if size is not None and (type(size) is not int or size < 0):
        raise exception.BadRequest('%s: blob %s has a bad size' % (
            where, label))
    row = dict(name=name, key_name=key, size=size, external=external,
               managed=not external, content_type=ctype, url=None,
               **{h: _hex(blob, h, label, where) for h in _HEX})
    if external:
        url = blob.get('url')
        if not isinstance(url, str):
            raise exception.BadRequest('%s: external blob %s has no URL' % (
                where, label))
        check_url(url)
        row['url'] = url
    elif row['sha256'] is None or size is None:
        raise exception.BadRequest('%s: blob %s has no sha256 or size' % (
            where, label))
    return row


def _folder_items(name, value, where):
    if value is None:
        return []
    if not isinstance(value, dict):
        raise exception.BadRequest('%s: folder %s is not an object' % (
            where, name))
    for key in value:
        if not key or len(key) > 255 or '\x00' in key:
            raise exception.BadRequest('%s: folder %s has a bad key' % (
                where, name))
    return [('%s/%s' % (name, k), k, v) for k, v in sorted(value.items())]


def blob_rows(cls, doc, layers, where, check_url):
    """{label: row} of the blobs of an artifact document; layers:
    {label: layout.LayerRef} of its manifest.

    Every stored blob needs the layer of its label, with its sha256 and
    size; every layer a stored blob. 413 past a field's size limits.
    """
    rows = {}
    for name, field in cls.fields.items():
        if not field.is_blob:
            continue
        items = _folder_items(name, doc.get(name), where) \
            if field.is_folder else [(name, '', doc.get(name))]
        total = 0
        for label, key, blob in items:
            if blob is None:
                continue
            row = rows[label] = _blob_row(blob, name, key, label, where,
                                          check_url)
            if row['external'] and field.content_check is not None:
                # the API sets no location there either: data unchecked
                raise exception.BadRequest(
                    '%s: blob %s is an external location, but the data of '
                    'field %s is checked by its content' % (where, label,
                                                            name))
            if not row['external']:
                _match_layer(row, layers.get(label), label, where)
            if (row['size'] or 0) > field.max_blob_size:
                raise exception.RequestEntityTooLarge(
                    '%s: blob %s is %d bytes, over the %d-byte limit of '
                    'field %s' % (where, label, row['size'],
                                  field.max_blob_size, name))
            total += row['size'] or 0
        if field.is_folder and total > field.max_folder_size:
            raise exception.RequestEntityTooLarge(
                '%s: folder %s holds %d bytes, over its %d-byte limit' % (
                    where, name, total, field.max_folder_size))
    extra = sorted(set(layers) - {label for label, r in rows.items()
                                  if not r['external']})
    if extra:
        raise exception.BadRequest(
            '%s: its manifest has a layer for %s, which its record has no '
            'stored blob for' % (where, ', '.join(extra)))
    return rows


def _match_layer(row, layer, label, where):
    if layer is None:
        raise exception.BadRequest('%s: blob %s has no layer in the '
                                   'manifest' % (where, label))
    if layer.digest != 'sha256:' + row['sha256'] or \
            layer.size != row['size']:
        raise exception.BadRequest(
            '%s: blob %s is %s (%d bytes) in the record but %s (%d bytes) '
            'in the manifest' % (where, label, row['sha256'], row['size'],
                                 layer.digest, layer.size))
