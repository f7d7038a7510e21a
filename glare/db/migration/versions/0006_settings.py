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

"""Settings: values a deployment keeps for itself (its cloud_id)."""

from alembic import op
import sqlalchemy as sa

from glare.db.migration import tables

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'glare_settings',
        sa.Column('name', sa.String(64), primary_key=True),
        sa.Column('value', sa.String(255), nullable=False),
        **tables.table_args(op.get_bind()))
