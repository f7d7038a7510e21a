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

"""Background tasks: imports from a URL, conversions, their leases."""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from glare.db.migration import tables

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                        'mariadb')
_LONG_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql', 'mariadb')


def upgrade():
    op.create_table(
        'glare_tasks',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('type', sa.String(32), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('progress', sa.Double, nullable=False,
                  server_default='0'),
        sa.Column('message', sa.Text, nullable=True),
        sa.Column('artifact_id', sa.String(36), nullable=True),
        sa.Column('type_name', sa.String(255), nullable=True),
        sa.Column('owner', sa.String(255), nullable=False),
        sa.Column('user_id', sa.String(255), nullable=True),
        sa.Column('input', _LONG_TEXT, nullable=False),
        sa.Column('identity', sa.Text, nullable=False),
        sa.Column('lease_owner', sa.String(255), nullable=True),
        sa.Column('lease_expires_at', _TIMESTAMP, nullable=True),
        sa.Column('attempts', sa.Integer, nullable=False,
                  server_default='0'),
        sa.Column('cancel_requested', sa.Boolean, nullable=False,
                  server_default=sa.false()),
        sa.Column('created_at', _TIMESTAMP, nullable=False),
        sa.Column('updated_at', _TIMESTAMP, nullable=False),
        **tables.table_args(op.get_bind()))
    op.create_index('ix_glare_task_status_lease', 'glare_tasks',
                    ['status', 'lease_expires_at'])
    op.create_index('ix_glare_task_status_created', 'glare_tasks',
                    ['status', 'created_at'])
    op.create_index('ix_glare_task_owner_created', 'glare_tasks',
                    ['owner', 'created_at'])
    op.create_index('ix_glare_task_created', 'glare_tasks', ['created_at'])
