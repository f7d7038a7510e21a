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

"""Bundle imports: blob data staged as uploads, then one commit.

Each blob of an import is staged as a row of glare_blob_uploads (with the
importer's project as owner and its size reserved against the data
quota) before its data reaches the store; the rows beat while the import
runs. The commit creates every artifact, its blobs (pointing at the staged
data), tags, properties and origin, and drops the upload rows, in one
transaction. A process that dies before it leaves rows whose heartbeat
stops: the clean-up of failed uploads (glare.db.blobs.stale_uploads and
undo_stale_upload) then deletes their data, as it does an upload's.
"""

import dataclasses
import uuid

from oslo_db import exception as db_exc
import sqlalchemy as sa

from glare.db import api
from glare.db import artifacts as artifacts_db
from glare.db import blobs as blobs_db
from glare.db import models
from glare.db import quotas as quotas_db
from glare import exception

ARTIFACTS = models.Artifact.__table__
UPLOADS = models.BlobUpload.__table__
BLOBS = models.ArtifactBlob.__table__


class DryRun(Exception):
    """Raised at the end of a dry run's commit: everything is rolled back."""


@dataclasses.dataclass
class Record:
    """One artifact to create.

    values: every field's value (as glare.db.artifacts.insert takes them);
    blobs: [{name, key_name, size, md5, sha1, sha256, external, url,
    managed, content_type}]; origin: {cloud_id, upstream, origin_id,
    digest}.
    """
    type_name: str
    fields: dict
    values: dict
    blobs: list
    origin: dict


def _too_large(what, limit, used, adding):
    return exception.RequestEntityTooLarge(
        'The import needs %d more bytes of %s; the project uses %d of its '
        '%d bytes (quota max_uploaded_data)' % (adding, what, used, limit))


def _check_data(session, owner, type_name, quota, adding, written=None):
    """413 unless adding bytes of type_name data fit the project's data
    quota (the caller holds the project's lock). written: {type name:
    bytes} this import has already written as blob rows (the check after
    them: used without them, adding them)."""
    if quota is None:
        return
    written = written or {}
    total, per_type = quota.limits(quotas_db.project_limits(session, owner))
    if total is not None:
        done = sum(written.values())
        used = blobs_db.data_used(session, owner) - done
        if used + adding + done > total:
            raise _too_large('data', total, used, adding + done)
    if per_type is not None:
        done = written.get(type_name, 0)
        used = blobs_db.data_used(session, owner, type_name) - done
        if used + adding + done > per_type:
            raise _too_large('%s data' % type_name, per_type, used,
                             adding + done)


@api.writer
def stage(context, session, upload, quota):
    """Record the staging of one blob's data; 413 when the project's data
    quota (a glare.db.quotas.Quota or None) has no room for its size.

    upload: the glare_blob_uploads columns but the timestamps; reserved is
    the blob's size. Conflict when the same blob is being imported (or
    uploaded) already.
    """
    quotas_db.lock_project(session, upload['owner'])
    _check_data(session, upload['owner'], upload['type_name'], quota,
                upload['reserved'])
    now = api.now()
    try:
        session.execute(UPLOADS.insert(), dict(upload, created_at=now,
                                               heartbeat_at=now))
        session.flush()
    except db_exc.DBDuplicateEntry as exc:
        raise exception.Conflict(
            'Blob %s/%s of artifact %s is being imported already' % (
                upload['blob_name'], upload['key_name'],
                upload['artifact_id'])) from exc


@api.writer
def staged_at(context, session, upload_id, location):
    """Where a staged blob's data went, once the store has said so (the
    clean-up needs it to delete the data of an import that died)."""
    session.execute(UPLOADS.update().where(UPLOADS.c.id == upload_id)
                    .values(location=location, heartbeat_at=api.now()))


@api.writer
def drop(context, session, upload_ids):
    """Forget staged blobs whose data has been deleted."""
    if upload_ids:
        session.execute(UPLOADS.delete().where(
            UPLOADS.c.id.in_(sorted(upload_ids))))


@api.writer
def commit(context, session, owner, records, staged_ids, count_quotas,
           data_quotas, dry_run=False):
    """Create every artifact of records (Record objects) and drop the
    staged upload rows, in one transaction.

    count_quotas and data_quotas: {type name: the project's
    max_artifact_number and max_uploaded_data checks}. Conflict when an
    artifact's id (or name and version, for its owner) exists; 403 or 413
    past a quota. dry_run: everything is checked, then rolled back
    (DryRun is raised).
    """
    quotas_db.lock_project(session, owner)
    now = api.now()
    for record in records:
        quotas_db.check_artifact_count(session, owner, record.type_name,
                                       count_quotas[record.type_name])
        if session.execute(sa.select(ARTIFACTS.c.id).where(
                ARTIFACTS.c.id == record.values['id'])).first():
            raise exception.Conflict(
                'Artifact %s was created meanwhile: import the bundle again'
                % record.values['id'])
        artifacts_db.insert(session, record.type_name, record.fields,
                            record.values, origin=record.origin)
        if record.blobs:
            session.execute(BLOBS.insert(), [
                dict(blob, id=str(uuid.uuid4()),
                     artifact_id=record.values['id'], status='active',
                     created_at=now, updated_at=now)
                for blob in record.blobs])
    if staged_ids:
        session.execute(UPLOADS.delete().where(
            UPLOADS.c.id.in_(sorted(staged_ids))))
    written = {}
    for record in records:
        written[record.type_name] = written.get(record.type_name, 0) + sum(
            b['size'] or 0 for b in record.blobs
            if not b['external'] and b.get('managed', True))
    for type_name, quota in sorted(data_quotas.items()):
        # the staged data had its room reserved; a dry run reserved none
        _check_data(session, owner, type_name, quota, 0, written)
    if dry_run:
        raise DryRun()
