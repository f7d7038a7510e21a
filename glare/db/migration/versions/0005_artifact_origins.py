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

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    # columns of the artifact's row: local artifacts keep NULLs (origin
    # null), and reading an artifact costs no extra query
    for name, length in (('origin_id', 36), ('origin_cloud_id', 255),
                         ('origin_upstream', 255), ('origin_digest', 71)):
        op.add_column('glare_artifacts',
                      sa.Column(name, sa.String(length), nullable=True))
