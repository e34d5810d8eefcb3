"""map facet totals: points and cell totals for status, stage, sector, neighbourhood, verified

Revision ID: 5a1c0de0e004
Revises: 5a1c0de0e003
Create Date: 2026-11-30 10:00:00.000000

The tables stay as they are: beside the themes' rows (positive keys, and 0 for any theme),
map_point and map_cell now hold rows under a negative key for each other facet the map filters
on. Each published initiative on the map (its row under key 0) gets one more point per facet
value it has, and those keys get their cell totals. The keys are copied from
app/map_cells/facets.py as they were then: a migration must not change when the app's code does.
"""

import zlib

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5a1c0de0e004"
down_revision = "5a1c0de0e003"
branch_labels = None
depends_on = None

ANY = 0
VERIFIED = -400_001
FAMILY = {"status": -100_000, "stage": -200_000, "sector": -300_000}
SPAN = 90_000
NEIGHBOURHOOD_BASE = -1_000_000  # a neighbourhood's key is this minus its id
LEAF_ZOOM, LEAF_BITS = 14, 24  # the deepest precomputed zoom; code >> LEAF_BITS is its cell

COPY_POINT = (
    "INSERT INTO map_point (initiative_id, theme_id, code, longitude, latitude) "
    "SELECT p.initiative_id, {key}, p.code, p.longitude, p.latitude FROM map_point p "
)
# Where each facet's values are, and the condition an initiative's point ``p`` meets for one.
VALUES = {
    "status": "SELECT DISTINCT status FROM initiative WHERE status IS NOT NULL",
    "stage": "SELECT DISTINCT stage FROM initiative_stage",
    "sector": "SELECT DISTINCT sector FROM participant",
}
HAS_VALUE = {
    "status": "EXISTS (SELECT 1 FROM initiative i WHERE i.id = p.initiative_id "
    "AND i.status = :value)",
    "stage": "EXISTS (SELECT 1 FROM initiative_stage s WHERE s.initiative_id = p.initiative_id "
    "AND s.stage = :value)",
    "sector": "EXISTS (SELECT 1 FROM participant s WHERE s.initiative_id = p.initiative_id "
    "AND s.sector = :value)",
}
TOTALS = (
    "count, sum_longitude, sum_latitude, min_longitude, min_latitude, max_longitude, "
    "max_latitude, first_initiative_id"
)


def value_key(facet, value):
    """The key of a status, stage or sector value: stable, whatever order the vocabulary has."""
    return FAMILY[facet] - 1 - zlib.crc32(f"{facet}:{value}".encode()) % SPAN


def upgrade():
    connection = op.get_bind()
    for facet, values in VALUES.items():
        for value in connection.scalars(sa.text(values)).all():
            key = int(value_key(facet, value))
            connection.execute(
                sa.text(
                    COPY_POINT.format(key=key) + f"WHERE p.theme_id = {ANY} AND {HAS_VALUE[facet]}"
                ),
                {"value": value},
            )
    op.execute(
        COPY_POINT.format(key=f"{NEIGHBOURHOOD_BASE} - i.neighbourhood_id")
        + f"JOIN initiative i ON i.id = p.initiative_id WHERE p.theme_id = {ANY} "
        "AND i.neighbourhood_id IS NOT NULL"
    )
    op.execute(
        COPY_POINT.format(key=VERIFIED) + f"WHERE p.theme_id = {ANY} AND EXISTS (SELECT 1 FROM "
        "outcome o WHERE o.initiative_id = p.initiative_id AND o.verified_at IS NOT NULL)"
    )
    add_facet_cell_totals()
    # Fresh statistics for the planner after a bulk load.
    op.execute("ANALYZE map_point")
    op.execute("ANALYZE map_cell")


def add_facet_cell_totals():
    """The new keys' totals: the deepest precomputed zoom from the points, each zoom above it
    from the four cells below."""
    op.execute(
        f"INSERT INTO map_cell (zoom, theme_id, cell, {TOTALS}) "
        f"SELECT {LEAF_ZOOM}, theme_id, code >> {LEAF_BITS}, count(*), sum(longitude), "
        "sum(latitude), min(longitude), min(latitude), max(longitude), max(latitude), "
        f"min(initiative_id) FROM map_point WHERE theme_id < 0 "
        f"GROUP BY theme_id, code >> {LEAF_BITS}"
    )
    for zoom in range(LEAF_ZOOM - 1, -1, -1):
        op.execute(
            f"INSERT INTO map_cell (zoom, theme_id, cell, {TOTALS}) "
            f"SELECT {zoom}, theme_id, cell >> 2, sum(count), sum(sum_longitude), "
            "sum(sum_latitude), min(min_longitude), min(min_latitude), max(max_longitude), "
            f"max(max_latitude), min(first_initiative_id) FROM map_cell "
            f"WHERE zoom = {zoom + 1} AND theme_id < 0 GROUP BY theme_id, cell >> 2"
        )


def downgrade():
    # Only themes had rows before (positive keys, and 0 for any theme).
    op.execute(sa.text("DELETE FROM map_point WHERE theme_id < 0"))
    op.execute(sa.text("DELETE FROM map_cell WHERE theme_id < 0"))
