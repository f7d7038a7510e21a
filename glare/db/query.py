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

"""SQL for listing: filters, visibility scope, keyset paging, latest."""

import dataclasses
import typing

import sqlalchemy as sa
from sqlalchemy.ext import compiler as sa_compiler
from sqlalchemy.sql import visitors

from glare.db import fulltext
from glare.db import models
from glare import exception
from glare.objects import fields as glare_fields
from glare.objects import version as glare_version

ARTIFACTS = models.Artifact.__table__
PROPERTIES = models.ArtifactProperty.__table__
TAGS = models.ArtifactTag.__table__
MEMBERS = models.ArtifactMember.__table__

#: base fields that are plain columns of the artifacts table
COLUMNS = ('id', 'name', 'owner', 'status', 'created_at', 'updated_at',
           'activated_at', 'description', 'visibility', 'type_name',
           'star_count', 'rating', 'downloads')
#: base fields kept in a column of another name: the signals (API 1.6);
#: rating filters and sorts by its average, downloads by its total
SIGNAL_COLUMNS = {'star_count': 'star_count', 'rating': 'rating_average',
                  'downloads': 'downloads_total'}


def column_of(field):
    """The artifacts table's column of a column field."""
    return SIGNAL_COLUMNS.get(field, field)


@dataclasses.dataclass
class Filter:
    """One parsed filter term; values are already coerced."""

    field: str
    op: str
    value: typing.Any
    combiner: str = 'and'
    # column | version | tags | tags-any | prop | list | dict-key |
    # dict-value | type-names (the value: the type names that match)
    target: str = 'column'
    kind: typing.Any = None  # a glare field kind for properties
    key: str = None  # the dict key for dict-value filters


@dataclasses.dataclass
class Sort:
    field: str
    direction: str  # 'asc' | 'desc'
    target: str = 'column'  # column | version | prop | type-rank
    kind: typing.Any = None
    ranks: dict = None  # type-rank: {type name: its position}


@dataclasses.dataclass
class ListSpec:
    type_name: typing.Optional[str]
    project_id: typing.Optional[str]
    see_all: bool
    filters: list
    sorts: list
    limit: int
    marker: typing.Optional[str] = None
    latest: bool = False
    #: the member statuses that list another project's shared artifact
    #: (None: accepted)
    member_statuses: typing.Optional[tuple] = None
    #: whether other projects' community artifacts are in scope (only
    #: when the visibility filter asks for them)
    community: bool = False
    #: q: a glare.db.fulltext.Query
    text: typing.Optional[fulltext.Query] = None
    #: the database's dialect name (set by run_list: the full-text SQL
    #: is the database's own)
    dialect: typing.Optional[str] = None


# -- filters ---------------------------------------------------------------

def _value_column(kind):
    if isinstance(kind, glare_fields.Boolean):
        return PROPERTIES.c.bool_value
    if isinstance(kind, glare_fields.Integer):
        return PROPERTIES.c.int_value
    if isinstance(kind, glare_fields.Float):
        return PROPERTIES.c.numeric_value
    return PROPERTIES.c.string_value


def _store_form(kind, value):
    if isinstance(kind, glare_fields.DateTime):
        return glare_fields.format_datetime(value)
    return value


def _compare(col, op, value):
    if op == 'eq':
        return col == value
    if op == 'neq':
        return col != value
    if op == 'in':
        return col.in_(value)
    if op == 'gt':
        return col > value
    if op == 'gte':
        return col >= value
    if op == 'lt':
        return col < value
    if op == 'lte':
        return col <= value
    if op == 'like':
        return col.like(value)
    raise ValueError(op)


def _string_compare(kind, op, value):
    """Compare a string property; long values live in text_value."""
    if not isinstance(kind, (glare_fields.String, glare_fields.DateTime)):
        return _compare(_value_column(kind), op, value)
    if op == 'in':
        values = [_store_form(kind, v) for v in value]
        short = [v for v in values if len(v) <= models.INDEXED_STRING_LEN]
        long_ = [v for v in values if len(v) > models.INDEXED_STRING_LEN]
        conds = []
        if short:
            conds.append(PROPERTIES.c.string_value.in_(short))
        if long_:
            conds.append(PROPERTIES.c.text_value.in_(long_))
        return sa.or_(*conds) if conds else sa.false()
    value = _store_form(kind, value)
    if op == 'like':
        return sa.or_(PROPERTIES.c.string_value.like(value),
                      PROPERTIES.c.text_value.like(value))
    if op in ('eq', 'neq') and len(value) > models.INDEXED_STRING_LEN:
        return _compare(PROPERTIES.c.text_value, op, value)
    return _compare(PROPERTIES.c.string_value, op, value)


def _prop_ids(name, *conds):
    return sa.select(PROPERTIES.c.artifact_id).where(
        PROPERTIES.c.name == name, *conds)


def _version_compare(op, value):
    if op == 'in':
        return sa.or_(*[_version_compare('eq', v) for v in value])
    v = glare_version.parse(value)
    pre, suf = glare_version.prefix(v), glare_version.suffix(v)
    if op == 'eq':
        return sa.and_(ARTIFACTS.c.version_prefix == pre,
                       ARTIFACTS.c.version_suffix == suf)
    if op == 'neq':
        return sa.not_(sa.and_(ARTIFACTS.c.version_prefix == pre,
                               ARTIFACTS.c.version_suffix == suf))
    gt = sa.or_(ARTIFACTS.c.version_prefix > pre,
                sa.and_(ARTIFACTS.c.version_prefix == pre,
                        ARTIFACTS.c.version_suffix > suf))
    lt = sa.or_(ARTIFACTS.c.version_prefix < pre,
                sa.and_(ARTIFACTS.c.version_prefix == pre,
                        ARTIFACTS.c.version_suffix < suf))
    eq = sa.and_(ARTIFACTS.c.version_prefix == pre,
                 ARTIFACTS.c.version_suffix == suf)
    return {'gt': gt, 'lt': lt, 'gte': sa.or_(gt, eq),
            'lte': sa.or_(lt, eq)}[op]


#: columns of a few values each: their own index is the worst way to a
#: page under a visibility scope (tens of thousands of rows to check)
_LOW_CARDINALITY = ('visibility', 'status')


def filter_clause(flt, scoped=False):
    """SQL condition for one Filter. scoped: the rows come from the
    indexes of the visibility scope's parts, which find them better."""
    t = flt.target
    if t == 'column':
        col = ARTIFACTS.c[column_of(flt.field)]
        if scoped and flt.field in _LOW_CARDINALITY:
            col = _NoIndex(col)
        return _compare(col, flt.op, flt.value)
    if t == 'version':
        return _version_compare(flt.op, flt.value)
    if t == 'type-names':
        return ARTIFACTS.c.type_name.in_(flt.value)
    if t in ('tags', 'tags-any'):
        tags = flt.value
        if t == 'tags-any':
            has_any = ARTIFACTS.c.id.in_(sa.select(TAGS.c.artifact_id).where(
                TAGS.c.value.in_(tags)))
            return sa.not_(has_any) if flt.op == 'neq' else has_any
        conds = [ARTIFACTS.c.id.in_(sa.select(TAGS.c.artifact_id).where(
            TAGS.c.value == tag)) for tag in tags]
        clause = sa.and_(*conds)
        return sa.not_(clause) if flt.op == 'neq' else clause
    if t == 'dict-key':
        if flt.op == 'in':
            return ARTIFACTS.c.id.in_(_prop_ids(
                flt.field, PROPERTIES.c.key_name.in_(flt.value)))
        has = ARTIFACTS.c.id.in_(_prop_ids(
            flt.field, PROPERTIES.c.key_name == flt.value))
        return sa.not_(has) if flt.op == 'neq' else has
    if t == 'dict-value':
        return ARTIFACTS.c.id.in_(_prop_ids(
            flt.field, PROPERTIES.c.key_name == flt.key,
            _string_compare(flt.kind, flt.op, flt.value)))
    if t == 'list':
        # list_field=x: the list contains x; neq: it does not
        if flt.op == 'neq':
            return sa.not_(ARTIFACTS.c.id.in_(_prop_ids(
                flt.field, _string_compare(flt.kind, 'eq', flt.value))))
        return ARTIFACTS.c.id.in_(_prop_ids(
            flt.field, _string_compare(flt.kind, flt.op, flt.value)))
    if t == 'prop':
        return ARTIFACTS.c.id.in_(_prop_ids(
            flt.field, _string_compare(flt.kind, flt.op, flt.value)))
    raise ValueError(t)


class _NoIndex(sa.sql.ColumnElement):
    """A column SQLite must not look up through an index: '+col'.

    Without ANALYZE statistics SQLite guesses that an equality on the first
    column of any index matches 10 rows, fewer than the 25 it guesses for
    'id IN (subquery)'. So for 'type_name = ? AND id IN (SELECT artifact_id
    FROM properties WHERE name = ? AND string_value = ?)' it walks every
    artifact of the type (100,000 rows: 150 ms) instead of the few ids the
    property index gives (0.5%: 1.5 ms). The unary '+' is SQLite's own way
    to take a term out of index selection; other databases plan from
    statistics and get the plain column.
    """

    inherit_cache = True
    _traverse_internals = [
        ('column', visitors.InternalTraversal.dp_clauseelement)]

    def __init__(self, column):
        self.column = column
        self.type = column.type


@sa_compiler.compiles(_NoIndex)
def _no_index(element, compiler, **kw):
    return compiler.process(element.column, **kw)


@sa_compiler.compiles(_NoIndex, 'sqlite')
def _no_index_sqlite(element, compiler, **kw):
    return '+' + compiler.process(element.column, **kw)


#: filters answered by 'id IN (subquery)' through an index of their own
_SUBQUERY_TARGETS = ('prop', 'list', 'dict-key', 'dict-value', 'tags',
                     'tags-any')


def _narrowing_subquery(spec):
    """Whether an ANDed eq/in filter (or q) names the artifacts by
    subquery."""
    return spec.text is not None or any(
        flt.combiner == 'and' and flt.op in ('eq', 'in') and
        flt.target in _SUBQUERY_TARGETS for flt in spec.filters)


def _selective(spec):
    """Whether an ANDed eq/in filter picks few artifacts through an index
    of its own: by subquery, or on the name, id or owner columns."""
    return _narrowing_subquery(spec) or any(
        flt.combiner == 'and' and flt.op in ('eq', 'in') and
        flt.target == 'column' and flt.field in ('id', 'name', 'owner')
        for flt in spec.filters)


def _visibilities(spec):
    """The visibilities an ANDed eq/in filter allows (None: any)."""
    allowed = None
    for flt in spec.filters:
        if flt.field == 'visibility' and flt.combiner == 'and' and \
                flt.op in ('eq', 'in'):
            values = set(flt.value if isinstance(flt.value, list)
                         else [flt.value])
            allowed = values if allowed is None else allowed & values
    return allowed


def _narrow_scope(spec):
    """Whether the visibility filter keeps only private and shared
    artifacts: the caller's own and those shared with it, a few rows
    that the owner and member indexes find (the member's inbox)."""
    if spec.see_all or not spec.project_id:
        return False
    allowed = _visibilities(spec)
    return allowed is not None and allowed <= {'private', 'shared'}


def _scope_parts(spec, walk=False, cols=None):
    """What the caller may list, as disjoint conditions: public, its own
    (not public), community when asked (not its own), and shared artifacts
    of others it is a member of in the statuses asked for (last).

    The membership is a lookup in ix_glare_member_member (member, status,
    artifact_id). Disjoint, so that the count is the sum of the parts'
    counts, each through an index of its own (see count_statement).
    """
    visibility, owner = ARTIFACTS.c.visibility, ARTIFACTS.c.owner
    ids = ARTIFACTS.c.id
    if cols is not None:
        # the search rows' copies (see _text_fast)
        visibility, owner, ids = cols
    elif walk:
        # a page walked in the order of an index (newest first), each row
        # checked: SQLite must not collect the parts through their
        # indexes instead and sort every visible row
        visibility, owner = _NoIndex(visibility), _NoIndex(owner)
    project = spec.project_id
    # parts the visibility filter rules out are left out: the planner
    # cannot tell, and would look them up
    allowed = _visibilities(spec)
    parts = [visibility == 'public'] if allowed is None or \
        'public' in allowed else []
    if spec.community:
        parts.append(sa.and_(visibility == 'community', owner != project)
                     if project else visibility == 'community')
    if project:
        shared_with = sa.select(MEMBERS.c.artifact_id).where(
            MEMBERS.c.member == project,
            MEMBERS.c.status.in_(spec.member_statuses or ('accepted',)))
        # the shared part starts from the member rows (a few per project):
        # SQLite, without statistics, would rather walk every shared
        # artifact of the type through ix_glare_artifact_type_visibility
        if cols is None:
            shared = (_NoIndex(ARTIFACTS.c.visibility),
                      _NoIndex(ARTIFACTS.c.owner))
        else:
            shared = (visibility, owner)
        parts += [sa.and_(owner == project, visibility != 'public'),
                  sa.and_(shared[0] == 'shared', shared[1] != project,
                          ids.in_(shared_with))]
    return parts


def _scope(spec, walk=False):
    parts = _scope_parts(spec, walk)
    if not parts:
        return sa.false()
    return sa.or_(*parts) if len(parts) > 1 else parts[0]


def _relevance(spec):
    """Whether the list is sorted by relevance to q."""
    return any(s.target == 'relevance' for s in spec.sorts)


def _text_joined(spec):
    """Whether the rows come from a join with q's matches (q has words
    to find): then q is not a condition of _where too. The database
    finds the matches once, in its full-text index, and looks each up
    in the artifacts table, instead of checking each artifact of a
    visibility part against the matches found again for every part."""
    return spec.text is not None and bool(spec.text.groups)


def _text_matches(spec):
    matches = fulltext.matches(spec.dialect, spec.text,
                               score=_relevance(spec))
    if spec.dialect in ('postgresql', 'sqlite'):
        # found first, once: joined with the artifacts table and a filter
        # of an indexed column (status=active), both would rather walk
        # that index and search the words again for every row (0.5 s at
        # 10,000 artifacts on SQLite; PostgreSQL did it in the page's
        # order with no filter at all)
        return matches.cte('text_match').prefix_with('MATERIALIZED')
    return matches.subquery('text_match')


def _where(spec, scope=True, plan=None, joined=False):
    """The conditions of a list. plan: 'walk' (the page follows the
    order's index, checking each row), 'parts' (the rows come from the
    scope's own indexes) or None (as the filters decide). joined: the
    rows are joined with q's matches (see _text_joined)."""
    if joined and _text_joined(spec):
        # the matches lead (see _text_joined): no index of the artifacts
        # table may tempt the planner to walk it and search each row
        plan = 'walk'
    conds = [ARTIFACTS.c.status != 'deleted']
    if spec.text is not None and not (joined and _text_joined(spec)):
        conds.append(fulltext.condition(spec.dialect, spec.text,
                                        ARTIFACTS.c.id))
    if spec.type_name is not None:
        type_col = _NoIndex(ARTIFACTS.c.type_name) \
            if _narrowing_subquery(spec) or plan == 'parts' \
            else ARTIFACTS.c.type_name
        conds.append(type_col == spec.type_name)
    if scope and not spec.see_all:
        conds.append(_scope(spec, walk=plan == 'walk'))
    ors = []
    for flt in spec.filters:
        clause = filter_clause(flt, scoped=plan == 'parts')
        (ors if flt.combiner == 'or' else conds).append(clause)
    if ors:
        conds.append(sa.or_(*ors))
    return conds


# -- sorting and keyset paging -----------------------------------------------

def _sort_columns(spec, base):
    """[(column expression, direction)] incl. the tie-breakers, and the
    joins they need (q's matches first when joined)."""
    out, joins = [], []
    match = None
    if _text_joined(spec):
        match = _text_matches(spec)
        joins.append((match, None))
    for i, s in enumerate(spec.sorts):
        if s.target == 'relevance':
            # only words that must not be there: all score alike
            if match is not None:
                out.append((match.c.score, s.direction))
            out.append((base.c.updated_at, 'desc'))
        elif s.target == 'version':
            out += [(base.c.version_prefix, s.direction),
                    (base.c.version_suffix, s.direction)]
        elif s.target == 'column':
            out.append((base.c[column_of(s.field)], s.direction))
        elif s.target == 'type-rank':
            # a number, so that every backend orders the same way
            out.append((sa.case(s.ranks, value=base.c.type_name,
                                else_=len(s.ranks)) if s.ranks
                        else sa.literal(0), s.direction))
        else:
            alias = PROPERTIES.alias('sort_%d' % i)
            joins.append((alias, s.field))
            out.append((alias.c[_value_column(s.kind).name], s.direction))
    names = [s.field for s in spec.sorts]
    if 'created_at' not in names and not _relevance(spec):
        out.append((base.c.created_at, 'desc'))
    if 'id' not in names:
        out.append((base.c.id, 'asc'))
    return out, joins


def _not_null(col):
    return getattr(col, 'nullable', True) is False


def _order_by(cols, narrowing=False):
    """ORDER BY terms: NULLs first ascending, last descending, on every
    backend.

    A NOT NULL column needs no NULL term, and without one a database can
    walk an index in the order asked (ix_glare_artifact_type_created for
    the default created_at desc, id) and stop at the page's end instead
    of sorting every visible row. Except when a filter names the
    artifacts by subquery (narrowing): then the terms stay, or SQLite
    would walk that index instead of the filter's (test_query_plan).
    """
    clauses = []
    for col, direction in cols:
        if not narrowing and _not_null(col):
            clauses.append(col.asc() if direction == 'asc' else col.desc())
        elif direction == 'asc':
            clauses += [col.is_not(None).asc(), col.asc()]
        else:
            clauses += [col.is_not(None).desc(), col.desc()]
    return clauses


def _after(col, direction, m):
    if _not_null(col):
        return col > m if direction == 'asc' else col < m
    if direction == 'asc':
        return col.is_not(None) if m is None else col > m
    return sa.false() if m is None else sa.or_(col < m, col.is_(None))


def _equal(col, m):
    return col.is_(None) if m is None else col == m


def _keyset(cols, marker_values):
    terms = []
    for i, (col, direction) in enumerate(cols):
        eqs = [_equal(c, marker_values[j]) for j, (c, _d) in
               enumerate(cols[:i])]
        terms.append(sa.and_(*eqs, _after(col, direction, marker_values[i])))
    return sa.or_(*terms)


def _base_query(spec):
    """Filtered rows of the artifacts table (latest applied) as a FROM."""
    if spec.latest:
        query = sa.select(ARTIFACTS).where(*_where(spec))
        rank = sa.func.row_number().over(
            partition_by=(ARTIFACTS.c.type_name, ARTIFACTS.c.name),
            order_by=(ARTIFACTS.c.version_prefix.desc(),
                      ARTIFACTS.c.version_suffix.desc(),
                      ARTIFACTS.c.created_at.desc()))
        inner = query.add_columns(rank.label('glare_rank')).subquery()
        return sa.select(*[inner.c[c.name] for c in ARTIFACTS.c]).where(
            inner.c.glare_rank == 1).subquery('af')
    return None


def _from(spec, joined=False):
    latest = _base_query(spec)
    if latest is not None:
        return latest, []
    return ARTIFACTS, _where(spec, joined=joined)


def _with_joins(query, base, joins):
    for alias, name in joins:
        if name is None:  # the full-text matches: those rows only
            query = query.join(alias, alias.c.artifact_id == base.c.id)
            continue
        query = query.outerjoin(alias, sa.and_(
            alias.c.artifact_id == base.c.id, alias.c.name == name,
            alias.c.key_name.is_(None), alias.c.position.is_(None)))
    return query


def marker_values(session, spec, marker_id):
    """The sort key values of the marker row, or None if not visible."""
    base, conds = _from(spec, joined=True)
    cols, joins = _sort_columns(spec, base)
    query = _with_joins(sa.select(*[c for c, _d in cols]).select_from(base),
                        base, joins)
    row = session.execute(query.where(base.c.id == marker_id,
                                      *conds)).first()
    return None if row is None else list(row)


def count_statement(spec):
    """SELECT of the number of rows a list has in all its pages.

    Under a visibility scope, the sum of one count per scope part: an OR
    of the parts let the databases walk every artifact of the type
    checking each (22 ms at 100k artifacts on SQLite), where each part
    alone is an index range (public, own, community) or a lookup from
    the member rows (shared).
    """
    base, conds = _from(spec, joined=True)
    if base is ARTIFACTS and _text_joined(spec):
        # one count over the matches found once (see _text_joined)
        match = _text_matches(spec)
        return sa.select(sa.func.count()).select_from(ARTIFACTS.join(
            match, match.c.artifact_id == ARTIFACTS.c.id)).where(*conds)
    if base is ARTIFACTS and not spec.see_all:
        others = _where(spec, scope=False)
        # with a filter's subquery naming the artifacts, every part is
        # counted from its ids (the parts' columns out of index choice)
        parts = _scope_parts(spec, walk=_narrowing_subquery(spec))
        # the shared part (last) from the member rows, not the type's index
        shared = parts.pop() if spec.project_id else None
        counts = [sa.select(sa.func.count()).select_from(ARTIFACTS)
                  .where(*others, part).scalar_subquery()
                  for part in parts]
        if shared is not None:
            counts.append(sa.select(sa.func.count()).select_from(ARTIFACTS)
                          .where(*_where(spec, scope=False, plan='parts'),
                                 shared).scalar_subquery())
        if not counts:
            return sa.select(sa.literal(0))
        total = counts[0]
        for count in counts[1:]:
            total = total + count
        return sa.select(total)
    count_q = sa.select(sa.func.count()).select_from(base)
    return count_q.where(*conds) if conds else count_q


def page_statement(spec, mvals=None):
    """SELECT of one page: after the row whose sort values are mvals.

    Three plans, chosen from the request: a selective filter's index
    then a sort of its few rows; for the inbox-like lists of private and
    shared artifacts, the owner's and the member rows' indexes then a
    sort; else a walk of the order's index (newest first of the type, or
    of all types) that checks each row and stops at the page's end.
    """
    base, conds = _from(spec, joined=True)
    if base is ARTIFACTS:
        if _narrow_scope(spec):
            conds = _where(spec, plan='parts', joined=True)
        elif not _selective(spec) and not spec.see_all:
            conds = _where(spec, plan='walk', joined=True)
    cols, joins = _sort_columns(spec, base)
    columns = ((ARTIFACTS,) if base is ARTIFACTS
               else [base.c[c.name] for c in ARTIFACTS.c])
    query = _with_joins(sa.select(*columns).select_from(base), base, joins)
    if conds:
        query = query.where(*conds)
    if mvals is not None:
        query = query.where(_keyset(cols, mvals))
    return query.order_by(*_order_by(cols, _selective(spec))).limit(
        spec.limit)


# -- lists with q from the search rows alone ---------------------------------

#: the sorts a list with q orders by from the search rows' copies
_COPIED_SORTS = ('created_at', 'updated_at')


def _text_fast(spec):
    """Whether the list is q (with words to find) and the caller's scope
    only, in the order of relevance or of a date: the search rows' copies
    of the artifacts' columns decide and order it, and the artifacts table
    is read for the page's rows alone."""
    return _text_joined(spec) and not spec.filters and not spec.latest \
        and all(s.target == 'relevance' or (
            s.target == 'column' and s.field in _COPIED_SORTS)
            for s in spec.sorts)


def _copied_conds(spec, c):
    """The conditions of a _text_fast list on the search rows' copies (c:
    the columns of the search table, or of its matches)."""
    conds = [c.status != 'deleted']
    if spec.type_name is not None:
        conds.append(c.type_name == spec.type_name)
    if not spec.see_all:
        parts = _scope_parts(spec, cols=(c.visibility, c.owner,
                                         c.artifact_id))
        conds.append(sa.or_(*parts) if len(parts) > 1 else
                     parts[0] if parts else sa.false())
    return conds


def _fast_parts(spec):
    """(the matches in the caller's scope with their copied columns,
    conditions on them (none: they are inside), sort columns)."""
    stmt = fulltext.matches(spec.dialect, spec.text,
                            score=_relevance(spec), copied=True).where(
        *_copied_conds(spec, fulltext.SEARCH.c))
    if spec.dialect == 'postgresql' and _relevance(spec):
        # computed below the count and the sort: else the planner scores
        # each match above them, and the window count keeps every
        # match's tsvector aside for it (megabytes written to a
        # temporary file for a common word)
        stmt = stmt.offset(0)
    m = stmt.subquery('text_match')
    conds = []
    cols = []
    for s in spec.sorts:
        if s.target == 'relevance':
            cols += [(m.c.score, s.direction), (m.c.updated_at, 'desc')]
        else:
            cols.append((m.c[s.field], s.direction))
    names = [s.field for s in spec.sorts]
    if 'created_at' not in names and not _relevance(spec):
        cols.append((m.c.created_at, 'desc'))
    cols.append((m.c.artifact_id, 'asc'))
    return m, conds, cols


def _fast_list(session, spec):
    """run_list of a _text_fast spec: the page's ids in order (with the
    total on a first page), then their rows."""
    m, conds, cols = _fast_parts(spec)
    query = sa.select(m.c.artifact_id).where(*conds)
    if spec.marker is None:
        if spec.dialect == 'sqlite' and (spec.project_id or spec.see_all):
            return _sqlite_first_page(session, spec, m, conds, cols)
        query = query.add_columns(sa.func.count().over().label('total'))
        total = None
    else:
        mvals = session.execute(sa.select(*[c for c, _d in cols]).where(
            m.c.artifact_id == spec.marker, *conds)).first()
        if mvals is None:
            raise exception.ArtifactNotFound(id=spec.marker)
        total = session.execute(sa.select(sa.func.count()).select_from(
            m).where(*conds)).scalar()
        query = query.where(_keyset(cols, list(mvals)))
    # the copies are NOT NULL: no NULL terms to sort by (the search rows
    # have no index of these columns to walk instead)
    ordered = session.execute(query.order_by(*_order_by(cols)).limit(
        spec.limit)).all()
    if total is None:
        total = ordered[0].total if ordered else 0
    return _rows_in_order(session, [o.artifact_id for o in ordered]), total


#: the rows of the artifacts table a first page in the default order may
#: walk (newest first, each tested for q), before it sorts the matches
_WALK_ROWS = 4000
#: the best matches scored first for a first page by relevance, as a
#: multiple of the page's share of them (see _sqlite_best_page)
_BEST_MARGIN = 3


def _sqlite_first_page(session, spec, m, conds, cols):
    """The first page of a _text_fast list on SQLite, and its total, for
    a caller who sees most of the matches (a project: the anonymous one
    sees the public ones, a few, sorted and counted in one statement).

    A window count would keep every match aside (13 ms for the 17,000 of
    a common word at 100,000 artifacts): the total is counted alone, and
    the page comes, when the matches are many, from a plan that reads a
    few of them: newest first, a walk of the artifacts in that order
    testing each for q (the matches are dense, the walk short); by
    relevance, the best scores from the FTS5 index alone and then the
    search rows of those only. Either is exact or not taken (the sort of
    every match then, as on the other databases).
    """
    total = session.execute(sa.select(sa.func.count()).select_from(
        m).where(*conds)).scalar()
    if not total:
        return [], 0
    ids = None
    if _relevance(spec) and spec.sorts[0].direction == 'desc':
        ids = _sqlite_best_page(session, spec, total)
    elif not spec.sorts:
        ids = _sqlite_walked_page(session, spec, total)
    if ids is None:
        ids = session.execute(sa.select(m.c.artifact_id).where(
            *conds).order_by(*_order_by(cols)).limit(spec.limit)).scalars(
        ).all()
    return _rows_in_order(session, ids), total


def _sqlite_walked_page(session, spec, total):
    """The first page in the default order (created_at desc, id) by a
    walk of the artifacts newest first, or None when the walk would be
    long: the matches in scope are few for the artifacts there are, or
    the first _WALK_ROWS do not hold a page of them."""
    fts = fulltext.backend_of(spec.dialect)  # sqlite
    rows = session.execute(sa.select(sa.func.max(
        fulltext.SEARCH.c.id))).scalar() or 0
    # the rows walked for a page if the matches are spread evenly
    if spec.limit * rows > total * _WALK_ROWS // 2:
        return None
    hit = [ARTIFACTS.c.status != 'deleted']
    if not spec.see_all:
        hit.append(_scope(spec, walk=True))
    hit.append(fts.found(spec.text, ARTIFACTS.c.id))
    # the walk, _WALK_ROWS rows of the type at most, each tested for the
    # scope, then for q (in that order: SQLite stops at the first false
    # term); the first hits in the walk's order are the page's
    walked = sa.select(ARTIFACTS.c.id, ARTIFACTS.c.created_at,
                       sa.and_(*hit).label('hit'))
    if spec.type_name is not None:
        walked = walked.where(ARTIFACTS.c.type_name == spec.type_name)
    walked = walked.order_by(ARTIFACTS.c.created_at.desc(),
                             ARTIFACTS.c.id.asc()).limit(
        _WALK_ROWS).subquery()
    hits = session.execute(sa.select(walked.c.id, walked.c.created_at).where(
        walked.c.hit).limit(spec.limit)).all()
    if len(hits) < min(spec.limit, total):
        return None  # the walk ended before a page (or every match)
    hits.sort(key=lambda r: r.id)
    hits.sort(key=lambda r: r.created_at, reverse=True)
    return [r.id for r in hits]


def _sqlite_best_page(session, spec, total):
    """The first page by relevance from the best scored matches, or None
    when those do not hold it for sure."""
    fts = fulltext.backend_of(spec.dialect)  # sqlite
    search = fulltext.SEARCH
    matched = session.execute(fts.count(spec.text)).scalar()
    # the caller's scope keeps total of the matched: the best k hold
    # about k * total / matched of its matches
    k = spec.limit * _BEST_MARGIN * -(-matched // total) + spec.limit
    if k >= matched or total * 4 < matched:
        # as well score them all (and scored in the index, every match
        # would be, where the sort scores only those in scope)
        return None
    best = session.execute(fts.best(spec.text, k)).all()
    scores = {r.id: r.score for r in best}
    rows = session.execute(sa.select(
        search.c.id, search.c.artifact_id, search.c.updated_at).where(
        search.c.id.in_(list(scores)), *_copied_conds(spec, search.c))).all()
    # the order of the sort of every match: score desc, updated_at desc,
    # artifact_id
    rows.sort(key=lambda r: r.artifact_id)
    rows.sort(key=lambda r: (scores[r.id], r.updated_at), reverse=True)
    page = rows[:spec.limit]
    if len(best) == k and (len(page) < spec.limit or
                           scores[page[-1].id] <= best[-1].score):
        # a match not scored may be as good as the page's last
        return None
    return [r.artifact_id for r in page]


def _first_text_page(session, spec):
    """The first page of a list with q, and its total, in one pass over
    the matches: their ids in order with the count of them all (the rows
    sorted are narrow), then the page's rows by id."""
    ordered = session.execute(page_statement(spec).with_only_columns(
        ARTIFACTS.c.id, sa.func.count().over().label('glare_total'))).all()
    return _rows_in_order(session, [o.id for o in ordered]), \
        ordered[0].glare_total if ordered else 0


def _rows_in_order(session, ids):
    """The artifacts rows of ids, in their order (one query; an id whose
    row went meanwhile is left out)."""
    if not ids:
        return []
    rows = {r.id: r for r in session.execute(sa.select(ARTIFACTS).where(
        ARTIFACTS.c.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def run_list(session, spec):
    if spec.text is not None:
        if spec.text.empty:
            return [], 0  # q has no word: nothing matches
        spec = dataclasses.replace(spec, dialect=session.dialect.name)
        if _text_fast(spec) and spec.limit:
            return _fast_list(session, spec)
        if _text_joined(spec) and spec.marker is None and spec.limit and \
                not spec.latest:
            return _first_text_page(session, spec)
    total = session.execute(count_statement(spec)).scalar()
    if spec.limit == 0:
        return [], total
    mvals = None
    if spec.marker is not None:
        mvals = marker_values(session, spec, spec.marker)
        if mvals is None:
            raise exception.ArtifactNotFound(id=spec.marker)
    return session.execute(page_statement(spec, mvals)).all(), total
