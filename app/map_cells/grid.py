"""The map grid: web-Mercator pixels, square cells of 64 pixels, and Z-order (Morton) codes.

A point's place on the grid is its pixel at ``FINE_ZOOM`` (x, y in 0 .. 2**28 - 1). Its cell at
zoom ``z`` is that pixel shifted right by ``cell_shift(z)``: cells nest, four to a parent. The
Morton code interleaves the bits of x and y, so every cell at every zoom is one contiguous range
of codes (``code >> 2 * cell_shift(z)`` is the cell's own code): one index range scan finds the
points of any cell.

Pixels are monotonic in longitude and (reversed) in latitude, so a cell whose pixels lie
strictly inside a box's pixels holds only points inside the box (see ``CellWindow``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

FINE_ZOOM = 20
MAX_ZOOM = FINE_ZOOM
TILE_BITS = 8  # 256-pixel tiles
CELL_BITS = 6  # 64-pixel cells: a 1280 × 800 map shows at most 21 × 14 of them
WORLD_BITS = FINE_ZOOM + TILE_BITS
WORLD = 1 << WORLD_BITS
MERCATOR_MAX_LATITUDE = 85.0511287798066


def cell_shift(zoom: int) -> int:
    """How far a fine pixel shifts right to give its cell at ``zoom``."""
    return WORLD_BITS - (zoom + TILE_BITS) + CELL_BITS


def pixel_x(longitude: float) -> int:
    """The point's column at the fine zoom."""
    return min(max(math.floor((longitude + 180.0) / 360.0 * WORLD), 0), WORLD - 1)


def _mercator_y(latitude: float) -> float:
    """The row of a latitude at the fine zoom, before rounding down (0 at the top: north)."""
    latitude = min(max(latitude, -MERCATOR_MAX_LATITUDE), MERCATOR_MAX_LATITUDE)
    sine = math.sin(math.radians(latitude))
    return (0.5 - math.log((1 + sine) / (1 - sine)) / (4 * math.pi)) * WORLD


def pixel_y(latitude: float) -> int:
    """The point's row at the fine zoom (0 at the top: north)."""
    return min(max(math.floor(_mercator_y(latitude)), 0), WORLD - 1)


def view_bbox(
    longitude: float, latitude: float, zoom: int, width: int = 1280, height: int = 800
) -> tuple[float, float, float, float]:
    """The box (west, south, east, north) a map of ``width`` × ``height`` pixels shows."""
    scale = 1 << (WORLD_BITS - TILE_BITS - zoom)  # fine pixels per screen pixel
    x, y = (longitude + 180.0) / 360.0 * WORLD, _mercator_y(latitude)

    def lon(px: float) -> float:
        return min(max(px / WORLD * 360.0 - 180.0, -180.0), 180.0)

    def lat(py: float) -> float:
        py = min(max(py, 0.0), float(WORLD))
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * py / WORLD))))

    half_width, half_height = width / 2 * scale, height / 2 * scale
    return (
        round(lon(x - half_width), 6),
        round(lat(y + half_height), 6),
        round(lon(x + half_width), 6),
        round(lat(y - half_height), 6),
    )


def _spread(value: int) -> int:
    """Put the 28 bits of ``value`` on the even bit positions of a 56-bit number."""
    value &= 0x0FFFFFFF
    value = (value | (value << 16)) & 0x0000FFFF0000FFFF
    value = (value | (value << 8)) & 0x00FF00FF00FF00FF
    value = (value | (value << 4)) & 0x0F0F0F0F0F0F0F0F
    value = (value | (value << 2)) & 0x3333333333333333
    return (value | (value << 1)) & 0x5555555555555555


def interleave(x: int, y: int) -> int:
    """The Morton code of a pixel or cell: x on the even bits, y on the odd ones."""
    return _spread(x) | (_spread(y) << 1)


def point_code(longitude: float, latitude: float) -> int:
    """The Morton code of a point's fine pixel."""
    return interleave(pixel_x(longitude), pixel_y(latitude))


def code_range(cell: int, shift: int) -> tuple[int, int]:
    """The first and last point code inside a cell whose pixels are shifted by ``shift``."""
    return cell << (2 * shift), ((cell + 1) << (2 * shift)) - 1


INNER, CUT, OUTSIDE = "inner", "cut", "outside"


@dataclass(frozen=True)
class CellWindow:
    """The cells that a box touches at a zoom, and where any cell lies against the box.

    An inner cell's pixels lie strictly inside the box's pixels, so every point in it is in the
    box and its precomputed total can be used as it is. A cut cell straddles a side of the
    box: its points must be checked against the box one by one (or its children looked at).
    """

    zoom: int
    pixels: tuple[int, int, int, int]  # the box's first and last fine pixels: left, top, ...

    @classmethod
    def for_box(cls, bbox: tuple[float, float, float, float], zoom: int) -> CellWindow:
        min_lon, min_lat, max_lon, max_lat = bbox
        return cls(zoom, (pixel_x(min_lon), pixel_y(max_lat), pixel_x(max_lon), pixel_y(min_lat)))

    @property
    def shift(self) -> int:
        return cell_shift(self.zoom)

    @property
    def columns(self) -> range:
        left, _top, right, _bottom = self.pixels
        return range(left >> self.shift, (right >> self.shift) + 1)

    @property
    def rows(self) -> range:
        _left, top, _right, bottom = self.pixels
        return range(top >> self.shift, (bottom >> self.shift) + 1)

    def place(self, column: int, row: int, zoom: int) -> str:
        """INNER, CUT or OUTSIDE: where the cell (at any zoom) lies against the box."""
        shift = cell_shift(zoom)
        first_x, last_x = column << shift, ((column + 1) << shift) - 1
        first_y, last_y = row << shift, ((row + 1) << shift) - 1
        left, top, right, bottom = self.pixels
        if last_x < left or first_x > right or last_y < top or first_y > bottom:
            return OUTSIDE
        if left < first_x and last_x < right and top < first_y and last_y < bottom:
            return INNER
        return CUT

    def cells(self) -> Iterator[tuple[str, int, int]]:
        """Every cell of the window's zoom that the box touches, with its place."""
        for row in self.rows:
            for column in self.columns:
                yield self.place(column, row, self.zoom), column, row


def children(column: int, row: int) -> Iterator[tuple[int, int]]:
    """The four cells one zoom deeper inside a cell."""
    for dy in (0, 1):
        for dx in (0, 1):
            yield 2 * column + dx, 2 * row + dy


def merged_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted ranges with touching or overlapping ones joined."""
    merged: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def coarsened(ranges: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """At most ``limit`` ranges covering these sorted, disjoint ones: the smallest gaps are
    filled in (what they let in is more to read, never a wrong answer, for callers that check
    each point against the box)."""
    if len(ranges) <= limit:
        return ranges
    gaps = sorted(range(1, len(ranges)), key=lambda i: ranges[i][0] - ranges[i - 1][1])
    splits = sorted(gaps[len(gaps) - (limit - 1) :]) if limit > 1 else []
    joined, start = [], 0
    for split in [*splits, len(ranges)]:
        joined.append((ranges[start][0], ranges[split - 1][1]))
        start = split
    return joined


def block_ranges(columns: range, rows: range, shift: int) -> list[tuple[int, int]]:
    """The cells of a rectangle (cells shifted by ``shift``) as few ranges of cell codes.

    The rectangle is cut into the largest aligned squares that fit (a quadtree), each one
    contiguous in Z-order; neighbouring squares are joined.
    """
    if not columns or not rows:
        return []
    found: list[tuple[int, int]] = []
    levels = WORLD_BITS - shift  # cells per side of the world: 2 ** levels

    def visit(x: int, y: int, level: int) -> None:
        size = 1 << level
        if x > columns[-1] or x + size <= columns[0] or y > rows[-1] or y + size <= rows[0]:
            return
        inside = x >= columns[0] and x + size - 1 <= columns[-1]
        if inside and y >= rows[0] and y + size - 1 <= rows[-1]:
            first = interleave(x, y)
            found.append((first, first + size * size - 1))
            return
        half = size >> 1
        for dy in (0, half):
            for dx in (0, half):
                visit(x + dx, y + dy, level - 1)

    visit(0, 0, levels)
    return merged_ranges(found)
