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

"""How glare.db.artifacts keeps field values in rows and reads them back.

Round trips through the module's writers and readers (create, update, get)
for every field kind in a scalar, a list and a dict, plus a look at the
rows where the storage form matters to queries (indexed string or text,
one row per list item or dict key). On SQLite, and on PostgreSQL and
MySQL when reachable (see glare.tests.fixtures.db_fixtures).
"""

import datetime
import uuid

import fixtures
import sqlalchemy as sa

from glare import context
from glare.db import api as db_api
from glare.db import artifacts as db
from glare.db import models
from glare import exception
from glare.objects import base as objects_base
from glare.objects import fields as glare_fields
from glare.tests import base
from glare.tests.fixtures import db_fixtures

PROPS = models.ArtifactProperty.__table__
BLOBS = models.ArtifactBlob.__table__
TYPE = 'codec_test'
KINDS = {'str': glare_fields.String, 'int': glare_fields.Integer,
         'float': glare_fields.Float, 'bool': glare_fields.Boolean,
         'dt': glare_fields.DateTime, 'link': glare_fields.Link}


def _fields():
    """The base fields plus a scalar, a list and a dict of every kind."""
    fields = dict(objects_base.BaseArtifact.fields)
    for name, kind in KINDS.items():
        fields[name] = glare_fields.Scalar(kind)
        fields['list_' + name] = glare_fields.List(kind)
        fields['dict_' + name] = glare_fields.Dict(kind)
    fields.update(
        bool_default=glare_fields.Scalar(glare_fields.Boolean, default=False),
        dict_null=glare_fields.Dict(glare_fields.String, default=None),
        list_null=glare_fields.List(glare_fields.Integer, default=None),
        blob=glare_fields.Blob(), folder=glare_fields.Folder())
    return fields


FIELDS = _fields()
NOW = datetime.datetime(2026, 1, 2, 3, 4, 5, 678901)


def _values(**values):
    """Every field at its default, then the base columns, then values."""
    out = {n: fld.get_default() for n, fld in FIELDS.items()
           if not fld.is_blob}
    artifact_id = str(uuid.uuid4())
    # a name of its own: (name, version) is unique per owner
    out.update(id=artifact_id, name='codec-' + artifact_id, owner='p1',
               status='drafted', visibility='private', version='1.0.0',
               created_at=NOW, updated_at=NOW, activated_at=None,
               description='', tags=[], metadata={})
    out.update(values)
    return out


class _Codec:
    """Set-up and helpers; the tests are in the mixins below."""

    backend = None
    server_url = None  # the class's PostgreSQL or MySQL database

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.backend != 'sqlite' and not db_fixtures.unreachable(
                cls.backend):
            # one database for the class: making one per test took longer
            # than the tests (every artifact has an id and name of its own)
            cls.server_url, drop = db_fixtures.create_database(cls.backend)
            cls.addClassCleanup(drop)
            engine = sa.create_engine(db_api.connection_url(cls.server_url))
            try:
                models.Base.metadata.create_all(engine)
            finally:
                engine.dispose()

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(fixtures.TempDir()).path
        if self.backend == 'sqlite':
            url = 'sqlite:///%s/glare.sqlite' % tmp
        else:
            db_fixtures.skip_unless_reachable(self, self.backend)
            url = self.server_url
        config = self.useFixture(base.ConfigFixture())
        config.set(state_path=tmp)
        config.set_in('database', connection=url)
        db_api.reset()
        self.addCleanup(db_api.reset)
        db_api.configure(config.conf)
        engine = db_api.get_engine()
        self.addCleanup(engine.dispose)
        if self.backend == 'sqlite':
            models.Base.metadata.create_all(engine)
        self.engine = engine
        self.context = context.RequestContext(
            user_id='u', project_id='p1', overwrite=False)

    def create(self, fields=FIELDS, **values):
        values = _values(**values)
        db.create(self.context, TYPE, fields, values)
        return values

    def get(self, artifact_id, fields=FIELDS):
        return db.get(self.context, {TYPE: fields}, artifact_id)

    def round_trip(self, **values):
        """The values read back, after checking the written ones."""
        written = self.create(**values)
        read = self.get(written['id'])
        for name, value in values.items():
            self.assertEqual(value, read[name], name)
            self.assertIs(type(value), type(read[name]), name)
        return read

    def rows(self, artifact_id, name):
        with self.engine.connect() as conn:
            return conn.execute(sa.select(PROPS).where(
                PROPS.c.artifact_id == artifact_id,
                PROPS.c.name == name).order_by(PROPS.c.id)).all()


class _Scalars:

    def test_every_kind(self):
        self.round_trip(str='text', int=7, float=0.1, bool=True,
                        dt=datetime.datetime(2020, 2, 29, 23, 59, 59, 1),
                        link='http://example.com/a?b=c')

    def test_false_zero_and_empty_are_values_not_null(self):
        read = self.round_trip(bool=False, int=0, float=0.0, str='',
                               link='')
        self.assertEqual((False, 0, 0.0, '', ''), tuple(
            read[n] for n in ('bool', 'int', 'float', 'str', 'link')))

    def test_null_is_no_row(self):
        written = self.create(str=None, int=None, float=None, bool=None,
                              dt=None, link=None)
        read = self.get(written['id'])
        for name in KINDS:
            self.assertIsNone(read[name], name)
            self.assertEqual([], self.rows(written['id'], name), name)

    def test_big_integers(self):
        for value in (2 ** 63 - 1, -2 ** 63, 2 ** 40 + 1, -1):
            self.round_trip(int=value, list_int=[value],
                            dict_int={'k': value})

    def test_floats(self):
        for value in (0.1, -1e300, 1e-300, 2.0 ** 53 + 2, 1 / 3):
            self.round_trip(float=value, list_float=[value],
                            dict_float={'k': value})

    def test_datetimes_keep_microseconds_and_drop_the_zone(self):
        aware = datetime.datetime(2021, 6, 7, 8, 9, 10, 123456,
                                  tzinfo=datetime.timezone.utc)
        written = self.create(dt=aware, list_dt=[aware, NOW])
        read = self.get(written['id'])
        naive = aware.replace(tzinfo=None)
        self.assertEqual(naive, read['dt'])
        self.assertIsNone(read['dt'].tzinfo)
        self.assertEqual([naive, NOW], read['list_dt'])
        # stored as sortable text: string order is time order
        row, = self.rows(written['id'], 'dt')
        self.assertEqual('2021-06-07T08:09:10.123456', row.string_value)

    def test_unicode(self):
        text = 'Grüße, 日本語, emoji \U0001f600, rtl \u05e9\u05dc\u05d5\u05dd'
        self.round_trip(str=text, list_str=[text, 'ascii'],
                        dict_str={text: text}, tags=[text],
                        description=text, name=text)

    def test_strings_past_the_index_length_go_to_text(self):
        limit = models.INDEXED_STRING_LEN
        short, long = 'a' * limit, 'é' * (limit + 1)
        written = self.create(str=short, list_str=[short, long])
        read = self.get(written['id'])
        self.assertEqual(short, read['str'])
        self.assertEqual([short, long], read['list_str'])
        row, = self.rows(written['id'], 'str')
        self.assertEqual((short, None), (row.string_value, row.text_value))
        first, second = self.rows(written['id'], 'list_str')
        self.assertEqual((short, None), (first.string_value,
                                         first.text_value))
        self.assertEqual((None, long), (second.string_value,
                                        second.text_value))

    def test_each_kind_uses_its_own_column(self):
        written = self.create(int=1, float=1.5, bool=True, str='s')
        columns = ('string_value', 'text_value', 'int_value',
                   'numeric_value', 'bool_value')
        for name, column in (('int', 'int_value'),
                             ('float', 'numeric_value'),
                             ('bool', 'bool_value'),
                             ('str', 'string_value')):
            row, = self.rows(written['id'], name)
            self.assertEqual([column], [c for c in columns
                                        if getattr(row, c) is not None],
                             name)


class _Containers:

    def test_lists_keep_order_and_duplicates(self):
        self.round_trip(list_int=[3, 1, 2, 1], list_str=['b', 'a', 'b'],
                        list_bool=[True, False, True],
                        list_float=[2.5, -1.0],
                        list_link=['http://b/', 'http://a/'])
        # past ten items: positions order numerically, not as text
        values = list(range(25, -1, -1))
        self.round_trip(list_int=values)

    def test_list_rows_have_positions_dict_rows_keys(self):
        written = self.create(list_int=[5, 6, 7], dict_int={'x': 1, 'y': 2})
        self.assertEqual([(0, None, 5), (1, None, 6), (2, None, 7)],
                         [(r.position, r.key_name, r.int_value)
                          for r in self.rows(written['id'], 'list_int')])
        self.assertEqual({('x', 1), ('y', 2)},
                         {(r.key_name, r.int_value) for r in
                          self.rows(written['id'], 'dict_int')})
        self.assertEqual({None}, {r.position for r in
                                  self.rows(written['id'], 'dict_int')})

    def test_dicts(self):
        self.round_trip(dict_str={'a': 'x', 'b': '', 'k' * 255: 'long key'},
                        dict_bool={'t': True, 'f': False},
                        dict_dt={'when': NOW},
                        dict_link={'l': 'http://example.com/'},
                        metadata={'key': 'value', 'other': 'x'})

    def test_empty_containers(self):
        # no rows either way: the field's default decides what reads back
        read = self.round_trip(list_str=[], dict_int={}, tags=[],
                               metadata={})
        written = self.create(list_null=None, dict_null=None)
        read = self.get(written['id'])
        self.assertIsNone(read['list_null'])
        self.assertIsNone(read['dict_null'])
        written = self.create(list_null=[], dict_null={})
        read = self.get(written['id'])
        self.assertIsNone(read['list_null'])
        self.assertIsNone(read['dict_null'])
        written = self.create(list_str=None, dict_str=None)
        read = self.get(written['id'])
        self.assertEqual(([], {}), (read['list_str'], read['dict_str']))

    def test_read_values_are_fresh_objects(self):
        written = self.create(list_int=[1], dict_str={'a': 'b'})
        first = self.get(written['id'])
        first['list_int'].append(2)
        first['dict_str']['c'] = 'd'
        first['tags'].append('t')
        second = self.get(written['id'])
        self.assertEqual(([1], {'a': 'b'}, []), (
            second['list_int'], second['dict_str'], second['tags']))


class _Columns:

    def test_base_columns(self):
        activated = datetime.datetime(2026, 2, 3, 4, 5, 6, 7)
        read = self.round_trip(
            name='n', owner='p1', status='active', visibility='public',
            description='x' * 5000, created_at=NOW, updated_at=NOW,
            activated_at=activated, tags=['b', 'a'])
        self.assertEqual(TYPE, read['type_name'])

    def test_versions(self):
        for version in ('0.0.0', '1.2.3', '1.2.3-beta.1',
                        '1.2.3-rc.1+build.5', '65535.65535.65535',
                        '2.0.0-alpha.10+001'):
            self.round_trip(version=version)

    def test_tags_keep_their_order(self):
        self.round_trip(tags=['zeta', 'alpha', 'mid'])


class _Blobs:

    def add_blob(self, artifact_id, name, key='', **values):
        row = dict(id=str(uuid.uuid4()), artifact_id=artifact_id, name=name,
                   key_name=key, size=3, md5='m', sha1='s1', sha256='s2',
                   external=False, url='file:///data', status='active',
                   content_type='text/plain', created_at=NOW,
                   updated_at=NOW)
        row.update(values)
        with self.engine.begin() as conn:
            conn.execute(BLOBS.insert(), row)
        return row

    def test_no_blob_rows(self):
        read = self.get(self.create()['id'])
        self.assertIsNone(read['blob'])
        self.assertEqual({}, read['folder'])

    def test_blob_and_folder_rows(self):
        artifact_id = self.create()['id']
        blob = self.add_blob(artifact_id, 'blob', size=2 ** 40,
                             external=True, url='http://example.com/x',
                             content_type=None)
        a = self.add_blob(artifact_id, 'folder', 'a.txt', status='saving',
                          size=None, md5=None, sha1=None, sha256=None)
        b = self.add_blob(artifact_id, 'folder', 'dir/ü.txt')
        read = self.get(artifact_id)
        keys = ('id', 'url', 'size', 'md5', 'sha1', 'sha256', 'external',
                'status', 'content_type')
        self.assertEqual({k: blob[k] for k in keys}, read['blob'])
        self.assertEqual({'a.txt': {k: a[k] for k in keys},
                          'dir/ü.txt': {k: b[k] for k in keys}},
                         read['folder'])

    def test_rows_of_fields_the_type_no_longer_has_are_skipped(self):
        artifact_id = self.create()['id']
        self.add_blob(artifact_id, 'gone')
        self.add_blob(artifact_id, 'str')  # no longer a blob field
        read = self.get(artifact_id)
        self.assertNotIn('gone', read)
        self.assertIsNone(read['str'])


class _TypeChanges:

    def test_removed_fields_are_not_read(self):
        written = self.create(str='kept', int=5)
        fewer = {n: fld for n, fld in FIELDS.items() if n != 'int'}
        read = self.get(written['id'], fields=fewer)
        self.assertNotIn('int', read)
        self.assertEqual('kept', read['str'])

    def test_added_fields_read_as_empty(self):
        written = self.create()
        more = dict(FIELDS, new_list=glare_fields.List(glare_fields.String),
                    new_bool=glare_fields.Scalar(
                        glare_fields.Boolean, default=True),
                    new_str=glare_fields.Scalar(
                        glare_fields.String, default='x'))
        read = self.get(written['id'], fields=more)
        # no row: a list or dict reads as its empty container, a scalar
        # as null (whatever its default)
        self.assertEqual([], read['new_list'])
        self.assertIsNone(read['new_bool'])
        self.assertIsNone(read['new_str'])


class _Update:

    def update(self, current, **changes):
        db.update(self.context, TYPE, FIELDS, current['id'], current,
                  changes)
        return self.get(current['id'])

    def test_changed_fields_are_rewritten_others_kept(self):
        current = self.create(list_int=[1, 2], dict_str={'a': 'b'}, str='s',
                              int=1, tags=['t'])
        read = self.update(current, list_int=[3], str=None, tags=['u', 'v'],
                           description='d', version='2.0.0')
        self.assertEqual(([3], None, ['u', 'v'], 'd', '2.0.0'), tuple(
            read[n] for n in ('list_int', 'str', 'tags', 'description',
                              'version')))
        self.assertEqual(({'a': 'b'}, 1), (read['dict_str'], read['int']))
        self.assertEqual([], self.rows(current['id'], 'str'))

    def test_emptied_containers(self):
        current = self.create(list_int=[1, 2], dict_str={'a': 'b'},
                              dict_null={'a': 'b'}, tags=['t'])
        read = self.update(current, list_int=[], dict_str={},
                           dict_null=None, tags=[])
        self.assertEqual(([], {}, None, []), tuple(
            read[n] for n in ('list_int', 'dict_str', 'dict_null', 'tags')))

    def test_unique_name_and_version(self):
        name = 'same-' + str(uuid.uuid4())
        first = self.create(name=name, version='1.0.0')
        self.assertRaises(exception.ArtifactExists, self.create,
                          name=name, version='1.0')
        other = self.create(name=name, version='1.1.0')
        self.assertRaises(exception.ArtifactExists, self.update, other,
                          version='1.0.0')
        # deleted artifacts do not count
        self.update(first, status='deleted')
        self.assertEqual('1.0.0', self.update(other, version='1')['version'])


class SQLiteCodecTest(_Scalars, _Containers, _Columns, _Blobs,
                      _TypeChanges, _Update, _Codec, base.TestCase):
    backend = 'sqlite'


class PostgreSQLCodecTest(_Scalars, _Containers, _Columns, _Blobs,
                          _TypeChanges, _Update, _Codec, base.TestCase):
    backend = 'postgresql'


class MySQLCodecTest(_Scalars, _Containers, _Columns, _Blobs, _TypeChanges,
                     _Update, _Codec, base.TestCase):
    backend = 'mysql'


class TestUniqKey(base.TestCase):

    def test_scope(self):
        key = db.uniq_key
        private = key(TYPE, 'n', '1.0.0', 'private', 'p1', 'drafted')
        self.assertEqual(private, key(TYPE, 'n', '1', 'private', 'p1',
                                      'active'))
        self.assertNotEqual(private, key(TYPE, 'n', '1', 'private', 'p2',
                                         'active'))
        self.assertNotEqual(private, key('other', 'n', '1', 'private', 'p1',
                                         'active'))
        self.assertNotEqual(private, key(TYPE, 'n', '1.0.1', 'private',
                                         'p1', 'active'))
        public = key(TYPE, 'n', '1', 'public', 'p1', 'active')
        self.assertEqual(public, key(TYPE, 'n', '1', 'public', 'p2',
                                     'active'))
        self.assertNotEqual(private, public)
        self.assertIsNone(key(TYPE, 'n', '1', 'public', 'p1', 'deleted'))
        self.assertEqual(64, len(private))
