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

"""Full-text search on PostgreSQL: an index of the search rows'
visibility (and type).

With it a search of the public artifacts (an anonymous caller's) reads
only the rows both the words' GIN index and this one name (a BitmapAnd):
a tenth of a common word's matches, not all of them. Built from the rows
there are; SQLite and MySQL/MariaDB get none (their full-text index
cannot be combined with another one).
"""

from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index('ix_glare_search_visibility', 'glare_artifact_search',
                        ['visibility', 'type_name'])
