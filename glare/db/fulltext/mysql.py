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

"""Full-text search on MySQL and MariaDB: InnoDB FULLTEXT indexes.

InnoDB leaves out words shorter than innodb_ft_min_token_size (3) and
stopwords ('the', 'for', 'with', ...), and its parser has its own idea of
a letter. So each word is stored as a digest of it: 14 characters of
lowercase ASCII letters and digits, which InnoDB indexes as one token,
never a stopword; a query's words are digested the same way.

One FULLTEXT index over the four parts answers the match (another over
the first three when the other string fields are out of the search), one
per part weighs the score.
"""

import base64
import hashlib

import sqlalchemy as sa
from sqlalchemy.dialects import mysql as sa_mysql

from glare.db import models

SEARCH = models.ArtifactSearch.__table__
WEIGHTS = {'a': 8.0, 'b': 4.0, 'c': 2.0, 'd': 1.0}


def token(word):
    """The stored form of a word."""
    digest = hashlib.blake2b(word.encode('utf-8'), digest_size=8).digest()
    return 'w' + base64.b32encode(digest).decode('ascii').rstrip(
        '=').lower()


def row(artifact_id, doc, columns):
    """The parameters of insert_statement() for a Document and the
    artifact's copied columns."""
    return {'artifact_id': artifact_id, **columns,
            **{p: ' '.join(token(w) for w in doc.of(p)) for p in 'abcd'}}


def insert_statement():
    return SEARCH.insert()


def _phrase(words):
    return '"%s"' % ' '.join(token(w) for w in words)


def expression(query):
    """The boolean-mode query of a Query with groups."""
    text = ' '.join('+(%s)' % ' '.join(_phrase(p) for p in g)
                    for g in query.groups)
    if query.negatives:
        text += ' ' + ' '.join('-' + _phrase(p) for p in query.negatives)
    return text


def _any_of(query):
    """The query's positive phrases, none required: a part's score."""
    return ' '.join(_phrase(p) for p in query.phrases())


def matches(query, score=True):
    parts = 'abcd' if query.other else 'abc'
    found = sa_mysql.match(*[SEARCH.c[p] for p in parts],
                           against=expression(query)).in_boolean_mode()
    columns = [SEARCH.c.artifact_id.label('artifact_id')]
    if score:
        any_of = _any_of(query)
        total = sum(WEIGHTS[p] * sa_mysql.match(
            SEARCH.c[p], against=any_of).in_boolean_mode() for p in parts)
        # MySQL sends a FLOAT's value in 6 digits: a page's marker would
        # not find its own row again; a DECIMAL's travel exactly
        columns.append(sa.cast(total, sa.Numeric(20, 6)).label('score'))
    return sa.select(*columns).where(found)
