"""New points added to the map's cell totals, without recomputing any cell from its points.

An import's new initiatives had no map points: their points only add to the cells they fall
in. What they add to each cell of every zoom (count, sums, extent, lowest id) is counted from
those points alone into a temporary table before the map's lock is taken (``count_added``);
under the lock, one statement adds it to the totals already there (``add_to_cells``: an
``INSERT ... ON CONFLICT DO UPDATE``). Recomputing the cells touched from their points, as a
flush does (``app.map_cells.cells.refresh_cells``), read every point of every key touched in
every cell touched, and did it under the lock, which two imports at once take in turn.

Only for points that are new: a moved, changed or removed point takes something back from a
cell, which only a recomputation does. The totals are a rebuild's; sums of coordinates added
up in another order may differ in their last bit, as they may between two rebuilds.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Dialect,
    Insert,
    MetaData,
    Table,
    func,
    insert,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite

from app.database import in_bound_ids
from app.map_cells.cells import (
    PRECOMPUTED_MAX_ZOOM,
    TOTAL_COLUMNS,
    cell_table,
    leaf_query,
    parent_query,
)
from app.map_cells.models import MapPoint

SUMMED = ("count", "sum_longitude", "sum_latitude")
LEAST = ("min_longitude", "min_latitude", "first_initiative_id")
GREATEST = ("max_longitude", "max_latitude")

# What the new points add to each cell: map_cell's columns, in a table of the transaction's
# own (made and dropped in it, so a rollback leaves nothing behind).
added_table = Table(
    "map_cell_added",
    MetaData(),
    *(Column(name, cell_table.c[name].type) for name in TOTAL_COLUMNS),
    prefixes=["TEMPORARY"],
)


def count_added(connection: Connection, initiative_ids: list[int]) -> None:
    """Count what the map points of these new initiatives add to each cell of each zoom, by
    key (the points written, before the map's lock is taken)."""
    added_table.create(connection)
    connection.execute(_leaf_added(connection.dialect), {"ids": initiative_ids})
    for zoom in range(PRECOMPUTED_MAX_ZOOM - 1, -1, -1):
        connection.execute(_parent_added(zoom))


def add_to_cells(connection: Connection) -> None:
    """Add what ``count_added`` counted to the map's cells, creating those that had none;
    under the map's lock (``app.map_cells.cells.lock_map``), as every write of the totals."""
    connection.execute(_upsert(connection.dialect.name))
    added_table.drop(connection)


@cache
def _leaf_added(dialect: Dialect) -> Insert:
    """The deepest cells' totals of the ``ids``' points."""
    query = leaf_query().where(in_bound_ids(MapPoint.initiative_id, dialect, "ids"))
    return insert(added_table).from_select(TOTAL_COLUMNS, query)


@cache
def _parent_added(zoom: int) -> Insert:
    """The totals at ``zoom`` from those one zoom deeper."""
    return insert(added_table).from_select(TOTAL_COLUMNS, parent_query(zoom, added_table))


@cache
def _upsert(dialect_name: str) -> Insert:
    """Every counted cell into map_cell, added to the totals of a cell already there."""
    # WHERE true: without it SQLite would read ON CONFLICT as the start of a join's ON.
    rows = select(*(added_table.c[name] for name in TOTAL_COLUMNS)).where(true())
    statement: postgresql.Insert | sqlite.Insert
    if dialect_name == "postgresql":
        statement, least, greatest = postgresql.insert(cell_table), "least", "greatest"
    else:  # SQLite's min and max of two values
        statement, least, greatest = sqlite.insert(cell_table), "min", "max"
    statement = statement.from_select(TOTAL_COLUMNS, rows)
    target, new = cell_table.c, statement.excluded
    changes: dict[str, ColumnElement] = {}
    for name in SUMMED:
        changes[name] = target[name] + new[name]
    for name in LEAST:
        changes[name] = getattr(func, least)(target[name], new[name])
    for name in GREATEST:
        changes[name] = getattr(func, greatest)(target[name], new[name])
    return statement.on_conflict_do_update(
        index_elements=[target.zoom, target.theme_id, target.cell], set_=changes
    )
