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

"""Create the Glare schema: artifacts, tags, properties and blobs."""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

# Types are spelled out here, not taken from glare.db.models: a migration
# must keep creating the schema of its own time when the models move on.
_TABLE_ARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4',
               'mysql_collate': 'utf8mb4_bin'}
# Binary collations that do not pad: with utf8mb4_bin, MySQL/MariaDB
# compare 'a' and 'a ' as equal, in unique keys and in filters alike.
_NOPAD_COLLATIONS = ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')


def _mysql_collation(bind):
    if bind.dialect.name not in ('mysql', 'mariadb'):
        return
    for name in _NOPAD_COLLATIONS:
        if bind.exec_driver_sql("SHOW COLLATION LIKE '%s'" % name).first():
            _TABLE_ARGS['mysql_collate'] = name
            return
_TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                        'mariadb')


def _artifact_fk():
    return sa.Column('artifact_id', sa.String(36),
                     sa.ForeignKey('glare_artifacts.id', ondelete='CASCADE'),
                     nullable=False)


def _artifacts():
    op.create_table(
        'glare_artifacts',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('type_name', sa.String(255), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('version_prefix', sa.BigInteger, nullable=False),
        sa.Column('version_suffix', sa.String(255), nullable=False),
        sa.Column('version_meta', sa.String(255), nullable=False),
        sa.Column('description', sa.Text, nullable=True),
        sa.Column('visibility', sa.String(32), nullable=False),
        sa.Column('status', sa.String(32), nullable=False),
        sa.Column('owner', sa.String(255), nullable=False),
        sa.Column('created_at', _TIMESTAMP, nullable=False),
        sa.Column('updated_at', _TIMESTAMP, nullable=False),
        sa.Column('activated_at', _TIMESTAMP, nullable=True),
        sa.Column('uniq_key', sa.String(64), nullable=True),
        sa.UniqueConstraint('uniq_key', name='uq_glare_artifact_uniq_key'),
        **_TABLE_ARGS)
    for name, cols in (
            ('ix_glare_artifact_type_owner', ['type_name', 'owner']),
            ('ix_glare_artifact_type_created', ['type_name', 'created_at']),
            ('ix_glare_artifact_name_version',
             ['type_name', 'name', 'version_prefix', 'version_suffix']),
            ('ix_glare_artifact_visibility', ['visibility']),
            ('ix_glare_artifact_status', ['status'])):
        op.create_index(name, 'glare_artifacts', cols)


def _tags():
    op.create_table(
        'glare_artifact_tags',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        _artifact_fk(),
        sa.Column('value', sa.String(255), nullable=False),
        sa.UniqueConstraint('artifact_id', 'value',
                            name='uq_glare_artifact_tag'),
        **_TABLE_ARGS)
    op.create_index('ix_glare_artifact_tags_value', 'glare_artifact_tags',
                    ['value'])


def _properties():
    op.create_table(
        'glare_artifact_properties',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        _artifact_fk(),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('string_value', sa.String(255), nullable=True),
        sa.Column('text_value', sa.Text, nullable=True),
        sa.Column('int_value', sa.BigInteger, nullable=True),
        sa.Column('numeric_value', sa.Double, nullable=True),
        sa.Column('bool_value', sa.Boolean, nullable=True),
        sa.Column('key_name', sa.String(255), nullable=True),
        sa.Column('position', sa.Integer, nullable=True),
        **_TABLE_ARGS)
    op.create_index('ix_glare_prop_artifact', 'glare_artifact_properties',
                    ['artifact_id'])
    op.create_index('ix_glare_prop_name_string', 'glare_artifact_properties',
                    ['name', 'string_value', 'artifact_id'])
    # partial (SQLite, PostgreSQL): only the rows that set the column
    for suffix, col in (('int', 'int_value'), ('numeric', 'numeric_value'),
                        ('bool', 'bool_value'), ('key', 'key_name')):
        where = sa.text('%s IS NOT NULL' % col)
        op.create_index('ix_glare_prop_name_' + suffix,
                        'glare_artifact_properties',
                        ['name', col, 'artifact_id'], sqlite_where=where,
                        postgresql_where=where)


def _blobs():
    op.create_table(
        'glare_artifact_blobs',
        sa.Column('id', sa.String(36), primary_key=True),
        _artifact_fk(),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('key_name', sa.String(255), nullable=False),
        sa.Column('size', sa.BigInteger, nullable=True),
        sa.Column('md5', sa.String(32), nullable=True),
        sa.Column('sha1', sa.String(40), nullable=True),
        sa.Column('sha256', sa.String(64), nullable=True),
        sa.Column('external', sa.Boolean, nullable=False),
        sa.Column('url', sa.Text, nullable=True),
        sa.Column('status', sa.String(32), nullable=False),
        sa.Column('content_type', sa.String(255), nullable=True),
        sa.Column('created_at', _TIMESTAMP, nullable=False),
        sa.Column('updated_at', _TIMESTAMP, nullable=False),
        sa.UniqueConstraint('artifact_id', 'name', 'key_name',
                            name='uq_glare_artifact_blob'),
        **_TABLE_ARGS)
    op.create_index('ix_glare_blob_status', 'glare_artifact_blobs',
                    ['status'])


def upgrade():
    _mysql_collation(op.get_bind())
    _artifacts()
    _tags()
    _properties()
    _blobs()
