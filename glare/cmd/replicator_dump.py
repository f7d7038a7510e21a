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

"""glare-replicator dump and load: bundles in a directory.

A dump directory holds one bundle file per artifact (``<type>.<id>.tar``;
artifacts linked in a cycle share the file of the first of them) and an
index, ``glare-replicator.json``::

    {"format": "glare-replicator-dump", "version": 1, "source": URL,
     "bundles": [{"file", "size", "type_name", "id", "name", "version",
                  "skip_fields": [...],
                  "artifacts": [{"type_name", "id", "name", "version",
                                 "digest", "dependency"}],
                  "needs": [ids of artifacts of other files it links to]}]}

A file appears under its name only once whole, and the index is
rewritten (atomically) after each file: a dump killed halfway leaves
only whole bundles, and a second run fetches only what is not there yet
(or has changed at the source since). load imports the files in an order
where every file comes after those it needs.
"""

import contextlib
import glob
import json
import os
import time

from glare.bundles import layout
from glare.bundles import reader
from glare.cmd import bundle_io
from glare.cmd import replicator_api as api
from glare.cmd import replicator_plan as plan
from glare.cmd import replicator_rewrite as rewrite
from glare.cmd import replicator_run as cli

INDEX_FILE = 'glare-replicator.json'
FORMAT = 'glare-replicator-dump'
VERSION = 1
DUMPED = 'dumped'


class Index:
    """The index of a dump directory."""

    def __init__(self, directory, source=None, bundles=()):
        self.directory = directory
        self.source = source
        self.bundles = {b['file']: b for b in bundles}

    @property
    def path(self):
        return os.path.join(self.directory, INDEX_FILE)

    @classmethod
    def load(cls, directory, required=False):
        path = os.path.join(directory, INDEX_FILE)
        try:
            with open(path, encoding='utf-8') as f:
                doc = json.load(f)
        except FileNotFoundError:
            if required:
                raise api.Fatal('%s is not a dump directory: it has no %s'
                                % (directory, INDEX_FILE)) from None
            return cls(directory)
        except (OSError, ValueError) as e:
            raise api.Fatal('cannot read %s: %s' % (
                path, getattr(e, 'strerror', None) or e)) from e
        if not isinstance(doc, dict) or doc.get('format') != FORMAT or \
                not isinstance(doc.get('bundles'), list):
            raise api.Fatal('%s is not the index of a glare-replicator dump'
                            % path)
        if doc.get('version') != VERSION:
            raise api.Fatal('%s is of dump version %r; this replicator '
                            'reads version %d' % (path, doc.get('version'),
                                                  VERSION))
        for entry in doc['bundles']:
            _check_entry(entry, path)
        return cls(directory, doc.get('source'), doc['bundles'])

    def save(self):
        doc = {'format': FORMAT, 'version': VERSION, 'source': self.source,
               'bundles': list(self.bundles.values())}
        with bundle_io.output(self.path) as f:
            f.write(json.dumps(doc, indent=1, sort_keys=True).encode() +
                    b'\n')

    def file_ok(self, entry):
        """Whether the entry's file is there, of its recorded size."""
        try:
            return os.path.getsize(os.path.join(
                self.directory, entry['file'])) == entry['size']
        except OSError:
            return False


def _check_entry(entry, path):
    ok = isinstance(entry, dict) and isinstance(entry.get('file'), str) \
        and isinstance(entry.get('id'), str) and \
        isinstance(entry.get('type_name'), str) and \
        os.path.basename(entry['file']) == entry['file'] and \
        not entry['file'].startswith('.') and \
        isinstance(entry.get('size'), int) and \
        isinstance(entry.get('artifacts'), list) and entry['artifacts'] and \
        all(isinstance(a, dict) and isinstance(a.get('id'), str) and
            isinstance(a.get('type_name'), str) and
            isinstance(a.get('digest'), str) for a in entry['artifacts']) \
        and isinstance(entry.get('needs', []), list)
    if not ok:
        raise api.Fatal('%s has a malformed bundle entry: %s' % (
            path, layout.shown(entry, 200)))


def _discard_parts(directory, name):
    """Temporary files of an earlier, interrupted write of name."""
    for part in glob.glob(os.path.join(glob.escape(directory),
                                       '.%s.*.part' % glob.escape(name))):
        with contextlib.suppress(OSError):
            os.unlink(part)


def _write_verified(resp, src, path, what, bar):
    """Write a plain export to path, reading it as a bundle on the way
    (every digest checked); {id: manifest digest} of its artifacts."""
    digests = {}
    with bundle_io.output(path) as f:
        def chunks():
            for chunk in api.stream(resp, src, 'the bundle of %s' % what,
                                    bar):
                f.write(chunk)
                yield chunk
        for event in reader.read_bundle(chunks()):
            if event.kind == 'index':
                digests = {e.id: e.digest for e in event.entries}
            elif event.kind == 'blob':
                for _chunk in event.chunks:
                    pass
    return digests


def _write_rewritten(resp, src, path, what, fields, bar):
    rewritten = rewrite.rewrite(api.stream(
        resp, src, 'the bundle of %s' % what, bar), fields)
    with bundle_io.output(path) as f:
        for chunk in rewritten.chunks():
            f.write(chunk)
    return rewritten.digests


def _dump_unit(args, out, src, chosen, index, unit, bar):
    root = unit[0]
    name = '%s.%s.tar' % (root.type_name, root.id)
    entry = index.bundles.get(name)
    fields = list(chosen.fields)
    if entry is not None and index.file_ok(entry) and \
            entry.get('skip_fields', []) == fields:
        had = {a['id']: a['digest'] for a in entry['artifacts']}
        try:
            now = {n.id: cli.expected_digest(src, n, chosen.fields)
                   for n in unit}
        except api.ApiError as e:
            return cli.FAILED, str(e)
        if had == now:
            return plan.PRESENT, None
    _discard_parts(args.directory, name)
    path = os.path.join(args.directory, name)
    deps = 'closure' if len(unit) > 1 else 'none'
    try:
        resp = src.open_bundle(root.type_name, root.id, deps)
        try:
            if fields:
                digests = _write_rewritten(resp, src, path, root.label(),
                                           chosen.fields, bar)
            else:
                digests = _write_verified(resp, src, path, root.label(),
                                          bar)
        finally:
            resp.close()
    except api.ApiError as e:
        return cli.FAILED, str(e)
    except layout.LayoutError as e:
        return cli.FAILED, 'the source sent no valid bundle: %s' % e
    index.bundles[name] = {
        'file': name, 'size': os.path.getsize(path),
        'type_name': root.type_name, 'id': root.id, 'name': root.name,
        'version': root.version, 'skip_fields': fields,
        'artifacts': [dict(n.describe(), digest=digests[n.id],
                           dependency=n.dependency) for n in unit],
        'needs': plan.unit_deps(unit)}
    index.save()
    return DUMPED, None


def cmd_dump(args, out):
    started = time.monotonic()
    src = cli.connect(args, 'source')
    chosen = cli.select(args, out, src)
    try:
        os.makedirs(args.directory, exist_ok=True)
    except OSError as e:
        raise api.Fatal('cannot make %s: %s' % (
            args.directory, e.strerror or e)) from e
    index = Index.load(args.directory)
    index.source = src.url
    units = plan.copy_order(chosen.nodes)
    with out.meter('dump', chosen.stored_bytes(
            chosen.nodes.values())) as bar:
        for unit in units:
            state, detail = _dump_unit(args, out, src, chosen, index, unit,
                                       bar)
            for node in unit:
                node.state, node.detail = state, detail
                if state != plan.PRESENT or args.verbose:
                    out.node(node)
    if not os.path.exists(index.path):
        index.save()  # an empty selection: still a dump directory
    counts = cli.summary(out, 'dump', chosen.nodes.values(), started,
                         bar.moved,
                         order=[DUMPED, plan.PRESENT, cli.FAILED])
    return cli.failures(counts, 'dumped')


# -- load -----------------------------------------------------------------

class FileNode(plan.Node):
    """A bundle file of a dump: its entry, its artifacts (members, as
    Nodes) and the files it needs (deps: their root ids)."""

    def __init__(self, entry):
        super().__init__(entry['type_name'], {
            'id': entry['id'], 'name': entry.get('name'),
            'version': entry.get('version')})
        self.entry = entry
        self.members = []
        for art in entry['artifacts']:
            member = plan.Node(art['type_name'], dict(art),
                               bool(art.get('dependency')))
            member.digest = art['digest']
            self.members.append(member)


def _file_nodes(index, types):
    """{root id: FileNode} of the index's files whose root is of types
    (all when types is empty)."""
    holder = {art['id']: entry['id'] for entry in index.bundles.values()
              for art in entry['artifacts']}
    nodes = {}
    for entry in index.bundles.values():
        if types and entry['type_name'] not in types:
            continue
        node = FileNode(entry)
        node.deps = sorted({holder[i] for i in entry.get('needs') or ()
                            if i in holder and holder[i] != entry['id']})
        nodes[node.id] = node
    return nodes


def _local_digests(path, fields):
    """{id: digest} of a bundle file once rewritten without fields (its
    records only are read)."""
    with open(path, 'rb') as f:
        try:
            return rewrite.rewrite(bundle_io.read_chunks(f), fields).digests
        except layout.LayoutError as e:
            raise api.ApiError(None, '%s is not a valid bundle: %s' % (
                path, e)) from e


def _load_unit(args, out, dst, index, node, fields, bar):
    entry = node.entry
    path = os.path.join(index.directory, entry['file'])
    if not index.file_ok(entry):
        return 'its file %s is missing or not of its recorded %d bytes' % (
            entry['file'], entry['size'])
    expected = _local_digests(path, fields) if fields else None
    missing = []
    for member in node.members:
        if expected is not None:
            member.digest = expected.get(member.id)
        doc = dst.show(member.type_name, member.id)
        origin = (doc or {}).get('origin') or {}
        if doc is None:
            member.state = plan.MISSING
            missing.append(member)
        elif origin.get('digest') == member.digest:
            member.state = plan.PRESENT
        else:
            member.state, member.detail = plan.DIFFERS, \
                'the target has other content'
    if not missing:
        return None
    with open(path, 'rb') as f:
        result = cli.import_stream(
            dst, bundle_io.read_chunks(f, bar), entry['size'], fields, args,
            node.label())
    cli.apply_result(out, {m.id: m for m in missing}, missing, result,
                     args.dry_run)
    return None


def cmd_load(args, out):
    started = time.monotonic()
    index = Index.load(args.directory, required=True)
    dst = cli.connect(args, 'target')
    types = set()
    for text in args.types or ():
        types.update(t.strip() for t in text.split(',') if t.strip())
    fields = ()
    if args.skip_fields:
        try:
            fields = plan.skip_set(args.skip_fields, dst.schemas())
        except plan.PlanError as e:
            raise api.Fatal(str(e)) from e
    nodes = _file_nodes(index, types)
    units = plan.copy_order(nodes)
    members = []
    failed = set()
    total = sum(n.entry['size'] for n in nodes.values())
    with out.meter('load', total) as bar:
        for unit in units:
            for node in unit:
                blocked = [d for d in node.deps if d in failed]
                if blocked:
                    problem = 'not loaded: it needs %s, which could not ' \
                        'be loaded' % ', '.join(blocked)
                else:
                    try:
                        problem = _load_unit(args, out, dst, index, node,
                                             fields, bar)
                    except api.ApiError as e:
                        problem = str(e)
                for member in node.members:
                    if problem and member.state in (None, plan.MISSING):
                        member.state, member.detail = cli.FAILED, problem
                        out.node(member)
                    elif member.state in (plan.DIFFERS,) or (
                            args.verbose and member.state == plan.PRESENT):
                        out.node(member)
                if any(m.state == cli.FAILED for m in node.members):
                    failed.add(node.id)
                members += node.members
    counts = cli.summary(out, 'load', members, started, bar.moved, 'read')
    return cli.failures(counts, 'loaded')
