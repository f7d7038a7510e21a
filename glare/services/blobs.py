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

"""Blob data: streaming upload and download, blob removal."""

import dataclasses
import datetime
import threading
import uuid

from oslo_log import log as logging
from oslo_utils import timeutils

from glare.common import crypto
from glare.common import hashing
from glare import context as glare_context
from glare.db import blobs as db
from glare.db import trash as trash_db
from glare import exception
from glare.objects import uploads
from glare.policies import blobs as rules
from glare import policy
from glare.services import hooks
from glare.services import patching
from glare.services import quotas
from glare.services import signatures

LOG = logging.getLogger(__name__)



class Body:
    """The request body as a file: read(size) -> bytes, b'' at the end.

    A body that ends before its Content-Length is a client that went away
    or lied: BadRequest, so that nothing is kept.
    """

    def __init__(self, stream, length=None):
        self._stream = stream
        self._left = length

    def read(self, size=-1):
        if self._left is None:
            return self._stream.read(size)
        if self._left <= 0:
            return b''
        want = self._left if size is None or size < 0 else \
            min(size, self._left)
        data = self._stream.read(want)
        if not data:
            raise exception.BadRequest(
                'The request body ended %d bytes before its Content-Length'
                % self._left)
        self._left -= len(data)
        return data


@dataclasses.dataclass
class _Inspected:
    changes: dict   # field values, checked like a patch
    merges: dict    # Dict field → partial value merged at commit
    folders: dict   # system folder → {key: uploads.BlobData}


def _blob_data(name, entries):
    if not isinstance(entries, dict) or not all(
            isinstance(k, str) and k and
            isinstance(v, uploads.BlobData) for k, v in entries.items()):
        raise exception.BadRequest('The upload check set folder %s to '
                                   'something other than blob data' % name)
    return entries


class Blob:
    """Where a request points: the artifact, the field and the key."""

    def __init__(self, artifacts, context, requested_type, values,
                 field_name, key):
        #: the type named in the request: "all" reads any type's blobs,
        #: but writes none
        self.requested_type = requested_type
        self.values = values
        self.type_name = values['type_name']
        self.cls = artifacts.get_type(self.type_name)
        self.field = self.cls.fields.get(field_name)
        if self.field is None or not self.field.is_blob:
            raise exception.BadRequest('%s is not a blob field of %s' % (
                field_name, self.type_name))
        if self.field.is_folder and not key:
            raise exception.BadRequest('Blob folder %s needs a key: '
                                       '.../%s/<key>' % (field_name,
                                                         field_name))
        if not self.field.is_folder and key:
            raise exception.BadRequest('%s is a single blob, not a folder'
                                       % field_name)
        self.name = field_name
        self.key = key
        self.target = artifacts.target(context, self.values)
        self.target['field'] = field_name

    @property
    def value(self):
        value = self.values.get(self.name)
        if self.field.is_folder:
            return (value or {}).get(self.key)
        return value

    def artifact(self):
        return self.cls.from_values(self.values)


class Heartbeat(threading.Thread):
    """Tells other processes uploads are alive while this one is.

    On a timer, not on data: a slow or pausing client must not look like
    a dead worker to the clean-up of another process. One for an upload,
    or for the staged blobs of an import (add() each).
    """

    def __init__(self, every, upload_ids=()):
        super().__init__(name='glare-heartbeat', daemon=True)
        # a context of its own: enginefacade keeps transaction state on it
        self._context = glare_context.get_admin_context()
        self._ids = set(upload_ids)
        self._lock = threading.Lock()
        self._every = every
        self._stopped = threading.Event()
        self.start()

    def add(self, upload_id):
        with self._lock:
            self._ids.add(upload_id)

    def run(self):
        while not self._stopped.wait(self._every):
            with self._lock:
                ids = sorted(self._ids)
            try:
                db.heartbeat(self._context, ids)
            except exception.ServiceUnavailable:
                pass  # the database is down: logged once, not per beat
            except Exception:
                LOG.exception('Uploads %s: heartbeat failed', ', '.join(ids))

    def stop(self):
        self._stopped.set()
        self.join()


class Trash:
    """Deletes data no blob refers to any more, then its trash rows."""

    def __init__(self, stores):
        self.stores = stores

    def empty(self, context, trashed):
        """trashed: [(trash id, location)], committed to the trash.

        context: the request's, or an internal one (no token: the store
        deletes with the service's credentials)."""
        done = []
        for trash_id, location in trashed:
            try:
                # the caller's token where it owns the data; the stores
                # use the service's when the store refuses it
                self.stores.delete(location, context=context)
                done.append(trash_id)
            except Exception:
                LOG.exception('Could not delete unreferenced blob data; '
                              'glare-scrubber will retry')
        if done:
            trash_db.remove_trash(context, done)
        return len(done)


class BlobService:
    """Upload, download and removal of blob data. No HTTP, no SQL."""

    def __init__(self, conf, artifacts, stores, trash, trust=None):
        self.conf = conf
        self.artifacts = artifacts
        self.stores = stores
        self.trash = trash
        #: glare.services.trust.TrustService: verifies the signatures an
        #: artifact's metadata gives for an upload (None: not verified)
        self.trust = trust
        #: an upload that has not beaten for this long is dead
        self.stale_after = conf.stale_upload_timeout
        #: five heartbeats missed in a row make an upload dead
        self.heartbeat_every = max(self.stale_after / 5.0, 0.2)

    def blob(self, context, type_name, artifact_id, field_name, key):
        return Blob(self.artifacts, context, type_name,
                    self.artifacts.load(context, type_name, artifact_id),
                    field_name, key)

    # -- rules -----------------------------------------------------------
    @staticmethod
    def write_rule(blob):
        """When the blob may get new data: a drafted artifact, or an active
        one when the field is mutable."""
        return db.WriteRule(blob.name, ('drafted', 'active')
                            if blob.field.mutable else ('drafted',))

    @staticmethod
    def removal_rule(blob):
        """When the blob may lose its value: where it may get new data,
        unless the field is required there."""
        return dataclasses.replace(
            BlobService.write_rule(blob), kept_in=('active',)
            if blob.field.required_on_activate else ())

    def check_write(self, context, blob, rule):
        self.artifacts.writable_type(context, blob.requested_type)
        self.artifacts.writable_type(context, blob.type_name)
        if blob.field.system:
            raise exception.Forbidden(
                'Blob %s is filled by the service from the artifact\'s '
                'other data; it cannot be written' % blob.name)
        context.can(rule, blob.target)
        policy.check_write_field(context, blob.type_name, blob.name,
                                 blob.target)
        self.write_rule(blob).check(blob.values['status'])

    def _limits(self, blob):
        return db.Limits(
            max_blob_size=blob.field.max_blob_size,
            max_folder_size=blob.field.max_folder_size
            if blob.field.is_folder else None,
            quota=quotas.data_quota(self.conf, blob.type_name))

    # -- upload ----------------------------------------------------------
    def upload(self, context, type_name, artifact_id, field_name, key,
               stream, length, chunked, content_type, source_file=None):
        """Stream data into a blob; returns the rendered artifact.

        source_file: the path of a private file of the service's whose
        bytes are exactly those stream gives (a conversion's output),
        unchanged until the upload ends. The data still streams through
        the checks, the quotas and the digests; a store that can take the
        file in place of a copy of it (the file store on the same file
        system: its writer's ``adopt``) moves it into place at the end.
        """
        if length is None and not chunked:
            raise exception.LengthRequired()
        blob = self.blob(context, type_name, artifact_id, field_name, key)
        self.check_write(context, blob, rules.UPLOAD)
        limits = self._limits(blob)
        if length is not None and length > limits.max_blob_size:
            raise exception.RequestEntityTooLarge(
                'The data (%d bytes) exceeds the size limit of %s (%d '
                'bytes)' % (length, field_name, limits.max_blob_size))
        signed = self._upload_signature(context, blob)
        upload_id, writer, shared = self._begin(context, blob, limits,
                                                length)
        begun = [(upload_id, writer)]
        try:
            values, inspected = self._stream(context, blob, upload_id,
                                             writer, limits,
                                             Body(stream, length), length,
                                             shared, signed, source_file)
            values.setdefault('content_type', content_type or
                              'application/octet-stream')
            staged = self._stage(context, blob, inspected.folders, begun)
            trashed = db.finish_upload(
                context, upload_id, values, self.write_rule(blob),
                self._inspected_writes(blob, inspected, staged))
        except BaseException:
            for begun_id, begun_writer in begun:
                self._abandon(context, begun_id, begun_writer)
            raise
        if trashed:
            self.trash.empty(context, trashed)
        LOG.info('Uploaded %d bytes to %s/%s of artifact %s%s',
                 values['size'], field_name, key or '', blob.values['id'],
                 '' if signed is None else ', signature verified with trust '
                 'store entry %s' % signed.entry['id'])
        return self._after_write(context, blob, upload=True)

    def _upload_signature(self, context, blob):
        """The signatures.UploadSignature the artifact's metadata gives
        for this upload (types name the blobs: METADATA_SIGNED_BLOBS),
        else None; 400 naming what is wrong before any byte is read."""
        if self.trust is None or blob.name not in getattr(
                blob.cls, 'METADATA_SIGNED_BLOBS', ()):
            return None
        try:
            return signatures.upload_signature(
                self.trust, context, blob.values.get('metadata'),
                blob.values['owner'])
        except crypto.CryptoError as exc:
            LOG.info('Upload to %s of artifact %s refused: its metadata '
                     'signature: %s', blob.name, blob.values['id'], exc)
            raise exception.BadRequest(
                'The signature in the metadata of the artifact is refused, '
                'nothing was uploaded: %s' % exc) from exc

    def _begin(self, context, blob, limits, length):
        """Record an upload and open its writer: (id, writer, shared)."""
        store = self.stores.store_for(blob.type_name)
        upload_id = str(uuid.uuid4())
        # the caller's context: its token and catalog reach the store (a
        # multi-tenant Swift store writes to the caller's account)
        writer = self.stores.writer(store, upload_id, length,
                                    context=context)
        record = dict(id=upload_id, artifact_id=blob.values['id'],
                      blob_name=blob.name, key_name=blob.key or '',
                      type_name=blob.type_name, owner=blob.values['owner'],
                      store=store, location=writer.location)
        try:
            shared, taken_over = db.begin_upload(
                context, record, limits,
                length if length is not None else 0, self.write_rule(blob),
                dead_before=self._dead_before())
        except Exception:
            writer.abort()
            raise
        if taken_over is not None:
            self._buried(context, blob, upload_id, *taken_over)
        return upload_id, writer, shared

    def _dead_before(self):
        """Uploads whose heartbeat is older than this are dead: several
        heartbeats in a row were missed (see heartbeat_every)."""
        return db.now() - datetime.timedelta(seconds=self.stale_after)

    def _buried(self, context, blob, upload_id, dead, trashed):
        """A new upload took the place of a dead one: delete its data."""
        LOG.warning('Upload %s to %s/%s of artifact %s stopped beating at '
                    '%s (its API process died): upload %s replaces it',
                    dead.id, blob.name, blob.key or '', blob.values['id'],
                    dead.heartbeat_at, upload_id)
        if not dead.location:
            LOG.warning('Upload %s to store %s died; that store cannot say '
                        'where partial data went', dead.id, dead.store)
        self.trash.empty(context, trashed)

    def _stage(self, context, blob, folders, begun):
        """Store the small blobs an inspector took out of the data as
        uploads of their own, to be finished with the main one.

        Returns [(upload id, values)]; what was begun is added to begun.
        """
        staged = []
        for name in sorted(folders):
            for key, item in sorted(folders[name].items()):
                part = Blob(self.artifacts, context, blob.requested_type,
                            blob.values, name, key)
                size = len(item.data)
                limits = self._limits(part)
                if size > limits.max_blob_size:
                    raise exception.RequestEntityTooLarge(
                        '%s/%s would be %d bytes, more than its limit (%d '
                        'bytes)' % (name, key, size, limits.max_blob_size))
                upload_id, writer, _shared = self._begin(context, part,
                                                         limits, size)
                begun.append((upload_id, writer))
                writer.write(item.data)
                staged.append((upload_id, dict(
                    size=size, url=writer.finish(),
                    content_type=item.content_type,
                    **hashing.digests_of(item.data))))
        return staged

    def _stream(self, context, blob, upload_id, writer, limits, body,
                length, shared, signed=None, source_file=None):
        """Move the data to the store; the blob's new values.

        signed: a signatures.UploadSignature to verify over the data: its
        hash joins the digests computed anyway (sha256 is one of them),
        and the record of the verified signature is one of the values.
        """
        hooked = hooks.call(blob.cls.pre_upload_hook, context,
                            blob.artifact(), blob.name, blob.key, body)
        if getattr(hooked, 'transforms', False):
            writer.size = None
        elif source_file is not None and hasattr(writer, 'adopt') and \
                writer.adopt(source_file):
            # what is read is the file's bytes: the store takes the file
            # itself at the end (see upload)
            LOG.info('Upload %s: the data is a file of the service on the '
                     'store\'s file system, moved into place at the end',
                     upload_id)
        # the field's own check reads what is stored: after the type's
        # hook, which may decode the body
        check = blob.field.content_check
        fd = hooked if check is None else check(hooked,
                                                blob.field.max_blob_size)
        algorithms = hashing.ALGORITHMS
        if signed is not None and signed.algorithm not in algorithms:
            algorithms += (signed.algorithm,)
        hasher = hashing.ParallelHasher(algorithms)
        reserved = length or 0
        size = 0
        heart = Heartbeat(self.heartbeat_every, [upload_id])
        try:
            for chunk in hooks.chunks(fd):
                size += len(chunk)
                if size > reserved:
                    self._reserve(context, upload_id, limits, size, shared)
                    reserved = size
                hasher.update(chunk)
                writer.write(chunk)
            media_type = None if check is None else hooks.call(fd.finish)
            inspected = self._inspected(context, blob, hooked)
            location = writer.finish()
            digests = hasher.hexdigests()
        finally:
            heart.stop()
            hasher.close()
            for reader in {id(fd): fd, id(hooked): hooked}.values():
                if isinstance(reader, uploads.UploadInspector):
                    reader.close()
        values = dict(size=size, url=location,
                      **{a: digests[a] for a in hashing.ALGORITHMS})
        if media_type:
            # what the content was found to be, not what the client said
            values['content_type'] = media_type
        if signed is not None:
            values['signature'] = self._verified(
                blob, signed, digests[signed.algorithm])
        return values, inspected

    @staticmethod
    def _verified(blob, signed, hexdigest):
        """The record of the upload's signature; 400 when it does not
        verify (the caller then discards the data)."""
        try:
            return signed.record(hexdigest)
        except crypto.CryptoError as exc:
            LOG.info('Upload to %s of artifact %s refused: the signature '
                     'in its metadata: %s', blob.name, blob.values['id'],
                     exc)
            raise exception.BadRequest(
                'The data does not match the signature in the metadata of '
                'the artifact, nothing was kept: %s' % exc) from exc

    def _inspected(self, context, blob, fd):
        """What the type's upload inspector asks to change."""
        if not isinstance(fd, uploads.UploadInspector):
            return _Inspected({}, {}, {})
        values = dict(hooks.call(fd.finish) or {})
        folders = {}
        for name in list(values):
            field = blob.cls.fields.get(name)
            if field is not None and field.is_folder and field.system:
                folders[name] = _blob_data(name, values.pop(name))
        changes, merges = patching.inspected_changes(
            context, blob.cls, blob.values, values)
        return _Inspected(changes, merges, folders)

    @staticmethod
    def _inspected_writes(blob, inspected, staged):
        """The writes finishing the upload's transaction: the fields and
        the staged blobs the inspector set (None: there are none)."""
        if not (inspected.changes or inspected.folders):
            return None
        changes = inspected.changes
        if changes:
            changes = dict(changes,
                           updated_at=timeutils.utcnow().replace(tzinfo=None))
        return db.Inspected(
            type_name=blob.type_name, fields=blob.cls.fields,
            changes=changes, merges=inspected.merges, staged=tuple(staged),
            folders={name: tuple(sorted(entries))
                     for name, entries in inspected.folders.items()})

    @staticmethod
    def _reserve(context, upload_id, limits, size, shared):
        """A stream of unknown length has size bytes: is there room?"""
        if size > limits.max_blob_size:
            raise exception.RequestEntityTooLarge(
                'The data exceeds the size limit of the blob (%d bytes)'
                % limits.max_blob_size)
        if shared:
            db.extend_upload(context, upload_id, limits, size)

    def _abandon(self, context, upload_id, writer):
        """Remove the partial data, then the record of the upload."""
        try:
            writer.abort()
        except exception.ServiceUnavailable as exc:
            LOG.warning('Upload %s: the partial data stays until the '
                        'clean-up: %s', upload_id, exc)
            return
        except Exception:
            LOG.exception('Could not remove the data of upload %s; '
                          'clean-up will retry', upload_id)
            return
        db.abort_upload(context, upload_id)

    def _after_write(self, context, blob, upload):
        values = self.artifacts.load(context, blob.type_name,
                                     blob.values['id'])
        artifact = blob.cls.from_values(values)
        if upload:
            hooks.call(blob.cls.post_upload_hook, context, artifact, blob.name,
                       blob.key)
        document = self.artifacts.render(context, blob.type_name, values)
        self.artifacts.notifier.artifact(
            context, 'upload' if upload else 'delete_blob', blob.type_name,
            document, blob.cls)
        return document

    # -- removal ---------------------------------------------------------
    def delete_blob(self, context, type_name, artifact_id, field_name, key):
        """Remove a blob's value (stored data or an external location).

        Where new data may be uploaded: a drafted artifact, or a mutable
        field of an active one unless the field is required there.
        """
        blob = self.blob(context, type_name, artifact_id, field_name, key)
        self.check_write(context, blob, rules.DELETE_BLOB)
        trashed = db.delete_blob(context, blob.values['id'], blob.name,
                                 blob.key or '', self.removal_rule(blob))
        if trashed:
            self.trash.empty(context, trashed)
        LOG.info('Deleted %s/%s of artifact %s', field_name, key or '',
                 blob.values['id'])
        return self._after_write(context, blob, upload=False)

    # -- crash clean-up --------------------------------------------------
    def clean_up(self, context):
        """Undo uploads whose worker died; empty the trash.

        Returns (uploads undone, trash entries removed).
        """
        before = self._dead_before()
        undone = 0
        for upload in db.stale_uploads(context, before):
            trashed = db.undo_stale_upload(context, upload.id, before)
            if trashed is None:
                continue  # it beat meanwhile, or ended
            if not upload.location:
                LOG.warning('Upload %s to store %s died; that store cannot '
                            'say where partial data went', upload.id,
                            upload.store)
            self.trash.empty(context, trashed)
            undone += 1
        trash = trash_db.list_trash(context, limit=1000)
        emptied = self.trash.empty(context, [(t.id, t.location)
                                             for t in trash])
        return undone, emptied
