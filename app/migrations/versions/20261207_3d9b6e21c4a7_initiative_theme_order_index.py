"""initiative theme order index: an initiative's themes in their order read from one covering
index (initiative_id, position, theme_id), without a sort or a visit to the table; every
export batch and every page of results reads them so

Revision ID: 3d9b6e21c4a7
Revises: 918dcaa620f5
Create Date: 2026-12-07 02:30:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "3d9b6e21c4a7"
down_revision = "918dcaa620f5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_initiative_theme_order",
        "initiative_theme",
        ["initiative_id", "position", "theme_id"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_initiative_theme_order", table_name="initiative_theme")
