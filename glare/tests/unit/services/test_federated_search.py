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

"""Tests for glare.services.federated_search: origins, dedupe, merge, and
the search's threads and deadlines (with stand-in upstreams; the real
ones are in glare/tests/functional/test_federation_search.py)."""

import json
import threading
import time
import types

from glare.db import query as list_query
from glare import exception
from glare.objects import fields as glare_fields
from glare.services import federated_search as fs
from glare.services import listing
from glare.services import upstreams as upstreams_lib
from glare.tests import base


def entry(id_, origin=None, **values):
    out = {'id': id_, 'origin': origin}
    out.update(values)
    return out


def relayed(id_, path, cloud, **values):
    return entry(id_, {'upstream': path, 'cloud_id': cloud, 'id': id_,
                       'digest': None}, **values)


def answer(cloud_id, artifacts, total=None, **more):
    doc = {'cloud_id': cloud_id, 'artifacts': artifacts,
           'total_count': len(artifacts) if total is None else total,
           'upstreams': {}}
    doc.update(more)
    return doc


def ids(entries):
    return [e['id'] for e in entries]


class TestHops(base.TestCase):

    def test_absent_is_zero_and_counts_parse(self):
        self.assertEqual(0, fs.parse_hops(None))
        self.assertEqual(0, fs.parse_hops('0'))
        self.assertEqual(3, fs.parse_hops(' 3 '))

    def test_anything_else_is_400(self):
        for raw in ('', '-1', '+1', '1.0', 'one', '0x1', '1e3', '1234567',
                    '1,2'):
            exc = self.assertRaises(exception.BadRequest, fs.parse_hops, raw)
            self.assertIn('X-Glare-Federation-Hops', str(exc))


class TestFederatedParam(base.TestCase):

    def test_absent_false_true(self):
        self.assertEqual((False, [('name', 'a')]),
                         listing.federated([('name', 'a')]))
        self.assertEqual((True, [('name', 'a')]), listing.federated(
            [('federated', 'true'), ('name', 'a')]))
        self.assertEqual((False, []), listing.federated(
            [('federated', 'False')]))

    def test_bad_or_repeated_is_400(self):
        self.assertRaises(exception.BadRequest, listing.federated,
                          [('federated', 'maybe')])
        self.assertRaises(exception.BadRequest, listing.federated,
                          [('federated', 'true'), ('federated', 'true')])


class TestUpstreamSource(base.TestCase):

    def test_own_entries_get_the_upstream_and_its_cloud(self):
        src = fs.upstream_source('vendor', answer('cloud-v', [
            entry('a', name='x'),
            # imported at vendor: its import origin has a digest
            entry('b', {'upstream': 'global', 'cloud_id': 'cloud-g',
                        'id': 'b', 'digest': 'sha256:ab'}),
        ], total=7))
        self.assertEqual('ok', src.status)
        self.assertEqual(7, src.total)
        self.assertEqual([
            {'upstream': 'vendor', 'cloud_id': 'cloud-v', 'id': 'a',
             'digest': None},
            {'upstream': 'vendor', 'cloud_id': 'cloud-v', 'id': 'b',
             'digest': None}], [e['origin'] for e in src.entries])
        self.assertEqual('x', src.entries[0]['name'])

    def test_relayed_entries_keep_their_cloud_behind_a_longer_path(self):
        src = fs.upstream_source('vendor', answer('cloud-v', [
            relayed('g1', 'global', 'cloud-g'),
            relayed('h1', 'global/hub', 'cloud-h')]))
        self.assertEqual([
            {'upstream': 'vendor/global', 'cloud_id': 'cloud-g', 'id': 'g1',
             'digest': None},
            {'upstream': 'vendor/global/hub', 'cloud_id': 'cloud-h',
             'id': 'h1', 'digest': None}], [e['origin'] for e in src.entries])

    def test_the_entries_are_copies(self):
        doc = answer('cloud-v', [entry('a')])
        fs.upstream_source('vendor', doc)
        self.assertIsNone(doc['artifacts'][0]['origin'])

    def test_an_upstream_sends_its_page_and_its_upstreams_pages(self):
        # limit 2 per catalog: vendor's 2 and 2 it relayed from global
        src = fs.upstream_source('v', answer('c', [
            entry('1'), relayed('2', 'g', 'cg'), entry('3'),
            relayed('4', 'g', 'cg')], total=50))
        self.assertEqual(['1', '2', '3', '4'], ids(src.entries))
        self.assertEqual(50, src.total)

    def test_nested_statuses_and_the_max_hops_marker(self):
        src = fs.upstream_source('vendor', answer(
            'cloud-v', [], upstreams={
                'global': {'status': 'timeout', 'detail': 'slow'},
                'global/hub': {'status': 'ok', 'detail': 'x' * 9000},
                'junk': 'not a status', 'bad': {'status': 'meh'}},
            federation='max_hops'))
        self.assertEqual({
            'vendor/global': {'status': 'timeout', 'detail': 'slow'},
            'vendor/global/hub': {'status': 'ok', 'detail': 'x' * 500}},
            src.nested)
        self.assertIn('max_hops', src.detail)

    def test_bad_total_counts_what_came(self):
        for total in (-1, 'many', True, None, 1.5):
            src = fs.upstream_source('v', answer('c', [entry('a')],
                                                 total=total))
            self.assertEqual(1, src.total, total)

    def test_garbage_is_a_bad_answer(self):
        for doc, message in (
                ([1, 2], 'JSON list, not a list object'),
                ({'cloud_id': 'c'}, 'no "artifacts" list'),
                ({'cloud_id': 'c', 'artifacts': {}}, 'no "artifacts" list'),
                ({'artifacts': []}, 'names no cloud_id'),
                ({'cloud_id': 7, 'artifacts': []}, 'names no cloud_id'),
                (answer('c', ['x']), 'artifact 0 of the answer'),
                (answer('c', [entry('a'), {'id': 5}]),
                 'artifact 1 of the answer')):
            exc = self.assertRaises(fs.BadAnswer, fs.upstream_source, 'v',
                                    doc)
            self.assertIn(message, str(exc))


class TestAnswerAsItCame(base.TestCase):
    """The answer parsed as json.loads parses it, each entry's text kept
    and written back with its origin: the same JSON as the entry shown."""

    def doc(self):
        return answer('cloud-v', [
            entry('a', name='x', tags=['t'], metadata={'k': 'v'}),
            relayed('b', 'global', 'cloud-g'),
            # imported at vendor: an origin with a digest
            entry('c', {'upstream': 'global', 'cloud_id': 'cloud-g',
                        'id': 'z', 'digest': 'sha256:ab'}, int1=7,
                  float1=1.5, blob=None),
            # its own "origin" in its values too: the place is unsure
            entry('d', metadata={'origin': 'here'}),
            # escapes in it: unsure too
            entry('e', description='caf\u00e9 "quoted"'),
            # no origin (a field the caller may not read)
            {'id': 'f', 'name': 'no origin'},
        ], total=9, upstreams={'global': {'status': 'ok', 'detail': None}})

    def encodings(self, doc):
        yield json.dumps(doc).encode('utf-8')
        yield json.dumps(doc, ensure_ascii=False).encode('utf-8')
        yield json.dumps(doc, indent=2).encode('utf-8')
        yield json.dumps(doc, separators=(',', ':')).encode('utf-8')
        yield b' \r\n\t' + json.dumps(doc).encode('utf-8') + b'\n '

    def test_parsed_as_json_loads_parses_it(self):
        for data in self.encodings(self.doc()):
            parsed = fs.parse_answer(data)
            self.assertEqual(json.loads(data), parsed)
            self.assertEqual(len(parsed['artifacts']),
                             len(parsed.raw_entries))
            for text, value in zip(parsed.raw_entries, parsed['artifacts'],
                                   strict=True):
                self.assertEqual(value, json.loads(text))

    def test_entries_written_as_they_came_with_their_origin(self):
        for data in self.encodings(self.doc()):
            src = fs.upstream_source('vendor', fs.parse_answer(data))
            plain = fs.upstream_source('vendor', json.loads(data))
            self.assertEqual(plain.entries, src.entries)
            written = [e.json is not None for e in src.entries]
            # d and e are encoded again (json.dumps), f gets its origin
            # at the end as dict() would have it
            self.assertEqual([True, True, True, False,
                              '\\' not in data.decode(), True], written)
            for e in src.entries:
                if e.json is not None:
                    shown = json.loads(e.json)
                    self.assertEqual(dict(e), shown)
                    self.assertEqual(list(e), list(shown))

    def test_the_answer_is_the_same_json(self):
        local = [entry('l', name='here', created_at='2024-01-01T00:00:00Z')]
        for data in self.encodings(self.doc()):
            src = fs.upstream_source('vendor', fs.parse_answer(data))
            body = {'type_name': 't', 'artifacts': local + src.entries,
                    'total_count': 10, 'upstreams': {'vendor': {
                        'status': 'ok', 'detail': None}}}
            self.assertEqual(body, json.loads(fs.encode(body)))
        # from a catalog that writes as json.dumps does: the same bytes
        src = fs.upstream_source('vendor', fs.parse_answer(
            json.dumps(self.doc()).encode('utf-8')))
        body = {'artifacts': local + src.entries, 'cloud_id': 'cloud-e'}
        self.assertEqual(json.dumps(body).encode('utf-8'), fs.encode(body))

    def test_repeated_keys_the_last_counts(self):
        data = (b'{"cloud_id": "a", "artifacts": [{"id": "x"}], '
                b'"artifacts": [{"id": "y", "origin": null}], '
                b'"cloud_id": "c"}')
        parsed = fs.parse_answer(data)
        self.assertEqual(json.loads(data), parsed)
        self.assertEqual(['{"id": "y", "origin": null}'],
                         parsed.raw_entries)
        data = b'{"artifacts": [{"id": "x"}], "artifacts": 5}'
        parsed = fs.parse_answer(data)
        self.assertEqual({'artifacts': 5}, parsed)
        self.assertIsNone(parsed.raw_entries)
        # "origin" twice in an entry: unsure where, encoded again
        src = fs.upstream_source('v', fs.parse_answer(
            b'{"cloud_id": "c", "artifacts": '
            b'[{"id": "x", "origin": 1, "origin": null}]}'))
        self.assertIsNone(src.entries[0].json)
        self.assertEqual({'id': 'x', 'origin': {
            'upstream': 'v', 'cloud_id': 'c', 'id': 'x', 'digest': None}},
            json.loads(fs.encode({'artifacts': src.entries}))[
                'artifacts'][0])

    def test_anything_else_as_json_loads_has_it(self):
        for data in (b'', b'x', b'[1, 2]', b'"s"', b'{}', b'{"a": 1} x',
                     b'{"a": 1,}', b'{"artifacts": [1,]}', b'{"a" 1}',
                     b'{"artifacts": [1 2]}', b'{1: 2}', b'\xff{}',
                     b'{"artifacts": [NaN]}',
                     '\ufeff{"a": 1}'.encode('utf-8'),
                     json.dumps({'artifacts': []}).encode('utf-16'),
                     b'{"artifacts": ["\xed\xa0\x80"]}'):
            try:
                expected = json.loads(data)
            except ValueError as exc:
                self.assertRaises(type(exc), fs.parse_answer, data)
            else:
                self.assertEqual(expected, fs.parse_answer(data), data)


def source(name, entries):
    return fs.Source(name, entries=entries)


class TestDedupe(base.TestCase):

    def test_the_shortest_path_is_kept(self):
        direct = fs.upstream_source('global', answer('cloud-g', [
            entry('g1'), entry('g2')]))
        via = fs.upstream_source('vendor', answer('cloud-v', [
            entry('v1'), relayed('g1', 'global', 'cloud-g'),
            relayed('g3', 'global', 'cloud-g')]))
        # vendor is first in the configured order: it still loses g1
        out = fs.dedupe('cloud-e', [], [via, direct])
        self.assertEqual(['v1', 'g3'], ids(out[0].entries))
        self.assertEqual(['g1', 'g2'], ids(out[1].entries))

    def test_same_path_length_first_upstream_wins(self):
        a = fs.upstream_source('a', answer('cloud-a', [
            relayed('x', 'hub', 'cloud-h')]))
        b = fs.upstream_source('b', answer('cloud-b', [
            relayed('x', 'hub', 'cloud-h')]))
        fs.dedupe('cloud-e', [], [a, b])
        self.assertEqual(['x'], ids(a.entries))
        self.assertEqual([], ids(b.entries))

    def test_a_ring_brings_nothing_local_back(self):
        local = [entry('e1'), entry('e2')]
        ring = fs.upstream_source('global', answer('cloud-g', [
            entry('g1'), relayed('e1', 'enterprise', 'cloud-e')]))
        fs.dedupe('cloud-e', local, [ring])
        self.assertEqual(['g1'], ids(ring.entries))
        self.assertEqual(['e1', 'e2'], ids(local))

    def test_same_id_in_another_cloud_is_another_artifact(self):
        # an import keeps the id: vendor's copy of g1 is vendor's artifact
        direct = fs.upstream_source('global', answer('cloud-g', [
            entry('g1')]))
        copy = fs.upstream_source('vendor', answer('cloud-v', [
            entry('g1', {'upstream': 'global', 'cloud_id': 'cloud-g',
                         'id': 'g1', 'digest': 'sha256:1'})]))
        fs.dedupe('cloud-e', [], [direct, copy])
        self.assertEqual(['g1'], ids(direct.entries))
        self.assertEqual(['g1'], ids(copy.entries))

    def test_a_repeated_entry_of_one_source_once(self):
        src = fs.upstream_source('v', answer('cloud-v', [
            entry('a'), entry('a')]))
        fs.dedupe('cloud-e', [], [src])
        self.assertEqual(['a'], ids(src.entries))


def sort(field, direction, target='column', kind=None):
    return list_query.Sort(field, direction, target, kind)


class TestSortKeys(base.TestCase):

    def test_default_tie_breakers(self):
        self.assertEqual([('created_at', 'desc', 'datetime'),
                          ('id', 'asc', 'value')], fs.sort_keys([]))

    def test_kinds_and_no_repeated_tie_breaker(self):
        self.assertEqual([
            ('version', 'asc', 'version'),
            ('created_at', 'asc', 'datetime'),
            ('when', 'desc', 'datetime'),
            ('int1', 'desc', 'value'),
            ('id', 'asc', 'value')], fs.sort_keys([
                sort('version', 'asc', 'version'),
                sort('created_at', 'asc'),
                sort('when', 'desc', 'prop', glare_fields.DateTime()),
                sort('int1', 'desc', 'prop', glare_fields.Integer())]))


class TestMerge(base.TestCase):

    def test_keys_worked_out_before_give_the_same_order(self):
        local = [
            entry('l1', version='2.0.0', created_at='2024-01-03T00:00:00Z'),
            entry('l2', version='1.0.0', created_at='2024-01-01T00:00:00Z')]
        up = answer('cloud-v', [
            entry('u1', version='10.0.0', created_at='2024-01-02T00:00:00Z'),
            entry('u2', version='1.5.0', created_at='2024-01-02T00:00:00Z'),
            entry('u3', version=None, created_at='2024-01-05T00:00:00Z')])
        for sorts in ([], [sort('version', 'desc', 'version')],
                      [sort('created_at', 'asc')],
                      [sort('relevance', 'desc', 'relevance')]):
            keys = fs.sort_keys(sorts)
            plain = fs.merge(keys, [local, fs.upstream_source(
                'v', up).entries])
            src = fs.upstream_source('v', fs.parse_answer(
                json.dumps(up).encode()))
            fs.put_sort_keys(keys, src.entries)
            merged = fs.merge(keys, [fs.local_entries(keys, local),
                                     src.entries])
            self.assertEqual(ids(plain), ids(merged), sorts)
            self.assertEqual(json.dumps({'artifacts': plain}).encode(),
                             fs.encode({'artifacts': merged}))

    def test_relevance_interleaves_by_rank(self):
        # scores of different catalogs do not compare: each catalog's
        # order stays, its best next to the others' best
        keys = fs.sort_keys([sort('relevance', 'desc', 'relevance')])
        self.assertEqual([('relevance', 'desc', 'rank')], keys)
        local = [entry('a'), entry('b'), entry('c')]
        up1, up2 = [entry('x')], [entry('p'), entry('q')]
        self.assertEqual(['a', 'x', 'p', 'b', 'q', 'c'],
                         ids(fs.merge(keys, [local, up1, up2])))

    def test_versions_compare_as_the_list_compares_them(self):
        keys = fs.sort_keys([sort('version', 'asc', 'version')])
        local = [entry('a', version='1.0.0-rc.1'), entry('b',
                                                         version='1.2.0')]
        up = [entry('c', version='1.0.0-alpha'),
              entry('d', version='1.0.0'), entry('e', version='1.10.0')]
        self.assertEqual(['c', 'a', 'd', 'b', 'e'],
                         ids(fs.merge(keys, [local, up])))
        keys = fs.sort_keys([sort('version', 'desc', 'version')])
        self.assertEqual(['e', 'b', 'd', 'a', 'c'], ids(fs.merge(
            keys, [local[::-1], up[::-1]])))

    def test_default_order_newest_first_then_id(self):
        keys = fs.sort_keys([])
        local = [entry('b', created_at='2024-01-02T00:00:00Z'),
                 entry('d', created_at='2024-01-01T00:00:00Z')]
        up = [entry('a', created_at='2024-01-03T00:00:00Z'),
              entry('c', created_at='2024-01-02T00:00:00Z')]
        self.assertEqual(['a', 'b', 'c', 'd'],
                         ids(fs.merge(keys, [local, up])))

    def test_datetimes_compare_as_times_not_text(self):
        keys = fs.sort_keys([sort('created_at', 'asc')])
        local = [entry('a', created_at='2024-01-01T10:00:00Z')]
        up = [entry('b', created_at='2024-01-01T11:30:00+02:00')]
        self.assertEqual(['b', 'a'], ids(fs.merge(keys, [local, up])))

    def test_each_source_keeps_its_order_on_equal_keys(self):
        # a database orders by microseconds its JSON does not show
        keys = fs.sort_keys([])
        same = '2024-01-01T00:00:00Z'
        local = [entry('z', created_at=same), entry('a', created_at=same)]
        up = [entry('m', created_at=same)]
        self.assertEqual(['m', 'z', 'a'], ids(fs.merge(keys, [local, up])))

    def test_nulls_first_ascending_last_descending(self):
        up = [entry('n', int1=None), entry('one', int1=1),
              entry('two', int1=2)]
        local = [entry('n2', int1=None), entry('zero', int1=0)]
        keys = fs.sort_keys([sort('int1', 'asc', 'prop',
                                  glare_fields.Integer())])
        self.assertEqual(['n', 'n2', 'zero', 'one', 'two'],
                         ids(fs.merge(keys, [up, local])))
        keys = fs.sort_keys([sort('int1', 'desc', 'prop',
                                  glare_fields.Integer())])
        self.assertEqual(['two', 'one', 'zero', 'n', 'n2'],
                         ids(fs.merge(keys, [up[::-1], local[::-1]])))

    def test_several_keys_and_directions(self):
        keys = fs.sort_keys([sort('name', 'asc'),
                             sort('version', 'desc', 'version')])
        local = [entry('1', name='a', version='2.0.0'),
                 entry('2', name='b', version='1.0.0')]
        up = [entry('3', name='a', version='10.0.0'),
              entry('4', name='a', version='1.0.0'),
              entry('5', name='c', version='1.0.0')]
        self.assertEqual(['3', '1', '4', '2', '5'],
                         ids(fs.merge(keys, [local, up])))

    def test_values_of_different_kinds_do_not_break_it(self):
        keys = fs.sort_keys([sort('x', 'asc', 'prop', glare_fields.String())])
        local = [entry('a', x='b')]
        up = [entry('d', version='bad'), entry('b', x=3),
              entry('c', x={'odd': 1})]
        merged = fs.merge(keys, [local, up])
        self.assertEqual(['d', 'b', 'a', 'c'], ids(merged))
        keys = fs.sort_keys([sort('version', 'asc', 'version')])
        self.assertEqual(4, len(fs.merge(keys, [local, up])))


class TestForwardParams(base.TestCase):

    def test_the_same_query_with_this_limit_and_federated(self):
        self.assertEqual(
            [('name', 'x'), ('sort', 'name:asc'), ('tags', 'a'),
             ('limit', '20'), ('federated', 'true')],
            fs.forward_params([('name', 'x'), ('limit', '500'),
                               ('sort', 'name:asc'), ('federated', '1'),
                               ('tags', 'a')], 20))

    def test_types_restrict_all(self):
        self.assertEqual(
            [('type_name', 'in:a,b'), ('limit', '5'), ('federated', 'true')],
            fs.forward_params([], 5, frozenset(['b', 'a'])))


# -- the search, with stand-in upstreams --------------------------------------

def written_at_once(on_sent):
    on_sent()


class StubUpstream:
    """An upstream whose answer is a function of the call; write(on_sent)
    stands for writing the request (default: at once)."""

    def __init__(self, name, answer, timeout=2, types=(),
                 write=written_at_once):
        self.name = name
        self.url = 'http://%s.example:9494' % name
        self.timeout = timeout
        self.types = frozenset(types)
        self.answer = answer
        self.write = write
        self.calls = []
        self.written_at = None

    def allows_type(self, type_name):
        return not self.types or type_name in self.types

    def get_json(self, path, params=None, headers=None, deadline=None,
                 on_sent=None, loads=json.loads):
        self.calls.append((path, params, headers, deadline))

        def sent():
            self.written_at = time.monotonic()
            on_sent()
        self.write(sent)
        # the answer's bytes, read as the search reads them
        return loads(json.dumps(self.answer(self, deadline)).encode())


class StubUpstreams(list):
    max_hops = 3


class StubArtifacts:
    """prepare_list of a local list that takes local_delay seconds."""

    def __init__(self, artifacts, local_delay=0.0, sorts=(), limit=20):
        self.artifacts = artifacts
        self.delay = local_delay
        self.sorts = list(sorts)
        self.limit = limit
        self.params = None
        self.started_at = None

    def prepare_list(self, context, type_name, params):
        self.params = params
        spec = types.SimpleNamespace(sorts=self.sorts, limit=self.limit)

        def run():
            self.started_at = time.monotonic()
            time.sleep(self.delay)
            body = {'type_name': type_name, 'artifacts': list(self.artifacts),
                    'total_count': len(self.artifacts),
                    'schema': '/schemas/%s' % type_name,
                    'first': '/artifacts/%s' % type_name}
            if len(self.artifacts) == self.limit:
                body['next'] = '/artifacts/%s?marker=x' % type_name
            return body
        return spec, run


class Context:
    project_id = 'p1'

    def __init__(self, allowed=True):
        self.allowed = allowed
        self.checked = []

    def can(self, rule, target=None, fatal=True):
        self.checked.append((rule, target))
        if not self.allowed:
            raise exception.Forbidden('no')
        return True


def sleeper(seconds, doc):
    def answer(upstream, deadline):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if time.monotonic() > deadline:
                raise upstreams_lib.UpstreamError(upstream.name, 'too slow',
                                                  'timeout')
            time.sleep(0.01)
        return doc
    return answer


def hanging(release):
    def answer(upstream, deadline):
        release.wait(10)
        raise upstreams_lib.UpstreamError(upstream.name, 'released')
    return answer


def failing(exc):
    def answer(upstream, deadline):
        raise exc
    return answer


class TestSearch(base.TestCase):

    def search(self, ups, local=(), hops=None, params=None, type_name='t',
               **kw):
        art = StubArtifacts(list(local), **kw)
        service = fs.FederatedSearch(
            art, StubUpstreams(ups),
            types.SimpleNamespace(cloud_id=lambda: 'cloud-e'))
        params = params or [('federated', 'true')]
        return service.list(Context(), type_name, params, hops), art

    def test_parallel_and_merged(self):
        v = StubUpstream('vendor', sleeper(0.3, answer('cloud-v', [
            entry('v1', created_at='2024-01-02T00:00:00Z')], total=4)))
        g = StubUpstream('global', sleeper(0.3, answer('cloud-g', [
            entry('g1', created_at='2024-01-03T00:00:00Z')], total=5)))
        t0 = time.monotonic()
        body, art = self.search(
            [v, g], [entry('e1', created_at='2024-01-01T00:00:00Z')],
            local_delay=0.3)
        took = time.monotonic() - t0
        self.assertLess(took, 0.55)  # not 0.9: all three at once
        self.assertEqual(['g1', 'v1', 'e1'], ids(body['artifacts']))
        self.assertEqual(10, body['total_count'])
        self.assertEqual({'vendor': {'status': 'ok', 'detail': None},
                          'global': {'status': 'ok', 'detail': None}},
                         body['upstreams'])
        self.assertEqual('cloud-e', body['cloud_id'])
        self.assertNotIn('federation', body)
        self.assertEqual([], [k for k, _v in art.params if k == 'federated'])

    def test_each_upstream_gets_the_query_the_limit_and_one_more_hop(self):
        v = StubUpstream('vendor', lambda u, d: answer('cloud-v', []))
        self.search([v], hops='1', params=[
            ('name', 'x'), ('federated', 'yes'), ('limit', '900')],
            limit=15)
        path, params, headers, deadline = v.calls[0]
        self.assertEqual('/artifacts/t', path)
        self.assertEqual([('name', 'x'), ('limit', '15'),
                          ('federated', 'true')], params)
        self.assertEqual({'X-Glare-Federation-Hops': '2'}, headers)
        self.assertLess(deadline, time.monotonic() + 2)

    def test_types_decide_who_is_asked(self):
        images = StubUpstream('img', lambda u, d: answer('c1', []),
                              types=['images'])
        every = StubUpstream('every', lambda u, d: answer('c2', []))
        body, _art = self.search([images, every], type_name='heat')
        self.assertEqual([], images.calls)
        self.assertEqual(['every'], list(body['upstreams']))
        body, _art = self.search([images, every], type_name='all')
        self.assertIn(('type_name', 'in:images'), images.calls[0][1])
        self.assertNotIn('type_name', [k for k, _v in every.calls[0][1]])
        self.assertEqual(['img', 'every'], list(body['upstreams']))

    def test_the_local_list_starts_once_the_requests_are_written(self):
        def slow_write(on_sent):
            time.sleep(0.02)
            on_sent()
        ups = [StubUpstream('u%d' % i, lambda u, d: answer('c', []),
                            write=slow_write) for i in range(3)]
        _body, art = self.search(ups, [entry('l')])
        self.assertGreaterEqual(art.started_at,
                                max(u.written_at for u in ups))

    def test_a_request_never_written_holds_the_list_send_wait_at_most(self):
        release = threading.Event()
        self.addCleanup(release.set)
        never = StubUpstream('never', hanging(release), timeout=0.5,
                             write=lambda on_sent: None)
        t0 = time.monotonic()
        body, art = self.search([never], [entry('l')])
        waited = art.started_at - t0
        self.assertGreaterEqual(waited, fs.SEND_WAIT)
        self.assertLess(waited, fs.SEND_WAIT + 0.2)
        self.assertEqual('timeout', body['upstreams']['never']['status'])
        self.assertEqual(['l'], ids(body['artifacts']))

    def test_a_call_failing_before_it_writes_does_not_hold_the_list(self):
        down = StubUpstream('down', failing(upstreams_lib.UpstreamError(
            'down', 'cannot connect')), write=lambda on_sent: None)
        t0 = time.monotonic()
        body, art = self.search([down], [entry('l')])
        self.assertLess(art.started_at - t0, fs.SEND_WAIT)
        self.assertEqual('error', body['upstreams']['down']['status'])

    def test_calls_run_on_kept_threads(self):
        ok = StubUpstream('ok', lambda u, d: answer('c', []))
        service = fs.FederatedSearch(
            StubArtifacts([]), StubUpstreams([ok]),
            types.SimpleNamespace(cloud_id=lambda: 'cloud-e'))
        threads = set()

        def seen(u, d):
            threads.add(threading.current_thread().name)
            return answer('c', [])
        ok.answer = seen
        for _i in range(5):
            service.list(Context(), 't', [('federated', 'true')])
        self.assertEqual(1, len(threads))
        self.assertTrue(threads.pop().startswith('glare-federated'))

    def test_a_hanging_upstream_is_a_timeout_in_time(self):
        release = threading.Event()
        self.addCleanup(release.set)
        h = StubUpstream('hang', hanging(release), timeout=0.3)
        ok = StubUpstream('ok', lambda u, d: answer('c', [entry('a')]))
        t0 = time.monotonic()
        body, _art = self.search([h, ok], [entry('l')])
        self.assertLess(time.monotonic() - t0, 0.3 + fs.MARGIN + 0.2)
        self.assertEqual('timeout', body['upstreams']['hang']['status'])
        self.assertIn('0.3 s', body['upstreams']['hang']['detail'])
        self.assertEqual('ok', body['upstreams']['ok']['status'])
        self.assertEqual(['a', 'l'], sorted(ids(body['artifacts'])))

    def test_failures_never_fail_the_search(self):
        ups = [
            StubUpstream('down', failing(upstreams_lib.UpstreamError(
                'down', 'cannot connect to http://down.example:9494'))),
            StubUpstream('slow', failing(upstreams_lib.UpstreamError(
                'slow', 'answer stalled', 'timeout'))),
            StubUpstream('junk', lambda u, d: {'artifacts': 'no'}),
            StubUpstream('bug', failing(KeyError('x'))),
        ]
        body, _art = self.search(ups, [entry('l')])
        self.assertEqual(['l'], ids(body['artifacts']))
        self.assertEqual(1, body['total_count'])
        self.assertEqual({
            'down': {'status': 'error', 'detail': "cannot connect to "
                                                  "the upstream's url"},
            'slow': {'status': 'timeout', 'detail': 'no answer within 2 s'},
            'junk': {'status': 'error', 'detail': 'answer to GET '
                     '/artifacts/t: the answer has no "artifacts" list'},
            'bug': {'status': 'error',
                    'detail': 'the call failed here: KeyError'}},
            body['upstreams'])

    def test_max_hops_answers_locally_only(self):
        v = StubUpstream('vendor', lambda u, d: answer('c', [entry('a')]))
        body, _art = self.search([v], [entry('l')], hops='3')
        self.assertEqual([], v.calls)
        self.assertEqual(['l'], ids(body['artifacts']))
        self.assertEqual({}, body['upstreams'])
        self.assertEqual('max_hops', body['federation'])

    def test_one_page_no_next_no_marker(self):
        body, _art = self.search([], [entry('a')], limit=1)
        self.assertNotIn('next', body)
        self.assertEqual('/artifacts/t?federated=true', body['first'])
        exc = self.assertRaises(exception.BadRequest, self.search, [],
                                params=[('federated', 'true'),
                                        ('marker', 'x')])
        self.assertIn('marker cannot be used with federated=true', str(exc))

    def test_policy_and_hops_are_checked_first(self):
        v = StubUpstream('vendor', lambda u, d: answer('c', []))
        service = fs.FederatedSearch(
            StubArtifacts([]), StubUpstreams([v]),
            types.SimpleNamespace(cloud_id=lambda: 'cloud-e'))
        self.assertRaises(exception.Forbidden, service.list,
                          Context(allowed=False), 't',
                          [('federated', 'true')])
        self.assertRaises(exception.BadRequest, service.list, Context(), 't',
                          [('federated', 'true')], 'x')
        self.assertEqual([], v.calls)
