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

"""Stars and reviews (API 1.6), and their counters on the artifact row."""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from glare.db.migration import tables

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                        'mariadb')


def _artifact_fk():
    return sa.ForeignKey('glare_artifacts.id', ondelete='CASCADE')


def upgrade():
    # existing artifacts have no stars and no reviews yet
    for name in ('star_count', 'rating_count', 'rating_sum'):
        op.add_column('glare_artifacts', sa.Column(
            name, sa.BigInteger, nullable=False, server_default='0'))
    op.add_column('glare_artifacts',
                  sa.Column('rating_average', sa.Double, nullable=True))
    args = tables.table_args(op.get_bind())
    op.create_table(
        'glare_artifact_stars',
        sa.Column('artifact_id', sa.String(36), _artifact_fk(),
                  primary_key=True),
        sa.Column('user_id', sa.String(255), primary_key=True),
        sa.Column('created_at', _TIMESTAMP, nullable=False),
        **args)
    op.create_index('ix_glare_star_user_created', 'glare_artifact_stars',
                    ['user_id', 'created_at', 'artifact_id'])
    op.create_table(
        'glare_artifact_reviews',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('artifact_id', sa.String(36), _artifact_fk(),
                  nullable=False),
        sa.Column('user_id', sa.String(255), nullable=False),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('rating', sa.Integer, nullable=False),
        sa.Column('comment', sa.Text, nullable=True),
        sa.Column('hidden', sa.Boolean, nullable=False,
                  server_default=sa.false()),
        sa.Column('created_at', _TIMESTAMP, nullable=False),
        sa.Column('updated_at', _TIMESTAMP, nullable=False),
        sa.UniqueConstraint('artifact_id', 'user_id',
                            name='uq_glare_review_artifact_user'),
        **args)
    op.create_index('ix_glare_review_artifact_created',
                    'glare_artifact_reviews',
                    ['artifact_id', 'created_at', 'id'])
