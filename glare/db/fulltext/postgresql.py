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

"""Full-text search on PostgreSQL: a tsvector column with a GIN index.

The tsvector and the tsquery are written lexeme by lexeme (their input
syntax, each lexeme quoted), never through a text search configuration:
its parser and dictionaries would make other words of the text than the
tokenizer of glare.db.fulltext does. Each part gets its weight (A-D) and
positions of its own, far enough from the other parts' that no phrase
runs from one part into the next.
"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from glare.db import fulltext
from glare.db import models

SEARCH = models.ArtifactSearch.__table__
WEIGHTS = {'a': 'A', 'b': 'B', 'c': 'C', 'd': 'D'}
#: PostgreSQL keeps the first 256 positions of a lexeme
MAX_POSITIONS = 256
#: the gap between parts
_GAP = 16


def _starts():
    start, out = 1, {}
    for part in fulltext.PARTS:
        out[part] = start
        start += fulltext.PART_WORDS[part] + _GAP
    return out


_START = _starts()


def tsvector(doc):
    """The tsvector input text of a Document."""
    positions = {}
    for part in fulltext.PARTS:
        weight, start = WEIGHTS[part], _START[part]
        for i, word in enumerate(doc.of(part)):
            seen = positions.setdefault(word, [])
            if len(seen) < MAX_POSITIONS:
                seen.append('%d%s' % (start + i, weight))
    # a word holds only letters and digits: quoted, it needs no escape
    return ' '.join("'%s':%s" % (w, ','.join(p))
                    for w, p in positions.items())


def row(artifact_id, doc, columns):
    """The parameters of insert_statement() for a Document and the
    artifact's copied columns."""
    # the words are in the tsvector alone: the parts' columns stay
    # empty, and a row half as wide makes a common word's thousands of
    # matches half as many pages to read
    return {'artifact_id': artifact_id, **columns, 'tsv_text': tsvector(doc),
            **dict.fromkeys('abcd', '')}


def insert_statement():
    return SEARCH.insert().values(
        tsv=sa.cast(sa.bindparam('tsv_text'), postgresql.TSVECTOR))


def _phrase(words, weights):
    return '(%s)' % ' <-> '.join("'%s'%s" % (w, weights) for w in words)


def expression(query):
    """The tsquery input text of a Query with groups."""
    weights = '' if query.other else ':ABC'
    text = ' & '.join('(%s)' % ' | '.join(_phrase(p, weights) for p in g)
                      for g in query.groups)
    if query.negatives:
        text += ' & !(%s)' % ' | '.join(_phrase(p, weights)
                                        for p in query.negatives)
    return text


def _any_of(query):
    """The query's positive phrases, either enough: what the score
    weighs (ts_rank of the query itself counts an absent negative word
    against every match alike)."""
    weights = '' if query.other else ':ABC'
    return ' | '.join(_phrase(p, weights) for p in query.phrases())


def matches(query, score=True):
    tsq = sa.cast(sa.literal(expression(query)), postgresql.TSQUERY)
    columns = [SEARCH.c.artifact_id.label('artifact_id')]
    if score:
        ranked = sa.cast(sa.literal(_any_of(query)), postgresql.TSQUERY)
        columns.append(sa.cast(sa.func.ts_rank(SEARCH.c.tsv, ranked),
                               sa.Float).label('score'))
    return sa.select(*columns).where(SEARCH.c.tsv.op('@@')(tsq))
