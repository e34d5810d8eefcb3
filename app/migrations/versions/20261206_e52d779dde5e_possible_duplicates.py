"""possible duplicates: the published initiatives a submission's title and place resemble,
kept for the moderation queue

Revision ID: e52d779dde5e
Revises: e57b34d4db3f
Create Date: 2026-12-06 03:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e52d779dde5e"
down_revision = "e57b34d4db3f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("initiative", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("possible_duplicate_ids", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("initiative", recreate="never") as batch_op:
        batch_op.drop_column("possible_duplicate_ids")
