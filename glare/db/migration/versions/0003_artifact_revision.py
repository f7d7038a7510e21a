"""A revision counter per artifact, for ETags and If-Match."""

from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # existing artifacts start at 0; every later write bumps it
    op.add_column('glare_artifacts', sa.Column(
        'revision', sa.BigInteger, nullable=False, server_default='0'))
