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

"""Full-text search (q=): words, documents, queries, and their SQL.

One tokenizer here decides what a word is, for the documents and for the
queries alike; each backend module (sqlite, postgresql, mysql) only writes
these words in a form its own index reads back unchanged, so that the same
documents match on every database:

- SQLite: FTS5 with the ``ascii`` tokenizer, over the words joined by
  spaces (a word has no ASCII character but letters and digits, and FTS5's
  ``ascii`` tokenizer keeps every other character inside a token);
- PostgreSQL: a tsvector written lexeme by lexeme (no parser, no
  dictionary), with weights A-D and positions;
- MySQL/MariaDB: InnoDB FULLTEXT over a digest of each word, which is never
  shorter than innodb_ft_min_token_size nor a stopword.

A document has four parts, by weight: A the name, B the tags and keywords,
C the description, D every other string field (metadata values, lists and
dicts of strings, the catalog fields).
"""

import dataclasses
import re
import typing
import unicodedata


from glare.db import models
from glare.objects import fields as glare_fields

SEARCH = models.ArtifactSearch.__table__

#: the longest q accepted (longer: 400)
MAX_QUERY = 256
#: words are cut to this many characters (documents and queries alike)
MAX_WORD = 64
#: the words kept of each part of a document, in order (the rest of a
#: long description is not searchable); their sum with the gaps between
#: the parts stays under PostgreSQL's last position (16383)
PART_WORDS = {'a': 64, 'b': 1024, 'c': 4096, 'd': 4096}
#: the artifact's columns the search table keeps a copy of (see
#: glare.db.models.ArtifactSearch), and those that change after create
COPIED = ('type_name', 'owner', 'visibility', 'status', 'created_at',
          'updated_at')
SYNCED = ('owner', 'visibility', 'status', 'updated_at')
#: the parts by weight, highest first
PARTS = ('a', 'b', 'c', 'd')
#: fields whose words weigh B (with the tags)
KEYWORD_FIELDS = ('keywords',)
#: the fields of the parts a, b and c
OWN_PART_FIELDS = frozenset(('name', 'description', 'tags') +
                            KEYWORD_FIELDS)

_WORD = re.compile(r'[^\W_]+')


def words(text):
    """The words of text: runs of letters and digits, case-folded, with
    accents and other combining marks removed (café: cafe)."""
    if not text:
        return []
    if not text.isascii():
        text = ''.join(c for c in unicodedata.normalize('NFKD', text)
                       if not unicodedata.category(c).startswith('M'))
    return [w[:MAX_WORD] for w in _WORD.findall(text.casefold())]


# -- documents -----------------------------------------------------------

@dataclasses.dataclass
class Document:
    """The words of an artifact's parts: {'a': [...], ..., 'd': [...]}."""

    parts: dict

    def of(self, part):
        return self.parts.get(part, [])


def text_field(field):
    """Whether a field's values are free text: strings, not links,
    versions or dates."""
    return (type(field.kind) is glare_fields.String and
            not getattr(field, 'is_blob', False))


def document(name, description, tags, strings):
    """The Document of an artifact. strings: {field name: [its string
    values in order]} of its string fields other than name, description
    and tags (a list's values in order, a dict's in key order)."""
    keywords, other = [], []
    for field in KEYWORD_FIELDS:
        for value in strings.get(field, ()):
            keywords.extend(words(value))
    for field in sorted(strings):
        if field in OWN_PART_FIELDS:
            continue
        for value in strings[field]:
            other.extend(words(value))
    parts = {'a': words(name),
             'b': [w for t in tags for w in words(t)] + keywords,
             'c': words(description), 'd': other}
    return Document({p: ws[:PART_WORDS[p]] for p, ws in parts.items()})


def values_strings(fields, values):
    """document()'s strings of an artifact's values (fields: its type's
    declarations)."""
    out = {}
    for name, field in fields.items():
        value = values.get(name)
        if value is None or name in ('name', 'description', 'tags') or \
                not text_field(field):
            continue
        if field.container == 'List':
            out[name] = [v for v in value if v is not None]
        elif field.container == 'Dict':
            out[name] = [value[k] for k in sorted(value)
                         if value[k] is not None]
        elif isinstance(value, str):
            out[name] = [value]
    return out


def row_strings(fields, prop_rows):
    """document()'s strings of an artifact's property rows, read back
    (fields None: the type is unknown, every string value counts)."""
    grouped = {}
    for row in prop_rows:
        field = fields.get(row.name) if fields is not None else None
        if fields is not None and (field is None or not text_field(field)):
            continue
        value = row.string_value if row.string_value is not None else \
            row.text_value
        if value is None:
            continue
        order = (row.position if row.position is not None else -1,
                 row.key_name or '', row.id)
        grouped.setdefault(row.name, []).append((order, value))
    return {name: [v for _o, v in sorted(items)]
            for name, items in grouped.items()}


def copied(values, type_name=None):
    """The COPIED columns of an artifact's values (all of them)."""
    out = {c: values[c] for c in COPIED if c != 'type_name'}
    out['type_name'] = type_name or values['type_name']
    return out


def write(session, artifact_id, doc, columns, new=False):
    """Store an artifact's Document and its COPIED columns (replacing the
    one it had unless new)."""
    backend = backend_of(session.get_bind().dialect.name)
    if not new:
        delete(session, artifact_id)
    session.execute(backend.insert_statement(),
                    backend.row(artifact_id, doc, columns))


def insert_many(conn, docs):
    """Store the Documents of new artifacts: {artifact id: (Document,
    its COPIED columns)}."""
    if docs:
        backend = backend_of(conn.dialect.name)
        conn.execute(backend.insert_statement(),
                     [backend.row(i, doc, columns)
                      for i, (doc, columns) in docs.items()])


def sync(session, artifact_id, values):
    """Copy what values change of the artifact's COPIED columns."""
    changed = {c: values[c] for c in SYNCED if c in values}
    if changed:
        session.execute(SEARCH.update().where(
            SEARCH.c.artifact_id == artifact_id).values(**changed))


def delete(session, artifact_id):
    session.execute(SEARCH.delete().where(
        SEARCH.c.artifact_id == artifact_id))


# -- queries -------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Query:
    """A parsed q: all groups must match (a group: any of its phrases),
    no negative may. A phrase is a tuple of words, in order."""

    groups: typing.Tuple[typing.Tuple[tuple, ...], ...]
    negatives: typing.Tuple[tuple, ...]
    #: False: search the name, tags, keywords and description only (the
    #: caller may not read some other string field of the type)
    other: bool = True

    @property
    def empty(self):
        return not self.groups and not self.negatives

    def phrases(self):
        return [p for g in self.groups for p in g]


def _terms(q):
    """[(negated, phrase text)] and 'or' markers (None) of q."""
    out, i, n = [], 0, len(q)
    while i < n:
        c = q[i]
        if c.isspace():
            i += 1
            continue
        negated = c == '-' and i + 1 < n and not q[i + 1].isspace()
        if negated:
            i += 1
        if q[i] == '"':
            end = q.find('"', i + 1)
            end = n if end < 0 else end
            out.append((negated, q[i + 1:end]))
            i = end + 1
            continue
        start = i
        while i < n and not q[i].isspace() and q[i] != '"':
            i += 1
        text = q[start:i]
        if not negated and text.casefold() == 'or':
            out.append(None)
        else:
            out.append((negated, text))
    return out


def parse(q):
    """q → Query. Words must all match, "a phrase" in order, -word or
    -"a phrase" must not, and 'or' between two words or phrases makes
    either enough. Whatever q holds is a query (ValueError only when it
    is longer than MAX_QUERY); what is no word is left out."""
    if len(q) > MAX_QUERY:
        raise ValueError('q is longer than %d characters' % MAX_QUERY)
    groups, negatives, joined = [], [], False
    last_positive = False
    for term in _terms(q.replace('\x00', ' ')):
        if term is None:
            joined = last_positive
            continue
        negated, text = term
        phrase = tuple(words(text))
        if not phrase:
            continue
        if negated:
            negatives.append(phrase)
            last_positive = joined = False
        elif joined and groups:
            groups[-1].append(phrase)
            last_positive, joined = True, False
        else:
            groups.append([phrase])
            last_positive, joined = True, False
    return Query(tuple(tuple(_unique(g)) for g in groups),
                 tuple(_unique(negatives)))


def _unique(items):
    seen = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def backend_of(dialect):
    """The module of a dialect's full-text search."""
    if dialect == 'sqlite':
        from glare.db.fulltext import sqlite
        return sqlite
    if dialect == 'postgresql':
        from glare.db.fulltext import postgresql
        return postgresql
    if dialect in ('mysql', 'mariadb'):
        from glare.db.fulltext import mysql
        return mysql
    raise ValueError('no full-text search on %s' % dialect)


def matches(dialect, query, score=True, copied=False):
    """SELECT artifact_id[, score][, the COPIED columns] of the documents
    matching query's groups and none of its negatives (query has a
    group); higher scores are better matches."""
    stmt = backend_of(dialect).matches(query, score)
    if copied:
        stmt = stmt.add_columns(*[SEARCH.c[c] for c in COPIED])
    return stmt


def condition(dialect, query, artifact_id):
    """The SQL condition on an artifacts id column: its document matches
    query (not empty)."""
    if query.groups:
        return artifact_id.in_(_ids(matches(dialect, query, score=False)))
    # no word to find: every document but those with a negative
    either = Query((tuple(query.negatives),), (), query.other)
    return artifact_id.not_in(_ids(matches(dialect, either, score=False)))


def _ids(stmt):
    return stmt.with_only_columns(stmt.selected_columns.artifact_id)
