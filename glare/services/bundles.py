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

"""Bundles: an artifact and its dependency closure as an OCI image layout.

Export decides everything before the first byte is sent (who may read
what, which links resolve, every blob's digest), then streams the tar as
it is built: records first, then each blob's data read from its store.
"""

import dataclasses
import functools
import hashlib

from oslo_log import log as logging
from oslo_utils import strutils

from glare.bundles import layout
from glare.bundles import writer
from glare.common import chunking
from glare import exception
from glare.policies import artifacts as rules
from glare.policies import blobs as blob_rules
from glare import policy
from glare.services import access
from glare.services import blobs
from glare.services import bundle_records
from glare.services import closure
from glare.services import hooks
from glare.services import imports
from glare.services import render
from glare.services import trust as trust_service

LOG = logging.getLogger(__name__)

MEDIA_TYPE = layout.BUNDLE_MEDIA_TYPE
#: the header naming the root artifact's manifest digest (what an import
#: of the bundle records as the artifact's origin digest)
DIGEST_HEADER = 'X-Glare-Bundle-Digest'
#: the ?dependencies= values of an export
DEPENDENCIES = ('closure', 'none')
#: artifacts named in one refusal's message (the body names them all)
SHOWN = 25


@dataclasses.dataclass
class Layer:
    """A stored blob of an artifact: a layer of its manifest."""
    field: str          # "field" or "field/key"
    media_type: str
    digest: str         # hex sha256
    size: int
    location: str       # where the data is (never shown)


@dataclasses.dataclass
class Entry:
    """An artifact of a bundle: its record (the manifest's config) and
    its stored blobs."""
    values: dict
    record: dict
    layers: list


class Export:
    """What to answer: headers and the tar as an iterable of chunks (a
    generator: no blob is opened until it is iterated); records: the
    record of each artifact in it (type_name, artifact, origin, ...), the
    root first."""

    def __init__(self, headers, body, length=None, records=()):
        self.headers = headers
        self.body = body
        self.length = length
        self.records = list(records)


def _named(context, values, why):
    out = {'type_name': values['type_name'], 'id': values['id'],
           'reason': why}
    # name and version only of what the caller may read itself
    if access.sees(context, values):
        out.update(name=values['name'], version=values['version'])
    return out


def _refuse(root, named):
    text = ', '.join('%s/%s (%s)' % (d['type_name'], d['id'], d['reason'])
                     for d in named[:SHOWN])
    if len(named) > SHOWN:
        text += ' and %d more' % (len(named) - SHOWN)
    exc = exception.Conflict(
        'Artifact %s cannot be exported with its dependencies: %s' % (
            root['id'], text))
    exc.body_extra = {'dependencies': named}
    raise exc


def _flag(params, name):
    value = params.get(name)
    if value is None:
        return False
    try:
        return strutils.bool_from_string(value, strict=True)
    except ValueError as exc:
        raise exception.BadRequest('%s is true or false, not %r' % (
            name, value)) from exc


def _chunks(body):
    """The request body (a file) as chunks."""
    while True:
        chunk = body.read(chunking.CHUNK_SIZE)
        if not chunk:
            return
        yield chunk


class BundleService:
    """Export and import of bundles. No HTTP, no SQL here."""

    def __init__(self, conf, artifacts, blobs, fetcher, identity,
                 trust=None):
        self.conf = conf
        #: the importers' trust stores: the signatures of an import are
        #: verified again against them
        self.trust = trust or trust_service.TrustService(conf)
        self.identity = identity
        self.artifacts = artifacts
        self.blobs = blobs
        self.stores = blobs.stores
        self.fetcher = fetcher

    # -- import ------------------------------------------------------------
    def import_bundle(self, context, stream, length, params):
        """Import the bundle in stream (a file: read(size)), length bytes
        (None: to its end). params: {"dry_run", "on_conflict",
        "visibility"} as given (strings). Returns {"imported", "skipped",
        "dry_run", "signatures_dropped"}."""
        if context.is_anonymous or context.read_only:
            raise exception.Forbidden('Anonymous or read-only users cannot '
                                      'import artifacts')
        options = imports.Options(
            dry_run=_flag(params, 'dry_run'),
            on_conflict=params.get('on_conflict', 'fail'),
            visibility=params.get('visibility', 'private'))
        if options.on_conflict not in imports.ON_CONFLICT:
            raise exception.BadRequest('on_conflict is %s, not %r' % (
                ' or '.join(imports.ON_CONFLICT), options.on_conflict))
        if options.visibility not in ('private', 'public'):
            raise exception.BadRequest('visibility is private or public, '
                                       'not %r' % options.visibility)
        if options.visibility == 'public':
            # before any byte is read: only admins (by default) publish
            context.can(rules.PUBLISH, policy.policy_target(
                context, owner=context.project_id, visibility='private',
                status='active', type_name=None))
        return imports.Importer(self, context, options).run(
            _chunks(blobs.Body(stream, length)))

    # -- export ------------------------------------------------------------
    def export(self, context, type_name, artifact_id, dependencies='closure'):
        """The bundle of an artifact (and, with dependencies='closure',
        of everything its links lead to, transitively) as an Export.

        403 when the caller may not read or download the artifact itself;
        409 naming every dependency the caller could not read, that no
        longer resolves, or whose data cannot be read now.
        """
        if dependencies not in DEPENDENCIES:
            raise exception.BadRequest('dependencies is %s, not %r' % (
                ' or '.join(DEPENDENCIES), dependencies))
        root = self.artifacts.load(context, type_name, artifact_id)
        problem = self._unexportable(context, root)
        if problem is not None:
            raise exception.Forbidden('Artifact %s cannot be exported: %s'
                                      % (root['id'], problem))
        chosen = [root]
        if dependencies == 'closure':
            chosen.extend(self._dependencies(context, root))
        entries = [self._entry(context, v) for v in chosen]
        for entry in entries:
            self._fill_digests(entry)
        name = '%s-%s' % (root['name'], root['version'])
        headers = {
            'Content-Type': MEDIA_TYPE,
            'Content-Disposition': 'attachment; filename="%s.tar"' % (
                ''.join(c if c.isalnum() or c in '.-_' else '_'
                        for c in name)[:200]),
        }
        LOG.info('Exporting artifact %s with %d dependencies', root['id'],
                 len(entries) - 1)
        plan = self._plan(entries)
        # known before the first byte: a client compares it (HEAD) with
        # the origin digest of its copy without reading a blob
        headers[DIGEST_HEADER] = plan.manifest_digests[root['id']]
        return Export(headers, plan.chunks(), plan.size,
                      [entry.record for entry in entries])

    def _unexportable(self, context, values):
        """Why the caller may not export the artifact, or None."""
        if values['status'] == 'deleted':
            return 'it is deleted'
        target = policy.policy_target(context, values)
        if not context.can(rules.GET, target, fatal=False):
            return 'you may not show it'
        cls = self.artifacts.get_type(values['type_name'])
        for name, field in cls.fields.items():
            if not field.is_blob or not values.get(name):
                continue
            if not policy.can_read_field(context, values['type_name'], name,
                                         target):
                continue  # left out of the bundle, as out of its document
            if not context.can(blob_rules.DOWNLOAD,
                               dict(target, field=name), fatal=False):
                return 'you may not download its blob %s' % name
        return None

    def _dependencies(self, context, root):
        """The artifacts root links to, transitively, in a stable order;
        Conflict naming those that cannot go into the bundle."""
        found, unresolved = closure.closure(context,
                                            self.artifacts.fields_of, root)
        named = [{'type_name': u.type_name, 'id': u.id,
                  'reason': 'no longer resolves (linked from %s field %s)'
                  % (u.from_id, u.field)}
                 for u in unresolved]
        deps = list(found.values())
        readable = {v['id'] for v in access.readable(context, deps)}
        for values in deps:
            if values['id'] not in readable:
                named.append({'type_name': values['type_name'],
                              'id': values['id'],
                              'reason': 'you cannot read it'})
                continue
            problem = self._unexportable(context, values)
            if problem is not None:
                named.append(_named(context, values, problem))
        if named:
            _refuse(root, named)
        return deps

    def _entry(self, context, values):
        """The record and layers of one artifact the caller may export."""
        type_name = values['type_name']
        cls = self.artifacts.get_type(type_name)
        target = policy.policy_target(context, values)
        artifact = None
        layers = []
        for name, field in cls.fields.items():
            if not field.is_blob or not policy.can_read_field(
                    context, type_name, name, target):
                continue
            value = values.get(name)
            items = sorted((value or {}).items()) if field.is_folder \
                else [(None, value)]
            for key, blob in items:
                if blob is None or blob.get('external'):
                    continue  # external blobs: in the record only
                label = name if key is None else '%s/%s' % (name, key)
                if blob['status'] == 'saving':
                    raise exception.Conflict(
                        'Blob %s of artifact %s is being uploaded; export it '
                        'once the upload has ended' % (label, values['id']))
                if artifact is None:
                    artifact = cls.from_values(values)
                hooks.call(cls.pre_download_hook, context, artifact, name,
                           key)
                layers.append(Layer(
                    label, layout.layer_media_type(blob.get('content_type')),
                    blob.get('sha256'), blob.get('size'), blob['url']))
        record = {
            'type_name': type_name,
            'type_version': cls.get_version(),
            'artifact': dict(render.artifact(context, cls, values)),
            'links': bundle_records.link_labels(cls.fields, values),
            # where it comes from: its own origin once imported, else
            # this cloud (an importer records the cloud_id)
            'origin': values.get('origin') or {
                'cloud_id': self.identity.cloud_id(), 'upstream': None,
                'id': values['id'], 'digest': None},
        }
        return Entry(values, record, layers)

    def _fill_digests(self, entry):
        """Blobs at an internal location set without a sha256 (or size):
        read once to learn them, before the manifest names them."""
        for layer in entry.layers:
            if layer.digest and layer.size is not None:
                continue
            digest, size = hashlib.sha256(), 0
            reader = self.stores.open(layer.location)
            try:
                for chunk in reader:
                    digest.update(chunk)
                    size += len(chunk)
            finally:
                reader.close()
            layer.digest, layer.size = digest.hexdigest(), size

    def _plan(self, entries):
        """The writer's plan of the tar: every record and descriptor made,
        each blob's data read from its store only when the tar needs it."""
        described = [layout.BundleArtifact(
            entry.record['type_name'], entry.record['type_version'],
            entry.record['artifact'], links=entry.record['links'],
            origin=entry.record['origin'],
            layers=[layout.Layer(layer.field, layer.media_type, layer.size,
                                 layer.digest, functools.partial(
                                     _store_data, self.stores,
                                     layer.location))
                    for layer in entry.layers])
            for entry in entries]
        try:
            return writer.plan_bundle(described, entries[0].values['id'])
        except layout.LayoutError as exc:
            # what the service itself holds does not fit the format
            LOG.error('Export of artifact %s: %s', entries[0].values['id'],
                      exc)
            raise exception.Conflict('The artifacts cannot be written as a '
                                     'bundle: %s' % exc) from exc


def _store_data(stores, location):
    """A blob's data as chunks, its reader closed at the end (or when the
    client goes away: the generator is closed then)."""
    reader = stores.open(location)
    try:
        yield from reader
    finally:
        reader.close()
