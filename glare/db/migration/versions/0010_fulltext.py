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

"""Full-text search: the words of each artifact, and their index.

Existing artifacts are indexed here, with the field declarations of the
types installed now (glare.artifact_types entry points); an artifact of a
type not installed has every string value of its properties indexed.
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql
from stevedore import extension

from glare.db.migration import tables

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# glare.db.fulltext.sqlite.DDL as this revision made it (a migration
# keeps what it made, whatever the code says later)
_SQLITE = (
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
_MYSQL_INDEXES = {'ix_glare_search_all': ['a', 'b', 'c', 'd'],
                  'ix_glare_search_abc': ['a', 'b', 'c'],
                  'ix_glare_search_a': ['a'], 'ix_glare_search_b': ['b'],
                  'ix_glare_search_c': ['c'], 'ix_glare_search_d': ['d']}
_BATCH = 500


def upgrade():
    bind = op.get_bind()
    dialect = bind.dialect.name
    long_text = sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql',
                                       'mariadb')
    timestamp = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                           'mariadb')
    op.create_table(
        'glare_artifact_search',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('artifact_id', sa.String(36),
                  sa.ForeignKey('glare_artifacts.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('a', sa.Text, nullable=False),
        sa.Column('b', sa.Text, nullable=False),
        sa.Column('c', long_text, nullable=False),
        sa.Column('d', long_text, nullable=False),
        sa.Column('tsv', sa.Text().with_variant(postgresql.TSVECTOR(),
                                                'postgresql'),
                  nullable=True),
        sa.Column('type_name', sa.String(255), nullable=False),
        sa.Column('owner', sa.String(255), nullable=False),
        sa.Column('visibility', sa.String(32), nullable=False),
        sa.Column('status', sa.String(32), nullable=False),
        sa.Column('created_at', timestamp, nullable=False),
        sa.Column('updated_at', timestamp, nullable=False),
        sa.UniqueConstraint('artifact_id', name='uq_glare_search_artifact'),
        **tables.table_args(bind))
    if dialect == 'sqlite':
        for statement in _SQLITE:
            bind.exec_driver_sql(statement)
    elif dialect == 'postgresql':
        op.create_index('ix_glare_search_tsv', 'glare_artifact_search',
                        ['tsv'], postgresql_using='gin')
    elif dialect in ('mysql', 'mariadb'):
        for name, columns in _MYSQL_INDEXES.items():
            op.create_index(name, 'glare_artifact_search', columns,
                            mysql_prefix='FULLTEXT')
    _index_existing(bind)


def _type_fields():
    """{type name: its fields} of the installed types."""
    out = {}
    for ext in extension.ExtensionManager('glare.artifact_types'):
        try:
            out[ext.plugin.get_type_name()] = ext.plugin.fields
        except Exception:  # nosec B112
            # a broken plugin: its artifacts are indexed as of an unknown type
            continue
    return out


def _index_existing(bind):
    # the search code of this release: the index holds its words
    from glare.db import fulltext

    meta = sa.MetaData()
    arts = sa.Table('glare_artifacts', meta, autoload_with=bind)
    tags = sa.Table('glare_artifact_tags', meta, autoload_with=bind)
    props = sa.Table('glare_artifact_properties', meta, autoload_with=bind)
    fields_of = _type_fields()
    after = ''
    while True:
        rows = bind.execute(sa.select(
            arts.c.id, arts.c.name, arts.c.description,
            *[arts.c[c] for c in fulltext.COPIED])
            .where(arts.c.id > after).order_by(arts.c.id)
            .limit(_BATCH)).all()
        if not rows:
            return
        ids = [r.id for r in rows]
        tags_of, props_of = {}, {}
        for t in bind.execute(sa.select(tags.c.artifact_id, tags.c.value)
                              .where(tags.c.artifact_id.in_(ids))
                              .order_by(tags.c.id)):
            tags_of.setdefault(t.artifact_id, []).append(t.value)
        for p in bind.execute(sa.select(props).where(
                props.c.artifact_id.in_(ids))):
            props_of.setdefault(p.artifact_id, []).append(p)
        fulltext.insert_many(bind, {r.id: (fulltext.document(
            r.name, r.description, tags_of.get(r.id, []),
            fulltext.row_strings(fields_of.get(r.type_name),
                                 props_of.get(r.id, []))),
            {c: r._mapping[c] for c in fulltext.COPIED}) for r in rows})
        after = ids[-1]
