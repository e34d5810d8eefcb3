"""map facet totals: points and cell totals for status, stage, sector, neighbourhood, verified

Revision ID: 5a1c0de0e004
Revises: 5a1c0de0e003
Create Date: 2026-11-30 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5a1c0de0e004"
down_revision = "5a1c0de0e003"
branch_labels = None
depends_on = None


def upgrade():
    # The tables stay as they are: beside the themes' rows, map_point and map_cell now hold
    # rows for the other facets the map filters on (app.map_cells.facets). Put them there.
    from app.map_cells.cells import rebuild_map_cells

    rebuild_map_cells(op.get_bind())


def downgrade():
    # Only themes had rows before (positive keys, and 0 for any theme).
    op.execute(sa.text("DELETE FROM map_point WHERE theme_id < 0"))
    op.execute(sa.text("DELETE FROM map_cell WHERE theme_id < 0"))
