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

"""Federated search: a list here and the same list at every upstream, merged.

``GET /artifacts/{type}?federated=true`` lists what the caller sees here
(exactly the list without federated) and, at the same time, asks every
upstream that serves the type for the same list (filters, sort, limit),
each call on a thread the worker keeps for them, with the service's
credentials there and ``X-Glare-Federation-Hops`` one more than it came
with; the local list runs once the calls' requests are written (see
glare.services.upstream_http), while the upstreams answer. An upstream that
fails, answers something that is no list or does not answer within its
timeout is named in the answer's ``upstreams`` and left out; it never
fails the request, and the answer never waits for it longer than its
timeout. Past ``[federation] max_hops`` a catalog answers with its own
artifacts only, so that a ring of upstreams ends.

The answer's entries: the local ones as they are, then every upstream's,
each with the origin of the federated view
``{"upstream": path, "cloud_id", "id", "digest": null}`` (path: the
upstream's name, and "vendor/global" for what vendor relayed from its own
upstream global). The same artifact reached by two paths (same cloud_id
and id) is shown once, by the shortest path. The lists are merged by the
requested sort: each source's order is kept, and the sources interleave
by the sort keys (versions compare as semantic versions, as the list
does; NULLs first ascending, last descending; then created_at
descending, id ascending, as the list breaks ties).

Paging is per source, so a federated answer is one page: no ``next``, and
``marker`` is refused. ``total_count`` is the sum of what each source
reported (an artifact reached by two paths is counted twice).

The answer is written by encode(): each upstream's entries as the
upstream wrote them, with their origin put in (parse_answer, Entry), not
decoded and encoded again; the local entries are encoded, and every
entry's place in the order worked out, while the search waits for its
upstreams, so that little is left to do after the last answer.

No HTTP and no SQL here: the local list is ArtifactService's, the calls
glare.services.upstreams'; the merge is pure functions.
"""

from concurrent import futures
import datetime
import functools
import heapq
import json
import operator
import re
import threading
import time
from urllib import parse

from oslo_log import log as logging
from oslo_utils import timeutils

from glare.conf import federation as federation_conf
from glare import exception
from glare.objects import fields as glare_fields
from glare.objects import registry as type_registry
from glare.objects import version as glare_version
from glare.policies import federation as rules
from glare import policy
from glare.services import listing
from glare.services import upstreams as upstreams_lib

LOG = logging.getLogger(__name__)

HOPS_HEADER = upstreams_lib.HOPS_HEADER
#: an X-Glare-Federation-Hops value: a count, not a number of any form
_HOPS_RE = re.compile(r'[0-9]{1,6}')
#: how long past an upstream's timeout the answer waits for its thread
#: (the call gives up at the timeout itself; this covers its last steps)
MARGIN = 0.2
#: threads kept for calls per upstream: two for each of a worker's 8
#: request threads (a call past its timeout keeps its thread a little)
THREADS_PER_UPSTREAM = 16
#: the longest the local list waits for the upstreams' requests to be
#: written (a slow connection or TLS handshake lists meanwhile)
SEND_WAIT = 0.05
#: the longest detail relayed from an upstream's own statuses
MAX_DETAIL = 500
#: the marker of an answer cut at max_hops
MAX_HOPS = 'max_hops'
STATUS_OK = 'ok'
STATUS_ERROR = 'error'
STATUS_TIMEOUT = 'timeout'
_DATETIME_COLUMNS = ('created_at', 'updated_at', 'activated_at')


def parse_hops(raw):
    """The hops a search made before it came here: 0 without the header,
    else its count; 400 for anything but a non-negative integer."""
    if raw is None:
        return 0
    if not isinstance(raw, str) or not _HOPS_RE.fullmatch(raw.strip()):
        raise exception.BadRequest(
            '%s must be a non-negative integer (the catalogs a federated '
            'search passed), not %r' % (HOPS_HEADER, raw))
    return int(raw.strip())


class BadAnswer(ValueError):
    """An upstream's answer that is not a federated list."""


class Source:
    """What an upstream gave to a federated search: status and detail of
    the call, its entries (in its order), the total_count it reported,
    and the statuses of its own upstreams by path ("vendor/global").
    """

    def __init__(self, path, status=STATUS_OK, detail=None, entries=(),
                 total=0, nested=None):
        self.path = path
        self.status = status
        self.detail = detail
        self.entries = list(entries)
        self.total = total
        self.nested = dict(nested or {})

    @classmethod
    def failed(cls, path, status, detail):
        return cls(path, status, detail)

    def describe(self):
        return {'status': self.status, 'detail': self.detail}


# -- an upstream's answer as it came: parsed, and each entry's text -----------
#
# The answer of a federated search holds every upstream's entries. Decoded
# and encoded again, they cost the worker more than anything else the
# search does besides its calls; they are written as they came instead,
# with their origin put in (Entry.json), and only their values for the
# merge and the dedupe are read from the parsed entries.

_WS = json.decoder.WHITESPACE.match
#: json.loads' own scanner (the C one): a value and where it ends
_SCAN = json.JSONDecoder().scan_once
_SCANSTRING = json.decoder.scanstring
_ENCODE_STR = json.encoder.encode_basestring_ascii
_ORIGIN_KEY = '"origin"'
#: what may come between a key and its value
_COLON = re.compile(r'[ \t\n\r]*:[ \t\n\r]*')


class Answer(dict):
    """An upstream's answer as json.loads makes it; raw_entries: the
    JSON text of each entry of its "artifacts" list as it came (in the
    list's order), or None."""

    raw_entries = None


class Entry(dict):
    """An entry of a federated answer as shown (an upstream's with its
    origin); json: the same entry as JSON text (an upstream's as it came,
    with the origin put in; a local one encoded while the search waits),
    or None; sort_key: its place in the search's order (worked out while
    the search waits: put_sort_keys), or None. Nothing changes an Entry
    once made: the text would no longer say what the dict does."""

    __slots__ = ('json', 'sort_key')

    def __init__(self, values, json_text=None):
        super().__init__(values)
        self.json = json_text
        self.sort_key = None


def _walk_list(text, i):
    """(values, their texts, the end) of the JSON array whose first
    element (or end) is at i or after whitespace."""
    values, texts = [], []
    i = _WS(text, i).end()
    if text[i] == ']':
        return values, texts, i + 1
    while True:
        value, end = _SCAN(text, i)
        values.append(value)
        texts.append(text[i:end])
        i = _WS(text, end).end()
        if text[i] == ',':
            i = _WS(text, i + 1).end()
        elif text[i] == ']':
            return values, texts, i + 1
        else:
            raise ValueError('not a JSON array')


def _walk(text):
    """The Answer of a JSON object's text, as json.loads reads it (the
    last of repeated keys counts), or None when the text is anything
    else (not an object, not JSON)."""
    i = _WS(text, 0).end()
    if text[i] != '{':
        return None
    doc = Answer()
    i = _WS(text, i + 1).end()
    if text[i] == '}':
        i += 1
    else:
        while True:
            if text[i] != '"':
                return None
            key, i = _SCANSTRING(text, i + 1)
            i = _WS(text, i).end()
            if text[i] != ':':
                return None
            i = _WS(text, i + 1).end()
            if key == 'artifacts' and text[i] == '[':
                value, doc.raw_entries, i = _walk_list(text, i + 1)
            else:
                if key == 'artifacts':
                    doc.raw_entries = None
                value, i = _SCAN(text, i)
            doc[key] = value
            i = _WS(text, i).end()
            if text[i] == ',':
                i = _WS(text, i + 1).end()
            elif text[i] == '}':
                i += 1
                break
            else:
                return None
    if _WS(text, i).end() != len(text):
        return None
    return doc


def parse_answer(data):
    """json.loads(data) of an upstream's answer (bytes), an Answer with
    the text of its entries when it is a JSON object in UTF-8; a
    ValueError where json.loads gives one."""
    try:
        doc = _walk(data.decode('utf-8'))
    except (ValueError, IndexError, StopIteration):
        # not UTF-8, or not JSON: json.loads says what it is
        doc = None
    return json.loads(data) if doc is None else doc


def _origin_json(origin):
    """json.dumps(origin) of an origin of upstream_origin."""
    return '{"upstream": %s, "cloud_id": %s, "id": %s, "digest": null}' % (
        _ENCODE_STR(origin['upstream']), _ENCODE_STR(origin['cloud_id']),
        _ENCODE_STR(origin['id']))


def _with_origin(text, entry, origin):
    """The JSON text of an entry (text, parsed: entry) with origin as
    its "origin", where dict(entry) with origin set would have it (in
    its place; at the end when it had none); None when that place cannot
    be told for sure from the text (escapes in it, or "origin" more than
    once: in the entry's values too)."""
    value = _origin_json(origin)
    if 'origin' not in entry:
        return '%s, "origin": %s}' % (text[:-1], value)
    if '\\' in text or text.count(_ORIGIN_KEY) != 1:
        return None
    # the entry's own key: written as it reads, and the only one
    match = _COLON.match(text, text.index(_ORIGIN_KEY) + len(_ORIGIN_KEY))
    if match is None:
        return None
    _old, end = _SCAN(text, match.end())
    return text[:match.end()] + value + text[end:]


# -- pure functions: an upstream's answer, origins, dedupe, merge -------------

def _relayed(entry):
    """The federated origin an upstream's entry came with, if it came to
    that upstream from one of its own upstreams; else None.

    An artifact made at the upstream has origin null; one imported there
    has the digest of the bundle it came in; only an entry of a
    federated answer has an origin without a digest and with the id it
    is listed with.
    """
    origin = entry.get('origin')
    if not isinstance(origin, dict) or origin.get('digest') is not None:
        return None
    path, cloud_id = origin.get('upstream'), origin.get('cloud_id')
    if not (isinstance(path, str) and path and isinstance(cloud_id, str)
            and origin.get('id') == entry['id']):
        return None
    return origin


def upstream_origin(name, cloud_id, entry):
    """The origin an upstream's entry shows here.

    name: the upstream's name here; cloud_id: the upstream's own cloud_id
    (from its answer). An entry the upstream relayed from further up
    keeps the cloud and id it was found at, behind the longer path.
    """
    relayed = _relayed(entry)
    if relayed is not None:
        return {'upstream': '%s/%s' % (name, relayed['upstream']),
                'cloud_id': relayed['cloud_id'], 'id': entry['id'],
                'digest': None}
    return {'upstream': name, 'cloud_id': cloud_id, 'id': entry['id'],
            'digest': None}


def _count(value, default):
    if isinstance(value, int) and not isinstance(value, bool) and \
            value >= 0:
        return value
    return default


def upstream_source(name, doc):
    """The Source of an upstream's federated list answer (a parsed JSON
    document); BadAnswer naming what is wrong with it.

    Its entries are as many as it sent (its own page and a page of each
    of its upstreams: limit applies per catalog); the size of the answer
    bounds them (glare.services.upstreams.MAX_JSON_BYTES).
    """
    if not isinstance(doc, dict):
        raise BadAnswer('the answer is a JSON %s, not a list object' %
                        type(doc).__name__)
    artifacts = doc.get('artifacts')
    if not isinstance(artifacts, list):
        raise BadAnswer('the answer has no "artifacts" list')
    cloud_id = doc.get('cloud_id')
    if not isinstance(cloud_id, str) or not cloud_id:
        raise BadAnswer('the answer names no cloud_id: not a federated '
                        'search answer')
    texts = getattr(doc, 'raw_entries', None)
    if texts is None or len(texts) != len(artifacts):
        texts = None
    entries = []
    for i, entry in enumerate(artifacts):
        if not isinstance(entry, dict) or \
                not isinstance(entry.get('id'), str):
            raise BadAnswer('artifact %d of the answer is not an object '
                            'with an id' % i)
        origin = upstream_origin(name, cloud_id, entry)
        text = None if texts is None else _with_origin(texts[i], entry,
                                                       origin)
        entry = Entry(entry, text)
        entry['origin'] = origin
        entries.append(entry)
    nested = {}
    theirs = doc.get('upstreams')
    if isinstance(theirs, dict):
        for sub, status in theirs.items():
            if isinstance(status, dict) and status.get('status') in (
                    STATUS_OK, STATUS_ERROR, STATUS_TIMEOUT):
                detail = status.get('detail')
                nested['%s/%s' % (name, sub)] = {
                    'status': status['status'],
                    'detail': detail[:MAX_DETAIL] if isinstance(detail, str)
                    else None}
    detail = None
    if doc.get('federation') == MAX_HOPS:
        detail = ('answered with its own artifacts only: the search '
                  'reached [federation] max_hops there')
    return Source(name, STATUS_OK, detail, entries,
                  _count(doc.get('total_count'), len(entries)), nested)


def _path_length(entry):
    origin = entry.get('origin')
    return len(origin['upstream'].split('/'))


def dedupe(cloud_id, local, upstreams):
    """The upstream sources without the entries reached by a shorter
    path: the same cloud_id and id listed here (a ring brought it back),
    or by another upstream with a shorter path (the first upstream, in
    the configured order, of those with the shortest). Each source's
    order is kept; local is never changed."""
    best = {}  # (cloud_id, id) -> (path length, source index)
    for entry in local:
        best[(cloud_id, entry.get('id'))] = (0, -1)
    for i, source in enumerate(upstreams):
        for entry in source.entries:
            key = (entry['origin']['cloud_id'], entry['origin']['id'])
            rank = (_path_length(entry), i)
            if key not in best or rank < best[key]:
                best[key] = rank
    for i, source in enumerate(upstreams):
        kept, seen = [], set()
        for entry in source.entries:
            key = (entry['origin']['cloud_id'], entry['origin']['id'])
            if best[key] == (_path_length(entry), i) and key not in seen:
                seen.add(key)
                kept.append(entry)
        source.entries = kept
    return upstreams


def sort_keys(sorts):
    """[(field, direction, kind)] of a list's sorts and tie-breakers.

    sorts: the glare.db.query.Sort of the list's spec; kind: 'version',
    'datetime', 'rating', 'downloads' or 'value'. The tie-breakers are
    the list's: created_at descending, then id ascending, unless sorted
    on already.
    """
    if any(s.target == 'relevance' for s in sorts):
        # the scores of different catalogs do not compare: each one's
        # order is kept, and the lists interleave by rank (see merge)
        return [('relevance', 'desc', 'rank')]
    keys = []
    for s in sorts:
        if s.target == 'version':
            kind = 'version'
        elif s.field in ('rating', 'downloads'):
            # by the average, the total: as the database sorts
            kind = s.field
        elif s.field in _DATETIME_COLUMNS or \
                isinstance(s.kind, glare_fields.DateTime):
            kind = 'datetime'
        else:
            kind = 'value'
        keys.append((s.field, s.direction, kind))
    names = [k[0] for k in keys]
    if 'created_at' not in names:
        keys.append(('created_at', 'desc', 'datetime'))
    if 'id' not in names:
        keys.append(('id', 'asc', 'value'))
    return keys


@functools.lru_cache(maxsize=4096)
def _version_key(text):
    """The order of a version as the database keeps it (the same
    versions come back search after search: parsing them is the merge's
    largest cost)."""
    v = glare_version.parse(text)
    return glare_version.prefix(v), glare_version.suffix(v)


def _datetime(text):
    """A naive UTC datetime of ISO 8601 text; ValueError if it is none."""
    try:
        parsed = datetime.datetime.fromisoformat(text)  # fast, in C
    except ValueError:
        parsed = timeutils.parse_isotime(text)
    return timeutils.normalize_time(parsed)


def _comparable(value, kind):
    """(rank, value): values of one kind compare among themselves, those
    of different kinds (an upstream's type may differ) by kind."""
    if kind == 'rating' and isinstance(value, dict):
        value = value.get('average')
    elif kind == 'downloads' and isinstance(value, dict):
        value = value.get('total')
    if value is None:
        return None
    if kind == 'version' and isinstance(value, str):
        try:
            return (0, _version_key(value))
        except ValueError:
            pass
    if kind == 'datetime' and isinstance(value, str):
        try:
            return (1, _datetime(value))
        except ValueError:
            pass
    if isinstance(value, bool):
        return (2, int(value))
    if isinstance(value, (int, float)):
        return (2, value)
    if isinstance(value, str):
        return (3, value)
    return (4, repr(value))


def _compare_values(a, b):
    """-1, 0 or 1; None (NULL) sorts below everything."""
    if a is None or b is None:
        return (a is not None) - (b is not None)
    if a[0] != b[0]:
        return -1 if a[0] < b[0] else 1
    return (a[1] > b[1]) - (a[1] < b[1])


class _SortKey:
    """An entry's place in the order: its values worked out once."""

    __slots__ = ('values', 'ascending')

    def __init__(self, values, ascending):
        self.values = values
        self.ascending = ascending

    def __lt__(self, other):
        for a, b, asc in zip(self.values, other.values, self.ascending,
                             strict=True):
            c = _compare_values(a, b)
            if c:
                return c < 0 if asc else c > 0
        return False


def merge(keys, lists):
    """One list of the lists, each already in the keys' order: each
    list's order is kept (a catalog's database may order finer than its
    JSON shows, e.g. microseconds), the lists interleave by the keys, and
    on a tie the earlier list comes first."""
    if keys and keys[0][2] == 'rank':
        # the best of each list, then the second best of each, ...
        ranked = heapq.merge(*[enumerate(entries) for entries in lists],
                             key=operator.itemgetter(0))
        return [entry for _rank, entry in ranked]

    def key(entry):
        if type(entry) is Entry and entry.sort_key is not None:
            # worked out already (put_sort_keys, with these keys)
            return entry.sort_key
        return sort_key(keys, entry)
    return list(heapq.merge(*lists, key=key))


def sort_key(keys, entry):
    """The place of an entry in the order of keys (of sort_keys)."""
    return _SortKey([_comparable(entry.get(field), kind)
                     for field, _d, kind in keys],
                    [direction == 'asc' for _f, direction, _k in keys])


def put_sort_keys(keys, entries):
    """Work out the sort_key of each Entry of entries for merge (with the
    same keys): done in a call's thread, while the search waits for the
    others, it is not on the search's way after the last answer."""
    if keys and keys[0][2] == 'rank':
        return
    for entry in entries:
        if type(entry) is Entry:
            entry.sort_key = sort_key(keys, entry)


def local_entries(keys, entries):
    """The local list's entries as Entry, encoded and with their
    sort_key: done while the search waits for its upstreams."""
    out = [Entry(entry, json.dumps(entry)) for entry in entries]
    put_sort_keys(keys, out)
    return out


def encode(body):
    """json.dumps(body) in UTF-8, of a federated list body: the
    upstreams' entries written as they came (Entry.json)."""
    parts = []
    for key, value in body.items():
        if key == 'artifacts' and isinstance(value, list):
            value = '[%s]' % ', '.join([
                entry.json if type(entry) is Entry and entry.json is not None
                else json.dumps(entry) for entry in value])
        else:
            value = json.dumps(value)
        parts.append('%s: %s' % (json.dumps(key), value))
    return ('{%s}' % ', '.join(parts)).encode('utf-8')


def forward_params(params, limit, types=None):
    """The query an upstream gets: the caller's, with the limit applied
    here, restricted to types (for 'all' at an upstream that serves only
    those), and federated."""
    out = [(k, v) for k, v in params
           if k not in ('limit', listing.FEDERATED)]
    if types is not None:
        out.append(('type_name', 'in:' + ','.join(sorted(types))))
    out.append(('limit', str(limit)))
    out.append((listing.FEDERATED, 'true'))
    return out


# -- the service --------------------------------------------------------------

def _timeout(upstream):
    return upstream.timeout or federation_conf.DEFAULT_TIMEOUT


def _no_answer(upstream):
    return 'no answer within %g s' % _timeout(upstream)


class FederatedSearch:
    """The local list and every upstream's, merged."""

    def __init__(self, artifacts, upstreams, identity):
        self.artifacts = artifacts
        self.upstreams = upstreams
        self.identity = identity
        self._executor = None
        self._pool_lock = threading.Lock()

    def _asked(self, type_name, params, limit):
        """[(upstream, path, params)] of the upstreams to ask."""
        path = '/artifacts/%s' % parse.quote(type_name, safe='')
        asked = []
        for upstream in self.upstreams:
            if type_name != type_registry.ALL:
                if upstream.allows_type(type_name):
                    asked.append((upstream, path,
                                  forward_params(params, limit)))
            elif upstream.types:
                # all, at an upstream that serves some types: those only
                asked.append((upstream, path, forward_params(
                    params, limit, upstream.types)))
            else:
                asked.append((upstream, path, forward_params(params, limit)))
        return asked

    @staticmethod
    def _ask(upstream, path, params, hops, deadline, sent, keys):
        try:
            doc = upstream.get_json(path, params=params,
                                    headers={HOPS_HEADER: str(hops)},
                                    deadline=deadline, on_sent=sent.set,
                                    loads=parse_answer)
            source = upstream_source(upstream.name, doc)
            put_sort_keys(keys, source.entries)
            return source
        except upstreams_lib.UpstreamError as exc:
            LOG.info('Federated search: upstream %s: %s', upstream.name,
                     exc.detail)
            if exc.status == STATUS_TIMEOUT:
                # the same words whichever wait ran out
                return Source.failed(upstream.name, STATUS_TIMEOUT,
                                     _no_answer(upstream))
            # callers see the upstream's name, never where it is (as
            # GET /federation shows it)
            return Source.failed(upstream.name, exc.status,
                                 exc.detail.replace(upstream.url,
                                                    "the upstream's url"))
        except BadAnswer as exc:
            LOG.info('Federated search: upstream %s answered GET %s '
                     'wrongly: %s', upstream.name, path, exc)
            return Source.failed(upstream.name, STATUS_ERROR,
                                 'answer to GET %s: %s' % (path, exc))
        except Exception as exc:
            LOG.exception('Federated search: asking upstream %s failed',
                          upstream.name)
            return Source.failed(upstream.name, STATUS_ERROR,
                                 'the call failed here: %s' %
                                 type(exc).__name__)
        finally:
            sent.set()

    def _pool(self):
        """The worker's threads for upstream calls, made on first use (in
        the worker, after the fork) and kept: a call hands its work to an
        idle thread instead of starting one and waiting for it to run."""
        with self._pool_lock:
            if self._executor is None:
                self._executor = futures.ThreadPoolExecutor(
                    max_workers=THREADS_PER_UPSTREAM * max(
                        1, len(self.upstreams)),
                    thread_name_prefix='glare-federated')
            return self._executor

    def _start(self, asked, hops, keys):
        """The upstreams' calls, started: [(upstream, deadline, future)];
        keys: the merge's (sort_keys). Returns once each has written its
        request (or failed, or SEND_WAIT passed): see
        glare.services.upstreams on why."""
        started = time.monotonic()
        pool = self._pool() if asked else None
        calls, sent = [], []
        for upstream, path, params in asked:
            deadline = started + _timeout(upstream)
            event = threading.Event()
            sent.append(event)
            calls.append((upstream, deadline, pool.submit(
                self._ask, upstream, path, params, hops, deadline, event,
                keys)))
        for event in sent:
            event.wait(max(0.0, started + SEND_WAIT - time.monotonic()))
        return calls

    @staticmethod
    def _wait(calls):
        sources = []
        for upstream, deadline, future in calls:
            try:
                sources.append(future.result(
                    max(0.0, deadline + MARGIN - time.monotonic())))
            except futures.TimeoutError:
                # the call goes on until its own deadline, then ends
                sources.append(Source.failed(
                    upstream.name, STATUS_TIMEOUT, _no_answer(upstream)))
        return sources

    def list(self, context, type_name, params, hops_header=None):
        """The federated list body of GET /artifacts/{type_name} with
        params (pairs, federated among them) and the request's hops
        header (its raw value, or None)."""
        hops = parse_hops(hops_header)
        context.can(rules.FEDERATED_SEARCH, policy.policy_target(
            context, owner=context.project_id, type_name=type_name))
        if any(k == 'marker' for k, _v in params):
            raise exception.BadRequest(
                'marker cannot be used with federated=true: a federated '
                'search answers with one page from each catalog (no next '
                'link); ask for a larger limit or narrower filters')
        local_params = [(k, v) for k, v in params if k != listing.FEDERATED]
        spec, run_local = self.artifacts.prepare_list(context, type_name,
                                                      local_params)
        cut = hops >= self.upstreams.max_hops
        keys = sort_keys(spec.sorts)
        calls = [] if cut else self._start(
            self._asked(type_name, local_params, spec.limit), hops + 1,
            keys)
        body = run_local()
        if calls:
            body['artifacts'] = local_entries(keys, body['artifacts'])
        upstream_sources = self._wait(calls)
        cloud_id = self.identity.cloud_id()
        dedupe(cloud_id, body['artifacts'], upstream_sources)
        statuses, total = {}, body['total_count']
        for source in upstream_sources:
            statuses[source.path] = source.describe()
            statuses.update(source.nested)
            total += source.total
        body['artifacts'] = merge(
            keys, [body['artifacts']] + [s.entries for s in upstream_sources])
        body['total_count'] = total
        body.pop('next', None)
        body['first'] = listing.page_links(type_name, params, [],
                                           0)['first']
        body['cloud_id'] = cloud_id
        body['upstreams'] = statuses
        if cut:
            body['federation'] = MAX_HOPS
        return body
