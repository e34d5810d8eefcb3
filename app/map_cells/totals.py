"""How many matching published initiatives each cell of a map view holds, counted exactly.

A view (a box and a zoom) is cut into the grid's cells (``app.map_cells.grid``). With no filter but
the box and at most one kept facet (``app.map_cells.facets``: one theme, stage or sector, any
statuses or neighbourhoods, verified), whole cells inside the box come from the precomputed
totals and only what the box's sides cut is counted from the points (``precomputed_totals``).
Any other filter groups the matching initiatives in the box when asked, reading only the points
of its most selective kept facet (``grouped_totals``). Either way the counts add up to the
matching published initiatives whose PUBLIC point lies in the box.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import TextClause, and_, bindparam, exists, func, or_, select, text
from sqlalchemy.orm import aliased

from app.extensions import db
from app.initiatives.models import Initiative
from app.initiatives.public import published_only
from app.map_cells.cells import PRECOMPUTED_MAX_ZOOM, cell_totals, shifted
from app.map_cells.facets import ANY, filter_keys, precomputed_keys, without_keys
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
from app.shared_filters.parse import InitiativeFilter
from app.shared_filters.query import apply_filters, bounding_box

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

    Only the points of the filter's most selective kept facet (the one with the fewest
    initiatives on the whole map) within the box (and within ``near``'s reach) are read. The
    other kept facets are looked up in ``map_point`` by the initiative's id; only what no key
    holds (the words of ``q``, ``near``, several themes...) is checked on the initiative.
    """
    candidates = filter_keys(initiative_filter)
    if any(not keys for keys in candidates.values()):
        return []  # a value removed since the filter was read
    box = _scanned_box(initiative_filter)
    if box is None:
        return []
    narrowing = min(candidates, key=lambda name: _map_total(candidates[name]), default=None)
    keys = candidates[narrowing] if narrowing else (ANY,)
    window = CellWindow.for_box(_view_box(initiative_filter), zoom)
    scanned = CellWindow.for_box(box, zoom)
    ranges = coarsened(block_ranges(scanned.columns, scanned.rows, window.shift), MAX_RANGES)
    min_lon, min_lat, max_lon, max_lat = box
    cell = shifted(MapPoint.code, 2 * window.shift)
    # Words searched for with no kept facet: the search's matches are fewer to read than every
    # point in the box, so the points are looked up by their initiative's id instead.
    by_words = bool(initiative_filter.q) and narrowing is None
    within = MapPoint.facet_key == ANY if by_words else _codes_within(keys, ranges, window.shift)
    query = (
        select(cell, *cell_totals())
        .select_from(MapPoint)
        .where(
            within,
            MapPoint.longitude.between(min_lon, max_lon),
            MapPoint.latitude.between(min_lat, max_lat),
        )
        .group_by(cell)
    )
    for name, other_keys in candidates.items():
        if name != narrowing:
            other = aliased(MapPoint)
            query = query.where(
                exists().where(
                    other.initiative_id == MapPoint.initiative_id,
                    other.facet_key.in_(other_keys),
                )
            )
    rest = without_keys(initiative_filter, candidates)
    if not rest.is_empty:
        query = query.join(Initiative, Initiative.id == MapPoint.initiative_id)
        query = apply_filters(published_only(query), rest)
    return [CellTotal(*row) for row in db.session.execute(query)]


def _map_total(keys: tuple[int, ...]) -> int:
    """How many initiatives these keys hold on the whole map (from the zoom 0 totals)."""
    total = db.session.scalar(
        select(func.sum(MapCell.count)).where(MapCell.zoom == 0, MapCell.facet_key.in_(keys))
    )
    return total or 0


def _scanned_box(
    initiative_filter: InitiativeFilter,
) -> tuple[float, float, float, float] | None:
    """The part of the view's box that can hold matches: within ``near``'s reach if given."""
    box = _view_box(initiative_filter)
    if initiative_filter.near is None:
        return box
    reach = bounding_box(*initiative_filter.near, initiative_filter.radius_km)
    joined = (
        max(box[0], reach[0]),
        max(box[1], reach[1]),
        min(box[2], reach[2]),
        min(box[3], reach[3]),
    )
    if joined[0] > joined[2] or joined[1] > joined[3]:
        return None
    return joined
