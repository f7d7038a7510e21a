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

"""Signatures: the trust store, and a blob's verified signature record."""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from glare.db.migration import tables

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                        'mariadb')
# MySQL's TEXT holds 64 KiB (bytes): a PEM of 64 KiB characters, or a
# record with a Sigstore bundle, may not fit
_LONG_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql', 'mariadb')


def upgrade():
    op.create_table(
        'glare_trust_certificates',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('name', sa.String(255), nullable=False),
        # NULL for a global entry
        sa.Column('owner', sa.String(255), nullable=True),
        sa.Column('scope', sa.String(16), nullable=False),
        sa.Column('kind', sa.String(16), nullable=False),
        sa.Column('pem', _LONG_TEXT, nullable=False),
        sa.Column('fingerprint_sha256', sa.String(64), nullable=False),
        sa.Column('subject', sa.Text, nullable=True),
        sa.Column('not_before', _TIMESTAMP, nullable=True),
        sa.Column('not_after', _TIMESTAMP, nullable=True),
        sa.Column('created_at', _TIMESTAMP, nullable=False),
        **tables.table_args(op.get_bind()))
    op.create_index('ix_glare_trust_owner_fingerprint',
                    'glare_trust_certificates',
                    ['owner', 'fingerprint_sha256'])
    # existing blobs carry no signature
    op.add_column('glare_artifact_blobs',
                  sa.Column('signature', _LONG_TEXT, nullable=True))
