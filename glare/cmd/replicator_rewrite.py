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

"""A bundle with fields left out of its records (--skip-fields), as it
streams.

Every record (manifest and config) of a bundle comes before any blob
data, so the records are read, edited and planned again by
glare.bundles.writer before the first blob arrives; the blobs are then
passed through in the order the new manifests want them, each checked
twice (the reader against its old name, the writer against its new
descriptor). A skipped field is removed from the artifact's document (the
import gives it its default), with its links and its layers; the config,
hence the manifest and its digest, change. Nothing is held whole in
memory but the records.
"""

from glare.bundles import layout
from glare.bundles import reader
from glare.bundles import writer


def _skipped(label, fields):
    """Whether a record label ("f", "f/key", "f[i]") is of a field in
    fields."""
    for name in fields:
        if label == name or label.startswith((name + '/', name + '[')):
            return True
    return False


def edit_record(event, fields):
    """(document, links, kept layer refs) of an ArtifactEvent without the
    fields."""
    doc = {k: v for k, v in event.artifact.items() if k not in fields}
    links = {k: v for k, v in event.links.items()
             if not _skipped(k, fields)}
    layers = [ref for ref in event.layers if not _skipped(ref.field, fields)]
    return doc, links, layers


class _Blobs:
    """The blob events of the source, handed out in the order the new
    bundle takes them; blobs no kept layer holds are read and checked on
    the way, and dropped."""

    def __init__(self, events, first, wanted):
        self.events = events
        self.current = first
        self.wanted = set(wanted)

    def open(self, digest):
        while True:
            event = self.current
            if event is None:
                event = next(self.events, None)
                if event is None:
                    raise layout.LayoutError('blob %s never came' % digest)
            self.current = None
            if event.digest == digest:
                self.wanted.discard(digest)
                return event.chunks
            if event.digest in self.wanted:
                # the new order differs from the stream's: the same data
                # is both in a skipped field and, later, in a kept one
                raise layout.LayoutError(
                    'blob %s comes before %s in the source, but after it '
                    'once the fields are skipped (the same data is in a '
                    'skipped and a kept field); copy these artifacts '
                    'without --skip-fields' % (event.digest, digest))
            # a dropped blob: the reader checks it when it moves on

    def finish(self):
        """Read the rest of the source (dropped blobs and the end of the
        archive), checking it."""
        self.current = None
        for _event in self.events:
            pass


class Rewritten:
    """The edited bundle: ``size`` (bytes), ``digests`` ({id: manifest
    digest} of the new records), ``source_digests`` (the same of the
    source's), ``root`` (IndexEntry of the source) and ``chunks()``."""

    def __init__(self, plan, blobs, root, source_digests):
        self.plan = plan
        self.size = plan.size
        self.digests = dict(plan.manifest_digests)
        self.source_digests = source_digests
        self.root = root
        self._blobs = blobs

    def chunks(self):
        """The new bundle; the source is read to its end (and checked)
        before the last chunk is given."""
        held = None
        for chunk in self.plan.chunks():
            if held is not None:
                yield held
            held = chunk
        self._blobs.finish()
        if held is not None:
            yield held


def rewrite(chunks, fields):
    """The bundle in chunks (an iterable of bytes) without fields: reads
    its records and returns a Rewritten; LayoutError when the source is
    not a valid bundle or cannot be rewritten."""
    events = reader.read_bundle(chunks)
    root, artifacts, first = None, [], None
    for event in events:
        if event.kind == 'index':
            root = event.root
        elif event.kind == 'artifact':
            artifacts.append(event)
        elif event.kind == 'blob':
            first = event
            break
    described, wanted = [], []
    blobs = _Blobs(events, first, ())
    for event in artifacts:
        doc, links, layers = edit_record(event, fields)
        wanted += [ref.digest for ref in layers]
        described.append(layout.BundleArtifact(
            event.type_name, event.type_version, doc, links=links,
            origin=event.origin,
            layers=[layout.Layer(ref.field, ref.media_type, ref.size,
                                 ref.digest.split(':', 1)[1],
                                 _opener(blobs, ref.digest))
                    for ref in layers]))
    blobs.wanted = set(wanted)
    plan = writer.plan_bundle(described, root.id)
    return Rewritten(plan, blobs, root, {
        event.entry.id: event.manifest_digest for event in artifacts})


def _opener(blobs, digest):
    return lambda: blobs.open(digest)
