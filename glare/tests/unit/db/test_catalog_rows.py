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

"""The catalog fields (API 1.6) need no migration: properties and blob
rows hold them, and an artifact written before they existed reads with
their defaults. On SQLite, and on PostgreSQL and MySQL when reachable."""

from glare.objects import base as objects_base
from glare.tests import base
from glare.tests.unit.db import test_artifacts_codec as codec

CATALOG = ('provided_by', 'supported_by', 'license', 'icon')
#: the field set of a type before API 1.6
OLD_FIELDS = {n: f for n, f in codec.FIELDS.items() if n not in CATALOG}


class _CatalogRows:

    add_blob = codec._Blobs.add_blob

    def test_an_artifact_written_before_reads_with_defaults(self):
        values = codec._values()
        for name in CATALOG:
            values.pop(name, None)
        codec.db.create(self.context, codec.TYPE, OLD_FIELDS, values)
        read = self.get(values['id'])
        self.assertEqual(({}, {}, None, None), tuple(
            read[n] for n in CATALOG))
        # and it takes them afterwards
        self.add_blob(values['id'], 'icon', content_type='image/png')
        self.assertEqual('image/png', self.get(values['id'])['icon'][
            'content_type'])

    def test_values_round_trip(self):
        href = 'https://acme.example/' + 'p' * 1500  # past the indexed 255
        self.round_trip(
            provided_by={'name': 'Ops', 'company': 'ACME', 'href': href},
            supported_by={'company': 'Help'}, license='l' * 255)

    def test_the_base_fields_declare_them(self):
        self.assertLessEqual(set(CATALOG),
                             set(objects_base.BaseArtifact.fields))
        self.assertFalse(set(CATALOG) & set(objects_base.COLUMN_FIELDS +
                                            objects_base.OWN_COLUMN_FIELDS))


class SQLiteCatalogRowsTest(_CatalogRows, codec._Codec, base.TestCase):
    backend = 'sqlite'


class PostgreSQLCatalogRowsTest(_CatalogRows, codec._Codec, base.TestCase):
    backend = 'postgresql'


class MySQLCatalogRowsTest(_CatalogRows, codec._Codec, base.TestCase):
    backend = 'mysql'
