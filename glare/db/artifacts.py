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

"""Artifact records: small reader/writer functions over the Glare tables."""

import functools
import hashlib
import json
import operator

from oslo_db import exception as db_exc
from oslo_utils import timeutils
import sqlalchemy as sa

from glare.db import api
from glare.db import fulltext
from glare.db import members
from glare.db import models
from glare.db import query as list_query
from glare.db import quotas
from glare.db import stats
from glare.db import trash
from glare import exception
from glare.objects import base
from glare.objects import fields as glare_fields
from glare.objects import uploads
from glare.objects import version as glare_version

ARTIFACTS = models.Artifact.__table__
PROPERTIES = models.ArtifactProperty.__table__
TAGS = models.ArtifactTag.__table__
BLOBS = models.ArtifactBlob.__table__
STARS = models.ArtifactStar.__table__
REVIEWS = models.ArtifactReview.__table__

_BLOB_OUT = ('url', 'size', 'md5', 'sha1', 'sha256', 'external', 'status',
             'content_type')


def uniq_key(type_name, name, version, visibility, owner, status):
    """The value of the unique column; None when no rule applies."""
    if status == 'deleted':
        return None
    scope = 'public' if visibility == 'public' else 'private:' + owner
    raw = '\x00'.join((type_name, name, glare_version.normalize(version),
                       scope))
    return hashlib.sha256(raw.encode('utf-8')).hexdigest()


# -- value <-> row conversion ----------------------------------------------

def _value_columns(kind, value):
    if isinstance(kind, glare_fields.Boolean):
        return {'bool_value': value}
    if isinstance(kind, glare_fields.Integer):
        return {'int_value': value}
    if isinstance(kind, glare_fields.Float):
        return {'numeric_value': value}
    if isinstance(kind, glare_fields.DateTime):
        value = glare_fields.format_datetime(value)
    if len(value) > models.INDEXED_STRING_LEN:
        return {'text_value': value}
    return {'string_value': value}


def _row_value(kind, row):
    if isinstance(kind, glare_fields.Boolean):
        return row.bool_value
    if isinstance(kind, glare_fields.Integer):
        return row.int_value
    if isinstance(kind, glare_fields.Float):
        return row.numeric_value
    value = row.string_value if row.string_value is not None else \
        row.text_value
    if isinstance(kind, glare_fields.DateTime) and value is not None:
        return timeutils.parse_isotime(value).replace(tzinfo=None)
    return value


def _string_value(row):
    value = row.string_value
    return row.text_value if value is None else value


def _reader(kind):
    """_row_value(kind, row) as a function of the row alone."""
    if isinstance(kind, glare_fields.Boolean):
        return operator.attrgetter('bool_value')
    if isinstance(kind, glare_fields.Integer):
        return operator.attrgetter('int_value')
    if isinstance(kind, glare_fields.Float):
        return operator.attrgetter('numeric_value')
    if isinstance(kind, glare_fields.DateTime):
        return functools.partial(_row_value, kind)
    return _string_value


_EMPTY_ROW = dict.fromkeys(('string_value', 'text_value', 'int_value',
                            'numeric_value', 'bool_value', 'key_name',
                            'position'))


def _row(artifact_id, name, kind, value, **where):
    # executemany needs the same keys in every row
    return dict(_EMPTY_ROW, artifact_id=artifact_id, name=name,
                **_value_columns(kind, value), **where)


def _property_rows(artifact_id, name, field, value):
    if value is None:
        return []
    if field.container == 'List':
        return [_row(artifact_id, name, field.kind, v, position=i)
                for i, v in enumerate(value)]
    if field.container == 'Dict':
        return [_row(artifact_id, name, field.kind, v, key_name=k)
                for k, v in value.items()]
    return [_row(artifact_id, name, field.kind, value)]


def property_fields(fields):
    """Fields kept in the properties table (not columns, tags or blobs)."""
    return {n: fld for n, fld in fields.items()
            if n not in base.COLUMN_FIELDS and n not in (
                'tags', 'display_type_name', 'type_name') and
            n not in base.OWN_COLUMN_FIELDS and
            not fld.is_blob}


def _column_values(values):
    out = {k: values[k] for k in ('name', 'description', 'visibility',
                                  'status', 'owner', 'created_at',
                                  'updated_at', 'activated_at')
           if k in values}
    if 'version' in values:
        out.update(glare_version.db_columns(values['version']))
    return out


# -- writers -------------------------------------------------------------

@api.writer
def create(context, session, type_name, fields, values, count_quota=None):
    """Insert a new artifact with its tags and properties.

    count_quota: a glare.db.quotas.CountQuota, checked in this transaction
    before anything is written (Forbidden when the owner has no room left).
    """
    if count_quota is not None:
        quotas.check_artifact_count(session, values['owner'], type_name,
                                    count_quota)
    insert(session, type_name, fields, values)


def insert(session, type_name, fields, values, origin=None):
    """create() inside the caller's transaction, without the quota.
    origin: where an imported artifact came from (origin_columns())."""
    row = _column_values(values)
    if origin is not None:
        row.update(origin_columns(origin))
    row.update(id=values['id'], type_name=type_name,
               uniq_key=uniq_key(type_name, values['name'],
                                 values['version'], values['visibility'],
                                 values['owner'], values['status']))
    try:
        # parameters, not values(): the compiled INSERT is then cached
        session.execute(ARTIFACTS.insert(), row)
        session.flush()
    except db_exc.DBDuplicateEntry as exc:
        raise exception.ArtifactExists(name=values['name'],
                                       version=values['version']) from exc
    _write_tags(session, values['id'], values.get('tags') or [])
    rows = []
    for name, field in property_fields(fields).items():
        rows.extend(_property_rows(values['id'], name, field,
                                   values.get(name)))
    if rows:
        session.execute(PROPERTIES.insert(), rows)
    fulltext.write(session, values['id'], fulltext.document(
        values['name'], values.get('description'), values.get('tags') or [],
        fulltext.values_strings(property_fields(fields), values)),
        fulltext.copied(values, type_name), new=True)


def _reindex(session, fields, artifact_id):
    """Write an artifact's full-text document again, from its rows."""
    row = session.execute(sa.select(
        ARTIFACTS.c.name, ARTIFACTS.c.description,
        *[ARTIFACTS.c[c] for c in fulltext.COPIED]).where(
        ARTIFACTS.c.id == artifact_id)).first()
    tags = session.execute(sa.select(TAGS.c.value).where(
        TAGS.c.artifact_id == artifact_id).order_by(TAGS.c.id)).scalars()
    texts = [n for n, f in property_fields(fields).items()
             if fulltext.text_field(f)]
    props = session.execute(sa.select(PROPERTIES).where(
        PROPERTIES.c.artifact_id == artifact_id,
        PROPERTIES.c.name.in_(texts))).all() if texts else []
    fulltext.write(session, artifact_id, fulltext.document(
        row.name, row.description, list(tags),
        fulltext.row_strings(fields, props)),
        {c: row._mapping[c] for c in fulltext.COPIED})


def merged_dicts(session, fields, artifact_id, merge):
    """{field: its stored dict with merge[field] applied}."""
    rows = session.execute(sa.select(PROPERTIES).where(
        PROPERTIES.c.artifact_id == artifact_id,
        PROPERTIES.c.name.in_(list(merge)))).all()
    now = {}
    _fill_properties(now, fields, rows)
    return {name: uploads.merged(now.get(name), partial) or
            fields[name].get_default() for name, partial in merge.items()}


def _write_tags(session, artifact_id, tags):
    if tags:
        session.execute(TAGS.insert(),
                        [dict(artifact_id=artifact_id, value=t)
                         for t in tags])


@api.writer
def update(context, session, type_name, fields, artifact_id, current,
           changes):
    """Write the changed fields of an artifact; current is its old state."""
    write_changes(session, type_name, fields, artifact_id, current, changes)


class Stale(exception.Conflict):
    """The artifact changed after the caller read it (see update_read)."""
    msg_fmt = 'Artifact %(id)s changed meanwhile'


@api.writer
def update_read(context, session, fields, current, changes):
    """Write changes decided on current, the artifact as read, if it is
    still as read; Stale when another write came in between.

    The artifact's row is locked first (SELECT ... FOR UPDATE; SQLite's
    writers hold the database's write lock from BEGIN IMMEDIATE), then its
    revision compared with current's: every write makes a new revision, so
    an equal one means the changes apply to the artifact as it is when
    written, never to an older copy another worker changed meanwhile. The
    caller reads again and decides again on Stale. fields: the type's field
    declarations. Returns the artifact as written.
    """
    # first in the transaction: MySQL takes a REPEATABLE READ snapshot
    # at the first plain SELECT, which must see the last writer's commit
    row = session.execute(sa.select(ARTIFACTS.c.revision).where(
        ARTIFACTS.c.id == current['id']).with_for_update()).first()
    if row is None:
        raise exception.ArtifactNotFound(id=current['id'])
    if row.revision != current['revision']:
        raise Stale(id=current['id'])
    write_changes(session, current['type_name'], fields, current['id'],
                  current, changes)
    return dict(current, revision=current['revision'] + 1, **changes)


def write_changes(session, type_name, fields, artifact_id, current,
                  changes, merge=None):
    """update() inside the caller's transaction.

    current None: read the identity columns now (the caller holds the
    artifact's row lock, so they cannot change under it).
    merge: {Dict field: {key: value or None}} set into (None: removed
    from) the field's value as it is now, so that keys written meanwhile
    by others are kept.
    """
    if merge:
        changes = dict(changes, **merged_dicts(session, fields, artifact_id,
                                               merge))
    if current is None:
        row = session.execute(sa.select(
            ARTIFACTS.c.name, ARTIFACTS.c.owner, ARTIFACTS.c.visibility,
            ARTIFACTS.c.status, ARTIFACTS.c.version_prefix,
            ARTIFACTS.c.version_suffix, ARTIFACTS.c.version_meta).where(
            ARTIFACTS.c.id == artifact_id)).first()
        current = dict(name=row.name, owner=row.owner,
                       visibility=row.visibility, status=row.status,
                       version=glare_version.from_db(
                           row.version_prefix, row.version_suffix,
                           row.version_meta))
    new = dict(current, **changes)
    row = _column_values(changes)
    if changes.keys() & {'name', 'version', 'visibility', 'status'}:
        row['uniq_key'] = uniq_key(type_name, new['name'], new['version'],
                                   new['visibility'], new['owner'],
                                   new['status'])
    # every write is a new revision: the ETag a client holds goes stale
    row['revision'] = ARTIFACTS.c.revision + 1
    try:
        session.execute(ARTIFACTS.update().where(ARTIFACTS.c.id == artifact_id)
                        .values(**row))
        session.flush()
    except db_exc.DBDuplicateEntry as exc:
        raise exception.ArtifactExists(name=new['name'],
                                       version=new['version']) from exc
    if 'tags' in changes:
        session.execute(TAGS.delete().where(TAGS.c.artifact_id == artifact_id))
        _write_tags(session, artifact_id, changes['tags'] or [])
    props = property_fields(fields)
    changed_props = [n for n in changes if n in props]
    if changed_props:
        session.execute(PROPERTIES.delete().where(
            PROPERTIES.c.artifact_id == artifact_id,
            PROPERTIES.c.name.in_(changed_props)))
        rows = []
        for name in changed_props:
            rows.extend(_property_rows(artifact_id, name, props[name],
                                       changes[name]))
        if rows:
            session.execute(PROPERTIES.insert(), rows)
    if changes.keys() & ({'name', 'description', 'tags'} | {
            n for n in changed_props if fulltext.text_field(props[n])}):
        _reindex(session, fields, artifact_id)
    else:
        fulltext.sync(session, artifact_id, row)


@api.writer
def delete(context, session, artifact_id):
    """Remove an artifact's records; returns its stored data, trashed.

    [(trash id, location)]: the caller deletes the data from the store
    once this transaction has committed, then empties those trash rows.
    """
    trashed = trash.artifact_data(session, artifact_id)
    # children first: SQLite only cascades with foreign_keys=ON
    for table in (PROPERTIES, TAGS, BLOBS):
        session.execute(table.delete().where(
            table.c.artifact_id == artifact_id))
    members.delete_all(session, artifact_id)
    fulltext.delete(session, artifact_id)
    for table in (STARS, REVIEWS):
        session.execute(table.delete().where(
            table.c.artifact_id == artifact_id))
    session.execute(ARTIFACTS.delete().where(ARTIFACTS.c.id == artifact_id))
    return trashed


# -- readers -------------------------------------------------------------

# Built once: making a select() costs more than SQLite takes to run it.
# Readers get a Core connection (see api.reader).
_BY_ID = sa.select(ARTIFACTS).where(ARTIFACTS.c.id == sa.bindparam('id'))
_BY_ID_AND_TYPE = _BY_ID.where(
    ARTIFACTS.c.type_name == sa.bindparam('type_name'))
_IDS = sa.bindparam('ids', expanding=True)
_TAGS_OF = sa.select(TAGS.c.artifact_id, TAGS.c.value).where(
    TAGS.c.artifact_id.in_(_IDS)).order_by(TAGS.c.id)
_PROPS_OF = sa.select(PROPERTIES).where(
    PROPERTIES.c.artifact_id.in_(_IDS)).order_by(
    PROPERTIES.c.artifact_id, PROPERTIES.c.name, PROPERTIES.c.position,
    PROPERTIES.c.id)
_BLOBS_OF = sa.select(BLOBS).where(BLOBS.c.artifact_id.in_(_IDS))


def _by_id(artifact_id, type_name):
    if type_name is None:
        return _BY_ID, {'id': artifact_id}
    return _BY_ID_AND_TYPE, {'id': artifact_id, 'type_name': type_name}


@api.reader
def get(context, conn, fields_of, artifact_id, type_name=None):
    """One artifact as a dict of values, or ArtifactNotFound.

    fields_of: {type name: its field declarations}; a type not in it is
    read with the base artifact's fields.
    """
    query, params = _by_id(artifact_id, type_name)
    row = conn.execute(query, params).first()
    if row is None:
        raise exception.ArtifactNotFound(id=artifact_id)
    return _load(conn, fields_of, [row])[0]


@api.reader
def get_many(context, conn, fields_of, artifact_ids):
    """{id: values} of the artifacts among artifact_ids that exist, in
    four queries whatever their number."""
    if not artifact_ids:
        return {}
    rows = conn.execute(sa.select(ARTIFACTS).where(
        ARTIFACTS.c.id.in_(sorted(artifact_ids)))).all()
    return {v['id']: v for v in _load(conn, fields_of, rows)}


@api.reader
def list_artifacts(context, conn, fields_of, spec):
    """A page of artifacts and the total count, for a ListSpec (fields_of:
    as for get)."""
    rows, total = list_query.run_list(conn, spec)
    return _load(conn, fields_of, rows), total


def origin_value(row):
    """The origin field's value of an artifacts row (None: made here)."""
    if row.origin_id is None:
        return None
    return {'cloud_id': row.origin_cloud_id, 'upstream': row.origin_upstream,
            'id': row.origin_id, 'digest': row.origin_digest}


def rating_value(row):
    """The rating field's value of an artifacts row."""
    return {'average': row.rating_average, 'count': row.rating_count}


def origin_columns(origin):
    """The artifacts row's columns of an origin {cloud_id, upstream,
    origin_id, digest}."""
    return {'origin_id': origin['origin_id'],
            'origin_cloud_id': origin.get('cloud_id'),
            'origin_upstream': origin.get('upstream'),
            'origin_digest': origin['digest']}


def _load(conn, fields_of, rows):
    """Rows of the artifacts table → value dicts, in four queries (five
    when one of them was downloaded, but not counted today)."""
    if not rows:
        return []
    ids = {'ids': [r.id for r in rows]}
    recent = stats.recent(conn, rows)
    tags, props, blobs = {}, {}, {}
    # all(): one fetchall() instead of a fetchone() per row
    for t in conn.execute(_TAGS_OF, ids).all():
        tags.setdefault(t.artifact_id, []).append(t.value)
    for p in conn.execute(_PROPS_OF, ids).all():
        props.setdefault(p.artifact_id, []).append(p)
    for b in conn.execute(_BLOBS_OF, ids).all():
        blobs.setdefault(b.artifact_id, []).append(b)
    out = []
    for r in rows:
        fields = fields_of.get(r.type_name, base.BaseArtifact.fields)
        values = {
            'id': r.id, 'type_name': r.type_name, 'name': r.name,
            'version': glare_version.from_db(r.version_prefix,
                                             r.version_suffix,
                                             r.version_meta),
            'description': r.description, 'visibility': r.visibility,
            'status': r.status, 'owner': r.owner,
            'created_at': r.created_at, 'updated_at': r.updated_at,
            'activated_at': r.activated_at, 'revision': r.revision,
            'tags': tags.get(r.id, []),
            'origin': origin_value(r),
            'star_count': r.star_count,
            'rating': rating_value(r),
            'downloads': {'total': r.downloads_total,
                          'last_30_days': recent.get(r.id, 0)},
        }
        _fill_properties(values, fields, props.get(r.id, ()))
        _fill_blobs(values, fields, blobs.get(r.id, ()))
        out.append(values)
    return out


class _Layout:
    """Where each field of a type lives, worked out once per fields dict.

    Loading a page of 20 artifacts looked at every field of the type for
    each artifact (is_blob, get_default, property_fields): 20% of a list
    request in the profiler.
    """

    _cache = {}

    def __init__(self, fields):
        self.fields = fields
        self.size = len(fields)
        self.props = property_fields(fields)
        # the empty value of each property field: None or a container type
        self.empty = []
        # name -> (row -> value, container) of each property field
        self.readers = {name: (_reader(field.kind), field.container)
                        for name, field in self.props.items()}
        for name, field in self.props.items():
            empty = None
            if field.container:
                default = field.get_default()
                if default is not None or not field.nullable:
                    empty = type(default or ([] if field.container == 'List'
                                             else {}))
            self.empty.append((name, empty))
        self.blobs = [(name, field.is_folder) for name, field in
                      fields.items() if field.is_blob]

    @classmethod
    def of(cls, fields):
        layout = cls._cache.get(id(fields))
        if layout is None or layout.fields is not fields or \
                layout.size != len(fields):
            layout = cls._cache[id(fields)] = cls(fields)
        return layout


def _fill_properties(values, fields, prop_rows):
    layout = _Layout.of(fields)
    readers = layout.readers
    for name, empty in layout.empty:
        values[name] = None if empty is None else empty()
    for p in prop_rows:
        name = p.name
        reader = readers.get(name)
        if reader is None:
            continue  # a field the type no longer declares
        read, container = reader
        if container is None:
            values[name] = read(p)
        elif container == 'List':
            if values[name] is None:
                values[name] = []
            values[name].append(read(p))
        else:
            if values[name] is None:
                values[name] = {}
            values[name][p.key_name] = read(p)


def _fill_blobs(values, fields, blob_rows):
    for name, is_folder in _Layout.of(fields).blobs:
        values[name] = {} if is_folder else None
    # the base field signatures (API 1.5) comes from the same rows
    signatures = values['signatures'] = {}
    for b in blob_rows:
        field = fields.get(b.name)
        if field is None or not field.is_blob:
            continue
        blob = {k: getattr(b, k) for k in _BLOB_OUT}
        blob['id'] = b.id
        if field.is_folder:
            values[b.name][b.key_name] = blob
        else:
            values[b.name] = blob
        if b.signature is not None and b.status == 'active':
            # a blob being uploaded shows its old data's record no more
            signatures[signature_label(b.name, b.key_name)] = json.loads(
                b.signature)


def signature_label(name, key):
    """The key of a blob's record in the signatures field: "field", or
    "field/key" for a folder entry."""
    return '%s/%s' % (name, key) if key else name


@api.reader
def active_versions(context, conn, type_name, name):
    """[{id, version, owner, visibility, status}] of the active artifacts
    of a type with this name."""
    rows = conn.execute(sa.select(
        ARTIFACTS.c.id, ARTIFACTS.c.owner, ARTIFACTS.c.visibility,
        ARTIFACTS.c.status, ARTIFACTS.c.version_prefix,
        ARTIFACTS.c.version_suffix, ARTIFACTS.c.version_meta).where(
        ARTIFACTS.c.type_name == type_name, ARTIFACTS.c.name == name,
        ARTIFACTS.c.status == 'active')).all()
    return [dict(id=r.id, owner=r.owner, visibility=r.visibility,
                 status=r.status, type_name=type_name,
                 version=glare_version.from_db(r.version_prefix,
                                               r.version_suffix,
                                               r.version_meta))
            for r in rows]


@api.reader
def get_summary(context, conn, artifact_id):
    """Id, type, owner, visibility and status of an artifact, or None."""
    row = conn.execute(sa.select(
        ARTIFACTS.c.id, ARTIFACTS.c.type_name, ARTIFACTS.c.owner,
        ARTIFACTS.c.visibility, ARTIFACTS.c.status).where(
        ARTIFACTS.c.id == artifact_id)).first()
    return None if row is None else dict(row._mapping)


@api.reader
def deleted_before(context, conn, before, limit, after=None):
    """Up to limit (id, updated_at) rows of artifacts in status 'deleted'
    whose updated_at (the time of the delete) is older than before, oldest
    first. after: (updated_at, id) of the previous page's last row.
    """
    query = sa.select(ARTIFACTS.c.id, ARTIFACTS.c.updated_at).where(
        ARTIFACTS.c.status == 'deleted', ARTIFACTS.c.updated_at < before)
    if after is not None:
        updated_at, last_id = after
        query = query.where(sa.or_(
            ARTIFACTS.c.updated_at > updated_at,
            sa.and_(ARTIFACTS.c.updated_at == updated_at,
                    ARTIFACTS.c.id > last_id)))
    return conn.execute(query.order_by(ARTIFACTS.c.updated_at, ARTIFACTS.c.id)
                        .limit(limit)).all()
