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

"""The list query language: parameters → a ListSpec, and page links."""

import csv
import re
from urllib import parse

from oslo_utils import strutils

from glare.db import fulltext
from glare.db import query as list_query
from glare import exception
from glare.objects import fields as glare_fields

RESERVED = ('limit', 'marker', 'sort', 'tags', 'tags-any', 'member_status',
            'federated', 'q')
#: the sort by how well an artifact matches q (only with q)
RELEVANCE = 'relevance'
#: the longest q (longer: 400)
MAX_QUERY = fulltext.MAX_QUERY
#: the parameter of a federated search (glare.services.federated_search)
FEDERATED = 'federated'
#: member_status values: the statuses of the caller's memberships that
#: list another project's shared artifact ('all': any)
MEMBER_STATUSES = ('pending', 'accepted', 'rejected', 'all')
COMBINERS = ('and', 'or')
# Filter values per request (each tag, each in: value, each parameter).
# Every value becomes a term of the SQL condition, and databases refuse
# conditions past a size (SQLite: an expression depth of 1000), which was a
# 500 for e.g. tags=a,a,a,... with thousands of tags.
MAX_FILTER_VALUES = 255
#: what looks like an operator before a ':': a word. Not a URL's scheme
#: ('http://...'), nor the date of a datetime ('2024-01-01T10:00').
_OP_WORD = re.compile(r'[A-Za-z]+$')
#: the base field computed from the type (see DisplayNames)
DISPLAY_TYPE_NAME = 'display_type_name'


def federated(params):
    """(whether ?federated= asks for a federated search, the other
    parameters): true or false (absent: false), else 400."""
    values = [v for k, v in params if k == FEDERATED]
    rest = [(k, v) for k, v in params if k != FEDERATED]
    if not values:
        return False, rest
    if len(values) > 1:
        raise exception.BadRequest('federated is given more than once')
    try:
        return strutils.bool_from_string(values[0], strict=True), rest
    except ValueError as exc:
        raise exception.BadRequest('federated is true or false, not %r' %
                                   (values[0],)) from exc


def split_in_values(text):
    """'a,"b,c",d' → ['a', 'b,c', 'd'] (double quotes escape commas)."""
    try:
        rows = list(csv.reader([text], delimiter=',', quotechar='"',
                               skipinitialspace=False, strict=True))
    except csv.Error as exc:
        raise exception.InvalidFilter(reason='bad in: list %r (%s)' %
                                      (text, exc)) from exc
    return rows[0] if rows else []


def _ops_text(ops):
    return ', '.join(ops) or 'none'


def _parse_term(param, raw, ops, words_are_values=False):
    """'[and:|or:][op:]value' → (combiner, op, value); op None if not given.

    A word before the first ':' that is not an operator is a mistake
    (name=bogus:x), not part of the value: a value that starts with a
    word and a ':' is given with its operator (name=eq:bogus:x). Except
    where the field takes no eq (the tags lists): there it is the value.
    """
    combiner, rest = 'and', raw
    head, sep, tail = rest.partition(':')
    if sep and head in COMBINERS:
        combiner, rest = head, tail
        head, sep, tail = rest.partition(':')
    if sep and head in glare_fields.ALL_OPS:
        return combiner, head, tail
    if sep and not words_are_values and _OP_WORD.match(head) and \
            not tail.startswith('//'):
        hint = ('; to look for a value that contains a colon, give the '
                'operator: %s=eq:%s' % (param, rest)) \
            if glare_fields.EQ in ops else ''
        raise exception.InvalidFilter(
            reason='%r is not an operator (allowed for %s: %s)%s' % (
                head, param, _ops_text(ops), hint))
    return combiner, None, rest


def _check_op(name, op, ops):
    if op not in ops:
        raise exception.InvalidFilter(
            reason='operator %s is not allowed for %s (allowed: %s)' % (
                op, name, _ops_text(ops)))


def _coerce(field, name, raw, element=False):
    try:
        if element:
            return field._coerce_scalar(raw)
        if field.container is None and not field.is_blob:
            value = field.kind.coerce_value(raw)
            for v in field.validators:
                v(value)
            return value
        return field.kind.coerce_value(raw)
    except (ValueError, TypeError) as exc:
        raise exception.InvalidFilter(reason='bad value for %s: %s' %
                                      (name, exc)) from exc


def _values(field, name, op, raw, element):
    if op == 'in':
        return [_coerce(field, name, v, element) for v in
                split_in_values(raw)]
    if op == 'like':
        if not isinstance(field.kind, (glare_fields.String,)):
            raise exception.InvalidFilter(
                reason='like is only for strings (%s)' % name)
        return raw
    return _coerce(field, name, raw, element)


def _tags_filter(fields, name, raw):
    """tags=[and:|or:][neq:]a,b (all of them) and tags-any= (any)."""
    ops = fields['tags'].filter_ops if 'tags' in fields else ()
    combiner, op, value = _parse_term(name, raw, ops, words_are_values=True)
    if op is not None:
        _check_op(name, op, ops)
    if not value:
        raise exception.InvalidFilter(
            reason='%s takes a comma list of tags' % name)
    return list_query.Filter(
        name, op or glare_fields.EQ, value.split(','), combiner,
        target=name)


def parse_filter(fields, name, raw, display_names=None):
    """One 'name=value' query parameter → a Filter."""
    if '\x00' in name or '\x00' in raw:
        # values that skip coercion (tags, keys, like) must not reach SQL
        raise exception.InvalidFilter(reason='NUL characters are not '
                                             'allowed')
    if name in ('tags', 'tags-any'):
        return _tags_filter(fields, name, raw)
    param, key = name, None
    if name not in fields and '.' in name:
        name, _dot, key = name.partition('.')
    field = fields.get(name)
    if field is None:
        raise exception.InvalidFilter(reason='unknown field %r' % name)
    if field.is_blob:
        raise exception.InvalidFilter(
            reason='blob field %s is not filterable' % name)
    if key is not None and field.container != 'Dict':
        raise exception.InvalidFilter(
            reason='%s is not a dict: %s.%s is invalid' % (name, name, key))
    combiner, op, value = _parse_term(param, raw, field.filter_ops)
    op = op or glare_fields.EQ
    _check_op(name, op, field.filter_ops)
    if name == DISPLAY_TYPE_NAME:
        return (display_names or DisplayNames({})).filter(
            field, op, value, combiner)
    return _field_filter(field, name, key, op, value, combiner)


def _field_filter(field, name, key, op, value, combiner):
    """The Filter of a field's parsed term."""
    if name in list_query.SIGNAL_COLUMNS:
        return list_query.Filter(name, op, _signal_values(name, op, value),
                                 combiner, target='column')
    if field.container == 'Dict':
        if key is None:
            keys = split_in_values(value) if op == 'in' else value
            return list_query.Filter(name, op, keys, combiner,
                                     target='dict-key')
        return list_query.Filter(name, op,
                                 _values(field, name, op, value, True),
                                 combiner, target='dict-value',
                                 kind=field.kind, key=key)
    if field.container == 'List':
        return list_query.Filter(name, op,
                                 _values(field, name, op, value, True),
                                 combiner, target='list', kind=field.kind)
    coerced = _values(field, name, op, value, False)
    if name == 'version':
        return list_query.Filter(name, op, coerced, combiner, target='version')
    if name in list_query.COLUMNS:
        return list_query.Filter(name, op, coerced, combiner, target='column')
    return list_query.Filter(name, op, coerced, combiner, target='prop',
                             kind=field.kind)


def _signal_values(name, op, raw):
    """A star_count or downloads (its total: integers) or rating (its
    average: a number) filter's value or values."""
    kind = glare_fields.Float() if name == 'rating' else \
        glare_fields.Integer()
    try:
        if op == glare_fields.IN:
            return [kind.coerce_value(v) for v in split_in_values(raw)]
        return kind.coerce_value(raw)
    except ValueError as exc:
        raise exception.InvalidFilter(reason='bad value for %s: %s' %
                                      (name, exc)) from exc


class DisplayNames:
    """display_type_name is not stored: it is the type's. A filter on it
    is a condition on the type names whose display name matches, a sort
    on it an order of the type names by display name."""

    def __init__(self, names):
        self.names = dict(names)  # type name → display name

    def filter(self, field, op, raw, combiner):
        value = _values(field, DISPLAY_TYPE_NAME, op, raw, False)
        if op == glare_fields.LIKE:
            pattern = _like_pattern(value)
            match = pattern.fullmatch
        elif op == glare_fields.IN:
            match = set(value).__contains__
        elif op == glare_fields.NEQ:
            match = value.__ne__
        else:
            match = value.__eq__
        types = sorted(t for t, shown in self.names.items() if match(shown))
        return list_query.Filter(DISPLAY_TYPE_NAME, op, types, combiner,
                                 target='type-names')

    def ranks(self):
        """{type name: position of its display name in sorted order}."""
        order = sorted(set(self.names.values()))
        return {t: order.index(shown) for t, shown in self.names.items()}


def _like_pattern(value):
    """SQL LIKE (case-sensitive, '\\' escapes) as a regular expression."""
    out, chars = [], iter(value)
    for c in chars:
        if c == '\\':
            out.append(re.escape(next(chars, '\\')))
        elif c == '%':
            out.append('.*')
        elif c == '_':
            out.append('.')
        else:
            out.append(re.escape(c))
    return re.compile(''.join(out), re.DOTALL)


def parse_sort(fields, raw, display_names=None):
    sorts = []
    for part in raw.split(','):
        name, _sep, direction = part.strip().partition(':')
        direction = direction or 'desc'
        if direction not in ('asc', 'desc'):
            raise exception.InvalidSort(
                reason='direction %r is not asc or desc' % direction)
        if name == RELEVANCE:
            if sorts or ',' in raw:
                raise exception.InvalidSort(
                    reason='relevance is the only sort key when given')
            sorts.append(list_query.Sort(name, direction, 'relevance'))
            continue
        field = fields.get(name)
        if field is None or not field.sortable:
            raise exception.InvalidSort(
                reason='%r is not a sortable field' % name)
        if any(s.field == name for s in sorts):
            raise exception.InvalidSort(reason='%s is given twice' % name)
        if name == DISPLAY_TYPE_NAME:
            sorts.append(list_query.Sort(name, direction, 'type-rank', ranks=(
                display_names or DisplayNames({})).ranks()))
            continue
        target = 'version' if name == 'version' else (
            'column' if name in list_query.COLUMNS else 'prop')
        sorts.append(list_query.Sort(name, direction, target, field.kind))
    return sorts


def _limit(raw, conf):
    try:
        limit = int(raw)
    except (TypeError, ValueError) as exc:
        raise exception.BadRequest(
            'limit must be an integer, not %r' % raw) from exc
    if limit < 0:
        raise exception.BadRequest('limit must not be negative')
    return min(limit, conf.max_api_limit)


def build_spec(fields, params, type_name, project_id, see_all, conf,
               display_names=None):
    """Query parameters (a list of pairs) → ListSpec.

    display_names: a DisplayNames of the served types.
    """
    spec = list_query.ListSpec(type_name=type_name, project_id=project_id,
                               see_all=see_all, filters=[], sorts=[],
                               limit=min(conf.default_api_limit,
                                         conf.max_api_limit))
    for name, raw in params:
        if name == 'limit':
            spec.limit = _limit(raw, conf)
        elif name == 'marker':
            spec.marker = raw
        elif name == 'sort':
            if spec.sorts:
                raise exception.InvalidSort(reason='sort is given twice')
            spec.sorts = parse_sort(fields, raw, display_names)
        elif name == 'version' and raw == 'latest':
            spec.latest = True
        elif name == 'member_status':
            spec.member_statuses = _member_statuses(raw, spec)
        elif name == 'q':
            spec.text = _text(raw, spec)
        else:
            spec.filters.append(parse_filter(fields, name, raw,
                                             display_names))
            if sum(len(flt.value) if isinstance(flt.value, list) else 1
                   for flt in spec.filters) > MAX_FILTER_VALUES:
                raise exception.InvalidFilter(
                    reason='more than %d filter values' % MAX_FILTER_VALUES)
    if any(s.target == 'relevance' for s in spec.sorts) and \
            spec.text is None:
        raise exception.InvalidSort(reason='relevance needs q')
    spec.community = any(
        flt.field == 'visibility' and flt.op in ('eq', 'in') and
        'community' in (flt.value if isinstance(flt.value, list)
                        else [flt.value])
        for flt in spec.filters)
    return spec


def _text(raw, spec):
    if spec.text is not None:
        raise exception.BadRequest('q is given more than once')
    try:
        return fulltext.parse(raw)
    except ValueError as exc:
        raise exception.BadRequest(str(exc)) from exc


def _member_statuses(raw, spec):
    if spec.member_statuses is not None:
        raise exception.InvalidFilter(reason='member_status is given twice')
    if raw not in MEMBER_STATUSES:
        raise exception.InvalidFilter(
            reason='member_status is one of %s, not %r' % (
                ', '.join(MEMBER_STATUSES), raw))
    return MEMBER_STATUSES[:3] if raw == 'all' else (raw,)


def page_links(type_name, params, artifacts, limit):
    """The first/next links of a list body: repeated parameters kept."""
    base = '/artifacts/%s' % type_name
    kept = [(k, v) for k, v in params if k != 'marker']
    query = parse.urlencode(kept, encoding='utf-8')
    links = {'first': base + ('?' + query if query else '')}
    if limit and len(artifacts) == limit:
        marker = parse.urlencode([('marker', artifacts[-1]['id'])])
        links['next'] = base + '?' + (query + '&' if query else '') + marker
    return links
