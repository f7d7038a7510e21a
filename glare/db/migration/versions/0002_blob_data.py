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

"""Blob data: uploads in flight, store trash, quotas, database store,
and which blob data the service wrote (and may delete)."""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_NOPAD_COLLATIONS = ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')
_TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                        'mariadb')
_CHUNK = sa.LargeBinary().with_variant(mysql.LONGBLOB(), 'mysql', 'mariadb')


def _table_args(bind):
    args = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4',
            'mysql_collate': 'utf8mb4_bin'}
    if bind.dialect.name in ('mysql', 'mariadb'):
        for name in _NOPAD_COLLATIONS:
            if bind.exec_driver_sql(
                    "SHOW COLLATION LIKE '%s'" % name).first():
                args['mysql_collate'] = name
                break
    return args


def upgrade():
    args = _table_args(op.get_bind())
    op.add_column('glare_artifact_blobs', sa.Column(
        'managed', sa.Boolean, nullable=False, server_default=sa.true()))
    op.create_table(
        'glare_blob_uploads',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('artifact_id', sa.String(36), nullable=False),
        sa.Column('blob_name', sa.String(255), nullable=False),
        sa.Column('key_name', sa.String(255), nullable=False),
        sa.Column('type_name', sa.String(255), nullable=False),
        sa.Column('owner', sa.String(255), nullable=False),
        sa.Column('reserved', sa.BigInteger, nullable=False),
        sa.Column('store', sa.String(255), nullable=False),
        sa.Column('location', sa.Text, nullable=True),
        sa.Column('created_at', _TIMESTAMP, nullable=False),
        sa.Column('heartbeat_at', _TIMESTAMP, nullable=False),
        sa.UniqueConstraint('artifact_id', 'blob_name', 'key_name',
                            name='uq_glare_blob_upload'),
        **args)
    op.create_index('ix_glare_blob_upload_owner', 'glare_blob_uploads',
                    ['owner', 'type_name'])
    op.create_index('ix_glare_blob_upload_heartbeat', 'glare_blob_uploads',
                    ['heartbeat_at'])
    op.create_table(
        'glare_store_trash',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('location', sa.Text, nullable=False),
        sa.Column('created_at', _TIMESTAMP, nullable=False),
        **args)
    op.create_table(
        'glare_quotas',
        sa.Column('project_id', sa.String(255), primary_key=True),
        sa.Column('quota_name', sa.String(255), primary_key=True),
        sa.Column('quota_value', sa.BigInteger, nullable=False),
        **args)
    op.create_table(
        'glare_project_locks',
        sa.Column('project_id', sa.String(255), primary_key=True),
        **args)
    op.create_table(
        'glare_blob_data_chunks',
        sa.Column('data_id', sa.String(36), primary_key=True),
        sa.Column('position', sa.Integer, primary_key=True,
                  autoincrement=False),
        sa.Column('data', _CHUNK, nullable=False),
        **args)
