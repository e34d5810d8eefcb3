"""New map points added to the cell totals (app.map_cells.additions) leave every total as a
rebuild from scratch makes it: cells that had totals and cells that had none, counts, sums,
extents and lowest ids.

Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL set (make test-postgres).
"""

from __future__ import annotations

from sqlalchemy import delete

from app.extensions import db
from app.map_cells.additions import add_to_cells, count_added
from app.map_cells.cells import (
    PRECOMPUTED_MAX_ZOOM,
    add_new_points,
    lock_map,
    point_table,
    points_now,
    rebuild_map_cells,
    refresh_cells_of,
)
from app.map_cells.grid import cell_shift
from app.map_cells.models import MapPoint
from tests.factories import create_test_initiative, create_test_neighbourhood
from tests.test_map_clusters import map_tables

# (latitude, longitude, themes, status): a few places a street apart, some the same
PLACES = [
    (53.8001, -1.5501, ["safety"], "active"),
    (53.8001, -1.5501, ["health", "safety"], "completed"),
    (53.8104, -1.5302, ["health"], "ended"),
    (53.7902, -1.5703, ["safety"], "active"),
    (53.8305, -1.5005, ["education"], "completed"),
    (53.8001, -1.5502, ["sustainability"], "active"),
]


def _published_map() -> list[int]:
    """Published initiatives at PLACES, twice over: the first round's ids are the lower."""
    neighbourhoods = [create_test_neighbourhood(), create_test_neighbourhood()]
    return [
        create_test_initiative(
            neighbourhood_id=neighbourhoods[round_],
            latitude=latitude,
            longitude=longitude,
            location_precision="exact",
            themes=themes,
            status=status,
            stages=["co-design", "co-delivery"][: 1 + round_],
        )
        for round_ in range(2)
        for latitude, longitude, themes, status in PLACES
    ]


def test_added_points_give_the_totals_of_a_rebuild(app):
    """Initiatives taken off the map and put back as new points: the lowest ids, extremes
    and sums of cells that kept other points, and cells that had none left."""
    with app.app_context():
        ids = _published_map()
        connection = db.session.connection()
        rebuild_map_cells(connection)
        db.session.commit()
    rebuilt = map_tables(app)
    with app.app_context():
        connection = db.session.connection()
        added = [ids[0], ids[2], ids[4], ids[7], ids[10]]
        rows = points_now(connection, added)
        connection.execute(delete(point_table).where(MapPoint.initiative_id.in_(added)))
        refresh_cells_of(connection, rows)  # the map without them: some cells now empty
        leaf_bits = 2 * cell_shift(PRECOMPUTED_MAX_ZOOM)
        left = {(row[1], row[2] >> leaf_bits) for row in points_now(connection, ids)}
        leaves = {(row[1], row[2] >> leaf_bits) for row in rows}
        assert leaves & left and leaves - left  # cells with totals to add to, and without
        add_new_points(connection, rows)
        count_added(connection, added)
        lock_map(connection)
        add_to_cells(connection)
        db.session.commit()
    assert map_tables(app) == rebuilt


def test_nothing_added_for_initiatives_without_points(app):
    """Initiatives that have no map points (not published, not placed) add nothing."""
    with app.app_context():
        ids = _published_map()
        pending = create_test_initiative(state="pending", latitude=53.8, longitude=-1.55)
    kept = map_tables(app)
    with app.app_context():
        connection = db.session.connection()
        count_added(connection, [pending, ids[-1] + 1000])
        lock_map(connection)
        add_to_cells(connection)
        db.session.commit()
    assert map_tables(app) == kept
