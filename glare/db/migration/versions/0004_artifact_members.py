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

"""Artifact members: the projects a shared artifact is shared with, and
the indexes lists under sharing need."""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from glare.db.migration import tables

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                        'mariadb')


def upgrade():
    # existing artifacts keep their visibility (private or public): the
    # new values only come with new changes
    op.create_table(
        'glare_artifact_members',
        sa.Column('artifact_id', sa.String(36),
                  sa.ForeignKey('glare_artifacts.id', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('member', sa.String(255), primary_key=True),
        sa.Column('status', sa.String(20), nullable=False),
        sa.Column('created_at', _TIMESTAMP, nullable=False),
        sa.Column('updated_at', _TIMESTAMP, nullable=False),
        **tables.table_args(op.get_bind()))
    op.create_index('ix_glare_member_member', 'glare_artifact_members',
                    ['member', 'status', 'artifact_id'])
    # lists decide visibility part by part (glare.db.query.count_statement)
    op.create_index('ix_glare_artifact_type_visibility', 'glare_artifacts',
                    ['type_name', 'visibility', 'created_at', 'status'])
    op.create_index('ix_glare_artifact_owner_type', 'glare_artifacts',
                    ['owner', 'type_name'])
    op.create_index('ix_glare_artifact_created', 'glare_artifacts',
                    ['created_at'])
    # replaces the index on visibility alone: the count of the public
    # artifacts of all types reads it alone
    op.create_index('ix_glare_artifact_visibility_created', 'glare_artifacts',
                    ['visibility', 'created_at', 'status'])
    op.drop_index('ix_glare_artifact_visibility', 'glare_artifacts')
