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

"""Full-text search (q=, glare.db.fulltext): the words, the query
language, and the same matches on SQLite (FTS5), PostgreSQL (tsvector) and
MySQL/MariaDB (FULLTEXT) as a reference matcher written here in Python
finds, for chosen queries and for arbitrary strings (hypothesis); the
index kept in step with create, update and delete; relevance order and
its pages; visibility decided in the same query."""

import datetime

import fixtures
import hypothesis
from hypothesis import strategies as st
import sqlalchemy as sa

from glare.db import artifacts as db
from glare.db import fulltext
from glare.db import members as db_members
from glare.db import models
from glare.db import query as list_query
from glare import exception
from glare.objects import fields as glare_fields
from glare.tests import base
from glare.tests.unit.db import test_artifacts_codec as codec

SEARCH = models.ArtifactSearch.__table__
FIELDS = dict(codec.FIELDS,
              keywords=glare_fields.List(glare_fields.String))
T0 = datetime.datetime(2026, 5, 1, 12, 0, 0)


class TestWords(base.TestCase):

    def test_words_are_letters_and_digits_folded(self):
        self.assertEqual(['web', 'server', '2', '0'],
                         fulltext.words('Web-Server_2.0'))
        self.assertEqual(['cafe', 'strasse'], fulltext.words('Café STRASSE'))
        self.assertEqual(['c'], fulltext.words('c++'))
        self.assertEqual(['שלום', 'עולם'], fulltext.words('שלום, עולם!'))
        self.assertEqual(['日本語'], fulltext.words('日本語'))
        self.assertEqual([], fulltext.words('🚀 *** \x00 ()'))
        self.assertEqual([], fulltext.words(None))
        self.assertEqual(fulltext.MAX_WORD, len(fulltext.words('x' * 500)[0]))


class TestParse(base.TestCase):

    def parse(self, q):
        query = fulltext.parse(q)
        return ([list(g) for g in query.groups], list(query.negatives))

    def test_words_all_must_match(self):
        self.assertEqual(([[('web',)], [('server',)]], []),
                         self.parse('web  server'))

    def test_phrases_and_words_with_punctuation(self):
        self.assertEqual(([[('web', 'server')], [('foo', 'bar')]], []),
                         self.parse('"Web Server" foo-bar'))

    def test_negatives(self):
        self.assertEqual(([[('web',)]], [('apache',), ('big', 'iron')]),
                         self.parse('web -apache -"big iron"'))
        # a lone '-' is no negation
        self.assertEqual(([[('web',)]], []), self.parse('web -'))

    def test_or_joins_its_neighbours(self):
        self.assertEqual(([[('nginx',), ('apache',)], [('web',)]], []),
                         self.parse('nginx or apache web'))
        self.assertEqual(([[('a',), ('b',), ('c',)]], []),
                         self.parse('a OR b or c'))
        # no neighbour to join: left out
        self.assertEqual(([[('a',)]], []), self.parse('or a or'))
        self.assertEqual(([[('a',)]], [('b',)]), self.parse('a or -b'))

    def test_hostile_queries_are_queries(self):
        self.assertEqual(([[('c',)]], []), self.parse('c++'))
        self.assertEqual(([[('x',)]], []), self.parse('"x'))
        self.assertEqual(([[('and',)]], []), self.parse('AND ('))
        for q in ('*', '"', '""', '-', '- -', ')(', '\x00', '🚀',
                  '!@#$%^&*()_+' * 21, ''):
            self.assertTrue(fulltext.parse(q).empty, q)

    def test_too_long(self):
        fulltext.parse('a' * fulltext.MAX_QUERY)
        self.assertRaises(ValueError, fulltext.parse,
                          'a' * (fulltext.MAX_QUERY + 1))


# -- the reference matcher ---------------------------------------------------

def _has_phrase(words, phrase):
    n = len(phrase)
    return any(tuple(words[i:i + n]) == phrase
               for i in range(len(words) - n + 1))


def reference_match(doc, query):
    """Whether a Document matches a Query, in plain Python."""
    parts = fulltext.PARTS if query.other else fulltext.PARTS[:3]

    def found(phrase):
        return any(_has_phrase(doc.of(p), phrase) for p in parts)
    return all(any(found(p) for p in group) for group in query.groups) and \
        not any(found(p) for p in query.negatives)


#: (name, description, tags, metadata, keywords)
CORPUS = (
    ('web-server', 'A fast nginx web server for the cloud.',
     ['http', 'nginx'], {'os': 'debian 12'}, ['proxy']),
    ('Web Proxy', 'Caching proxy; the server side of HTTP.',
     ['http', 'cache'], {'vendor': 'Squid Project'}, []),
    ('database', 'PostgreSQL 15 server, a relational database.',
     ['sql', 'c++'], {'os': 'ubuntu 24.04'}, ['db', 'postgres']),
    ('cafe-menu', 'Café application: coffee & tea — Straße 5',
     ['food'], {'note': 'שלום עולם'}, ['web']),
    ('the', 'for with and or not the', ['a', 'i'], {}, ['to']),
    ('日本語アプリ', 'データベース 日本語', ['日本語'], {'x': '🚀 rocket'},
     []),
    ('noise', '!!! *** ??? "" --- (((', [], {'k': 'AND OR NOT NEAR'}, []),
)

QUERIES = (
    'web', 'server', 'web server', '"web server"', '"server web"', 'nginx',
    'proxy', 'http -cache', '-http', 'nginx or postgresql', 'cafe', 'CAFÉ',
    'strasse', 'c++', 'c', 'the', 'a', 'or', 'and', 'not', 'near',
    'debian', 'squid project', '"squid project"', '日本語', 'שלום',
    'rocket', '🚀', 'web -"web server"', 'db', 'postgres or sql web',
    '"fast nginx"', '"nginx web server"', 'foo-bar', '-nothing', '"x',
    'database', '15', '24 04', '"24 04"', 'coffee tea', '"the server"',
)


class _FullText(codec._Codec):
    """The tests; a subclass per backend gives it."""

    def add(self, name, description='', tags=(), metadata=None,
            keywords=(), **values):
        values.setdefault('owner', 'p1')
        values.setdefault('visibility', 'public')
        return self.create(FIELDS, name=name, description=description,
                           tags=list(tags), metadata=metadata or {},
                           keywords=list(keywords), **values)

    def corpus(self, owner='p-corpus'):
        """The corpus, as artifacts of owner; {id: Document}."""
        docs = {}
        for name, description, tags, metadata, keywords in CORPUS:
            values = self.add(name, description, tags, metadata, keywords,
                              owner=owner, visibility='private')
            docs[values['id']] = fulltext.document(
                name, description, tags,
                fulltext.values_strings(db.property_fields(FIELDS), values))
        return docs

    def search(self, q, owner=None, sorts=(), limit=100, marker=None,
               project=None, text=None, filters=None):
        """Ids and total of a list with q: the owner's artifacts (a filter
        on the owner: the list joins the artifacts table), or what project
        may see (no filter: the search rows alone decide)."""
        if filters is None:
            filters = [list_query.Filter('owner', 'eq', owner)] \
                if project is None else []
        spec = list_query.ListSpec(
            type_name=codec.TYPE, project_id=project or owner,
            see_all=False, filters=filters, sorts=list(sorts), limit=limit,
            marker=marker, text=text or fulltext.parse(q))
        rows, total = db.list_artifacts(self.context, {codec.TYPE: FIELDS},
                                        spec)
        return [r['id'] for r in rows], total

    def expected(self, docs, q):
        query = fulltext.parse(q)
        if query.empty:
            return set()
        return {i for i, doc in docs.items()
                if reference_match(doc, query)}

    def test_the_chosen_queries_match_as_the_reference(self):
        docs = self.corpus(owner=self.id()[-40:])
        for q in QUERIES:
            ids, total = self.search(q, owner=self.id()[-40:])
            self.assertEqual(self.expected(docs, q), set(ids), q)
            self.assertEqual(len(ids), total, q)

    def test_some_queries_find_what_people_expect(self):
        docs = self.corpus(owner=self.id()[-40:])
        by_name = {CORPUS[i][0]: artifact_id
                   for i, artifact_id in enumerate(docs)}
        owner = self.id()[-40:]
        self.assertEqual({by_name['web-server'], by_name['Web Proxy']},
                         set(self.search('web server', owner)[0]))
        self.assertEqual({by_name['web-server']},
                         set(self.search('"web server"', owner)[0]))
        self.assertEqual({by_name['cafe-menu']},
                         set(self.search('café strasse', owner)[0]))
        # stopwords and one-letter words are words
        self.assertEqual({by_name['the']},
                         set(self.search('the i', owner)[0]))
        self.assertEqual({by_name['database']},
                         set(self.search('c++', owner)[0]))

    def test_arbitrary_strings_never_fail_and_match_as_the_reference(self):
        docs = self.corpus(owner='p-any')
        # pieces of the corpus's words and of every engine's syntax
        pieces = st.lists(st.sampled_from(
            list('abcdeinorstw -"()*+:^~!@#\\\'%_.,;') +
            ['\x00', '🚀', 'é', 'ß', 'ש', '日', '本', '語', '\u200f',
             'OR', 'AND', 'NOT', 'NEAR', 'web', 'server', 'http', 'c++']),
            max_size=40).map(''.join)

        @hypothesis.settings(max_examples=150, deadline=None,
                             database=None, derandomize=True)
        @hypothesis.given(pieces |
                          st.text(max_size=fulltext.MAX_QUERY))
        def check(q):
            q = q[:fulltext.MAX_QUERY]
            ids, total = self.search(q, owner='p-any')
            self.assertEqual(self.expected(docs, q), set(ids), repr(q))
            self.assertEqual(len(ids), total)
            # the search rows alone (no filter) find what the join does
            fast = self.search(q, project='p-any', filters=[])
            joined = self.search(q, project='p-any', filters=[
                list_query.Filter('status', 'neq', 'deleted')])
            self.assertEqual(joined, fast, repr(q))
        check()

    def test_the_index_follows_update_and_delete(self):
        values = self.add('alpha', 'first words', ['one'], {'k': 'kappa'},
                          ['kw'], owner='p-edit')
        artifact_id = values['id']

        def found(q):
            return self.search(q, owner='p-edit')[0] == [artifact_id]
        for q in ('alpha', 'first', 'one', 'kappa', 'kw'):
            self.assertTrue(found(q), q)
        db.update(self.context, codec.TYPE, FIELDS, artifact_id, values,
                  {'name': 'beta', 'tags': ['two'], 'metadata': {'k': 'zeta'},
                   'keywords': ['kx'], 'description': 'second'})
        for q in ('alpha', 'first', 'one', 'kappa', 'kw'):
            self.assertFalse(found(q), q)
        for q in ('beta', 'second', 'two', 'zeta', 'kx'):
            self.assertTrue(found(q), q)
        # a change of no string field leaves the document as it was
        db.update(self.context, codec.TYPE, FIELDS, artifact_id, values,
                  {'int': 5})
        self.assertTrue(found('beta'))
        db.delete(self.context, artifact_id)
        self.assertFalse(found('beta'))
        with self.engine.connect() as conn:
            self.assertEqual(0, conn.execute(
                sa.select(sa.func.count()).select_from(SEARCH).where(
                    SEARCH.c.artifact_id == artifact_id)).scalar())

    def test_links_versions_and_dates_are_no_words(self):
        values = self.add('heron', owner='p-kinds',
                          link='/artifacts/images/linkword',
                          dt=datetime.datetime(2031, 1, 2),
                          str='freeword', list_str=['listword'],
                          dict_str={'k': 'dictword'}, version='7.7.7')
        for q in ('freeword', 'listword', 'dictword'):
            self.assertEqual([values['id']],
                             self.search(q, owner='p-kinds')[0], q)
        for q in ('linkword', '2031', '7'):
            self.assertEqual([], self.search(q, owner='p-kinds')[0], q)

    def test_a_failed_create_leaves_no_document(self):
        self.add('twin', 'unique words here', owner='p-twin')
        self.assertRaises(exception.ArtifactExists, self.add, 'twin',
                          'other words here', owner='p-twin')
        self.assertEqual(([], 0), self.search('other', owner='p-twin'))

    def test_relevance_orders_by_weight_then_updated_at_and_id(self):
        ids = {}
        # the better matches are older: an order by updated_at alone fails
        for n, (name, description, tags) in enumerate((
                ('kiwi', 'the name says it', []),
                ('tagged', 'nothing', ['kiwi']),
                ('plain', 'mentions kiwi once', []),
                ('plain2', 'mentions kiwi once', []))):
            ids[name] = self.add(name, description, tags, owner='p-rank',
                                 updated_at=T0 + datetime.timedelta(
                                     seconds=n))['id']
        order = self.search('kiwi', owner='p-rank', sorts=[
            list_query.Sort('relevance', 'desc', 'relevance')])[0]
        self.assertEqual([ids['kiwi'], ids['tagged'], ids['plain2'],
                          ids['plain']], order)
        # a negative word weighs nothing
        self.assertEqual([ids['kiwi'], ids['tagged']], self.search(
            'kiwi -once', owner='p-rank', sorts=[
                list_query.Sort('relevance', 'desc', 'relevance')])[0])
        # pages of two follow the same order
        first, total = self.search('kiwi', owner='p-rank', limit=2, sorts=[
            list_query.Sort('relevance', 'desc', 'relevance')])
        second, _total = self.search(
            'kiwi', owner='p-rank', limit=2, marker=first[-1],
            sorts=[list_query.Sort('relevance', 'desc', 'relevance')])
        self.assertEqual(4, total)
        self.assertEqual(order, first + second)
        # the same from the search rows alone (no filter), pages too
        relevance = [list_query.Sort('relevance', 'desc', 'relevance')]
        self.assertEqual((order, 4), self.search(
            'kiwi', project='p-rank', sorts=relevance))
        first = self.search('kiwi', project='p-rank', sorts=relevance,
                            limit=3)[0]
        self.assertEqual((order[3:], 4), self.search(
            'kiwi', project='p-rank', sorts=relevance, limit=3,
            marker=first[-1]))
        by_date = self.search('kiwi', project='p-rank', sorts=[
            list_query.Sort('updated_at', 'asc')])[0]
        self.assertEqual([ids['kiwi'], ids['tagged'], ids['plain'],
                          ids['plain2']], by_date)
        # only negatives: all alike, newest update first
        self.assertEqual(
            [ids['plain2'], ids['plain'], ids['kiwi']],
            self.search('-tagged -nothing', owner='p-rank', sorts=[
                list_query.Sort('relevance', 'desc', 'relevance')])[0])

    def test_a_first_page_is_the_first_of_the_sort_of_every_match(self):
        # a project's first page may come from a walk of the artifacts
        # newest first or from the best scores alone (SQLite): the same
        # page as the sort of every match, or not taken
        project, other = 'p-first', 'p-first-other'
        visible = {}
        for n in range(24):
            # scores tie in threes, creation times in pairs
            owner = other if n % 4 == 0 else project
            hidden = owner == other and n % 8 == 0
            values = self.add(
                'n%02d' % n, ' '.join(['heron'] * (1 + n % 3) + ['x'] * n),
                owner=owner, visibility='private' if hidden else 'public',
                created_at=T0 + datetime.timedelta(seconds=n // 2),
                updated_at=T0 + datetime.timedelta(seconds=n % 5))
            if n == 7:
                db.update(self.context, codec.TYPE, FIELDS, values['id'],
                          values, {'status': 'deleted'})
            elif not hidden:
                visible[values['id']] = values
        for n in range(30):  # newer, no heron: a walk's rows to pass
            self.add('filler%02d' % n, 'nothing', owner=project,
                     created_at=T0 + datetime.timedelta(minutes=1 + n))
        newest = sorted(sorted(visible), key=lambda i: visible[i][
            'created_at'], reverse=True)
        relevance = [list_query.Sort('relevance', 'desc', 'relevance')]
        for walk_rows, margin in ((4000, 3), (25, 0)):
            self.useFixture(fixtures.MockPatchObject(
                list_query, '_WALK_ROWS', walk_rows))
            self.useFixture(fixtures.MockPatchObject(
                list_query, '_BEST_MARGIN', margin))
            for sorts in ([], relevance):
                every, total = self.search('heron', project=project,
                                           sorts=sorts)
                self.assertEqual(len(visible), total)
                if not sorts:
                    self.assertEqual(newest, every)
                # the marker's page is the sort of every match
                after = self.search('heron', project=project, sorts=sorts,
                                    marker=every[0])[0]
                self.assertEqual(every, every[:1] + after)
                for limit in (1, 2, 3, 4, 5, 7, 20):
                    self.assertEqual(
                        (every[:limit], total),
                        self.search('heron', project=project, sorts=sorts,
                                    limit=limit), (walk_rows, sorts, limit))

    def test_visibility_is_decided_in_the_same_query(self):
        mine = self.add('lynx private', owner='p-a', visibility='private')
        theirs = self.add('lynx hidden', owner='p-b', visibility='private')
        shared = self.add('lynx shared', owner='p-b', visibility='shared')
        public = self.add('lynx public', owner='p-c', visibility='public')
        pending = self.search('lynx', project='p-a')
        self.assertEqual(({mine['id'], public['id']}, 2),
                         (set(pending[0]), pending[1]))
        db_members.add(self.context, shared['id'], 'p-a', T0, 100)
        db_members.set_status(self.context, shared['id'], 'p-a',
                              'accepted', T0)
        ids, total = self.search('lynx', project='p-a')
        self.assertEqual({mine['id'], public['id'], shared['id']}, set(ids))
        self.assertEqual(3, total)
        self.assertNotIn(theirs['id'], ids)

    def test_other_fields_can_be_left_out(self):
        values = self.add('owl', 'night bird', metadata={'k': 'secret'},
                          owner='p-hide')
        query = fulltext.parse('secret')
        self.assertEqual([values['id']],
                         self.search(None, owner='p-hide', text=query)[0])
        hidden = fulltext.Query(query.groups, query.negatives, other=False)
        self.assertEqual([], self.search(None, owner='p-hide',
                                         text=hidden)[0])
        hidden = fulltext.Query(fulltext.parse('night').groups, (),
                                other=False)
        self.assertEqual([values['id']],
                         self.search(None, owner='p-hide', text=hidden)[0])

    def test_the_copied_columns_follow_the_artifact(self):
        values = self.add('magpie', owner='p-copy', visibility='private')
        other = 'p-copy-other'
        self.assertEqual([], self.search('magpie', project=other)[0])
        db.update(self.context, codec.TYPE, FIELDS, values['id'], values,
                  {'visibility': 'public', 'updated_at': T0})
        self.assertEqual([values['id']],
                         self.search('magpie', project=other)[0])
        db.update(self.context, codec.TYPE, FIELDS, values['id'], values,
                  {'status': 'deleted'})
        self.assertEqual([], self.search('magpie', project='p-copy')[0])
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(SEARCH).where(
                SEARCH.c.artifact_id == values['id'])).one()
        self.assertEqual(('public', 'deleted', T0),
                         (row.visibility, row.status, row.updated_at))

    def test_an_empty_query_matches_nothing(self):
        self.add('anything', owner='p-empty')
        self.assertEqual(([], 0), self.search('*** ()', owner='p-empty'))


class SQLiteFullTextTest(_FullText, base.TestCase):
    backend = 'sqlite'


class PostgreSQLFullTextTest(_FullText, base.TestCase):
    backend = 'postgresql'


class MySQLFullTextTest(_FullText, base.TestCase):
    backend = 'mysql'
