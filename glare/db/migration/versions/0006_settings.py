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

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def _table_args(bind):
    """MySQL options: the collation of the artifacts table (0001 picks a
    no-pad binary one where the server has it)."""
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
    op.create_table(
        'glare_settings',
        sa.Column('name', sa.String(64), primary_key=True),
        sa.Column('value', sa.String(255), nullable=False),
        **_table_args(op.get_bind()))
