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

"""Bundle import: verified as it streams, staged, committed at once.

The records are read and checked first (the reader yields every manifest
and config before any blob data); what to import, skip or refuse is
decided before a byte of blob data is stored. Each blob's data then goes
to the store as it arrives, re-hashed, as a staged upload (a row in
glare_blob_uploads that beats while the import runs). Only once the whole
bundle has been read and verified does one transaction create every
artifact. Any failure deletes the staged data and rows; a process that
dies leaves rows whose heartbeat stops, and the clean-up of failed
uploads deletes their data.

The signatures the records show are checked again, against the
importer's trust store, over the data as it streams
(glare.services.import_signatures): those that verify are written with
the blob rows, the others dropped and reported ("signatures_dropped").
"""

import dataclasses
import uuid

from oslo_log import log as logging

from glare.bundles import layout
from glare.bundles import reader
from glare.common import hashing
from glare.db import api as db_api
from glare.db import artifacts as artifacts_db
from glare.db import imports as db
from glare import exception
from glare.objects import registry as type_registry
from glare.policies import artifacts as rules
from glare import policy
from glare.services import access
from glare.services import blobs as blobs_service
from glare.services import bundle_records as records
from glare.services import closure
from glare.services import import_signatures
from glare.services import quotas

LOG = logging.getLogger(__name__)

ON_CONFLICT = ('fail', 'skip')
#: statuses an artifact may come in with, and the rule that allows each
STATUS_RULES = {'drafted': None, 'active': rules.ACTIVATE,
                'deactivated': rules.DEACTIVATE}
#: the most bytes of records (manifests and configs) one import holds
MAX_RECORD_BYTES = 64 << 20
#: artifacts named in one refusal's message (the body names them all)
SHOWN = 25


@dataclasses.dataclass
class Options:
    dry_run: bool = False
    on_conflict: str = 'fail'
    visibility: str = 'private'
    #: the upstream catalog the bundle was pulled from (federation)
    upstream: str = None
    #: (type_name, id) the bundle's root must be (a pull: what was asked
    #: for), and whether it must be alone (a pull without dependencies)
    root: tuple = None
    root_alone: bool = False


@dataclasses.dataclass
class _Planned:
    """An artifact of the bundle: what the import would create."""
    entry: layout.IndexEntry
    cls: type
    values: dict
    blobs: dict    # label -> blob row (stored ones: url once staged)
    origin: dict
    skipped: str = None  # why it is not imported
    #: folder fields the document sets (an empty folder is set, as for
    #: activation: only null counts as missing)
    folders: frozenset = frozenset()

    def describe(self):
        return {'type_name': self.entry.type_name, 'id': self.entry.id,
                'name': self.entry.name, 'version': self.entry.version}


@dataclasses.dataclass
class _Staged:
    upload_id: str
    writer: object
    planned: _Planned
    label: str
    location: str = None  # once the store has all the data


def _named(items, reason):
    return [dict(d, reason=reason) for d in items]


def _refuse(exc_class, message, named):
    text = ', '.join('%s/%s (%s)' % (d['type_name'], d['id'], d['reason'])
                     for d in named[:SHOWN])
    if len(named) > SHOWN:
        text += ' and %d more' % (len(named) - SHOWN)
    exc = exc_class('%s: %s' % (message, text))
    exc.body_extra = {'artifacts': named}
    raise exc


class Importer:
    """One import of one bundle (made per request)."""

    def __init__(self, service, context, options):
        self.service = service
        self.conf = service.conf
        self.artifacts = service.artifacts
        self.stores = service.stores
        self.context = context
        self.options = options
        self.planned = {}      # id -> _Planned, in index order
        self.staged = []       # _Staged
        self.heart = None
        self.decided = False
        self.record_bytes = 0
        self.signatures = import_signatures.Signatures(
            self.conf, service.trust, context)

    # -- the run ---------------------------------------------------------
    def _legacy_recomputed(self):
        """Whether md5 and sha1 are recomputed ([bundles]
        verify_legacy_checksums) rather than taken from the record."""
        return (not self.options.dry_run and
                self.conf.bundles.verify_legacy_checksums)

    def _hasher(self, digest):
        """The digests of one blob (digest: its "sha256:<hex>"), computed
        in threads beside the stream (the reader checks sha256; md5 and
        sha1, when recomputed, are checked against the record; sha384 or
        sha512 when a signature of the data needs them): an import runs
        at the speed of the slowest digest, not their sum."""
        extra = self.signatures.algorithms(digest)
        if not self._legacy_recomputed():
            names = ('sha256',) + extra
            return hashing.ParallelHasher(names, groups=[[n] for n in names])
        return hashing.ParallelHasher(('md5', 'sha1', 'sha256') + extra)

    def run(self, chunks):
        """Import the bundle in chunks (an iterable of bytes); returns
        {"imported", "skipped", "dry_run", "signatures_dropped"}."""
        try:
            for event in reader.read_bundle(chunks, layout.Limits(
                    max_artifacts=closure.MAX_ARTIFACTS), self._hasher):
                if event.kind == 'index':
                    self._on_index(event)
                elif event.kind == 'artifact':
                    self._on_artifact(event)
                elif event.kind == 'blob':
                    self._on_blob(event)
            self._decide()
            return self._commit()
        except layout.LayoutError as exc:
            self._abandon()
            raise exception.BadRequest('The bundle is not valid: %s' % exc
                                       ) from exc
        except BaseException:
            self._abandon()
            raise
        finally:
            if self.heart is not None:
                self.heart.stop()

    def _on_index(self, event):
        root = self.options.root
        if root is not None and (event.root.type_name,
                                 event.root.id) != tuple(root):
            raise layout.LayoutError(
                'its root is %s, not the artifact %s/%s asked for' % (
                    event.root.describe(), root[0], root[1]))
        if self.options.root_alone and len(event.entries) > 1:
            raise layout.LayoutError(
                'it holds %d artifacts, not only the one asked for '
                '(without dependencies)' % len(event.entries))
        for entry in event.entries:
            where = 'artifact %s/%s' % (entry.type_name, entry.id)
            records.artifact_id(entry.id, where)
            if entry.type_name == type_registry.ALL or \
                    entry.type_name not in self.artifacts.registry:
                raise exception.BadRequest(
                    '%s: this service has no artifact type %r' % (
                        where, entry.type_name))

    def _on_artifact(self, event):
        entry = event.entry
        where = 'artifact %s/%s' % (entry.type_name, entry.id)
        self.record_bytes += entry.size + event.manifest['config']['size']
        if self.record_bytes > MAX_RECORD_BYTES:
            raise exception.RequestEntityTooLarge(
                'The records of the bundle pass %d bytes' % MAX_RECORD_BYTES)
        cls = self.artifacts.get_type(entry.type_name)
        records.check_type_version(cls.get_version(), event.type_version,
                                   where)
        doc = event.artifact
        values = records.field_values(cls, doc, where)
        status = doc.get('status')
        if status not in STATUS_RULES:
            raise exception.BadRequest('%s: an artifact cannot be imported '
                                       'in status %r' % (where, status))
        now = db_api.now()
        values.update(
            id=entry.id, type_name=entry.type_name,
            owner=self.context.project_id, status=status,
            visibility=self.options.visibility,
            created_at=records.timestamp(cls, doc, 'created_at', where,
                                         True),
            updated_at=now,
            activated_at=records.timestamp(cls, doc, 'activated_at', where,
                                           False) if status != 'drafted'
            else None)
        if status != 'drafted' and values['activated_at'] is None:
            values['activated_at'] = now
        if records.link_labels(cls.fields, values) != event.links:
            raise exception.BadRequest('%s: the links of its record do not '
                                       'match its document' % where)
        layers = {ref.field: ref for ref in event.layers}
        blobs = records.blob_rows(cls, doc, layers, where, self._check_url)
        origin = event.origin or {}
        planned = self.planned[entry.id] = _Planned(
            entry, cls, values, blobs, dict(
                cloud_id=origin.get('cloud_id') if isinstance(
                    origin.get('cloud_id'), str) else None,
                upstream=self.options.upstream, origin_id=entry.id,
                digest=entry.digest),
            folders=frozenset(n for n, f in cls.fields.items()
                              if f.is_folder and
                              isinstance(doc.get(n), dict)))
        self.signatures.read(planned, doc, where)

    def _check_url(self, url):
        opts = self.conf.locations
        if opts.verify_external or not opts.allow_private_networks:
            self.service.fetcher.check_url(url)
        elif not url.lower().startswith(('http://', 'https://')):
            raise exception.BadRequest('An external location is an http or '
                                       'https URL: %r' % url)

    def _on_blob(self, event):
        if not self.decided:
            self._decide()
        targets = [(self.planned[entry.id], ref.field)
                   for entry, ref in event.uses
                   if not self.planned[entry.id].skipped]
        checks = self._content_checks(targets)
        if self.options.dry_run or not targets:
            for chunk in event.chunks:
                # read: the reader checks the digest
                for check in checks:
                    check.inspect(chunk)
        else:
            self._stage(event, targets, checks)
        for check, uses in checks.items():
            # a field's own content check holds for imported data too
            self._checked(check, uses)
        for planned, label in targets:
            self.signatures.verify(planned, label, event.chunks.digests)

    # -- deciding --------------------------------------------------------
    def _decide(self):
        """What is skipped, what is refused: before any data is stored."""
        if self.decided:
            return
        self.decided = True
        self._existing()
        self._links()
        for planned in self.planned.values():
            if not planned.skipped:
                self._allowed(planned)
                self.signatures.resolve(planned)
        # a signature that has no key here fails the import now, before
        # any data is stored (one that does not verify: once it is read)
        self._require_signatures(final=False)
        # the records are written and rolled back once before any data is
        # staged: names, versions and quotas fail fast (the commit checks
        # them again)
        self._write(dry_run=True)

    def _existing(self):
        found = artifacts_db.get_many(self.context, self.artifacts.fields_of,
                                      set(self.planned))
        conflicts = []
        for art_id, current in found.items():
            planned = self.planned[art_id]
            readable = current['status'] != 'deleted' and \
                current['type_name'] == planned.entry.type_name and \
                access.sees(self.context, current)
            # identical: imported from this very manifest and not written
            # since (every write bumps the revision an import starts at 0)
            same = (current.get('origin') or {}).get('digest') == \
                planned.entry.digest and current.get('revision') == 0
            if readable and same:
                planned.skipped = 'identical'
            elif readable and self.options.on_conflict == 'skip':
                planned.skipped = 'different'
            else:
                conflicts.append(dict(
                    planned.describe(), reason=self._taken(current,
                                                           readable)))
        if conflicts:
            _refuse(exception.Conflict, 'Artifacts of the bundle exist '
                    'already (on_conflict=skip skips those you can read)',
                    conflicts)

    def _taken(self, current, readable):
        """Why an existing id refuses the import, in words."""
        if readable and current.get('origin') is None:
            return 'exists here: it was made here, not imported'
        if readable:
            return 'exists with other content (or was changed since ' \
                'it was imported)'
        if current['status'] == 'deleted' and \
                current['owner'] == self.context.project_id:
            return 'deleted, waiting to be purged (delayed delete): ' \
                'import it again once glare-scrubber has purged it'
        return 'the id is taken'

    def _links(self):
        """Links lead inside the bundle or to artifacts the importer may
        read here; 409 naming those that do not."""
        outside = {}
        for planned in self.planned.values():
            if planned.skipped:
                continue
            for name, type_name, dep_id in closure.links_of(
                    planned.cls.fields, planned.values, records=False):
                inside = self.planned.get(dep_id)
                if inside is not None and \
                        inside.entry.type_name == type_name:
                    continue
                outside.setdefault(dep_id, []).append(
                    (planned, name, type_name))
        if not outside:
            return
        found = artifacts_db.get_many(self.context, self.artifacts.fields_of,
                                      set(outside))
        named = []
        for dep_id, uses in sorted(outside.items()):
            dep = found.get(dep_id)
            for planned, name, type_name in uses:
                if dep is None or dep['status'] == 'deleted' or \
                        dep['type_name'] != type_name or \
                        not access.sees(self.context, dep):
                    named.append({'type_name': type_name, 'id': dep_id,
                                  'reason': 'linked from %s field %s: not '
                                  'in the bundle and not readable here' % (
                                      planned.entry.id, name)})
        if named:
            _refuse(exception.Conflict, 'The bundle links to artifacts it '
                    'does not hold', named)

    def _allowed(self, planned):
        """The importer's rights: create, the status, the visibility and
        every field it sets (property protection)."""
        context, values = self.context, planned.values
        type_name = planned.entry.type_name
        target = policy.policy_target(context, values)
        context.can(rules.CREATE, policy.policy_target(
            context, type_name=type_name, owner=context.project_id))
        rule = STATUS_RULES[values['status']]
        if rule is not None:
            context.can(rule, target)
        if values['visibility'] == 'public':
            if values['status'] != 'active':
                raise exception.Forbidden(
                    'Artifact %s is %s: only active artifacts can be made '
                    'public' % (values['id'], values['status']))
            context.can(rules.PUBLISH, target)
        for name, field in planned.cls.fields.items():
            if name in records.SET_BY_IMPORT or field.system:
                continue
            if field.is_blob:
                value = [r for r in planned.blobs.values()
                         if r['name'] == name]
                if not value:
                    continue
            elif values.get(name) == field.get_default():
                continue
            policy.check_write_field(context, type_name, name, target)
        if values['status'] != 'drafted':
            missing = sorted(
                n for n, f in planned.cls.fields.items()
                if f.required_on_activate and not f.system and (
                    f.is_folder and n not in planned.folders or
                    f.is_blob and not f.is_folder and not any(
                        r['name'] == n for r in planned.blobs.values()) or
                    not f.is_blob and values.get(n) is None))
            if missing:
                raise exception.BadRequest(
                    'Artifact %s is %s but lacks required fields: %s' % (
                        values['id'], values['status'], ', '.join(missing)))

    def _require_signatures(self, final):
        """409 naming the active artifacts of types that require
        signatures whose blobs would not all keep a verified one."""
        named = self.signatures.unsigned(
            [p for p in self.planned.values() if not p.skipped], final)
        if named:
            _refuse(exception.Conflict, 'Artifacts of types that require '
                    'signatures ([artifact_type:<type>] require_signature) '
                    'would come in active with blobs that have no signature '
                    'verified by your trust store', named)

    # -- staging ---------------------------------------------------------
    def _stage(self, event, targets, checks):
        """Store one blob's data for each artifact field holding it."""
        blobs = self.service.blobs
        if self.heart is None:
            self.heart = blobs_service.Heartbeat(blobs.heartbeat_every)
        now = []
        for planned, label in targets:
            row = planned.blobs[label]
            if not self._legacy_recomputed():
                lacking = [h for h in ('md5', 'sha1') if row[h] is None]
                if lacking:
                    raise exception.BadRequest(
                        'Artifact %s: the record of blob %s has no %s, and '
                        'this service takes them from the record '
                        '([bundles] verify_legacy_checksums = False)' % (
                            planned.entry.id, label, ' or '.join(lacking)))
            type_name = planned.entry.type_name
            store = self.stores.store_for(type_name)
            upload_id = str(uuid.uuid4())
            # the importer's context: a multi-tenant Swift store keeps the
            # data in the importing project's account
            staged = _Staged(upload_id, self.stores.writer(
                store, upload_id, event.size, context=self.context),
                planned, label)
            self.staged.append(staged)
            db.stage(self.context, dict(
                id=upload_id, artifact_id=planned.entry.id,
                blob_name=row['name'], key_name=row['key_name'],
                type_name=type_name, owner=self.context.project_id,
                store=store, location=staged.writer.location,
                reserved=event.size), quotas.data_quota(self.conf,
                                                        type_name))
            self.heart.add(upload_id)
            now.append(staged)
        for chunk in event.chunks:
            for staged in now:
                staged.writer.write(chunk)
            for check in checks:
                check.inspect(chunk)
        if self._legacy_recomputed():
            digests = {name: event.chunks.digests[name]
                       for name in ('md5', 'sha1')}
        else:
            digests = {}
        for staged in now:
            staged.location = staged.writer.finish()
            if staged.writer.location is None:
                db.staged_at(self.context, staged.upload_id, staged.location)
            row = staged.planned.blobs[staged.label]
            for name, value in digests.items():
                if row[name] is not None and row[name] != value:
                    raise exception.BadRequest(
                        'Artifact %s: blob %s has %s %s in its record, but '
                        'its data has %s' % (staged.planned.entry.id,
                                             staged.label, name, row[name],
                                             value))
            row.update(digests, url=staged.location)

    @staticmethod
    def _content_checks(targets):
        """{uploads.ContentCheck: [(planned, label)]}: the checks of the
        targets whose field checks its data (icon), fed the data as it is
        read; one per kind of check, however many artifacts share the
        data (each holds up to its field's size limit)."""
        kinds = {}
        for planned, label in targets:
            field = planned.cls.fields[planned.blobs[label]['name']]
            if field.content_check is not None:
                kinds.setdefault((field.content_check, field.max_blob_size),
                                 []).append((planned, label))
        return {check(None, limit): uses
                for (check, limit), uses in kinds.items()}

    @staticmethod
    def _checked(check, uses):
        """Set the media type the check found the data to be on the
        blob rows; 400 naming an artifact and blob when it refuses it."""
        planned, label = uses[0]
        try:
            media_type = check.finish()
        except exception.InvalidData as exc:
            raise exception.BadRequest('Artifact %s: blob %s: %s' % (
                planned.entry.id, label, exc)) from exc
        finally:
            check.close()
        if media_type:
            for planned, label in uses:
                planned.blobs[label]['content_type'] = media_type

    def _abandon(self):
        """Delete what was staged; never raises (the clean-up retries)."""
        done = []
        for staged in self.staged:
            try:
                if staged.location is not None:
                    self.stores.delete(staged.location,
                                       context=self.context)
                else:
                    staged.writer.abort()
                done.append(staged.upload_id)
            except Exception:
                LOG.exception('Import: could not delete staged data %s; '
                              'the clean-up will', staged.upload_id)
        try:
            db.drop(self.context, done)
        except Exception:
            LOG.exception('Import: could not drop staged uploads; the '
                          'clean-up will')
        self.staged = []

    # -- commit ----------------------------------------------------------
    def _write(self, dry_run):
        chosen = [p for p in self.planned.values() if not p.skipped]
        type_names = sorted({p.entry.type_name for p in chosen})
        batch = [db.Record(p.entry.type_name, p.cls.fields, p.values,
                           list(p.blobs.values()), p.origin) for p in chosen]
        try:
            db.commit(
                self.context, self.context.project_id, batch,
                [s.upload_id for s in self.staged],
                {t: quotas.count_quota(self.conf, self.artifacts.registry, t)
                 for t in type_names},
                {t: quotas.data_quota(self.conf, t) for t in type_names},
                dry_run=dry_run)
        except db.DryRun:
            pass
        return chosen

    def _commit(self):
        self._require_signatures(final=True)
        if self.options.dry_run:
            chosen = [p for p in self.planned.values() if not p.skipped]
        else:
            chosen = self._write(dry_run=False)
        # committed: the staged data now belongs to the new blobs
        self.staged = []
        result = {'imported': [p.describe() for p in chosen],
                  'skipped': [dict(p.describe(), reason=p.skipped)
                              for p in self.planned.values() if p.skipped],
                  'dry_run': self.options.dry_run,
                  'signatures_dropped': self.signatures.dropped}
        if not self.options.dry_run:
            self._notify(chosen)
            LOG.info('Imported %d artifacts (%d skipped) into project %s',
                     len(chosen), len(result['skipped']),
                     self.context.project_id)
        return result

    def _notify(self, chosen):
        for planned in chosen:
            type_name = planned.entry.type_name
            self.artifacts.notifier.artifact(
                self.context, 'create', type_name,
                lambda p=planned, t=type_name: self.artifacts.show(
                    self.context, t, p.entry.id), planned.cls)
