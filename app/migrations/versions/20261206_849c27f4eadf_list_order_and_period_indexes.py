"""list order and period indexes: sort=title reads its first page from an index on
lower(title), id instead of sorting every match, and the active_from/active_to period filter
reads each side of its ORs as one index range

Revision ID: 849c27f4eadf
Revises: e8c6c5a02673
Create Date: 2026-12-06 06:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "849c27f4eadf"
down_revision = "e8c6c5a02673"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_initiative_state_lower_title",
        "initiative",
        ["state", sa.text("lower(title)"), "id"],
        unique=False,
    )
    op.create_index("ix_initiative_state_ended", "initiative", ["state", "ended_on"], unique=False)
    op.create_index(
        "ix_initiative_state_started",
        "initiative",
        ["state", "started_on", "published_at"],
        unique=False,
    )
    op.execute("ANALYZE initiative")  # the planner weighs the new indexes against the old


def downgrade():
    op.drop_index("ix_initiative_state_started", table_name="initiative")
    op.drop_index("ix_initiative_state_ended", table_name="initiative")
    op.drop_index("ix_initiative_state_lower_title", table_name="initiative")
