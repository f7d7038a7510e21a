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

"""glare-replicator: copy artifacts between two Glare endpoints.

    glare-replicator size [SRC]             count and bytes per type
    glare-replicator compare [SRC] [DST]    missing, differing, extra
    glare-replicator livecopy [SRC] [DST]   copy what the target lacks
    glare-replicator dump [SRC] DIR         one bundle file per artifact
    glare-replicator load DIR [DST]         import a dump

The source is given by --source-* options (or SRC, its URL), the target
by --target-* options (or DST): each side has its own credentials, as
glare-bundle's --os-* options (glare.cmd.bundle_auth). Only the public
API is used: the list, the bundle export (and its HEAD, for the manifest
digest) and the import. Every artifact is imported by a request of its
own, which the target commits whole or not at all, and which skips what
the target has from the same manifest already: a second run copies
nothing, and a run killed halfway resumes where it stopped.

Exit codes: 0 done; 1 an error (one line on stderr) or an artifact that
could not be copied; 2 a bad command line; 3 compare found differences.
"""

import argparse
import logging
import sys
import time

from glare.cmd import bundle_auth
from glare.cmd import bundle_io
from glare.cmd import replicator_api as api
from glare.cmd import replicator_dump as dump
from glare.cmd import replicator_plan as plan
from glare.cmd import replicator_run as run

PROG = run.PROG
EXIT_DIFFERENT = 3


def cmd_size(args, out):
    started = time.monotonic()
    chosen = run.select(args, out, run.connect(args, 'source'))
    by_type = {}
    for node in chosen.nodes.values():
        count, size = plan.stored_blobs(chosen.info(node.type_name),
                                        node.doc)
        row = by_type.setdefault(node.type_name, {
            'artifacts': 0, 'dependencies': 0, 'blobs': 0, 'bytes': 0})
        row['artifacts'] += 1
        row['dependencies'] += node.dependency
        row['blobs'] += count
        row['bytes'] += size
    total = {k: sum(r[k] for r in by_type.values())
             for k in ('artifacts', 'dependencies', 'blobs', 'bytes')}
    width = max([len(t) for t in by_type] + [5])
    out.line('%-*s %10s %10s %16s' % (width, 'TYPE', 'ARTIFACTS', 'BLOBS',
                                      'BYTES'))
    for name, row in sorted(by_type.items()) + [('total', total)]:
        out.line('%-*s %10d %10d %16d  %s' % (
            width, name, row['artifacts'], row['blobs'], row['bytes'],
            plan.human_size(row['bytes'])))
    out.line('size: %d artifact(s) (%d of them dependencies), %s of stored '
             'data in %.1f s' % (total['artifacts'], total['dependencies'],
                                 plan.human_size(total['bytes']),
                                 time.monotonic() - started))
    out.document({'command': 'size', 'types': by_type, 'total': total})
    return 0


def cmd_compare(args, out):
    started = time.monotonic()
    src = run.connect(args, 'source')
    dst = run.connect(args, 'target')
    chosen = run.select(args, out, src)
    nodes = chosen.nodes
    listed, extra = {}, []
    target_types = dst.schemas()
    for type_name in chosen.types:
        if type_name not in target_types:
            continue  # all of them missing
        for doc in dst.list(type_name, chosen.filters):
            listed[doc['id']] = doc
            if doc['id'] not in nodes:
                node = plan.Node(type_name, doc)
                node.state = plan.EXTRA
                extra.append(node)
    run.check_target(out, src, dst, nodes, chosen.fields, listed)
    everything = list(nodes.values()) + extra
    for node in everything:
        if node.state != plan.PRESENT or args.verbose:
            out.node(node)
    counts = run.summary(out, 'compare', everything, started)
    return run.failures(counts, 'compared') or (EXIT_DIFFERENT if any(
        counts[s] for s in (plan.MISSING, plan.DIFFERS, plan.EXTRA)) else 0)


def cmd_livecopy(args, out):
    started = time.monotonic()
    src = run.connect(args, 'source')
    dst = run.connect(args, 'target')
    chosen = run.select(args, out, src)
    run.check_target(out, src, dst, chosen.nodes, chosen.fields)
    for node in chosen.nodes.values():
        if node.state in (plan.DIFFERS, run.FAILED) or (
                args.verbose and node.state == plan.PRESENT):
            out.node(node)
    sent = run.copy_units(args, out, src, dst, chosen)
    counts = run.summary(out, 'livecopy', chosen.nodes.values(), started,
                     sent)
    return run.failures(counts)


# -- the command line -----------------------------------------------------

def _positive(text):
    try:
        value = float(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError('%r is not a positive number of '
                                         'seconds' % text)
    return value


def _selection(p, skip=True):
    p.add_argument('--types', action='append', metavar='T1,T2',
                   help='the artifact types to copy (default: all the '
                   "source's types)")
    p.add_argument('--filter', action='append', metavar='NAME=VALUE',
                   help="a query parameter of the API's list, as given "
                   '(repeat it: every one applies), e.g. name=foo, '
                   'tags=x, version=latest, visibility=public')
    p.add_argument('--dependencies', dest='dependencies',
                   action='store_true', default=True,
                   help='also copy what the selected artifacts link to, '
                   'transitively (the default)')
    p.add_argument('--no-dependencies', dest='dependencies',
                   action='store_false',
                   help='copy the selected artifacts only')
    if skip:
        p.add_argument('--skip-fields', action='append', metavar='F1,F2',
                       help='fields not copied: left out of the records, '
                       'the target gives them their defaults')


def _writing(p):
    p.add_argument('--dry-run', action='store_true',
                   help="send the bundles to the target's import with "
                   'dry_run: it checks them whole and writes nothing')
    p.add_argument('--visibility', choices=('private', 'public'),
                   help="the copies' visibility (the import's default: "
                   'private; public needs the right to publish)')


def _parents():
    """(common, source, target) option parsers each command takes some
    of, after its name."""
    common = argparse.ArgumentParser(add_help=False)
    g = common.add_argument_group('output and connections')
    g.add_argument('--timeout', type=_positive, default=120,
                   metavar='SECONDS', help='how long to wait for a '
                   'connection or for the next bytes (default 120)')
    g.add_argument('--json', action='store_true',
                   help='print one JSON document instead of lines')
    g.add_argument('-v', '--verbose', action='store_true',
                   help='name the artifacts already present too')
    g.add_argument('--debug', action='store_true',
                   help='log the HTTP requests; a traceback on failure')
    sides = []
    for side in ('source', 'target'):
        parent = argparse.ArgumentParser(add_help=False)
        env = 'GLARE_%s_' % side.upper()
        bundle_auth.add_arguments(parent, side, env, 'the %s (as every '
                                  'OpenStack client; each also read from '
                                  '%s<NAME>)' % (side, env))
        sides.append(parent)
    return common, sides[0], sides[1]


def parser():
    common, source, target = _parents()
    p = argparse.ArgumentParser(
        prog=PROG, description='Copy artifacts between two Glare '
        'endpoints, each with its own credentials, through the public API '
        '(list, bundle export, import). Options follow the command: '
        '%s COMMAND --help lists them.' % PROG)
    sub = p.add_subparsers(dest='command', metavar='COMMAND')
    sub.required = True

    c = sub.add_parser('size', parents=[common, source],
                       help='count the artifacts of the source and their '
                       'bytes per type')
    c.add_argument('src', nargs='?', metavar='SRC',
                   help="the source's URL (as --source-url)")
    _selection(c, skip=False)
    c.set_defaults(func=cmd_size)

    c = sub.add_parser('compare', parents=[common, source, target],
                       help='what the target lacks, has with other '
                       'content, or has in excess')
    c.add_argument('src', nargs='?', metavar='SRC',
                   help="the source's URL (as --source-url)")
    c.add_argument('dst', nargs='?', metavar='DST',
                   help="the target's URL (as --target-url)")
    _selection(c)
    c.set_defaults(func=cmd_compare)

    c = sub.add_parser('livecopy', parents=[common, source, target],
                       help='copy what the target lacks')
    c.add_argument('src', nargs='?', metavar='SRC',
                   help="the source's URL (as --source-url)")
    c.add_argument('dst', nargs='?', metavar='DST',
                   help="the target's URL (as --target-url)")
    _selection(c)
    _writing(c)
    c.set_defaults(func=cmd_livecopy)

    c = sub.add_parser('dump', parents=[common, source],
                       help='write the bundles of the source to a '
                       'directory, one file per artifact, with an index')
    c.add_argument('src', nargs='?', metavar='SRC',
                   help="the source's URL (as --source-url)")
    c.add_argument('directory', metavar='DIR')
    _selection(c)
    c.set_defaults(func=dump.cmd_dump)

    c = sub.add_parser('load', parents=[common, target],
                       help='import the bundles of a dump directory into '
                       'the target')
    c.add_argument('directory', metavar='DIR')
    c.add_argument('dst', nargs='?', metavar='DST',
                   help="the target's URL (as --target-url)")
    c.add_argument('--types', action='append', metavar='T1,T2',
                   help='load the bundles of these types only')
    c.add_argument('--skip-fields', action='append', metavar='F1,F2',
                   help='fields not copied (as livecopy)')
    _writing(c)
    c.set_defaults(func=dump.cmd_load)
    return p


def _positional_urls(p, args):
    for side, attr in (('source', 'src'), ('target', 'dst')):
        url = getattr(args, attr, None)
        if url is None:
            continue
        given = getattr(args, '%s_url' % side, None)
        if given and given != url:
            p.error('%s is given twice: %s and --%s-url %s' % (
                attr.upper(), url, side, given))
        setattr(args, '%s_url' % side, url)


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    _positional_urls(p, args)
    if args.debug:
        logging.basicConfig(level=logging.DEBUG)
    else:
        logging.getLogger().addHandler(logging.NullHandler())
    out = run.Output(args.json, args.verbose)
    return bundle_io.run_command(
        PROG, lambda: args.func(args, out),
        (api.Fatal, bundle_auth.AuthFailure, bundle_io.IOFailure,
         plan.PlanError), args.debug)


def _fail(message):
    bundle_io.fail(PROG, message)


if __name__ == '__main__':
    sys.exit(main())
