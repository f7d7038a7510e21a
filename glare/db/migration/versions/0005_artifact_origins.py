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

"""Artifact origins: where an imported artifact came from."""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                        'mariadb')


def _table_args(bind):
    """MySQL options: the artifacts table's own collation, which the
    foreign key's column must share (0001 picks a no-pad one where the
    server has it)."""
    args = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4',
            'mysql_collate': 'utf8mb4_bin'}
    if bind.dialect.name in ('mysql', 'mariadb'):
        collation = bind.exec_driver_sql(
            "SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE "
            "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'glare_artifacts'"
        ).scalar()
        if collation:
            args['mysql_collate'] = collation
    return args


def upgrade():
    # local artifacts have no row: their origin is null
    op.create_table(
        'glare_artifact_origins',
        sa.Column('artifact_id', sa.String(36),
                  sa.ForeignKey('glare_artifacts.id', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('cloud_id', sa.String(255), nullable=True),
        sa.Column('upstream', sa.String(255), nullable=True),
        sa.Column('origin_id', sa.String(36), nullable=False),
        sa.Column('digest', sa.String(71), nullable=False),
        sa.Column('created_at', _TIMESTAMP, nullable=False),
        **_table_args(op.get_bind()))
