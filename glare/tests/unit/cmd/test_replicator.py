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

"""glare-replicator's pure parts: the plan, the record rewriting, the
options of each side, the dump index; the command itself is tested
between two live deployments (functional/test_replicator.py)."""

import argparse
import configparser
import hashlib
import importlib
import json
import os
import shutil
import tempfile

import fixtures

from glare.bundles import layout
from glare.bundles import reader
from glare.bundles import writer
from glare.cmd import bundle_auth
from glare.cmd import replicator
from glare.cmd import replicator_api as api
from glare.cmd import replicator_dump as dump
from glare.cmd import replicator_plan as plan
from glare.cmd import replicator_rewrite as rewrite
from glare.tests import base

ROOT = 'a0000000-0000-4000-8000-000000000001'
DEP = 'b0000000-0000-4000-8000-000000000002'
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))))


def node(node_id, *deps):
    n = plan.Node('t', {'id': node_id, 'name': node_id, 'version': '1'})
    n.deps = list(deps)
    return n


def order(*nodes):
    return [[n.id for n in unit] for unit in plan.copy_order(
        {n.id: n for n in nodes})]


class TestEntryPoint(base.TestCase):

    def test_console_script(self):
        conf = configparser.ConfigParser()
        conf.read(os.path.join(REPO, 'setup.cfg'))
        scripts = dict(
            line.split(' = ', 1) for line in
            conf['entry_points']['console_scripts'].strip().splitlines())
        target = scripts['glare-replicator']
        self.assertEqual('glare.cmd.replicator:main', target)
        module, _sep, name = target.partition(':')
        self.assertIs(replicator.main,
                      getattr(importlib.import_module(module), name))


class TestCopyOrder(base.TestCase):

    def test_dependencies_come_first(self):
        self.assertEqual([['c'], ['b'], ['a']],
                         order(node('a', 'b'), node('b', 'c'), node('c')))
        # several roots sharing a dependency: it comes once, first
        self.assertEqual([['c'], ['a'], ['b']],
                         order(node('a', 'c'), node('b', 'c'), node('c')))

    def test_a_cycle_is_one_unit(self):
        # a -> b -> c -> a, d -> a; the unit in the nodes' order
        units = order(node('d', 'a'), node('a', 'b'), node('b', 'c'),
                      node('c', 'a'), node('e'))
        self.assertEqual([['a', 'b', 'c'], ['d'], ['e']], units)
        self.assertEqual([['x']], order(node('x', 'x')))

    def test_links_outside_the_nodes_are_left_out(self):
        self.assertEqual([['a']], order(node('a', 'elsewhere')))
        unit = plan.copy_order({'a': node('a', 'b', 'zz'),
                                'b': node('b', 'a')})[0]
        self.assertEqual(['zz'], plan.unit_deps(unit))

    def test_a_long_chain_needs_no_recursion(self):
        nodes = [node('n%d' % i, 'n%d' % (i + 1)) for i in range(5000)]
        nodes.append(node('n5000'))
        units = order(*nodes)
        self.assertEqual(['n5000'], units[0])
        self.assertEqual(['n0'], units[-1])


SCHEMA = {'properties': {
    'name': {'glareType': 'String'},
    'one': {'glareType': 'Link'},
    'many': {'glareType': 'LinkList'},
    'named': {'glareType': 'LinkDict'},
    'data': {'glareType': 'Blob'},
    'folder': {'glareType': 'BlobDict'}}}


class TestSchemaParts(base.TestCase):

    def setUp(self):
        super().setUp()
        self.info = plan.TypeInfo.from_schema('t', SCHEMA)

    def test_links_of_every_kind(self):
        self.assertEqual(('many', 'named', 'one'), self.info.links)
        upper = ROOT.upper()
        doc = {'one': '/artifacts/t/%s' % upper,
               'many': ['/artifacts/u/%s' % DEP, 'https://example.com/x'],
               'named': {'b': '/artifacts/v/%s' % DEP, 'a': None},
               'name': '/artifacts/t/%s' % DEP}
        self.assertEqual([('u', DEP), ('v', DEP), ('t', ROOT)],
                         plan.link_targets(self.info, doc))
        self.assertEqual([('t', ROOT)],
                         plan.link_targets(self.info, doc,
                                           ('many', 'named')))
        self.assertEqual([], plan.link_targets(self.info, {}))

    def test_stored_blobs(self):
        doc = {'data': {'size': 10, 'external': False},
               'folder': {'a': {'size': 5, 'external': False},
                          'b': {'size': 100, 'external': True,
                                'url': 'http://x'}}}
        self.assertEqual((2, 15), plan.stored_blobs(self.info, doc))
        self.assertEqual((0, 0), plan.stored_blobs(self.info, {}))

    def test_skip_fields_checked(self):
        schemas = {'t': SCHEMA}
        self.assertEqual(('data', 'one'), plan.skip_set(
            ['data,one', ' data '], schemas))
        self.assertEqual((), plan.skip_set(None, schemas))
        e = self.assertRaises(plan.PlanError, plan.skip_set, ['name'],
                              schemas)
        self.assertIn('name cannot be skipped', str(e))
        e = self.assertRaises(plan.PlanError, plan.skip_set,
                              ['data,nope'], schemas)
        self.assertEqual('--skip-fields: no artifact type has a field nope',
                         str(e))

    def test_filters_and_types(self):
        self.assertEqual([('name', 'a=b'), ('tags', 'x'), ('tags', 'y')],
                         plan.filters(['name=a=b', 'tags=x', 'tags=y']))
        for bad in ('novalue', '=x', 'limit=3', 'marker=m'):
            self.assertRaises(plan.PlanError, plan.filters, [bad])
        types = {'all': {}, 'b': {}, 'a': {}}
        self.assertEqual(['a', 'b'], plan.type_names(None, types))
        self.assertEqual(['b', 'a'], plan.type_names(['b', 'a,b'], types))
        e = self.assertRaises(plan.PlanError, plan.type_names, ['all,c'],
                              types)
        self.assertEqual('--types: unknown type all, c (the source has: a, '
                         'b)', str(e))

    def test_human_size(self):
        self.assertEqual(['0 B', '1023 B', '1.5 KiB', '1.0 GiB'],
                         [plan.human_size(n) for n in (0, 1023, 1536,
                                                       1 << 30)])


def sha(data):
    return hashlib.sha256(data).hexdigest()


def layer(field, data):
    return layout.Layer(field, 'application/octet-stream', len(data),
                        sha(data), lambda: iter([data[:7], data[7:]]))


def artifact(art_id, layers=(), links=None, **doc):
    doc.update(id=art_id, name='n-' + art_id[:4], version='1.0.0')
    return layout.BundleArtifact('t', '1.0', doc, links or {},
                                 {'cloud_id': 'c', 'upstream': None,
                                  'id': art_id, 'digest': None},
                                 list(layers))


SHARED = b'bytes in two artifacts' * 10


def sample():
    return [artifact(ROOT, [layer('data', b'root data' * 50),
                            layer('folder/k', SHARED)],
                     {'one': {'type_name': 't', 'id': DEP}},
                     description='secret', one='/artifacts/t/%s' % DEP),
            artifact(DEP, [layer('data', SHARED)], description='dep')]


def pieces(data, size=1000):
    return [data[i:i + size] for i in range(0, len(data), size)]


def events(data):
    out = {}
    for event in reader.read_bundle(pieces(data)):
        if event.kind == 'artifact':
            out[event.entry.id] = event
        elif event.kind == 'blob':
            out[event.digest] = b''.join(event.chunks)
    return out


class TestRewrite(base.TestCase):

    def setUp(self):
        super().setUp()
        self.plan = writer.plan_bundle(sample(), ROOT)
        self.data = b''.join(self.plan.chunks())

    def rewritten(self, fields, data=None):
        out = rewrite.rewrite(pieces(data or self.data), fields)
        return out, b''.join(out.chunks())

    def test_no_field_to_skip_gives_the_same_bytes(self):
        out, data = self.rewritten(('nosuch',))
        self.assertEqual(self.data, data)
        self.assertEqual(self.plan.manifest_digests, out.digests)
        self.assertEqual(out.digests, out.source_digests)
        self.assertEqual(len(data), out.size)

    def test_fields_records_links_and_layers_go(self):
        out, data = self.rewritten(('description', 'folder', 'one'))
        self.assertEqual(len(data), out.size)
        got = events(data)
        root = got[ROOT]
        self.assertNotIn('description', root.artifact)
        self.assertNotIn('one', root.artifact)
        self.assertEqual({}, root.links)
        self.assertEqual(['data'], [ref.field for ref in root.layers])
        # the shared bytes stay: the dependency still holds them
        self.assertEqual(SHARED, got['sha256:' + sha(SHARED)])
        self.assertNotIn('description', got[DEP].artifact)
        # new records, new manifests: the digests a target records
        for art_id in (ROOT, DEP):
            self.assertNotEqual(self.plan.manifest_digests[art_id],
                                out.digests[art_id])
            self.assertEqual(got[art_id].manifest_digest,
                             out.digests[art_id])

    def test_a_blob_only_a_skipped_field_holds_is_dropped(self):
        arts = sample()
        arts[1].layers = [layer('data', b'dep only')]
        data = b''.join(writer.write_bundle(arts, ROOT))
        _out, data = self.rewritten(('folder',), data)
        got = events(data)
        self.assertNotIn('sha256:' + sha(SHARED), got)
        self.assertEqual(b'dep only', got['sha256:' + sha(b'dep only')])

    def test_an_order_the_stream_cannot_give_is_refused(self):
        # the root's skipped "folder/k" holds what the dependency's kept
        # "data" holds: first in the source, last in the new bundle
        arts = sample()
        arts[0].layers = [layer('folder/k', SHARED),
                          layer('zdata', b'root data')]
        data = b''.join(writer.write_bundle(arts, ROOT))
        out = rewrite.rewrite(pieces(data), ('folder',))
        e = self.assertRaises(layout.LayoutError, b''.join, out.chunks())
        self.assertIn('without --skip-fields', str(e))

    def test_a_damaged_source_breaks_the_stream(self):
        data = bytearray(self.data)
        data[self.data.index(b'root data') + 3] ^= 1
        out = rewrite.rewrite(pieces(bytes(data)), ('description',))
        e = self.assertRaises(layout.LayoutError, b''.join, out.chunks())
        self.assertIn('does not match its name', str(e))
        # cut short: the last chunk never comes
        out = rewrite.rewrite(pieces(self.data[:-1024]), ('description',))
        chunks = out.chunks()
        self.assertRaises(layout.LayoutError, list, chunks)


class TestSideOptions(base.TestCase):

    def parse(self, argv, prefix, env_prefix):
        p = argparse.ArgumentParser()
        bundle_auth.add_arguments(p, prefix, env_prefix)
        return p.parse_args(argv)

    def test_prefixed_options_and_environment(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'GLARE_SOURCE_TOKEN', 'from-env'))
        self.useFixture(fixtures.EnvironmentVariable('OS_URL', 'http://os'))
        args = self.parse(['--source-url', 'http://src',
                           '--source-project-id', 'p'], 'source',
                          'GLARE_SOURCE_')
        opts = bundle_auth.Options(args, 'source')
        self.assertEqual(('http://src', 'p', 'from-env', 'member'),
                         (opts.get('url'), opts.get('project_id'),
                          opts.get('token'), opts.get('roles')))
        self.assertEqual('--source-auth-url', opts.flag('auth_url'))
        self.assertFalse(hasattr(args, 'os_url'))
        # glare-bundle's options as before
        args = self.parse([], 'os', 'OS_')
        self.assertEqual('http://os', args.os_url)

    def test_connect_each_side(self):
        args = self.parse(['--target-url', 'http://dst/',
                           '--target-project-id', 'p2',
                           '--target-roles', 'member,reader'], 'target',
                          None)
        endpoint = bundle_auth.connect(args, 'target', 'glare-replicator',
                                       timeout=5)
        self.assertEqual('http://dst', endpoint.endpoint)
        self.assertEqual({'X-Auth-Token': 'glare-replicator:p2:member,'
                                          'reader'},
                         endpoint.session.get_auth_headers())
        self.assertEqual(5, endpoint.session.timeout)
        args = self.parse(['--source-url', 'http://src'], 'source', None)
        e = self.assertRaises(bundle_auth.AuthFailure, bundle_auth.connect,
                              args, 'source')
        self.assertEqual(
            'no credentials: give --source-cloud, or --source-auth-url '
            'with a user or token, or --source-token with --source-url, or '
            '(noauth) --source-url with --source-project-id', str(e))
        args = self.parse(['--source-auth-url', 'http://ks/v3'], 'source',
                          None)
        e = self.assertRaises(bundle_auth.AuthFailure, bundle_auth.connect,
                              args, 'source')
        self.assertEqual('auth type password needs --source-password',
                         str(e))


class TestCommandLine(base.TestCase):

    def test_options_follow_the_command(self):
        args = replicator.parser().parse_args(
            ['livecopy', 'http://a', 'http://b', '--source-project-id', 'p',
             '--types', 'x,y', '--filter', 'name=n', '--no-dependencies',
             '--skip-fields', 'f', '--dry-run', '--json'])
        replicator._positional_urls(replicator.parser(), args)
        self.assertEqual(('http://a', 'http://b', ['x,y'], ['name=n'],
                          False, ['f'], True, True),
                         (args.source_url, args.target_url, args.types,
                          args.filter, args.dependencies, args.skip_fields,
                          args.dry_run, args.json))
        args = replicator.parser().parse_args(['dump', '/tmp/d'])
        self.assertEqual((None, '/tmp/d', True),
                         (args.src, args.directory, args.dependencies))
        self.assertFalse(hasattr(args, 'target_url'))
        self.assertRaises(SystemExit, replicator.parser().parse_args,
                          ['size', '--target-url', 'http://b'])

    def test_a_url_given_twice(self):
        p = replicator.parser()
        args = p.parse_args(['size', 'http://a', '--source-url', 'http://b'])
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', open(
            os.devnull, 'w')))
        e = self.assertRaises(SystemExit, replicator._positional_urls, p,
                              args)
        self.assertEqual(2, e.code)

    def test_reason_of_a_broken_connection(self):
        for text, expected in (
                ("Unable to establish connection to http://x: ('Connection "
                 "aborted.', ConnectionResetError(104, 'Connection reset by "
                 "peer'))", 'Connection reset by peer'),
                ('HTTPConnectionPool(...): Max retries exceeded (Caused by '
                 "NewConnectionError('<obj>: Failed to establish a new "
                 "connection: [Errno 111] Connection refused'))",
                 '[Errno 111] Connection refused'),
                ("('Connection broken: IncompleteRead(65002256 bytes read, "
                 "235005680 more expected)', IncompleteRead(65002256 bytes "
                 "read, 235005680 more expected))", 'the connection broke '
                 'after 65002256 bytes, 235005680 more expected'),
                ('something else', 'something else')):
            self.assertEqual(expected, api.reason(Exception(text)))


class TestDumpIndex(base.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir, True)

    def write(self, doc):
        with open(os.path.join(self.dir, dump.INDEX_FILE), 'w') as f:
            json.dump(doc, f)

    def entry(self, **extra):
        out = {'file': 't.%s.tar' % ROOT, 'size': 10, 'type_name': 't',
               'id': ROOT, 'artifacts': [{'type_name': 't', 'id': ROOT,
                                          'digest': 'sha256:' + '0' * 64}],
               'needs': []}
        out.update(extra)
        return out

    def test_round_trip_and_refusals(self):
        e = self.assertRaises(api.Fatal, dump.Index.load, self.dir, True)
        self.assertIn('is not a dump directory', str(e))
        self.assertEqual({}, dump.Index.load(self.dir).bundles)
        index = dump.Index(self.dir, 'http://src', [self.entry()])
        index.save()
        again = dump.Index.load(self.dir, True)
        self.assertEqual(('http://src', index.bundles),
                         (again.source, again.bundles))
        self.assertFalse(again.file_ok(self.entry()))
        for bad in ({'format': 'other', 'bundles': []},
                    {'format': dump.FORMAT, 'version': 1,
                     'bundles': [self.entry(file='../x.tar')]},
                    {'format': dump.FORMAT, 'version': 1,
                     'bundles': [self.entry(artifacts=[])]},
                    {'format': dump.FORMAT, 'version': 2, 'bundles': []}):
            self.write(bad)
            self.assertRaises(api.Fatal, dump.Index.load, self.dir)
        with open(os.path.join(self.dir, dump.INDEX_FILE), 'w') as f:
            f.write('{not json')
        e = self.assertRaises(api.Fatal, dump.Index.load, self.dir)
        self.assertIn('cannot read', str(e))

    def test_files_ordered_by_what_they_need(self):
        other = 'c0000000-0000-4000-8000-000000000003'
        index = dump.Index(self.dir, None, [
            self.entry(needs=[DEP]),
            self.entry(file='u.%s.tar' % DEP, id=DEP, type_name='u',
                       artifacts=[{'type_name': 'u', 'id': DEP,
                                   'digest': 'sha256:' + '1' * 64},
                                  {'type_name': 't', 'id': other,
                                   'digest': 'sha256:' + '2' * 64}])])
        nodes = dump._file_nodes(index, set())
        self.assertEqual([[DEP], [ROOT]], [[n.id for n in unit] for unit in
                                           plan.copy_order(nodes)])
        self.assertEqual([DEP, other], [m.id for m in nodes[DEP].members])
        self.assertEqual([ROOT], list(dump._file_nodes(index, {'t'})))
        self.assertEqual([DEP], list(dump._file_nodes(index, {'u'})))
        self.assertEqual({}, dump._file_nodes(index, {'v'}))
