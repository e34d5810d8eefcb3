"""Keeping the map's points and cell totals in step with the published initiatives.

``map_point`` holds each published initiative's public point, once under ``facets.ANY`` and once
under each facet value it has (``app.map_cells.facets``); ``map_cell`` holds, for every zoom up to
``PRECOMPUTED_MAX_ZOOM``, the count, sums and extent of the points in each cell. A session
listener refreshes both whenever a flush changes what the map shows (an initiative published,
unpublished, moved, deleted or given other themes, status, stages, participants, neighbourhood
or verified outcomes), so submissions, moderation, imports and the demo data stay right
without calling anything here. Bulk loads that bypass the ORM call ``rebuild_map_cells``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache

from flask import has_request_context
from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnClause,
    ColumnElement,
    Connection,
    Delete,
    Insert,
    Integer,
    Select,
    SQLColumnExpression,
    Table,
    any_,
    bindparam,
    delete,
    event,
    func,
    insert,
    inspect,
    literal_column,
    select,
)
from sqlalchemy.orm import Session, UOWTransaction

from app.database import copy_rows, insert_rows
from app.initiatives.models import (
    Initiative,
    InitiativeStage,
    InitiativeTheme,
    Outcome,
    Participant,
)
from app.initiatives.public import published_only  # its listener (the public point) runs first
from app.map_cells.facets import ANY, Facets
from app.map_cells.grid import cell_shift, code_range, point_code
from app.map_cells.models import MapCell, MapPoint
from app.shared_filters.changes import log_everything_changed

PRECOMPUTED_MAX_ZOOM = 14  # deeper views hold few enough points to group when asked
BATCH = 5_000
CHUNK = 400  # cells per statement when refreshing totals
RECOMPUTE_LEAVES = 2_000  # more deepest cells touched than this: recompute their keys' totals
WATCHED = (
    "state",
    "public_latitude",
    "public_longitude",
    "status",
    "neighbourhood_id",
    "theme_links",
    "stage_links",
    "participants",
    "outcomes",
)
# Rows of an initiative whose changes may change its facets on the map.
LINKED = (InitiativeTheme, InitiativeStage, Participant, Outcome)
_PENDING = "map_changes"
LOCK_KEY = 0x6D61705F63656C6C  # "map_cell": PostgreSQL's advisory lock for writing the map

point_table = MapPoint.__table__
cell_table = MapCell.__table__
PointRow = tuple[int, int, int, float, float]  # initiative_id, facet_key, code, lon, lat


def shifted(column: SQLColumnExpression[int], bits: int) -> ColumnElement[int]:
    """``column >> bits``, with the shift written into the SQL so GROUP BY can repeat it."""
    return column.op(">>", return_type=BigInteger)(literal_column(str(int(bits))))


def cell_totals(
    longitude: SQLColumnExpression[float] = MapPoint.longitude,
    latitude: SQLColumnExpression[float] = MapPoint.latitude,
    initiative_id: SQLColumnExpression[int] = MapPoint.initiative_id,
) -> list[ColumnElement]:
    """A cell's aggregates over its map points (or any rows with these columns), in
    ``map_cell``'s order after zoom, key, cell."""
    return [
        func.count(),
        func.sum(longitude),
        func.sum(latitude),
        func.min(longitude),
        func.min(latitude),
        func.max(longitude),
        func.max(latitude),
        func.min(initiative_id),
    ]


TOTAL_COLUMNS = [
    "zoom",
    "theme_id",  # the facet key's column (app.map_cells.models)
    "cell",
    "count",
    "sum_longitude",
    "sum_latitude",
    "min_longitude",
    "min_latitude",
    "max_longitude",
    "max_latitude",
    "first_initiative_id",
]

# The statements that write totals are built once (per zoom) and reused: building them for
# every refresh would cost more than running them.


def leaf_query() -> Select:
    """Totals of the deepest precomputed cells from their points, by key: every leaf, until a
    caller narrows it to some points."""
    cell = shifted(MapPoint.code, 2 * cell_shift(PRECOMPUTED_MAX_ZOOM))
    return select(
        literal_column(str(PRECOMPUTED_MAX_ZOOM)), MapPoint.facet_key, cell, *cell_totals()
    ).group_by(MapPoint.facet_key, cell)


@cache
def _leaf_totals(some: bool) -> Insert:
    """Totals of the deepest precomputed cells from their points (``first``..``last`` codes)."""
    query = leaf_query()
    if some:
        query = query.where(
            MapPoint.facet_key.in_(bindparam("keys", expanding=True)),
            MapPoint.code.between(bindparam("first"), bindparam("last")),
        )
    return insert(cell_table).from_select(TOTAL_COLUMNS, query)


@cache
def _leaf_totals_of_ranges() -> Insert:
    """Totals of the deepest precomputed cells from their points, for the ``keys`` given and
    the ranges of codes ``firsts[i]``..``lasts[i]`` (PostgreSQL's arrays, read by unnest)."""
    ranges = (
        func.unnest(
            bindparam("firsts", type_=ARRAY(BigInteger)),
            bindparam("lasts", type_=ARRAY(BigInteger)),
        )
        .table_valued("first", "last")
        .render_derived(name="ranges")
    )
    query = (
        leaf_query()
        .select_from(ranges)
        .join(MapPoint, MapPoint.code.between(ranges.c.first, ranges.c.last))
        .where(MapPoint.facet_key == any_(bindparam("keys", type_=ARRAY(Integer))))
    )
    return insert(cell_table).from_select(TOTAL_COLUMNS, query)


def parent_query(zoom: int, table: Table = cell_table) -> Select:
    """Totals of every cell at ``zoom`` from its children's (in ``map_cell``, or a table with
    its columns)."""
    cells = table.c
    parent = shifted(cells.cell, 2)
    totals = [
        func.sum(cells.count),
        func.sum(cells.sum_longitude),
        func.sum(cells.sum_latitude),
        func.min(cells.min_longitude),
        func.min(cells.min_latitude),
        func.max(cells.max_longitude),
        func.max(cells.max_latitude),
        func.min(cells.first_initiative_id),
    ]
    zoom_column: ColumnClause[int] = literal_column(str(int(zoom)))
    return (
        select(zoom_column, cells.theme_id, parent, *totals)
        .where(cells.zoom == zoom + 1)
        .group_by(cells.theme_id, parent)
    )


@cache
def _parent_totals(zoom: int, some: bool) -> Insert:
    """Totals of cells at ``zoom`` from their children's (only the ``children`` given)."""
    query = parent_query(zoom)
    if some:
        query = query.where(
            MapCell.facet_key.in_(bindparam("keys", expanding=True)),
            MapCell.cell.in_(bindparam("children", expanding=True)),
        )
    return insert(cell_table).from_select(TOTAL_COLUMNS, query)


@cache
def _delete_cells() -> Delete:
    """Remove the totals of the ``cells`` given at one ``zoom``, for the ``keys`` given."""
    return delete(cell_table).where(
        MapCell.zoom == bindparam("zoom"),
        MapCell.facet_key.in_(bindparam("keys", expanding=True)),
        MapCell.cell.in_(bindparam("cells", expanding=True)),
    )


def _chunks(values: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    values = sorted(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def expected_points(connection: Connection, initiative_ids: list[int]) -> set[PointRow]:
    """The map points these initiatives should have now (none unless published and placed)."""
    rows: set[PointRow] = set()
    for chunk in _chunks(initiative_ids):
        rows |= _points_of(connection, Initiative.id.in_(chunk))
    return rows


def _points_of(connection: Connection, condition: ColumnElement[bool]) -> set[PointRow]:
    """The map points of the published initiatives with a public point meeting a condition."""
    query = published_only(
        select(
            Initiative.id,
            Initiative.public_longitude,
            Initiative.public_latitude,
            Initiative.status,
            Initiative.neighbourhood_id,
        ).where(
            condition,
            Initiative.public_longitude.is_not(None),
            Initiative.public_latitude.is_not(None),
        )
    )
    placed, facts = {}, {}
    for initiative_id, longitude, latitude, status, neighbourhood_id in connection.execute(query):
        placed[initiative_id] = (longitude, latitude)
        facts[initiative_id] = (status, neighbourhood_id)
    if not placed:
        return set()
    facets = _facets_of(connection, facts)
    rows: set[PointRow] = set()
    for initiative_id, (longitude, latitude) in placed.items():
        rows |= point_rows(initiative_id, longitude, latitude, facets[initiative_id])
    return rows


def point_rows(
    initiative_id: int, longitude: float, latitude: float, facets: Facets
) -> set[PointRow]:
    """A published initiative's map points: its public point under each of its facets' keys."""
    code = point_code(longitude, latitude)
    return {(initiative_id, key, code, longitude, latitude) for key in facets.keys()}


def _facets_of(connection: Connection, facts: dict[int, tuple]) -> dict[int, Facets]:
    """The facets of these initiatives (their id -> (status, neighbourhood_id)) on the map."""
    ids = list(facts)
    names = ("themes", "stages", "sectors", "verified")
    links: dict[int, dict[str, set]] = {i: {name: set() for name in names} for i in ids}
    lookups = {
        "themes": select(InitiativeTheme.initiative_id, InitiativeTheme.theme_id).where(
            InitiativeTheme.initiative_id.in_(ids)
        ),
        "stages": select(InitiativeStage.initiative_id, InitiativeStage.stage).where(
            InitiativeStage.initiative_id.in_(ids)
        ),
        "sectors": select(Participant.initiative_id, Participant.sector).where(
            Participant.initiative_id.in_(ids)
        ),
        "verified": select(Outcome.initiative_id, literal_column("1")).where(
            Outcome.initiative_id.in_(ids), Outcome.verified_at.is_not(None)
        ),
    }
    for name, query in lookups.items():
        for initiative_id, value in connection.execute(query):
            links[initiative_id][name].add(value)
    return {
        i: Facets(
            theme_ids=tuple(links[i]["themes"]),
            status=status,
            stages=tuple(links[i]["stages"]),
            sectors=tuple(links[i]["sectors"]),
            neighbourhood_id=neighbourhood_id,
            verified=bool(links[i]["verified"]),
        )
        for i, (status, neighbourhood_id) in facts.items()
    }


POINT_COLUMNS = ("initiative_id", "theme_id", "code", "longitude", "latitude")  # a PointRow's


def _insert_points(connection: Connection, rows: Iterable[PointRow]) -> None:
    # In the order of the covering index (key, code): its pages are then filled one after
    # the other, not each visited again and again (a new import's hundred thousand points:
    # half the time).
    rows = sorted(rows, key=lambda row: (row[1], row[2]))
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        # By COPY, a flush's few points as an import's many: whole numbers and floats need
        # no conversion (insert_rows would give them the same way).
        copy_rows(connection, point_table, POINT_COLUMNS, rows)
        return
    values = [dict(zip(POINT_COLUMNS, row, strict=True)) for row in rows]
    for start in range(0, len(values), BATCH):
        insert_rows(connection, point_table, values[start : start + BATCH])


def lock_map(connection: Connection) -> None:
    """Let one transaction at a time write the map, until it ends.

    Every change touches the few cells of the lowest zooms; two transactions recomputing them
    side by side on PostgreSQL would each miss the other's points (or collide on a key).
    SQLite needs nothing: its writers already take turns from the start of a transaction.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))


def rebuild_map_cells(connection: Connection) -> int:
    """Recompute every map point and cell total from the initiatives; the number of points.

    Logged as a change of everything (after the map's lock, as a flush takes them): each
    process reads its map points and facet bitmaps again once this commits, even when no
    initiative changed meanwhile (the rebuild after a restore, a repair by ``rebuild-map``).
    """
    lock_map(connection)
    log_everything_changed(connection)
    connection.execute(delete(cell_table))
    connection.execute(delete(point_table))
    last_id, placed = 0, 0
    while True:
        ids = list(
            connection.scalars(
                select(Initiative.id)
                .where(Initiative.id > last_id)
                .order_by(Initiative.id)
                .limit(BATCH)
            )
        )
        if not ids:
            break
        last_id = ids[-1]
        rows = _points_of(connection, Initiative.id.between(ids[0], last_id))
        _insert_points(connection, rows)
        placed += sum(1 for row in rows if row[1] == ANY)
    connection.execute(_leaf_totals(some=False))
    for zoom in range(PRECOMPUTED_MAX_ZOOM - 1, -1, -1):
        connection.execute(_parent_totals(zoom, some=False))
    # Fresh statistics for the planner: without them PostgreSQL may read every point of a
    # facet instead of the ranges asked for.
    for table in (point_table, cell_table):
        connection.exec_driver_sql(f"ANALYZE {table.name}")
    return placed


def refresh_cells(connection: Connection, leaves: set[int], keys: set[int]) -> None:
    """Recompute the totals of these keys in these deepest cells and every cell above them."""
    if not leaves or not keys:
        return
    ordered_keys = sorted(keys)
    if len(leaves) > RECOMPUTE_LEAVES and not has_request_context():
        # An import's thousands of new points: every cell of the keys from their points, in a
        # few statements. Never in a web request: with ANY among the keys, that is the whole
        # map, too much for a page's statement deadline.
        _recompute_totals(connection, ordered_keys)
        return
    shift = cell_shift(PRECOMPUTED_MAX_ZOOM)
    cells = leaves
    for zoom in range(PRECOMPUTED_MAX_ZOOM, -1, -1):
        if zoom < PRECOMPUTED_MAX_ZOOM:
            cells = {cell >> 2 for cell in cells}
        for chunk in _chunks(cells):
            connection.execute(
                _delete_cells(), {"zoom": zoom, "keys": ordered_keys, "cells": chunk}
            )
            if zoom < PRECOMPUTED_MAX_ZOOM:
                children = [4 * cell + quarter for cell in chunk for quarter in range(4)]
                connection.execute(
                    _parent_totals(zoom, some=True), {"keys": ordered_keys, "children": children}
                )
                continue
            if connection.dialect.name == "postgresql":
                # The chunk's leaves in one statement: each leaf's range of codes read by
                # the covering index, as one statement per leaf would (a thousand leaves:
                # a second and a half of round trips and planning).
                ranges = [code_range(leaf, shift) for leaf in chunk]
                connection.execute(
                    _leaf_totals_of_ranges(),
                    {
                        "keys": ordered_keys,
                        "firsts": [first for first, _last in ranges],
                        "lasts": [last for _first, last in ranges],
                    },
                )
                continue
            for leaf in chunk:
                first, last = code_range(leaf, shift)
                connection.execute(
                    _leaf_totals(some=True), {"keys": ordered_keys, "first": first, "last": last}
                )


def _recompute_totals(connection: Connection, keys: list[int]) -> None:
    """Every cell total of these keys from their points: a few statements, where refreshing
    many scattered leaves (an import's thousands of new points) would take one per leaf."""
    for chunk in _chunks(keys):
        connection.execute(delete(cell_table).where(MapCell.facet_key.in_(chunk)))
        connection.execute(_leaf_totals_of_keys(), {"keys": chunk})
        for zoom in range(PRECOMPUTED_MAX_ZOOM - 1, -1, -1):
            connection.execute(_parent_totals_of_keys(zoom), {"keys": chunk})


@cache
def _leaf_totals_of_keys() -> Insert:
    """Totals of every deepest precomputed cell, for the ``keys`` given."""
    query = leaf_query().where(MapPoint.facet_key.in_(bindparam("keys", expanding=True)))
    return insert(cell_table).from_select(TOTAL_COLUMNS, query)


@cache
def _parent_totals_of_keys(zoom: int) -> Insert:
    """Totals of every cell at ``zoom`` from its children's, for the ``keys`` given."""
    query = parent_query(zoom).where(MapCell.facet_key.in_(bindparam("keys", expanding=True)))
    return insert(cell_table).from_select(TOTAL_COLUMNS, query)


def refresh_map_points(
    connection: Connection,
    initiative_ids: set[int],
    before: set[PointRow],
    after: set[PointRow] | None = None,
) -> None:
    """Bring the points of these initiatives up to date, then the totals of the cells touched.

    ``before`` holds the rows they had; nothing is written for an initiative whose rows stay.
    ``after``, the rows they should have, when the caller knows them (an import that has just
    written them: reading them back would say the same); otherwise they are read.
    """
    if after is None:
        after = expected_points(connection, list(initiative_ids))
    changed = {row[0] for row in before ^ after}
    if not changed:
        return
    for chunk in _chunks(changed):
        connection.execute(delete(point_table).where(MapPoint.initiative_id.in_(chunk)))
    _insert_points(connection, (row for row in after if row[0] in changed))
    refresh_cells_of(connection, [row for row in before ^ after if row[0] in changed])


def add_new_points(connection: Connection, rows: set[PointRow]) -> None:
    """The map points of initiatives that had none (an import's new ones), written before the
    map's lock is taken: nobody else writes these initiatives' points, and the totals, which
    two writers must not change side by side, come after, under the lock: what these points
    add to them (``app.map_cells.additions``)."""
    _insert_points(connection, rows)


def refresh_cells_of(connection: Connection, rows: Iterable[PointRow]) -> None:
    """Recompute the totals of the cells these points were or are in, and of those above."""
    leaf_bits = 2 * cell_shift(PRECOMPUTED_MAX_ZOOM)
    leaves, keys = set(), set()
    for row in rows:
        leaves.add(row[2] >> leaf_bits)
        keys.add(row[1])
    refresh_cells(connection, leaves, keys)


def points_now(connection: Connection, initiative_ids: Iterable[int]) -> set[PointRow]:
    """The map points these initiatives have at the moment."""
    rows: set[PointRow] = set()
    columns = (
        MapPoint.initiative_id,
        MapPoint.facet_key,
        MapPoint.code,
        MapPoint.longitude,
        MapPoint.latitude,
    )
    for chunk in _chunks(initiative_ids):
        query = select(*columns).where(MapPoint.initiative_id.in_(chunk))
        rows |= {(row[0], row[1], row[2], row[3], row[4]) for row in connection.execute(query)}
    return rows


def _changes_map(initiative: Initiative, added_or_deleted: set[int]) -> bool:
    """Whether a flush may change what the map shows of this initiative."""
    if id(initiative) in added_or_deleted:
        return True
    attributes = inspect(initiative).attrs
    return any(attributes[name].history.has_changes() for name in WATCHED)


@event.listens_for(Session, "before_flush")
def _note_map_changes(session: Session, _context: UOWTransaction, _instances: object) -> None:
    """Remember which initiatives the flush may move on the map, and their points before it."""
    session.info.pop(_PENDING, None)
    initiatives: list[Initiative] = []
    initiative_ids: set[int] = set()
    # session.new and .deleted build a new collection on every access: read them once.
    new, deleted = list(session.new), list(session.deleted)
    added_or_deleted = {id(instance) for instance in new + deleted}
    for instance in [*new, *session.dirty, *deleted]:
        if isinstance(instance, Initiative) and _changes_map(instance, added_or_deleted):
            initiatives.append(instance)
            if instance.id is not None:
                initiative_ids.add(instance.id)
        elif isinstance(instance, LINKED) and instance.initiative_id is not None:
            initiative_ids.add(instance.initiative_id)
    if initiatives or initiative_ids:
        lock_map(session.connection())  # before reading: another writer may be moving them
        before = points_now(session.connection(), initiative_ids)
        session.info[_PENDING] = (initiatives, initiative_ids, before)


@event.listens_for(Session, "after_flush")
def _refresh_map_after_flush(session: Session, _context: UOWTransaction) -> None:
    """Write the points and totals of what the flush changed, in the same transaction."""
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    initiatives, initiative_ids, before = pending
    initiative_ids |= {initiative.id for initiative in initiatives if initiative.id is not None}
    refresh_map_points(session.connection(), initiative_ids, before)
