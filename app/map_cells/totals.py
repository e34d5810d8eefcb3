"""How many matching published initiatives each cell of a map view holds, counted exactly.

A view (a box and a zoom) is cut into the grid's cells (``app.map_cells.grid``). With no filter but
the box and at most one kept facet (``app.map_cells.facets``: one theme, stage or sector, any
statuses or neighbourhoods, verified), whole cells inside the box come from the precomputed
totals and only what the box's sides cut is counted from the points (``precomputed_totals``).
Any other filter groups the matching initiatives in the box when asked, from the facet bitmaps
and the points kept in memory (``grouped_totals``). Either way the counts add up to the
matching published initiatives whose PUBLIC point lies in the box.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import TextClause, and_, bindparam, or_, select, text

from app.extensions import db
from app.map_cells.cells import PRECOMPUTED_MAX_ZOOM, cell_totals, shifted
from app.map_cells.facets import precomputed_keys
from app.map_cells.grid import (
    CUT,
    INNER,
    OUTSIDE,
    CellWindow,
    block_ranges,
    cell_shift,
    children,
    coarsened,
    code_range,
    interleave,
    merged_ranges,
)
from app.map_cells.models import MapCell, MapPoint
from app.shared_filters.facet_index import summarise
from app.shared_filters.parse import InitiativeFilter
from app.shared_filters.point_index import current_point_index

# Ranges of point codes read by one query, at most: each costs an index range scan, and SQLite
# refuses expressions more than 1,000 deep.
MAX_RANGES = 200
_STORED_COLUMNS = (
    MapCell.count,
    MapCell.sum_longitude,
    MapCell.sum_latitude,
    MapCell.min_longitude,
    MapCell.min_latitude,
    MapCell.max_longitude,
    MapCell.max_latitude,
    MapCell.first_initiative_id,
)


@dataclass(frozen=True)
class CellTotal:
    """The matching published initiatives of one cell that lie in the view's box."""

    cell: int
    count: int
    sum_longitude: float
    sum_latitude: float
    min_longitude: float
    min_latitude: float
    max_longitude: float
    max_latitude: float
    first_initiative_id: int

    def plus(self, other: CellTotal) -> CellTotal:
        """The total of this part of a cell and another part of it."""
        return CellTotal(
            self.cell,
            self.count + other.count,
            self.sum_longitude + other.sum_longitude,
            self.sum_latitude + other.sum_latitude,
            min(self.min_longitude, other.min_longitude),
            min(self.min_latitude, other.min_latitude),
            max(self.max_longitude, other.max_longitude),
            max(self.max_latitude, other.max_latitude),
            min(self.first_initiative_id, other.first_initiative_id),
        )


def find_cell_totals(initiative_filter: InitiativeFilter, zoom: int) -> list[CellTotal]:
    """The cells of the view (``bbox`` of the filter) with their matching initiatives."""
    keys = precomputed_keys(initiative_filter)
    if keys is None:
        return grouped_totals(initiative_filter, zoom)
    if not keys:  # a value removed since the filter was read
        return []
    return precomputed_totals(_view_box(initiative_filter), zoom, keys)


def _view_box(initiative_filter: InitiativeFilter) -> tuple[float, float, float, float]:
    """The map's view: the filter's box, which a request for cells always has."""
    if initiative_filter.bbox is None:
        raise ValueError("Map cells are counted within a box: the filter has no bbox.")
    return initiative_filter.bbox


def precomputed_totals(
    bbox: tuple[float, float, float, float], zoom: int, keys: tuple[int, ...]
) -> list[CellTotal]:
    """Totals of the view's cells from ``map_cell`` where whole cells lie in the box, from the
    points (each checked against the box) where the box cuts them.

    ``keys`` are facet keys no initiative has two of: their totals add up. A cut cell is
    looked into, deeper while few enough cells stay cut: its children inside the box come
    from ``map_cell`` too, so only a thin strip along the box's sides is counted point by
    point.
    """
    window = CellWindow.for_box(bbox, zoom)
    stored: dict[int, list[int]] = {zoom: []}
    cut: list[tuple[int, int]] = []
    for place, column, row in window.cells():
        if place == INNER:
            stored[zoom].append(interleave(column, row))
        elif place == CUT:
            cut.append((column, row))
    if zoom > PRECOMPUTED_MAX_ZOOM or len(cut) > MAX_RANGES:
        # Deeper than the totals go, or a box so narrow it is nearly all sides: every cell from
        # its points. Cells outside the box taken in by coarsened ranges are only more to
        # read: each point is checked against the box.
        everything = block_ranges(window.columns, window.rows, window.shift)
        return _point_totals(bbox, zoom, keys, coarsened(everything, MAX_RANGES), window.shift)
    depth = zoom
    while cut and depth < PRECOMPUTED_MAX_ZOOM:
        inner: list[tuple[int, int]] = []
        still_cut: list[tuple[int, int]] = []
        for cell in cut:
            for child in children(*cell):
                place = window.place(*child, depth + 1)
                if place != OUTSIDE:
                    (inner if place == INNER else still_cut).append(child)
        if len(still_cut) > MAX_RANGES:
            break
        depth += 1
        stored[depth] = [interleave(*cell) for cell in inner]
        cut = still_cut
    cut_ranges = merged_ranges([(interleave(*cell),) * 2 for cell in cut])
    return _merged(
        _stored_totals(zoom, keys, stored)
        + _point_totals(bbox, zoom, keys, cut_ranges, cell_shift(depth))
    )


def _stored_totals(
    zoom: int, keys: tuple[int, ...], stored: dict[int, list[int]]
) -> list[CellTotal]:
    """Precomputed totals of cells at ``zoom`` or deeper, each given as its cell at ``zoom``."""
    levels = [level for level, cells in stored.items() if cells]
    if not levels:
        return []
    query = select(MapCell.zoom, MapCell.cell, *_STORED_COLUMNS).where(
        or_(
            *(
                and_(
                    MapCell.zoom == level,
                    MapCell.facet_key.in_(keys),
                    MapCell.cell.in_(bindparam(f"cells_{level}", expanding=True)),
                )
                for level in levels
            )
        )
    )
    rows = db.session.execute(query, {f"cells_{level}": stored[level] for level in levels})
    return [CellTotal(cell >> 2 * (level - zoom), *totals) for level, cell, *totals in rows]


def _point_totals(
    bbox: tuple[float, float, float, float],
    zoom: int,
    keys: tuple[int, ...],
    ranges: list[tuple[int, int]],
    range_shift: int,
) -> list[CellTotal]:
    """Totals per cell at ``zoom`` of the points in the box within these ranges of cells."""
    if not ranges:
        return []
    min_lon, min_lat, max_lon, max_lat = bbox
    cell = shifted(MapPoint.code, 2 * cell_shift(zoom))
    query = (
        select(cell, *cell_totals())
        .where(
            _codes_within(keys, ranges, range_shift),
            MapPoint.longitude.between(min_lon, max_lon),
            MapPoint.latitude.between(min_lat, max_lat),
        )
        .group_by(cell)
    )
    return [CellTotal(*row) for row in db.session.execute(query)]


def _codes_within(keys: tuple[int, ...], cells: list[tuple[int, int]], shift: int) -> TextClause:
    """Points of these facet keys in any of these ranges of cells: one index range scan each.

    Written as text: the keys and ranges are integers computed here, and building hundreds
    of expression objects per request would cost more than running the query. The keys are
    repeated in every term so that SQLite scans the index once per range (and key).
    """
    column = f"{MapPoint.__tablename__}.{MapPoint.facet_key.expression.name}"
    listed = ", ".join(f"{int(key):d}" for key in keys)
    code = f"{MapPoint.__tablename__}.code"
    terms = (
        f"({column} IN ({listed}) AND {code} BETWEEN "
        f"{code_range(first, shift)[0]:d} AND {code_range(last, shift)[1]:d})"
        for first, last in cells
    )
    return text("(" + " OR ".join(terms) + ")")


def _merged(totals: list[CellTotal]) -> list[CellTotal]:
    """One total per cell, adding up the parts of a cell counted in different ways."""
    merged: dict[int, CellTotal] = {}
    for total in totals:
        seen = merged.get(total.cell)
        merged[total.cell] = total if seen is None else seen.plus(total)
    return list(merged.values())


def grouped_totals(initiative_filter: InitiativeFilter, zoom: int) -> list[CellTotal]:
    """Group the published initiatives matching the filter (box included) by cell, now.

    The matches come from the facet bitmaps (``summarise``: every facet, the period, the words
    of ``q``, ``near``...), their points from memory (``point_index``), which keeps those in the
    box and adds them up per cell. Nothing is read per point from the database.
    """
    box = _view_box(initiative_filter)
    matches = summarise(replace(initiative_filter, bbox=None), ()).matches
    grouped = current_point_index().grouped(matches, box, 2 * cell_shift(zoom))
    columns = (
        grouped.cells,
        grouped.counts,
        grouped.sum_longitude,
        grouped.sum_latitude,
        grouped.min_longitude,
        grouped.min_latitude,
        grouped.max_longitude,
        grouped.max_latitude,
        grouped.first_initiative_id,
    )
    return [CellTotal(*row) for row in zip(*(column.tolist() for column in columns), strict=True)]
