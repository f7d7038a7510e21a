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

"""Property-based fuzzing of the whole API stack (SPEC §4-8).

Thousands of generated requests go through the real middleware, the pecan
controllers, the services and a real SQLite database. Whatever the input:

- the answer is never a 5xx;
- every error (4xx) is the JSON error document of SPEC §4, served as
  ``application/json``, whose ``code`` is the HTTP status (a 405 carries
  ``Allow``);
- no body is HTML or carries a traceback; every response has a request id;
- a rejected request changes nothing: the artifacts the test tracks read
  back byte for byte the same, and the number of artifacts is unchanged;
- a successful PATCH answers what a GET then shows, and a PATCH that
  changes nothing writes nothing.

Most generated bodies, patches and queries are valid with at most a fault
or two, so that requests reach the deep layers instead of bouncing off the
first check; the rest is anything at all.

Runs are reproducible (derandomized, no example database on disk). For a
longer local hunt, ``GLARE_FUZZ_SCALE`` (default 1) multiplies the number
of examples and ``GLARE_FUZZ_RANDOM=1`` draws new ones on every run, e.g.
``GLARE_FUZZ_SCALE=10 GLARE_FUZZ_RANDOM=1``.
"""

import functools
import json
import logging
import os
from urllib import parse
import uuid

import fixtures
import hypothesis
from hypothesis import strategies as st

from glare.tests import base
from glare.tests import sample_artifact
from glare.tests.unit.api import app_fixture

SCALE = float(os.environ.get('GLARE_FUZZ_SCALE', '1') or 1)
# GLARE_FUZZ_RANDOM=1: new random examples on every run (local bug hunts)
DERANDOMIZE = os.environ.get('GLARE_FUZZ_RANDOM', '') in ('', '0')


def fuzz_settings(n):
    return hypothesis.settings(
        max_examples=max(1, int(n * SCALE)), deadline=None,
        derandomize=DERANDOMIZE, database=None, print_blob=True,
        suppress_health_check=list(hypothesis.HealthCheck))


def frequency(*pairs):
    """A weighted choice of strategies: frequency((3, a), (1, b)).

    (one_of would not do: it drops duplicate branches, so weights by
    repetition are lost.)
    """
    return st.sampled_from([strategy for weight, strategy in pairs
                            for _ in range(weight)]).flatmap(lambda s: s)


TYPE = 'sample_artifact'
FIELD_OBJS = sample_artifact.SampleArtifact.fields
FIELDS = sorted(FIELD_OBJS)
BLOB_FIELDS = sorted(n for n, fld in FIELD_OBJS.items() if fld.is_blob)
SYSTEM_FIELDS = sorted(n for n, fld in FIELD_OBJS.items() if fld.system)
WRITABLE = sorted(n for n, fld in FIELD_OBJS.items()
                  if not fld.system and not fld.is_blob and
                  n not in ('status', 'visibility', 'display_type_name'))
LISTS = sorted(n for n in WRITABLE if FIELD_OBJS[n].container == 'List')
DICTS = sorted(n for n in WRITABLE if FIELD_OBJS[n].container == 'Dict')
FORBIDDEN = sorted(set(SYSTEM_FIELDS + BLOB_FIELDS +
                       ['status', 'visibility', 'display_type_name']))
FILTERABLE = sorted(n for n, fld in FIELD_OBJS.items() if fld.filter_ops)
SORTABLE = sorted(n for n, fld in FIELD_OBJS.items() if fld.sortable)
TYPE_NAMES = [TYPE, 'all', 'images', 'heat_templates', 'heat_environments',
              'tosca_templates', 'murano_packages', 'secrets', 'nosuchtype',
              'Sample_Artifact', 'sample-artifact']
OPS = ['eq', 'neq', 'in', 'gt', 'gte', 'lt', 'lte', 'like']
PATCH_OPS = ['add', 'remove', 'replace', 'move', 'copy', 'test']
CONTENT_TYPES = [
    'application/json', 'application/json; charset=UTF-8',
    'application/json-patch+json', 'APPLICATION/JSON',
    'application/json-patch+json; charset=utf-8',
    'application/vnd+openstack.glare-custom-location+json',
    'application/octet-stream', 'text/plain', 'text/html',
    'multipart/form-data; boundary=xx', 'multipart/form-data',
    'application/x-www-form-urlencoded', '', ';', 'application/', '*/*',
    'application/json;;;=', 'application/json; charset=latin-1',
]

# -- anything at all -------------------------------------------------------

SPECIAL_CHARS = ['\x00', '\ud800', '\udfff', '\U0001F600', '\U00010348',
                 '\u202e', '\ufeff', '\uffff', '\u00e9', '/', ',', '"', '%',
                 ':', '.', '~', '\\', "'", '\n', '\t', ' ', '*', '_', '?',
                 '#', '&', '=', '+', ';']
chars = st.one_of(st.characters(), st.sampled_from(SPECIAL_CHARS))
texts = st.one_of(
    st.text(chars, max_size=12),
    st.sampled_from(['', 'a', 'aa', 'bb', 'c' * 11, 'deadbeef', 'DEADBEEF',
                     'true', 'false', '1', '0', '-1', 'null', 'None', 'NaN',
                     'nan', 'inf', '-Infinity', '1e400', '0.0.0', '1.0.0',
                     '1.0.0-alpha', '65536.0.0', 'latest', 'abc', 'def',
                     '%', '%%', '%_', 'x' * 256, 'x' * 255, '\u00e9' * 200,
                     '2016-01-01T00:00:00Z', 'yesterday']),
    st.builds(lambda c, n: c * n,
              st.sampled_from(['a', '\u00e9', '\U0001F600', '\x00', ',']),
              st.sampled_from([254, 255, 256, 4096, 4097, 70000])),
)
huge_ints = st.one_of(
    st.integers(), st.integers(min_value=-2 ** 70, max_value=2 ** 70),
    st.sampled_from([2 ** 63 - 1, 2 ** 63, -2 ** 63, -2 ** 63 + 1, 2 ** 64,
                     10 ** 30, 65535, 65536, 10, 20, 9, 21]))
floats = st.one_of(st.floats(), st.sampled_from([1e308, -1e308, 5e-324,
                                                 0.5, 1.0, -0.0]))
uuids = st.one_of(st.uuids().map(str),
                  st.uuids().map(lambda u: str(u).upper()),
                  st.uuids().map(lambda u: u.hex))
links = st.one_of(
    st.sampled_from(['http://example.com', 'https://example.com/x',
                     'ftp://example.com', 'http://', '/artifacts/',
                     'file:///etc/passwd', '/artifacts/sample_artifact/REF',
                     '/artifacts/all/REF', '/artifacts/images/REF',
                     '/artifacts/sample_artifact/OTHER']),
    st.builds(lambda t, i: '/artifacts/%s/%s' % (t, i),
              st.sampled_from(TYPE_NAMES), uuids),
)
scalars = st.one_of(st.none(), st.booleans(), huge_ints, floats, texts,
                    links)
any_json = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5),
                            st.dictionaries(texts, inner, max_size=5)),
    max_leaves=20)


def _edge_values():
    """For each field, edge cases of about the right kind."""
    small_str = st.text(st.characters(codec='utf-8'), max_size=12)
    str_list = st.lists(st.one_of(small_str, texts), max_size=6)
    str_dict = st.dictionaries(st.one_of(small_str, texts),
                               st.one_of(small_str, texts), max_size=5)
    contact = st.dictionaries(
        st.sampled_from(['name', 'href', 'company', 'other']),
        st.one_of(small_str, texts, links), max_size=4)
    return {
        'name': st.one_of(small_str, texts),
        'version': st.one_of(
            st.sampled_from(['0.0.0', '1', '1.0', '1.2.3', '1.2.3-rc.1',
                             '1.2.3+build', '65535.65535.65535', '65536',
                             'v1', '01.2.3', '1..2', '-1', '1.2.3.4',
                             '1.2.3-', '1.2.3-01', '1.2.3-a..b']),
            huge_ints, floats, texts),
        'description': st.one_of(small_str, texts),
        'tags': st.one_of(str_list, texts),
        'metadata': str_dict,
        'status': st.sampled_from(['drafted', 'active', 'deactivated',
                                   'deleted', 'killed', '', 'Active']),
        'visibility': st.sampled_from(['private', 'public', 'shared',
                                       'community', 'PUBLIC']),
        'link1': links, 'link2': links,
        'bool1': st.one_of(st.booleans(), st.sampled_from(
            ['1', '0', 'true', 'False', 'yes', 'on', 'maybe', 1, 0, 2])),
        'bool2': st.booleans(),
        'int1': huge_ints, 'int2': st.one_of(huge_ints, texts),
        'float1': floats, 'float2': st.one_of(floats, texts),
        'str1': st.one_of(small_str, texts),
        'list_of_str': st.one_of(str_list, texts),
        'list_of_int': st.lists(huge_ints, max_size=5),
        'dict_of_str': str_dict,
        'dict_of_int': st.dictionaries(small_str, huge_ints, max_size=5),
        'dict_of_links': st.dictionaries(small_str, links, max_size=4),
        'list_of_links': st.lists(links, max_size=4),
        'string_mutable': st.one_of(small_str, texts),
        'string_regex': st.sampled_from(['deadbeef', 'DEADBEEF', 'xyz',
                                         'deadbeef0', '0123abcd']),
        'string_required': st.one_of(small_str, texts),
        'string_validators': st.sampled_from(['aa', 'bb', 'c' * 11, 'd',
                                              '']),
        'int_validators': st.one_of(st.integers(5, 25), huge_ints),
        'list_validators': st.lists(st.sampled_from(['a', 'b', 'c', 'd']),
                                    max_size=5),
        'dict_validators': st.dictionaries(
            st.sampled_from(['abc', 'def', 'ghi', 'jkl', 'xyz']), small_str,
            max_size=5),
        'metadata_attribute': st.one_of(small_str, texts),
        # the catalog fields (API 1.6)
        'license': st.one_of(small_str, texts),
        'provided_by': contact, 'supported_by': contact,
        'system_attribute': small_str,
        'id': uuids, 'owner': small_str,
        'created_at': texts, 'updated_at': texts, 'activated_at': texts,
        'display_type_name': small_str,
        'blob': any_json, 'small_blob': any_json,
        'dict_of_blobs': any_json,
    }


EDGE = _edge_values()


def field_value(name):
    """Values of about the right kind for a field, or anything."""
    edge = EDGE.get(name)
    return any_json if edge is None else st.one_of(edge, edge, any_json)


field_names = st.one_of(st.sampled_from(FIELDS), st.sampled_from(FIELDS),
                        texts)

# -- valid values ----------------------------------------------------------

_text_chars = st.characters(codec='utf-8', exclude_characters='\x00')
valid_text = st.text(_text_chars, max_size=16)
valid_name = frequency(
    (6, st.builds('{}-{:x}'.format, st.text(_text_chars, max_size=12),
                  st.integers(0, 2 ** 48))),
    (2, st.text(_text_chars, min_size=1, max_size=16)),
    (1, st.sampled_from(['dup', 'x' * 255, '\u00e9' * 255,
                         '\U0001F600' * 255, ' ', '%', '"'])))
valid_ints = frequency((4, st.integers(-1000, 1000)),
                       (1, st.integers(-2 ** 63 + 1, 2 ** 63 - 1)))
valid_floats = st.floats(allow_nan=False, allow_infinity=False)
valid_links = st.one_of(
    st.sampled_from(['http://example.com', 'https://example.com/a?b=c',
                     '/artifacts/sample_artifact/REF',
                     '/artifacts/sample_artifact/ACTIVE']),
    st.builds(lambda t: 'http://example.com/' + parse.quote(t), valid_text))
valid_tag = st.text(st.characters(codec='utf-8',
                                  exclude_characters='\x00,/'),
                    min_size=1, max_size=10)
dict_keys = st.one_of(st.sampled_from(['abc', 'def', 'ghi', 'jkl', 'k']),
                      st.text(_text_chars, min_size=1, max_size=8))
ELEMENTS = {
    'tags': valid_tag, 'list_of_str': valid_text, 'list_of_int': valid_ints,
    'list_of_links': valid_links,
    'list_validators': st.sampled_from(['a', 'b', 'c', 'd']),
    'metadata': valid_text, 'dict_of_str': valid_text,
    'dict_of_int': valid_ints, 'dict_of_links': valid_links,
    'dict_validators': valid_text,
    'provided_by': valid_text, 'supported_by': valid_links,
}
VALID = {
    'name': valid_name,
    'version': st.one_of(
        st.sampled_from(['0.0.0', '1', '1.0', '1.2.3', '1.2.3-rc.1',
                         '2.0.0-alpha.1+b5', '65535.65535.65535']),
        st.integers(0, 65535),
        st.builds('{}.{}.{}'.format, st.integers(0, 9), st.integers(0, 9),
                  st.integers(0, 9))),
    'description': st.one_of(valid_text, st.just('d' * 4096)),
    'tags': st.lists(valid_tag, max_size=4),
    'metadata': st.dictionaries(dict_keys, valid_text, max_size=3),
    'link1': valid_links, 'link2': valid_links,
    'bool1': st.one_of(st.booleans(), st.sampled_from(['true', '0', 1])),
    'bool2': st.booleans(),
    'int1': valid_ints, 'int2': valid_ints,
    'float1': valid_floats, 'float2': st.one_of(valid_floats, valid_ints),
    'str1': valid_text, 'string_mutable': valid_text,
    'string_required': valid_text, 'metadata_attribute': valid_text,
    'string_regex': st.sampled_from(['deadbeef', '0123ABCD']),
    'string_validators': st.sampled_from(['aa', 'bb']),
    'int_validators': st.integers(10, 20),
    'list_of_str': st.lists(valid_text, max_size=4),
    'list_of_int': st.lists(valid_ints, max_size=4),
    'list_of_links': st.lists(valid_links, max_size=3),
    'list_validators': st.lists(st.sampled_from(['a', 'b', 'c']),
                                max_size=3, unique=True),
    'dict_of_str': st.dictionaries(dict_keys, valid_text, max_size=3),
    'dict_of_int': st.dictionaries(dict_keys, valid_ints, max_size=3),
    'dict_of_links': st.dictionaries(dict_keys, valid_links, max_size=3),
    'dict_validators': st.dictionaries(
        st.sampled_from(['abc', 'def', 'ghi', 'jkl']), valid_text,
        max_size=3),
    'license': st.sampled_from(['Apache-2.0', 'MIT OR GPL-2.0-only',
                                'proprietary, ask us']),
    'provided_by': st.fixed_dictionaries({}, optional={
        'name': st.text(_text_chars, min_size=1, max_size=16),
        'company': st.text(_text_chars, min_size=1, max_size=16),
        'href': st.sampled_from(['http://example.com',
                                 'https://example.com/a?b=c'])}),
}
VALID['supported_by'] = VALID['provided_by']
EMPTY = {n: [] if n in LISTS else {} for n in LISTS + DICTS}
assert set(WRITABLE) <= set(VALID), set(WRITABLE) - set(VALID)
assert set(LISTS + DICTS) <= set(ELEMENTS)


def _spoil(draw, body):
    """Puts one bad thing into a dict of field values."""
    kind = draw(st.sampled_from(['wrong', 'wrong', 'edge', 'edge', 'null',
                                 'unknown', 'forbidden', 'noname']))
    name = draw(st.sampled_from(WRITABLE))
    if kind == 'wrong':
        body[name] = draw(any_json)
    elif kind == 'edge':
        body[name] = draw(EDGE[name])
    elif kind == 'null':
        body[name] = None
    elif kind == 'unknown':
        body[draw(texts)] = draw(any_json)
    elif kind == 'forbidden':
        name = draw(st.sampled_from(FORBIDDEN))
        body[name] = draw(field_value(name))
    else:
        body.pop('name', None)


@st.composite
def artifact_bodies(draw):
    """Valid sample_artifact bodies, about half of them with a fault."""
    body = {'name': draw(VALID['name'])}
    for name in draw(st.lists(st.sampled_from(WRITABLE), max_size=8,
                              unique=True)):
        body[name] = draw(VALID[name])
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2]))):
        _spoil(draw, body)
    return body

# -- JSON text -------------------------------------------------------------


def _dumps(value, ascii_only):
    # surrogatepass: lone surrogates reach the server as CESU-8 bytes
    return json.dumps(value, ensure_ascii=ascii_only).encode(
        'utf-8', 'surrogatepass')


GARBAGE_BODIES = [
    b'', b'{', b'[', b'{"name": }', b'null', b'true', b'1', b'"x"', b'[]',
    b'{}', b'NaN', b'Infinity', b'{"name": NaN}', b'{"int1": 1e400}',
    b'{"name": "a", "int1": ' + b'9' * 5000 + b'}',
    b'{"name": "a", "float1": 1e400}', b'{"name": "a", "int1": 1e400}',
    b'{"name": "a", "float1": -1e400}', b'{"name": "a", "version": 1e400}',
    b'{"name": "\\ud800"}', b'{"name": "a\\u0000b"}', b'\xff\xfe{}',
    b'\xef\xbb\xbf{"name": "bom"}', b'{"name": "\xed\xa0\x80"}',
    b'{"name": "a", "name": "b"}', b'[' * 100000 + b']' * 100000,
    b'{"a":' * 5000 + b'1' + b'}' * 5000, b'\x00', b'{"name": "x"}\x00',
    b'[{"op": "replace", "path": "/name", "value": "x"}]',
    b'[{"op": "add", "path": "/tags/-", "value": "x"}]',
    b'[{"op": "replace", "path": "/float1", "value": 1e400}]',
    b'[{"op": "replace", "path": "/int1", "value": 1e400}]',
    b'[{"op": "test", "path": "/int1", "value": NaN}]',
    b'[{"op": "replace", "path": "/name", "value": "\\udfff"}]',
    b'[{"op": "replace", "path": "/name", "path": "/status", '
    b'"value": "active"}]',
]


def json_text(values):
    """A JSON document of a value; a fifth of the time a broken one."""
    return frequency(
        (12, st.builds(_dumps, values, st.booleans())),
        (1, st.builds(lambda b, n: b[:n],
                      st.builds(_dumps, values, st.booleans()),
                      st.integers(0, 50))),
        (1, st.sampled_from(GARBAGE_BODIES)),
        (1, st.binary(max_size=40)),
    )

# -- JSON patches ----------------------------------------------------------


def _escape(name):
    return name.replace('~', '~0').replace('/', '~1')


pointer_tails = st.one_of(
    st.just(''), st.just('/-'), st.just('/0'), st.just('/1'), st.just('/99'),
    st.just('/-1'), st.just('/abc'), st.just('/def'), st.just('/key'),
    st.just('/a~1b'), st.just('/~0'), st.just('/~2'), st.just('/'),
    st.just('/0/x'), st.just('/01'), st.just('/' + '9' * 30),
    st.builds(lambda t: '/' + t, texts))
pointers = st.one_of(
    st.builds(lambda n, tail: '/' + _escape(n) + tail, field_names,
              pointer_tails),
    st.builds(lambda n, tail: '/' + n + tail, st.sampled_from(FORBIDDEN),
              pointer_tails),
    st.sampled_from(['', '/', 'name', '//', '/name/', '#/name', '~1']),
    st.none(), st.integers(), st.lists(texts, max_size=2),
)


@st.composite
def valid_ops(draw):
    """One plausible operation on a sample_artifact."""
    kind = draw(st.sampled_from(['field'] * 5 + ['member'] * 3 +
                                ['lifecycle', 'test', 'moves']))
    if kind == 'field':
        name = draw(frequency((2, st.sampled_from(WRITABLE)),
                              (1, st.sampled_from(LISTS + DICTS))))
        value = draw(frequency((8, VALID[name]), (1, st.none()),
                               (1, st.just(EMPTY.get(name)))))
        return {'op': draw(st.sampled_from(['replace', 'add'])),
                'path': '/' + name, 'value': value}
    if kind == 'lifecycle':
        name, values = draw(st.sampled_from([
            ('status', ['active', 'active', 'deactivated', 'drafted',
                        'deleted']),
            ('visibility', ['public', 'private'])]))
        return {'op': 'replace', 'path': '/' + name,
                'value': draw(st.sampled_from(values))}
    name = draw(st.sampled_from(LISTS + DICTS))
    if name in LISTS:
        member = draw(st.sampled_from(['-', '0', '1', '2']))
    else:
        member = _escape(draw(dict_keys))
    path = '/%s/%s' % (name, member)
    if kind == 'member':
        op = draw(st.sampled_from(['add', 'replace', 'remove']))
        out = {'op': op, 'path': path}
        if op != 'remove':
            out['value'] = draw(ELEMENTS[name])
        return out
    if kind == 'test':
        return {'op': 'test', 'path': draw(st.sampled_from([
            path, '/' + name, '/name', '/status'])),
            'value': draw(st.one_of(VALID[name], ELEMENTS[name]))}
    other = draw(st.sampled_from(LISTS + DICTS))
    if other in LISTS:
        target = '/%s/%s' % (other, draw(st.sampled_from(['-', '0'])))
    else:
        target = '/%s/%s' % (other, _escape(draw(dict_keys)))
    return {'op': draw(st.sampled_from(['copy', 'move'])),
            'from': path, 'path': target}


@st.composite
def wild_ops(draw):
    """An operation with random keys, ops, paths and values."""
    op = {}
    if draw(st.integers(0, 19)):
        op['op'] = draw(frequency((3, st.sampled_from(PATCH_OPS)),
                                  (1, any_json)))
    path = draw(pointers)
    if draw(st.integers(0, 19)):
        op['path'] = path
    if op.get('op') in ('move', 'copy') or not draw(st.integers(0, 9)):
        op['from'] = draw(pointers)
    if op.get('op') in ('add', 'replace', 'test') or not draw(
            st.integers(0, 9)):
        name = path[1:].split('/')[0] if isinstance(path, str) else ''
        whole = isinstance(path, str) and path.count('/') == 1
        op['value'] = draw(field_value(name) if whole else any_json)
    if not draw(st.integers(0, 14)):
        op[draw(texts)] = draw(any_json)
    return op


@st.composite
def spoiled_ops(draw):
    """A plausible operation with one thing wrong."""
    op = draw(valid_ops())
    what = draw(st.sampled_from(['value', 'value', 'edge', 'op', 'path',
                                 'drop', 'extra']))
    if what == 'value':
        op['value'] = draw(any_json)
    elif what == 'edge':
        name = op['path'].split('/')[1]
        op['value'] = draw(field_value(name))
        op['path'] = '/' + name
    elif what == 'op':
        op['op'] = draw(frequency((3, st.sampled_from(PATCH_OPS)),
                                  (1, any_json)))
    elif what == 'path':
        op[draw(st.sampled_from(['path', 'from']))] = draw(pointers)
    elif what == 'drop':
        op.pop(draw(st.sampled_from(sorted(op))))
    else:
        op[draw(texts)] = draw(any_json)
    return op


patches = frequency(
    (5, st.lists(valid_ops(), min_size=1, max_size=3)),
    (3, st.builds(lambda a, b: a + b,
                  st.lists(valid_ops(), max_size=2),
                  st.lists(spoiled_ops(), min_size=1, max_size=2))),
    (2, st.lists(wild_ops(), max_size=4)),
    (1, any_json),
)

# -- headers ---------------------------------------------------------------


def _latin1(text):
    """Header text as a server hands it over: UTF-8 bytes read as latin-1."""
    return text.encode('utf-8', 'surrogatepass').decode('latin-1')


header_text = st.text(st.characters(codec='utf-8',
                                    exclude_characters='\r\n'),
                      max_size=30).map(_latin1)
IDENTITY = {
    'X-Identity-Status': st.sampled_from(['Confirmed', 'Invalid', '',
                                          'confirmed']),
    'X-User-Id': st.sampled_from(['u1', 'u2', '', 'glare-local-admin']),
    'X-Project-Id': st.sampled_from(['p1', 'p2', '', 'glare-local-project']),
    'X-Tenant-Id': st.sampled_from(['p1', 'glare-local-project', '']),
    'X-Roles': st.sampled_from(['admin', 'member', 'reader', '', ',,',
                                'admin,member', ' admin ', 'service']),
    'X-Auth-Token': st.sampled_from([
        'notused', 'u:p:admin', 'u:p:', 'u%3Ap%3Aadmin', 'u:p:member',
        'u:glare-local-project:member', 'u:p2:member', '::', 'a:b:c:d',
        '%zz', '%ff%fe', 'u%3A%3A']),
}
OTHER_HEADERS = {
    'Accept': st.sampled_from([
        'application/json', '*/*', 'text/html',
        'application/vnd.openstack.artifacts-1.0',
        'application/vnd.openstack.artifacts-1.1',
        'application/vnd.openstack.artifacts-latest',
        'application/vnd.openstack.artifacts-2.0',
        'application/vnd.openstack.artifacts-0.9',
        'application/vnd.openstack.artifacts-1.',
        'application/vnd.openstack.artifacts-abc',
        'application/vnd.openstack.artifacts-99999.99999',
        'application/vnd.openstack.artifacts-999999.1',
        'application/vnd.openstack.artifacts-1.0, text/html;q=0.1',
        'application/vnd.openstack.artifacts-',
        'application/vnd.openstack.artifacts-1.1;q=0',
        'text/html,application/xhtml+xml,*/*;q=0.8', ';;;', 'a/b/c']),
    'OpenStack-API-Version': st.sampled_from([
        'artifact 1.0', 'artifact 1.1', 'artifact latest', 'artifact 2.0',
        'artifact', 'artifact ', 'compute 1.0', 'ARTIFACT 1.0',
        'artifact 1.0.0', 'artifact  1.1', 'artifact 00001.00000',
        'artifact 1.1, compute 2.1', 'artifact -1.0', '']),
    'Origin': st.sampled_from(['http://example.com', 'null']),
    'Access-Control-Request-Method': st.sampled_from(['GET', 'PATCH']),
    'X-Forwarded-Proto': st.sampled_from(['https', 'gopher', '']),
    'X-Forwarded-Host': st.sampled_from(['example.com', '']),
    'Forwarded': st.sampled_from(['for=1.2.3.4;proto=https', 'garbage',
                                  'proto=']),
    'Range': st.sampled_from(['bytes=0-1', 'bytes=5-1', 'pages=1']),
    'X-Openstack-Request-Id': st.sampled_from(['req-x', 'req-' + 'a' * 100]),
    'Transfer-Encoding': st.sampled_from(['chunked', 'gzip']),
    'Content-Encoding': st.sampled_from(['gzip', 'identity']),
}


@st.composite
def request_headers(draw):
    headers = {}
    pool = dict(OTHER_HEADERS, **IDENTITY)
    for name in draw(st.lists(st.sampled_from(sorted(pool)), max_size=4,
                              unique=True)):
        headers[name] = draw(frequency((4, pool[name]), (1, header_text)))
    return headers


quiet_headers = frequency((3, st.just({})), (1, request_headers()))

# -- paths -----------------------------------------------------------------


def _bytes(text):
    return text.encode('utf-8', 'surrogatepass')


segments = st.one_of(
    st.sampled_from([
        'artifacts', 'schemas', TYPE, 'all', 'images', 'quotas',
        'project-quotas', 'healthcheck', 'versions', 'v0.1', 'v1', '', '.',
        '..', '%2e%2e', '%2F', '%', '%zz', '%ff', 'blob', 'small_blob',
        'dict_of_blobs', 'name', 'x' * 5000, 'REF', 'REF', 'REF', 'ACTIVE',
        'index', '_route', '_lookup', '_default', 'list', 'create', 'show',
        'update', 'delete', 'list.json', 'show.html', 'None']).map(
        str.encode),
    uuids.map(str.encode),
    texts.map(_bytes),
    st.binary(max_size=8),
)


@st.composite
def paths(draw):
    """Path bytes: mostly under known routes, sometimes anything."""
    parts = draw(frequency((3, st.just([])),
                           (2, st.lists(segments, max_size=1)),
                           (2, st.lists(segments, max_size=5))))
    prefix = draw(st.sampled_from([
        [b'artifacts', TYPE.encode()], [b'artifacts', TYPE.encode(), b'REF'],
        [b'artifacts', TYPE.encode(), b'REF', b'blob'],
        [b'artifacts', TYPE.encode(), b'REF', b'dict_of_blobs'],
        [b'artifacts'], [b'schemas'], [b'artifacts', b'all'], [],
        [b'artifacts', b'all', b'REF'], [b'schemas', TYPE.encode()],
        [b'quotas'], [b'project-quotas'], [b'versions'], [b'healthcheck'],
        [b'v0.1']]))
    parts = prefix + parts if draw(st.integers(0, 3)) else parts
    path = b'/' + b'/'.join(parts)
    if not draw(st.integers(0, 5)):
        path += b'/'
    if not draw(st.integers(0, 15)):
        path = b'/' + path
    if not draw(st.integers(0, 15)):
        path = path.lstrip(b'/')  # no leading slash at all
    return path

# -- list queries ----------------------------------------------------------


def _in_list(values):
    return ','.join('"%s"' % v.replace('"', '""') if (
        ',' in v or '"' in v) else v for v in values)


def _valid_scalar(name):
    """A filter value the field accepts (as query text)."""
    fld = FIELD_OBJS[name]
    kind = fld.kind.name
    if name in VALID and fld.container is None:
        return VALID[name].map(lambda v: json.dumps(v).strip('"')
                               if not isinstance(v, str) else v)
    if kind == 'DateTime':
        return st.sampled_from(['2016-01-01T00:00:00Z', '2099-01-01T00:00:00',
                                '2020-02-29T12:00:00+02:00'])
    if name == 'status':
        return st.sampled_from(['drafted', 'active', 'deactivated',
                                'deleted'])
    if name == 'visibility':
        return st.sampled_from(['private', 'public'])
    if name == 'id':
        return st.sampled_from(['REF', 'ACTIVE', str(uuid.UUID(int=1))])
    if fld.container:
        return ELEMENTS.get(name, valid_text).map(
            lambda v: v if isinstance(v, str) else json.dumps(v))
    return valid_text


@st.composite
def valid_filters(draw):
    """(name, value) of a filter, sort, limit, marker or version=latest."""
    kind = draw(st.sampled_from(['filter'] * 6 + ['tags', 'sort', 'limit',
                                                  'marker', 'latest',
                                                  'many']))
    if kind == 'tags':
        return (draw(st.sampled_from(['tags', 'tags-any'])),
                ','.join(draw(st.lists(valid_tag, min_size=1,
                                       max_size=3))))
    if kind == 'many':
        # long value lists: every value is a term of the SQL condition
        name, value = draw(st.sampled_from([
            ('tags', 't'), ('tags-any', 't'), ('version', 'in:1'),
            ('int1', 'in:1'), ('list_of_int', 'in:1'), ('str1', 'in:a'),
            ('dict_of_str', 'in:k'), ('id', 'in:REF')]))
        n = draw(st.sampled_from([254, 255, 256, 1000, 4000]))
        return name, ','.join([value] + [value.split(':')[-1]] * (n - 1))
    if kind == 'sort':
        keys = draw(st.lists(st.sampled_from(SORTABLE), min_size=1,
                             max_size=3, unique=True))
        return 'sort', ','.join(k + draw(st.sampled_from(
            ['', ':asc', ':desc'])) for k in keys)
    if kind == 'limit':
        return 'limit', str(draw(frequency((9, st.integers(0, 30)),
                                           (1, st.integers(0, 1500)))))
    if kind == 'marker':
        return 'marker', draw(st.sampled_from(['REF', 'ACTIVE', 'OTHER',
                                               str(uuid.UUID(int=7))]))
    if kind == 'latest':
        return 'version', 'latest'
    name = draw(st.sampled_from(FILTERABLE))
    fld = FIELD_OBJS[name]
    op = draw(st.sampled_from(fld.filter_ops))
    combiner = draw(st.sampled_from(['', '', '', 'and:', 'or:']))
    key = None
    if fld.container == 'Dict' and draw(st.booleans()):
        key = draw(dict_keys)
    if fld.container == 'Dict' and key is None:
        values = draw(st.lists(dict_keys, min_size=1, max_size=3))
    else:
        values = draw(st.lists(_valid_scalar(name), min_size=1, max_size=3))
    value = _in_list(values) if op == 'in' else values[0]
    if op == 'like':
        value = draw(st.sampled_from(['%', '', '_%'])) + value + '%'
    shown_op = '' if op == 'eq' and draw(st.booleans()) else op + ':'
    return (name if key is None else '%s.%s' % (name, key),
            combiner + shown_op + value)


query_names = st.one_of(
    st.sampled_from(FIELDS),
    st.sampled_from(['limit', 'marker', 'sort', 'version', 'tags',
                     'tags-any', 'type_name', 'dict_of_str.abc',
                     'dict_of_int.x', 'metadata.k', 'dict_of_links.a',
                     'str1.x', 'name.x', 'blob', 'dict_of_blobs.a', '',
                     '.', 'a.b.c', 'dict_of_str.', '.abc', 'dict_of_str..',
                     '__some_meta_information__']),
    texts)


@st.composite
def wild_values(draw):
    value = ''
    if not draw(st.integers(0, 3)):
        value += draw(st.sampled_from(['and:', 'or:', 'xor:', 'and:or:',
                                       'or:and:', '']))
    if draw(st.integers(0, 2)):
        value += draw(st.one_of(st.sampled_from(OPS), texts)) + ':'
    value += draw(st.one_of(
        texts,
        st.builds(str, huge_ints), st.builds(str, floats),
        st.sampled_from(['"a,b",c', '"a""b",c', '"unterminated,x', 'a,,b',
                         '""', ',', '"a"b', 'a"b"', '%', '\\%', '%a_%',
                         'latest', 'desc', 'asc', 'x:asc,y:desc',
                         'int1:asc,int1:desc', 'int1:up', 'name,name',
                         '2016-01-01T00:00:00Z', '2016-13-45T99:99:99',
                         '9999-12-31T23:59:59Z', '0001-01-01T00:00:00Z',
                         'true', '1', '-1', '0', '1001', '9' * 20, '1e400',
                         'public', 'active', 'deleted', 'REF', 'OTHER']),
        st.lists(st.one_of(texts, st.builds(str, huge_ints)),
                 max_size=4).map(_in_list),
        uuids,
        st.builds(','.join, st.lists(
            st.builds(lambda n, d: n + d, st.sampled_from(FIELDS),
                      st.sampled_from(['', ':asc', ':desc', ':', ':x'])),
            max_size=4))))
    return value


@st.composite
def query_strings(draw):
    params = draw(st.lists(frequency(
        (4, valid_filters()),
        (1, st.tuples(query_names, wild_values())),
        (1, st.tuples(st.sampled_from(FIELDS), wild_values())),
        (1, valid_filters().flatmap(
            lambda kv: st.tuples(st.just(kv[0]), wild_values())))),
        max_size=5))
    if draw(st.integers(0, 7)):
        return parse.urlencode([(_bytes(k), _bytes(v)) for k, v in params],
                               quote_via=parse.quote).encode('ascii')
    # raw: unencoded bytes, stray separators, bad escapes
    raw = b'&'.join(_bytes(k) + b'=' + _bytes(v) for k, v in params)
    return raw + draw(st.sampled_from([b'', b'&', b'&&', b'=', b'%', b'%zz',
                                       b'%ff%fe', b'\xff', b';a=b',
                                       b'&limit', b'&=x', b'#frag',
                                       b'&marker=', b'&sort=']))


methods = frequency(
    (4, st.sampled_from(['GET', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE',
                         'HEAD'])),
    (1, st.sampled_from(['OPTIONS', 'TRACE', 'CONNECT', 'get', 'PROPFIND',
                         'FOO', 'X' * 300, ''])))


# -- the tests -------------------------------------------------------------

def refreshing(test):
    """A failed example leaves the tracked state re-read for the next one
    (hypothesis goes on running examples to shrink the failure)."""
    @functools.wraps(test)
    def wrapper(self, *args, **kwargs):
        try:
            return test(self, *args, **kwargs)
        except BaseException:
            try:
                self.refresh()
            except Exception:  # the example's own failure matters more
                pass
            raise
    return wrapper


class FuzzTest(base.TestCase):
    """Random requests against the whole stack."""

    def setUp(self):
        super().setUp()
        self.log = self.useFixture(fixtures.FakeLogger(level=logging.WARNING))
        # pecan logs a traceback for every undecodable query it answers 400
        pecan_log = logging.getLogger('pecan')
        self.addCleanup(pecan_log.setLevel, pecan_log.level)
        pecan_log.setLevel(logging.CRITICAL)
        self.glare = self.useFixture(app_fixture.GlareApp())
        self.tracked = {}  # id -> (status, body) as the last GET read it
        self.ref_id = self._make_reference()
        self.active_id = self._make_active()
        self.other_id = self._make_other_project()
        self.count = self.glare.count()

    # -- set-up helpers --------------------------------------------------
    def _post(self, body, headers=None):
        resp = self.glare.call('POST', '/artifacts/%s' % TYPE, headers=dict(
            {'Content-Type': 'application/json'}, **(headers or {})),
            body=json.dumps(body).encode())
        self.assertEqual(201, resp.status, resp.body)
        return json.loads(resp.body)['id']

    def _patch(self, artifact_id, patch):
        resp = self.glare.call(
            'PATCH', '/artifacts/%s/%s' % (TYPE, artifact_id),
            headers={'Content-Type': 'application/json-patch+json'},
            body=json.dumps(patch).encode())
        self.assertEqual(200, resp.status, resp.body)

    def _read(self, artifact_id):
        resp = self.glare.call('GET', '/artifacts/%s/%s' % (TYPE,
                                                            artifact_id))
        return resp.status, resp.body

    def _make_reference(self):
        """A drafted artifact with a value in nearly every field."""
        artifact_id = self._post({
            'name': 'reference-%s' % uuid.uuid4().hex[:8],
            'version': '1.2.3-rc.1', 'description': 'the reference',
            'tags': ['t1', 't2'], 'metadata': {'k': 'v'},
            'link1': 'http://example.com/a', 'bool1': True, 'int1': 7,
            'int2': -2 ** 63 + 1, 'float1': 1.5, 'str1': '\u00e9\U0001F600',
            'list_of_str': ['a', 'b'], 'list_of_int': [1, 2],
            'dict_of_str': {'abc': 'x'}, 'dict_of_int': {'a': 1},
            'dict_of_links': {'l': 'https://example.com'},
            'list_of_links': ['http://example.com'],
            'string_mutable': 'm', 'string_regex': 'deadbeef',
            'string_validators': 'aa', 'int_validators': 15,
            'list_validators': ['a', 'b'], 'dict_validators': {'abc': 'y'},
            'metadata_attribute': 'meta'})
        self.tracked[artifact_id] = self._read(artifact_id)
        return artifact_id

    def _make_active(self):
        artifact_id = self._post({'name': 'active-%s' % uuid.uuid4().hex[:8],
                                  'version': '2',
                                  'string_required': 'yes',
                                  'tags': ['active'],
                                  'list_of_str': ['x', 'y'],
                                  'dict_of_str': {'abc': 'z'}})
        self._patch(artifact_id, [{'op': 'replace', 'path': '/status',
                                   'value': 'active'}])
        self.tracked[artifact_id] = self._read(artifact_id)
        return artifact_id

    def _make_other_project(self):
        artifact_id = self._post({'name': 'theirs-%s' % uuid.uuid4().hex[:8]},
                                 headers={
                                     'X-Identity-Status': 'Confirmed',
                                     'X-Project-Id': 'p2', 'X-User-Id': 'u2',
                                     'X-Roles': 'member'})
        self.tracked[artifact_id] = self._read(artifact_id)
        return artifact_id

    # -- the properties ----------------------------------------------------
    def check_response(self, resp, method, path=b''):
        hypothesis.note('response: %s %s %r %r' % (
            resp.status, resp.reason, resp.headers, resp.body[:2000]))
        self.assertLess(resp.status, 500, 'server error: %r' % resp.body)
        self.assertGreaterEqual(resp.status, 200)
        ctype = app_fixture.header(resp, 'Content-Type') or ''
        media = ctype.split(';')[0].strip().lower()
        healthcheck = parse.unquote_to_bytes(path).rstrip(b'/') == \
            b'/healthcheck'
        if not (healthcheck and resp.status < 400):
            # (SPEC 5: /healthcheck is oslo.middleware's, whose status
            # page is HTML when a browser asks for it)
            self.assertNotIn('html', media)
        self.assertNotIn(b'Traceback (most recent call last)', resp.body)
        self.assertIsNotNone(
            app_fixture.header(resp, 'x-openstack-request-id'),
            'no request id')
        if media == 'application/json' and (resp.body or method != 'HEAD'):
            json.loads(resp.body)
        if resp.status < 400:
            return
        self.assertEqual('application/json', media,
                         'error %d is not JSON: %r' % (resp.status,
                                                       resp.body))
        if method == 'HEAD' and not resp.body:
            return
        doc = json.loads(resp.body)
        self.assertIsInstance(doc, dict)
        plain = parse.unquote_to_bytes(path).split(b'?')[0]
        if plain == b'/v0.1' or plain.startswith(b'/v0.1/'):
            # the v0.1 API's own shape: {key: {message, code}}
            self.assertEqual(1, len(doc), doc)
            inner = next(iter(doc.values()))
            self.assertEqual(resp.status, inner.get('code'), doc)
            self.assertIsInstance(inner.get('message'), str, doc)
            return
        self.assertEqual(resp.status, doc.get('code'), doc)
        for key in ('title', 'explanation'):
            self.assertIsInstance(doc.get(key), str, doc)
        self.assertIsInstance(doc.get('error'), dict, doc)
        self.assertIsInstance(doc['error'].get('message'), str, doc)
        self.assertIsInstance(doc['error'].get('type'), str, doc)
        if resp.status == 405:
            self.assertTrue(app_fixture.header(resp, 'Allow'), resp.headers)

    def check_state(self, resp, *artifact_ids):
        """After a rejection nothing changed; after a success, re-read.

        The artifact count and the reference are always checked, the other
        tracked artifacts when named.
        """
        if resp.status >= 400:
            self.assertEqual(self.count, self.glare.count(),
                             'a rejected request changed the artifact count')
            for artifact_id in {self.ref_id, *artifact_ids}:
                before = self.tracked.get(artifact_id)
                if before is not None:
                    self.assertEqual(before, self._read(artifact_id),
                                     'a rejected request changed %s' %
                                     artifact_id)
            return
        self.refresh()

    def refresh(self):
        """Re-read what the test tracks (after a success or a failure)."""
        self.count = self.glare.count()
        for artifact_id in list(self.tracked):
            self.tracked[artifact_id] = self._read(artifact_id)
        # keep a drafted reference, an active artifact and another
        # project's artifact, whatever the requests did to them
        if not self._still(self.ref_id, 'drafted', 'private'):
            self.ref_id = self._make_reference()
        if not self._still(self.active_id, 'active'):
            self.active_id = self._make_active()
        if not self._still(self.other_id):
            self.other_id = self._make_other_project()
        self.count = self.glare.count()

    def _still(self, artifact_id, status=None, visibility=None):
        code, body = self.tracked[artifact_id]
        doc = json.loads(body) if code == 200 else {}
        if code == 200 and status in (None, doc['status']) and \
                visibility in (None, doc['visibility']):
            return True
        del self.tracked[artifact_id]
        return False

    def _substitute(self, data):
        return data.replace(b'REF', self.ref_id.encode()).replace(
            b'ACTIVE', self.active_id.encode()).replace(
            b'OTHER', self.other_id.encode())

    def send(self, method, path, query=b'', headers=None, body=b''):
        path, query, body = (self._substitute(x) for x in (path, query,
                                                             body))
        hypothesis.note('request: %s %r ? %r headers=%r body=%r' % (
            method, path, query, headers, body[:2000]))
        try:
            resp = self.glare.call(method, path, query, headers or {}, body)
        except Exception as exc:
            raise AssertionError('the app raised %r' % exc) from exc
        self.check_response(resp, method, path)
        return resp

    @fuzz_settings(800)
    @hypothesis.given(method=methods, path=paths(),
                      query=frequency((2, st.just(b'')),
                                      (1, query_strings())),
                      headers=request_headers(),
                      content_type=st.one_of(st.none(),
                                             st.sampled_from(CONTENT_TYPES),
                                             header_text),
                      body=frequency((3, st.just(b'')),
                                     (1, json_text(any_json)),
                                     (1, json_text(artifact_bodies())),
                                     (1, json_text(patches))))
    @refreshing
    def test_any_request(self, method, path, query, headers, content_type,
                         body):
        if content_type is not None:
            headers = dict(headers, **{'Content-Type': content_type})
        resp = self.send(method, path, query, headers, body)
        self.check_state(resp, self.active_id)

    @fuzz_settings(700)
    @hypothesis.given(type_name=frequency((5, st.just(TYPE)),
                                          (2, st.just('all')),
                                          (1, st.sampled_from(TYPE_NAMES))),
                      query=query_strings(),
                      headers=quiet_headers,
                      body=frequency((9, st.just(b'')),
                                     (1, st.sampled_from([b'{}', b'x']))))
    @refreshing
    def test_list(self, type_name, query, headers, body):
        resp = self.send('GET', b'/artifacts/' + type_name.encode(), query,
                         headers, body)
        if resp.status == 200:
            doc = json.loads(resp.body)
            self.assertIsInstance(doc.get('artifacts'), list)
            self.assertIsInstance(doc.get('total_count'), int)
            self.assertLessEqual(len(doc['artifacts']), 1000)

    @fuzz_settings(700)
    @hypothesis.given(type_name=frequency((8, st.just(TYPE)),
                                          (1, st.sampled_from(TYPE_NAMES))),
                      body=json_text(frequency((4, artifact_bodies()),
                                               (1, any_json))),
                      content_type=frequency(
                          (8, st.just('application/json')),
                          (1, st.sampled_from(CONTENT_TYPES)),
                          (1, header_text)),
                      headers=quiet_headers)
    @refreshing
    def test_create(self, type_name, body, content_type, headers):
        headers = dict(headers, **{'Content-Type': content_type})
        resp = self.send('POST', b'/artifacts/' + type_name.encode(), b'',
                         headers, body)
        if resp.status == 201:
            self.assertEqual(self.count + 1, self.glare.count())
            created = json.loads(resp.body)
            if type_name == TYPE and not headers.keys() & set(IDENTITY):
                self.assertEqual(
                    json.loads(self._read(created['id'])[1]), created,
                    'the POST answer is not what GET shows')
        self.check_state(resp)

    @fuzz_settings(800)
    @hypothesis.given(target=frequency((6, st.just('REF')),
                                       (2, st.just('ACTIVE')),
                                       (1, st.sampled_from(['OTHER', 'NONE',
                                                            'ALL']))),
                      patch=json_text(patches),
                      content_type=frequency(
                          (8, st.just('application/json-patch+json')),
                          (1, st.sampled_from(CONTENT_TYPES))),
                      headers=quiet_headers)
    @refreshing
    def test_patch(self, target, patch, content_type, headers):
        artifact_id = {'REF': self.ref_id, 'ACTIVE': self.active_id,
                       'OTHER': self.other_id,
                       'NONE': str(uuid.uuid4())}.get(target, self.ref_id)
        type_name = 'all' if target == 'ALL' else TYPE
        headers = dict(headers, **{'Content-Type': content_type})
        before = self.tracked.get(artifact_id)
        resp = self.send('PATCH', ('/artifacts/%s/%s' % (
            type_name, artifact_id)).encode(), b'', headers, patch)
        if resp.status == 200 and not headers.keys() & set(IDENTITY):
            after = self._read(artifact_id)
            self.assertEqual(json.loads(after[1]), json.loads(resp.body),
                             'the PATCH answer is not what GET shows')
            if before is not None and _same_but_time(before[1], after[1]):
                self.assertEqual(before, after,
                                 'a patch that changed nothing wrote')
        self.check_state(resp, artifact_id)


def _same_but_time(a, b):
    a, b = json.loads(a), json.loads(b)
    a.pop('updated_at', None)
    b.pop('updated_at', None)
    return a == b
