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

"""Blob records: uploads in flight, their quota room, swaps and trash.

Every function that changes a blob locks its artifact's row first
(SELECT ... FOR UPDATE; SQLite writers are serialised by BEGIN IMMEDIATE),
so uploads, locations, activation and deletion of one artifact see each
other's effects, on every backend and across API processes.
"""

import dataclasses
import uuid

from oslo_db import exception as db_exc
import sqlalchemy as sa

from glare.db import api
from glare.db import artifacts as artifacts_db
from glare.db import models
from glare.db import quotas as quotas_db
from glare.db import trash
from glare import exception

ARTIFACTS = models.Artifact.__table__
BLOBS = models.ArtifactBlob.__table__
UPLOADS = models.BlobUpload.__table__
now = api.now


@dataclasses.dataclass(frozen=True)
class WriteRule:
    """In which artifact statuses a blob may change: checked by the service
    on the artifact it read, and again under the artifact's row lock.

    name: the blob field (for the message); statuses: those in which it
    may get new data; kept_in: those in which it may not lose its value
    (a delete of a blob required there).
    """
    name: str
    statuses: tuple
    kept_in: tuple = ()

    def check(self, status):
        """Forbidden unless the blob may change in an artifact of status."""
        if status not in self.statuses:
            raise exception.Forbidden(
                'Blob %s of %s %s artifact cannot be changed' % (
                    self.name, 'an' if status[0] in 'aeiou' else 'a',
                    status))
        if status in self.kept_in:
            raise exception.Forbidden(
                'Blob %s is required on an %s artifact; upload new data to '
                'replace it' % (self.name, status))


def _lock_artifact(session, artifact_id, rule=None):
    """Lock the artifact's row for the blob change; rule: a WriteRule the
    artifact's status must pass, checked under the lock."""
    row = session.execute(
        sa.select(ARTIFACTS.c.id, ARTIFACTS.c.type_name, ARTIFACTS.c.owner,
                  ARTIFACTS.c.status, ARTIFACTS.c.visibility)
        .where(ARTIFACTS.c.id == artifact_id).with_for_update()).first()
    if row is None:
        raise exception.ArtifactNotFound(id=artifact_id)
    if rule is not None:
        rule.check(row.status)
    _new_revision(session, artifact_id)
    return row


def _new_revision(session, artifact_id):
    # a blob's change is the artifact's: its ETag must change too
    session.execute(ARTIFACTS.update().where(
        ARTIFACTS.c.id == artifact_id).values(
        revision=ARTIFACTS.c.revision + 1))


def _blob_row(session, artifact_id, name, key):
    return session.execute(sa.select(BLOBS).where(
        BLOBS.c.artifact_id == artifact_id, BLOBS.c.name == name,
        BLOBS.c.key_name == key)).first()


# -- room: field, folder and quotas ----------------------------------------

def _sum(session, *queries):
    """The sum of the sums, read in ONE statement.

    Two statements would see two snapshots under READ COMMITTED: an
    upload finishing in between (its size lands in the blobs and its
    reservation leaves the uploads, in one commit) would be missed by
    both, and a quota overshot.
    """
    total = sum(sa.func.coalesce(q.scalar_subquery(), 0) for q in queries)
    return session.execute(sa.select(total)).scalar() or 0


def _folder_used(session, artifact_id, name, key):
    """Bytes the other keys of a folder hold or have reserved."""
    stored = sa.select(sa.func.sum(BLOBS.c.size)).where(
        BLOBS.c.artifact_id == artifact_id, BLOBS.c.name == name,
        BLOBS.c.key_name != key)
    reserved = sa.select(sa.func.sum(UPLOADS.c.reserved)).where(
        UPLOADS.c.artifact_id == artifact_id, UPLOADS.c.blob_name == name,
        UPLOADS.c.key_name != key)
    return _sum(session, stored, reserved)


def data_used(session, owner, type_name=None):
    """Bytes a project keeps in the stores, plus those reserved by uploads.

    External blobs and internal locations set by an admin take no room
    the service manages and do not count.
    """
    stored = sa.select(sa.func.sum(BLOBS.c.size)).select_from(
        BLOBS.join(ARTIFACTS, ARTIFACTS.c.id == BLOBS.c.artifact_id)).where(
        ARTIFACTS.c.owner == owner, ARTIFACTS.c.status != 'deleted',
        BLOBS.c.external == sa.false(), BLOBS.c.managed == sa.true())
    reserved = sa.select(sa.func.sum(UPLOADS.c.reserved)).where(
        UPLOADS.c.owner == owner)
    if type_name is not None:
        stored = stored.where(ARTIFACTS.c.type_name == type_name)
        reserved = reserved.where(UPLOADS.c.type_name == type_name)
    return _sum(session, stored, reserved)


@dataclasses.dataclass(frozen=True)
class Limits:
    """What bounds one upload: the field's size caps, and the project's
    data quota (a glare.db.quotas.Quota of max_uploaded_data, None when
    none applies), which is resolved inside the reserving transaction so
    that overrides set meanwhile are honoured."""
    max_blob_size: int = None
    max_folder_size: int = None
    quota: quotas_db.Quota = None


def _room(session, upload, limits, own_reserved):
    """(largest total the upload may reserve or None when unbounded,
    whether anything but the field's own size limit bounds it)."""
    bounds = []
    if limits.max_folder_size is not None:
        bounds.append(limits.max_folder_size - _folder_used(
            session, upload.artifact_id, upload.blob_name, upload.key_name))
    if limits.quota is not None:
        # the caller holds the project's lock
        total, per_type = limits.quota.limits(
            quotas_db.project_limits(session, upload.owner))
        if total is not None:
            bounds.append(total - data_used(session, upload.owner) +
                          own_reserved)
        if per_type is not None:
            bounds.append(per_type - data_used(
                session, upload.owner, upload.type_name) + own_reserved)
    shared = bool(bounds)
    if limits.max_blob_size is not None:
        bounds.append(limits.max_blob_size)
    return (min(bounds) if bounds else None), shared


def _too_large(wanted, room):
    return exception.RequestEntityTooLarge(
        'The data (%d bytes or more) exceeds the room left for this blob: '
        '%d bytes (field size limit, folder size limit or data quota)'
        % (wanted, max(room, 0)))


# -- uploads ---------------------------------------------------------------

@api.writer
def begin_upload(context, session, upload, limits, reserve, rule,
                 dead_before=None):
    """Record an upload in flight and mark its blob saving.

    upload: dict of the glare_blob_uploads columns but the timestamps.
    reserve: bytes to reserve now (the Content-Length, or a first step).
    limits: Limits; rule: the blob's WriteRule, checked under the lock.
    dead_before: an upload of the same blob whose heartbeat is older is
    dead (its worker died): it is undone and this one takes its place.
    Conflict when the blob is being written already (by a live upload);
    413 when the room left is smaller than reserve.

    Returns (shared, taken_over). shared: whether room shared with other
    blobs (folder, quotas) bounds the upload: then a stream of unknown
    length must reserve what it reads as it goes (extend_upload).
    taken_over: None, or (the dead upload's row, [(trash id, location)]
    of its partial data, to empty once committed).
    """
    _lock_artifact(session, upload['artifact_id'], rule)
    # before any plain SELECT: MySQL fixes a transaction's snapshot at
    # the first one, and the sums must see what the lock's previous
    # holder committed
    quotas_db.lock_project(session, upload['owner'])
    taken_over = _take_over(session, upload, dead_before)
    now = api.now()
    row = dict(upload, created_at=now, heartbeat_at=now, reserved=0)
    try:
        session.execute(UPLOADS.insert(), row)
        session.flush()
    except db_exc.DBDuplicateEntry as exc:
        raise exception.Conflict('The blob is being uploaded already') from exc
    upload_row = session.execute(sa.select(UPLOADS).where(
        UPLOADS.c.id == upload['id'])).first()
    room, shared = _room(session, upload_row, limits, 0)
    if room is not None and reserve > room:
        raise _too_large(reserve, room)
    session.execute(UPLOADS.update().where(UPLOADS.c.id == upload['id'])
                    .values(reserved=reserve))
    _mark_saving(session, upload, now)
    return shared, taken_over


def _take_over(session, upload, dead_before):
    """Undo the blob's upload in flight if its heartbeat is older than
    dead_before; None when there is none or it is alive.

    Under the artifact's lock, so of two retries only the first finds the
    dead upload; the second meets the first's live one (Conflict). The
    heartbeat is read under the upload row's lock, as the clean-up does.
    """
    if dead_before is None:
        return None
    dead = session.execute(sa.select(UPLOADS).where(
        UPLOADS.c.artifact_id == upload['artifact_id'],
        UPLOADS.c.blob_name == upload['blob_name'],
        UPLOADS.c.key_name == upload['key_name']).with_for_update()).first()
    if dead is None or dead.heartbeat_at >= dead_before:
        return None
    trashed = [trash.put(session, dead.location)] if dead.location else []
    _undo(session, dead)
    session.flush()
    return dead, trashed


def _mark_saving(session, upload, now):
    blob = _blob_row(session, upload['artifact_id'], upload['blob_name'],
                     upload['key_name'])
    if blob is None:
        session.execute(BLOBS.insert(), dict(
            id=str(uuid.uuid4()), artifact_id=upload['artifact_id'],
            name=upload['blob_name'], key_name=upload['key_name'],
            external=False, status='saving', created_at=now,
            updated_at=now))
    elif blob.status == 'saving':
        raise exception.Conflict('The blob is being uploaded already')
    elif blob.external:
        raise exception.Conflict('The blob has an external location; '
                                 'delete it before uploading data')
    else:
        session.execute(BLOBS.update().where(BLOBS.c.id == blob.id)
                        .values(status='saving'))


@api.writer
def extend_upload(context, session, upload_id, limits, total):
    """Grow an upload's reservation to total bytes, or 413.

    Reserving exactly what has arrived keeps concurrent uploads of one
    project fair: a step beyond it would refuse others room that the
    stream may never use.
    """
    upload = session.execute(sa.select(UPLOADS).where(
        UPLOADS.c.id == upload_id).with_for_update()).first()
    if upload is None:
        raise _cancelled()
    quotas_db.lock_project(session, upload.owner)
    room = _room(session, upload, limits, upload.reserved)[0]
    if room is not None and total > room:
        raise _too_large(total, room)
    session.execute(UPLOADS.update().where(UPLOADS.c.id == upload_id).values(
        reserved=total, heartbeat_at=api.now()))


@api.writer
def heartbeat(context, session, upload_ids):
    """The uploads (ids) are alive."""
    if upload_ids:
        session.execute(UPLOADS.update().where(
            UPLOADS.c.id.in_(upload_ids)).values(heartbeat_at=api.now()))


@dataclasses.dataclass(frozen=True)
class Inspected:
    """What a type's upload inspector set, written with the upload.

    staged: ((upload id, blob values), ...) of the small blobs it took out
    of the data, stored already, to finish with the main upload;
    folders: {system folder: the keys it keeps}, the others are removed;
    changes: {field: new value}, merges: {Dict field: partial value merged
    into the stored one}, of the artifact of type type_name whose field
    declarations are fields.
    """
    type_name: str
    fields: dict
    changes: dict
    merges: dict
    staged: tuple = ()
    folders: dict = dataclasses.field(default_factory=dict)


@api.writer
def finish_upload(context, session, upload_id, values, rule,
                  inspected=None):
    """Make the uploaded data the blob's value, atomically.

    The data it replaces goes to the trash in the same transaction, and
    what an upload inspector set (inspected: an Inspected or None) is
    written in it too, under the artifact's row lock; rule: the blob's
    WriteRule. Returns the [(trash id, location)] to empty once committed.
    """
    artifact_id, trashed = _finish(session, upload_id, values, rule)
    if inspected is None:
        return trashed
    for staged_id, staged_values in inspected.staged:
        trashed.extend(_finish(session, staged_id, staged_values, rule)[1])
    for name, keep in inspected.folders.items():
        trashed.extend(_drop_keys(session, artifact_id, name, keep))
    if inspected.changes:
        artifacts_db.write_changes(
            session, inspected.type_name, inspected.fields, artifact_id,
            None, inspected.changes, merge=inspected.merges)
    return trashed


def _finish(session, upload_id, values, rule):
    """One upload's data becomes its blob's value: (artifact id,
    [(trash id, location)] of the data it replaces)."""
    upload = session.execute(
        sa.select(UPLOADS).where(UPLOADS.c.id == upload_id)).first()
    if upload is None:
        raise _cancelled()
    _lock_artifact(session, upload.artifact_id, rule)
    # again, under the artifact's lock: a new upload of the blob may have
    # taken this one for dead and undone it meanwhile, and its data is
    # in the trash then
    upload = session.execute(sa.select(UPLOADS).where(
        UPLOADS.c.id == upload_id).with_for_update()).first()
    if upload is None:
        raise _cancelled()
    blob = _blob_row(session, upload.artifact_id, upload.blob_name,
                     upload.key_name)
    if blob is None:
        raise exception.Conflict('The blob was removed during the upload')
    trashed = []
    if blob.url and not blob.external and blob.managed:
        trashed.append(trash.put(session, blob.url))
    # new data: the signature verified for the old one goes (values may
    # carry the record of a signature verified as the data streamed)
    row = dict(status='active', external=False, managed=True,
               updated_at=api.now(), signature=None)
    row.update(values)
    session.execute(BLOBS.update().where(BLOBS.c.id == blob.id).values(
        **row))
    session.execute(UPLOADS.delete().where(UPLOADS.c.id == upload_id))
    return upload.artifact_id, trashed


def _cancelled():
    return exception.Conflict(
        'The upload was cancelled (it was taken for dead: its heartbeat '
        'stopped); upload the data again')


def _drop_keys(session, artifact_id, name, keep):
    """Remove the folder's keys not in keep, in the caller's transaction;
    their stored data goes to the trash. Returns [(trash id, location)]."""
    rows = session.execute(sa.select(BLOBS).where(
        BLOBS.c.artifact_id == artifact_id, BLOBS.c.name == name,
        BLOBS.c.key_name.not_in(list(keep)) if keep else sa.true())).all()
    trashed = [trash.put(session, r.url) for r in rows
               if r.url and not r.external and r.managed]
    if rows:
        session.execute(
            BLOBS.delete().where(BLOBS.c.id.in_([r.id for r in rows])))
    return trashed


@api.writer
def abort_upload(context, session, upload_id):
    """Forget an upload whose data is gone: the blob gets its old value."""
    upload = session.execute(
        sa.select(UPLOADS).where(UPLOADS.c.id == upload_id)).first()
    if upload is not None:
        _undo(session, upload)


@api.writer
def undo_stale_upload(context, session, upload_id, before):
    """Undo an upload whose worker stopped beating before ``before``.

    Checked again under the row's lock, so a live upload is never undone;
    its partial data goes to the trash in the same transaction. Returns
    the [(trash id, location)] to empty, or None when the upload is live
    or gone.
    """
    upload = session.execute(sa.select(UPLOADS).where(
        UPLOADS.c.id == upload_id).with_for_update()).first()
    if upload is None or upload.heartbeat_at >= before:
        return None
    trashed = []
    if upload.location:
        trashed.append(trash.put(session, upload.location))
    _undo(session, upload)
    return trashed


def _undo(session, upload):
    _new_revision(session, upload.artifact_id)
    blob = _blob_row(session, upload.artifact_id, upload.blob_name,
                     upload.key_name)
    if blob is not None and blob.status == 'saving':
        if blob.url is None:
            session.execute(BLOBS.delete().where(BLOBS.c.id == blob.id))
        else:
            session.execute(BLOBS.update().where(BLOBS.c.id == blob.id)
                            .values(status='active'))
    session.execute(UPLOADS.delete().where(UPLOADS.c.id == upload.id))


@api.reader
def stale_uploads(context, conn, before):
    """Ids and stores of the uploads whose worker stopped beating."""
    return conn.execute(
        sa.select(UPLOADS.c.id, UPLOADS.c.store, UPLOADS.c.location).where(
            UPLOADS.c.heartbeat_at < before)).all()


# -- locations and external blobs ------------------------------------------

@api.writer
def add_location(context, session, artifact_id, name, key, values, rule,
                 max_folder_size=None):
    """A new blob whose data is elsewhere; Conflict when one exists, 413
    when its known size does not fit in the folder's room. rule: the
    blob's WriteRule, checked under the artifact's lock."""
    _lock_artifact(session, artifact_id, rule)
    if _blob_row(session, artifact_id, name, key) is not None:
        raise exception.Conflict('The blob already has data or a location')
    if max_folder_size is not None and values.get('size'):
        room = max_folder_size - _folder_used(session, artifact_id, name,
                                              key)
        if values['size'] > room:
            raise _too_large(values['size'], room)
    now = api.now()
    session.execute(BLOBS.insert(), dict(
        values, id=str(uuid.uuid4()), artifact_id=artifact_id, name=name,
        key_name=key, status='active', created_at=now, updated_at=now))


@api.writer
def delete_blob(context, session, artifact_id, name, key, rule):
    """Remove a blob: an external location, or stored data, which goes to
    the trash in the same transaction (as data a re-upload replaces).

    NotFound when the blob has no value, Conflict while it is being
    uploaded; rule: the blob's WriteRule (kept_in: the statuses whose
    artifacts require the blob), checked under the artifact's lock.
    Returns the [(trash id, location)] to empty once committed.
    """
    _lock_artifact(session, artifact_id, rule)
    blob = _blob_row(session, artifact_id, name, key)
    if blob is None:
        raise exception.NotFound('The blob has no value')
    if blob.status == 'saving':
        raise exception.Conflict('The blob is being uploaded; delete it '
                                 'once the upload has ended')
    trashed = []
    if blob.url and not blob.external and blob.managed:
        trashed.append(trash.put(session, blob.url))
    session.execute(BLOBS.delete().where(BLOBS.c.id == blob.id))
    return trashed


# -- signatures (API 1.5) --------------------------------------------------

@api.writer
def set_signature(context, session, artifact_id, blob_id, sha256, record,
                  statuses=('drafted', 'active'), replace_in=('drafted',)):
    """Write a verified signature's record (JSON text) into a blob's row,
    if the blob still holds the data that was verified: the same row
    (blob_id), sha256 and status active, else Conflict. Under the
    artifact's lock, so no upload, location or removal of the blob
    commits in between; the data of a row never changes without its
    record going (finish_upload), so a record always matches its data.

    statuses: the artifact's statuses signing is allowed in (else
    Forbidden); replace_in: those where a record may replace another
    (else Conflict).
    """
    artifact = _lock_artifact(session, artifact_id)
    if artifact.status not in statuses:
        raise exception.Forbidden(
            'The blobs of %s %s artifact cannot be signed' % (
                'an' if artifact.status[0] in 'aeiou' else 'a',
                artifact.status))
    blob = session.execute(sa.select(
        BLOBS.c.status, BLOBS.c.sha256, BLOBS.c.external,
        BLOBS.c.signature).where(
        BLOBS.c.id == blob_id, BLOBS.c.artifact_id == artifact_id)).first()
    if blob is None or blob.status != 'active' or blob.external or \
            blob.sha256 != sha256:
        raise exception.Conflict(
            'The blob\'s data changed while its signature was being '
            'verified; sign the new data')
    if blob.signature is not None and artifact.status not in replace_in:
        raise exception.Conflict(
            'The blob is signed already; the signature of a blob of %s %s '
            'artifact is not replaced' % (
                'an' if artifact.status[0] in 'aeiou' else 'a',
                artifact.status))
    session.execute(BLOBS.update().where(BLOBS.c.id == blob_id).values(
        signature=record))
