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

"""What every glare-replicator command does: the output, the plan of the
source, the state of the target, and copies through the import."""

import collections
import json
import sys
import time

import tqdm

from glare.bundles import layout
from glare.cmd import bundle_auth
from glare.cmd import replicator_api as api
from glare.cmd import replicator_plan as plan
from glare.cmd import replicator_rewrite as rewrite

PROG = 'glare-replicator'
#: states after a copy (plan has those known before)
COPIED = 'copied'
WOULD_COPY = 'would copy'
FAILED = 'failed'


class Output:
    """Lines on stdout (or one JSON document at the end with --json) and
    progress bars on stderr when it is a terminal."""

    def __init__(self, as_json=False, verbose=False):
        self.as_json = as_json
        self.verbose = verbose

    def line(self, text):
        if not self.as_json:
            tqdm.tqdm.write(text, file=sys.stdout)
            sys.stdout.flush()

    def node(self, node, state=None, detail=None):
        state = state or node.state
        text = '%-10s %s %s %s' % (state, node.label(), node.name,
                                   node.version)
        if node.dependency:
            text += ' (dependency)'
        detail = detail or node.detail
        if detail:
            text += ': ' + detail
        self.line(text)

    @staticmethod
    def bar(desc, total=None, unit='B'):
        scaled = unit == 'B'
        return tqdm.tqdm(total=total, desc=desc, unit=unit,
                         unit_scale=scaled, unit_divisor=1024 if scaled
                         else 1000, leave=False, file=sys.stderr,
                         disable=not sys.stderr.isatty())

    def meter(self, desc, total=None):
        return Meter(self.bar(desc, total))

    def document(self, doc):
        if self.as_json:
            sys.stdout.write(json.dumps(doc, indent=2, sort_keys=True) +
                             '\n')
            sys.stdout.flush()


class Meter:
    """A progress bar of bytes that also counts them (``moved``)."""

    def __init__(self, bar):
        self.bar = bar
        self.moved = 0

    def update(self, size):
        self.moved += size
        self.bar.update(size)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.bar.close()


def connect(args, side):
    endpoint = bundle_auth.connect(args, prefix=side, user_agent=PROG,
                                   timeout=args.timeout)
    return api.Endpoint(endpoint, side)


# -- the plan -------------------------------------------------------------

class Selection:
    """What a run works on: nodes ({id: Node}, in listing order), infos
    ({type: TypeInfo}), types and filters (as chosen), fields (skipped)."""

    def __init__(self, nodes, infos, types, filters, fields):
        self.nodes = nodes
        self.infos = infos
        self.types = types
        self.filters = filters
        self.fields = fields

    def info(self, type_name):
        return self.infos.get(type_name) or plan.TypeInfo(type_name)

    def stored_bytes(self, nodes):
        return sum(plan.stored_blobs(self.info(n.type_name), n.doc)[1]
                   for n in nodes)


def select(args, out, src):
    """The Selection of what the source has: the artifacts of the chosen
    types the filters select, and (with --dependencies) every artifact
    they link to, transitively."""
    schemas = src.schemas()
    try:
        types = plan.type_names(args.types, schemas)
        filters = plan.filters(args.filter)
        fields = plan.skip_set(getattr(args, 'skip_fields', None),
                               schemas)
    except plan.PlanError as e:
        raise api.Fatal(str(e)) from e
    infos = {t: plan.TypeInfo.from_schema(t, s) for t, s in schemas.items()}
    chosen = Selection({}, infos, types, filters, fields)
    nodes = chosen.nodes
    with out.bar('listing', unit='artifact') as bar:
        for type_name in types:
            for doc in src.list(type_name, filters):
                if doc.get('id') not in nodes:
                    nodes[doc['id']] = plan.Node(type_name, doc)
                    bar.update()
        queue = collections.deque(nodes.values())
        while queue:
            node = queue.popleft()
            # a skipped link field leads nowhere in the copy
            for type_name, dep_id in plan.link_targets(
                    chosen.info(node.type_name), node.doc, fields):
                if dep_id not in node.deps:
                    node.deps.append(dep_id)
                if dep_id in nodes or not args.dependencies:
                    continue
                doc = src.show(type_name, dep_id) if type_name in infos \
                    else None
                if doc is None:
                    # not shown to us: the target's import says whether
                    # it has it (or the copy fails, naming the link)
                    continue
                nodes[dep_id] = plan.Node(type_name, doc, dependency=True)
                queue.append(nodes[dep_id])
                bar.update()
    return chosen


def expected_digest(src, node, fields):
    """The manifest digest the node's copy has on a target: the source's
    (HEAD, no blob read), or, with fields skipped, that of its rewritten
    record (the bundle is opened and closed after its records)."""
    if not fields:
        return src.digest(node.type_name, node.id)
    resp = src.open_bundle(node.type_name, node.id, 'none')
    try:
        rewritten = rewrite.rewrite(api.stream(
            resp, src, 'the bundle of %s' % node.label()), fields)
        return rewritten.digests[node.id]
    except layout.LayoutError as e:
        raise api.ApiError(None, 'the source sent no valid bundle: %s'
                           % e) from e
    finally:
        resp.close()


def check_target(out, src, dst, nodes, fields, listed=None):
    """Set each node's state: missing, present (the target's copy came
    from the manifest the source gives now) or differs; failed when the
    source refuses to export it."""
    with out.bar('comparing', len(nodes), 'artifact') as bar:
        for node in nodes.values():
            bar.update()
            doc = (listed or {}).get(node.id) or dst.show(node.type_name,
                                                         node.id)
            if doc is None:
                node.state = plan.MISSING
                continue
            origin = doc.get('origin') or {}
            node.target_digest = origin.get('digest')
            try:
                node.digest = expected_digest(src, node, fields)
            except api.ApiError as e:
                node.state, node.detail = FAILED, str(e)
                continue
            if node.target_digest == node.digest:
                node.state = plan.PRESENT
            else:
                node.state = plan.DIFFERS
                node.detail = 'made on the target, not copied from the ' \
                    'source' if not origin else "the target's copy has " \
                    'other content (origin digest %s)' % (
                        node.target_digest or 'none')


def import_stream(dst, chunks, length, fields, args, what):
    """Import a bundle (chunks of length bytes, None: unknown), its
    records rewritten without fields; the import's result."""
    if fields:
        try:
            rewritten = rewrite.rewrite(chunks, fields)
        except layout.LayoutError as e:
            raise api.ApiError(None, 'not a valid bundle: %s' % e) from e
        chunks, length = rewritten.chunks(), rewritten.size
    try:
        return dst.import_bundle(api.body(chunks, length),
                                 dry_run=args.dry_run,
                                 visibility=args.visibility, what=what)
    except layout.LayoutError as e:
        raise api.ApiError(None, 'the bundle cannot be rewritten: %s'
                           % e) from e


def apply_result(out, nodes, unit, result, dry_run):
    """Each node's state from an import's result document."""
    done = COPIED if not dry_run else WOULD_COPY
    named = set()
    for key in ('imported', 'skipped'):
        for art in result.get(key) or ():
            node = nodes.get(art.get('id'))
            if node is None or node.state != plan.MISSING:
                continue
            named.add(node.id)
            if key == 'imported':
                node.state = done
            elif art.get('reason') == 'identical':
                node.state = plan.PRESENT
            else:
                node.state, node.detail = plan.DIFFERS, \
                    'the target has other content'
            out.node(node)
    for node in unit:
        if node.state == plan.MISSING and node.id not in named:
            node.state, node.detail = FAILED, 'the import did not name it'
            out.node(node)


def copy_units(args, out, src, dst, chosen):
    """livecopy: each unit that has a missing artifact, exported from the
    source and streamed into the target's import; the bytes received from
    the source."""
    nodes = chosen.nodes
    units = [u for u in plan.copy_order(nodes)
             if any(n.state == plan.MISSING for n in u)]
    closure = args.dry_run and args.dependencies
    if closure:
        # a dry run writes nothing: each bundle carries its dependencies,
        # the artifacts that link to others first (their bundles cover
        # the rest)
        units.reverse()
    failed = set()
    with out.meter('livecopy', chosen.stored_bytes(
            n for n in nodes.values() if n.state == plan.MISSING)) as bar:
        for unit in units:
            missing = [n for n in unit if n.state == plan.MISSING]
            if not missing:
                continue  # covered by an earlier bundle (dry run)
            blocked = [d for d in plan.unit_deps(unit) if d in failed]
            if blocked:
                for node in missing:
                    node.state, node.detail = FAILED, 'not copied: it ' \
                        'links to %s, which could not be copied' % (
                            ', '.join(blocked))
                    out.node(node)
                    failed.add(node.id)
                continue
            root = unit[0]
            deps = 'closure' if len(unit) > 1 or closure else 'none'
            what = root.label()
            try:
                resp = src.open_bundle(root.type_name, root.id, deps)
                try:
                    length = resp.headers.get('Content-Length')
                    result = import_stream(
                        dst, api.stream(resp, src, 'the bundle of %s' % what,
                                        bar),
                        int(length) if length and length.isdigit() else None,
                        chosen.fields, args, what)
                finally:
                    resp.close()
            except api.ApiError as e:
                for node in missing:
                    node.state, node.detail = FAILED, str(e)
                    out.node(node)
                    failed.add(node.id)
                continue
            apply_result(out, nodes, unit, result, args.dry_run)
            failed.update(n.id for n in unit if n.state == FAILED)
    return bar.moved


# -- the commands ---------------------------------------------------------

def summary(out, command, nodes, started, moved=None, verb='received',
            order=None):
    """The last line (or the JSON document): how many artifacts are in
    each state, the bytes moved, the time taken; the counts."""
    nodes = list(nodes)
    counts = collections.Counter(n.state for n in nodes)
    order = order or [COPIED, WOULD_COPY, plan.MISSING, plan.DIFFERS,
                      plan.EXTRA, plan.PRESENT, FAILED]
    parts = ['%d %s' % (counts[s], s) for s in order
             if counts[s] or s in (plan.PRESENT, FAILED)]
    seconds = time.monotonic() - started
    extra = '' if moved is None else ', %s %s' % (plan.human_size(moved),
                                                   verb)
    out.line('%s: %s%s in %.1f s' % (command, ', '.join(parts), extra,
                                     seconds))
    out.document({'command': command,
                  'artifacts': [dict(n.describe(), state=n.state,
                                     detail=n.detail,
                                     dependency=n.dependency)
                                for n in nodes],
                  'summary': dict(counts, seconds=round(seconds, 3),
                                  bytes=moved)})
    return counts


def failures(counts, what='copied'):
    """1 (after one line on stderr) when artifacts failed, else 0."""
    if not counts[FAILED]:
        return 0
    tqdm.tqdm.write('%s: error: %d artifact(s) could not be %s (see the '
                    '"failed" lines)' % (PROG, counts[FAILED], what),
                    file=sys.stderr)
    return 1


