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

"""Full-text search on SQLite: an FTS5 index of the search table.

glare_artifact_fts is an external-content FTS5 table over
glare_artifact_search (its rowid the search row's id), kept in step by the
triggers of DDL, in the writer's own transaction. The words are stored
joined by spaces; the ``ascii`` tokenizer splits them there and nowhere
else (a word's characters are ASCII letters and digits, which it keeps, or
non-ASCII, which it keeps too).
"""

import sqlalchemy as sa

from glare.db import models

SEARCH = models.ArtifactSearch.__table__
FTS = 'glare_artifact_fts'
#: bm25 weights of the parts a, b, c, d
WEIGHTS = (8.0, 4.0, 2.0, 1.0)

#: the FTS5 table and its triggers (run after the search table is made)
DDL = (
    "CREATE VIRTUAL TABLE glare_artifact_fts USING fts5("
    "a, b, c, d, content='glare_artifact_search', content_rowid='id', "
    "tokenize='ascii')",
    "CREATE TRIGGER glare_artifact_search_ai AFTER INSERT ON "
    "glare_artifact_search BEGIN INSERT INTO glare_artifact_fts"
    "(rowid, a, b, c, d) VALUES (new.id, new.a, new.b, new.c, new.d); END",
    "CREATE TRIGGER glare_artifact_search_ad AFTER DELETE ON "
    "glare_artifact_search BEGIN INSERT INTO glare_artifact_fts"
    "(glare_artifact_fts, rowid, a, b, c, d) VALUES "
    "('delete', old.id, old.a, old.b, old.c, old.d); END",
    "CREATE TRIGGER glare_artifact_search_au AFTER UPDATE OF a, b, c, d ON "
    "glare_artifact_search BEGIN INSERT INTO glare_artifact_fts"
    "(glare_artifact_fts, rowid, a, b, c, d) VALUES "
    "('delete', old.id, old.a, old.b, old.c, old.d); "
    "INSERT INTO glare_artifact_fts(rowid, a, b, c, d) "
    "VALUES (new.id, new.a, new.b, new.c, new.d); END",
)

_FTS = sa.table(FTS, sa.column('rowid'))
_FTS_NAME = sa.literal_column(FTS)


def row(artifact_id, doc, columns):
    """The parameters of insert_statement() for a Document and the
    artifact's copied columns."""
    return {'artifact_id': artifact_id, **columns,
            **{p: ' '.join(doc.of(p)) for p in 'abcd'}}


def insert_statement():
    return SEARCH.insert()


def _phrase(words):
    # a word holds no '"' (only letters and digits): no escaping
    return '"%s"' % ' '.join(words)


def expression(query):
    """The FTS5 query of a Query with groups."""
    text = ' AND '.join('(%s)' % ' OR '.join(_phrase(p) for p in group)
                        for group in query.groups)
    if query.negatives:
        text = '(%s) NOT (%s)' % (text, ' OR '.join(
            _phrase(p) for p in query.negatives))
    if not query.other:
        text = '{a b c} : (%s)' % text
    return text


def matches(query, score=True):
    columns = [SEARCH.c.artifact_id.label('artifact_id')]
    if score:
        columns.append(_score())
    return sa.select(*columns).select_from(
        _FTS.join(SEARCH, SEARCH.c.id == _FTS.c.rowid)).where(
        _FTS_NAME.op('MATCH')(expression(query)))


def _score():
    """The score of a match (higher: better), the same in matches() and
    best() (a first page from best() must order as the sort of all)."""
    return (-sa.func.bm25(_FTS_NAME, *WEIGHTS)).label('score')


def count(query):
    """SELECT the number of documents matching query (the FTS5 index
    alone: no search row is read)."""
    return sa.select(sa.func.count()).select_from(_FTS).where(
        _FTS_NAME.op('MATCH')(expression(query)))


def best(query, k):
    """SELECT rowid (the search row's id), score of the k best matches,
    best first: scored in the FTS5 index alone, no search row read."""
    score = _score()
    return sa.select(_FTS.c.rowid.label('id'), score).select_from(
        _FTS).where(_FTS_NAME.op('MATCH')(expression(query))).order_by(
        score.desc()).limit(k)


def found(query, artifact_id):
    """The condition on an artifacts id column: its document matches
    query, tested row by row against the ids of the matches, which the
    FTS5 index gives once (a probe of the index per row costs as much as
    a search: 150 us for two common words)."""
    return sa.exists().where(
        SEARCH.c.artifact_id == artifact_id,
        SEARCH.c.id.in_(sa.select(_FTS.c.rowid).where(
            _FTS_NAME.op('MATCH')(expression(query)))))
