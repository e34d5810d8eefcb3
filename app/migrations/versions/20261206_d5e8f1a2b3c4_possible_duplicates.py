"""possible duplicates: the published initiatives a submission's title and place resemble,
kept for the moderation queue

Revision ID: d5e8f1a2b3c4
Revises: d4a7c9e2f1b8
Create Date: 2026-12-06 03:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d5e8f1a2b3c4"
down_revision = "d4a7c9e2f1b8"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("initiative", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("possible_duplicate_ids", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("initiative", recreate="never") as batch_op:
        batch_op.drop_column("possible_duplicate_ids")
