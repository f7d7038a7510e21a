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

"""The pure parts of stars and reviews: request bodies, ratings,
comments, the review document, and the signals as list filters and
sorts."""

import datetime

from glare import exception
from glare.db import query as list_query
from glare.objects import fields as glare_fields
from glare.services import federated_search
from glare.services import listing
from glare.services import reviews
from glare.tests import base
from glare.tests import sample_artifact

FIELDS = sample_artifact.SampleArtifact.fields


class TestBodies(base.TestCase):

    def test_keys(self):
        self.assertEqual({'rating': 3}, reviews._body({'rating': 3},
                                                      ('rating',),
                                                      ('comment',)))
        for body in ([], 'x', 3, None, {}, {'comment': 'c'},
                     {'rating': 3, 'x': 1}):
            err = self.assertRaises(exception.BadRequest, reviews._body,
                                    body, ('rating',), ('comment',))
            self.assertEqual(400, err.code)
        err = self.assertRaises(exception.BadRequest, reviews._body,
                                {'rating': 1, 'zz': 1, 'aa': 2},
                                ('rating',))
        self.assertIn('aa, zz', str(err))

    def test_ratings(self):
        for value in range(1, 6):
            self.assertEqual(value, reviews.rating_of(value))
        for value in (0, 6, -1, '5', 5.5, 4.0, None, True, False, [5],
                      {'r': 5}, 10 ** 30):
            err = self.assertRaises(exception.BadRequest, reviews.rating_of,
                                    value)
            self.assertIn('1 to 5', str(err))

    def test_comments(self):
        for value in (None, '', 'x' * 4096, '<b>&amp;</b>', '\u00e9\n\t'):
            self.assertEqual(value, reviews.comment_of(value))
        for value in ('x' * 4097, 5, ['x'], {'c': 'x'}, True, 'a\x00b'):
            self.assertRaises(exception.BadRequest, reviews.comment_of,
                              value)

    def test_document(self):
        at = datetime.datetime(2026, 1, 2, 3, 4, 5, 678)
        row = {'id': 'r', 'artifact_id': 'a', 'user_id': 'u',
               'project_id': 'p', 'rating': 4, 'comment': None,
               'hidden': 0, 'created_at': at, 'updated_at': at}
        doc = reviews.review_document(row, 'images')
        self.assertEqual(dict(row, type_name='images', hidden=False,
                              created_at='2026-01-02T03:04:05Z',
                              updated_at='2026-01-02T03:04:05Z'), doc)
        self.assertIs(False, doc['hidden'])


class TestSignalsInLists(base.TestCase):

    def test_filters_are_columns(self):
        self.assertEqual(list_query.Filter('star_count', 'gt', 3,
                                           target='column'),
                         listing.parse_filter(FIELDS, 'star_count', 'gt:3'))
        self.assertEqual(list_query.Filter('rating', 'gte', 4.5,
                                           target='column'),
                         listing.parse_filter(FIELDS, 'rating', 'gte:4.5'))
        self.assertEqual(list_query.Filter('star_count', 'in', [1, 2],
                                           target='column'),
                         listing.parse_filter(FIELDS, 'star_count',
                                              'in:1,2'))
        for name, raw in (('star_count', 'gt:x'), ('star_count', '1.5'),
                          ('rating', 'lt:good'), ('rating', 'in:1,x'),
                          ('rating', 'like:4%'), ('rating.average', '4')):
            self.assertRaises(exception.InvalidFilter, listing.parse_filter,
                              FIELDS, name, raw)

    def test_sorts_are_columns(self):
        sorts = listing.parse_sort(FIELDS, 'rating:desc,star_count')
        self.assertEqual([('rating', 'desc', 'column'),
                          ('star_count', 'desc', 'column')],
                         [(s.field, s.direction, s.target) for s in sorts])
        self.assertEqual('rating_average', list_query.column_of('rating'))
        self.assertEqual('star_count', list_query.column_of('star_count'))

    def test_federated_merge_sorts_rating_by_its_average(self):
        keys = federated_search.sort_keys(
            listing.parse_sort(FIELDS, 'rating:desc'))
        entries = [{'id': i, 'created_at': '2026-01-01T00:00:00Z',
                    'rating': {'average': avg, 'count': 1}}
                   for i, avg in (('a', 2.0), ('b', None), ('c', 4.5))]
        merged = federated_search.merge(keys, [[entries[2], entries[0]],
                                               [entries[1]]])
        self.assertEqual(['c', 'a', 'b'], [e['id'] for e in merged])

    def test_rating_kind(self):
        kind = glare_fields.Rating()
        value = {'average': None, 'count': 0}
        self.assertEqual(value, kind.coerce_value(value))
        for bad in ({}, {'average': 1}, 4, None, {'average': 1, 'count': 1,
                                                  'x': 1}):
            self.assertRaises(ValueError, kind.coerce_value, bad)
