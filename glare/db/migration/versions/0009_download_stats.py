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

"""Download statistics: counts per artifact and day, and their total."""

from alembic import op
import sqlalchemy as sa

from glare.db.migration import tables

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # existing artifacts start at no downloads
    op.add_column('glare_artifacts',
                  sa.Column('downloads_total', sa.BigInteger,
                            nullable=False, server_default='0'))
    op.add_column('glare_artifacts',
                  sa.Column('downloads_recent', sa.BigInteger,
                            nullable=False, server_default='0'))
    op.add_column('glare_artifacts',
                  sa.Column('downloads_recent_day', sa.Date, nullable=True))
    op.create_index('ix_glare_artifact_type_downloads', 'glare_artifacts',
                    ['type_name', 'downloads_total'])
    op.create_table(
        'glare_artifact_downloads',
        sa.Column('artifact_id', sa.String(36),
                  sa.ForeignKey('glare_artifacts.id', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('day', sa.Date, primary_key=True),
        sa.Column('count', sa.BigInteger, nullable=False),
        **tables.table_args(op.get_bind()))
