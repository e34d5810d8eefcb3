"""Every published initiative's public point in memory, so that a map view with any filter is
grouped into cells without reading the points from the database.

Three arrays indexed by the initiative's id: the point's Morton code (``app.map_cells.grid``;
-1 where the initiative has no point on the map) and its public longitude and latitude, as
``map_point`` holds them under ``ANY``. A filter's matches (a bitmap of ids, from the
facet bitmaps) pick their points out of the arrays, the box keeps those inside it, and the
cells' totals are reductions over the points sorted by cell: numpy's work, not a query's.

Kept as ``app.shared_filters.kept_index`` keeps an index: read in full once per process, then
patched from the log of changes when the facet version moves (the map's points change in the
same flush as the log). A million initiatives take 24 MB.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from pyroaring import BitMap
from sqlalchemy import Connection, Select, func, select

from app.database import read_batches
from app.map_cells.models import ANY, MapPoint
from app.shared_filters.kept_index import current_index, forget_index

EXTENSION = "coproduce_point_index"
NO_POINT = -1
GROWTH = 1.25  # room made for new ids when an id past the arrays' end arrives


@dataclass(frozen=True)
class GroupedPoints:
    """The points of some cells, per cell: the columns of ``CellTotal`` as arrays."""

    cells: NDArray[np.int64]
    counts: NDArray[np.int64]
    sum_longitude: NDArray[np.float64]
    sum_latitude: NDArray[np.float64]
    min_longitude: NDArray[np.float64]
    min_latitude: NDArray[np.float64]
    max_longitude: NDArray[np.float64]
    max_latitude: NDArray[np.float64]
    first_initiative_id: NDArray[np.int64]


@dataclass
class PointIndex:
    """The public points of the published initiatives on the map, by id, at one version."""

    version: int
    last_change: int  # the newest row of the change log read (app.shared_filters.changes)
    code: NDArray[np.int64]
    longitude: NDArray[np.float64]
    latitude: NDArray[np.float64]

    def inside(self, bbox: tuple[float, float, float, float]) -> BitMap:
        """The initiatives whose public point lies in the box (edges included), as the
        ``bbox`` filter's query finds them: every published initiative with a public point
        has its point here."""
        min_lon, min_lat, max_lon, max_lat = bbox
        inside = (
            (self.code != NO_POINT)
            & (self.longitude >= min_lon)
            & (self.longitude <= max_lon)
            & (self.latitude >= min_lat)
            & (self.latitude <= max_lat)
        )
        # (From an array of 32-bit ids: ten times faster than one id at a time.)
        return BitMap(array("I", np.flatnonzero(inside).astype(np.uint32).tobytes()))

    def holds_points(self) -> bool:
        """Whether any initiative has a point here (none while a restore's map is rebuilt)."""
        return bool((self.code != NO_POINT).any())

    def grouped(
        self,
        matches: BitMap,
        bbox: tuple[float, float, float, float],
        cell_bits: int,
    ) -> GroupedPoints:
        """The matches whose point lies in the box, grouped by their code shifted right by
        ``cell_bits`` (their cell)."""
        ids = np.frombuffer(matches.to_array(), dtype=np.uint32).astype(np.int64)
        ids = ids[ids < len(self.code)]
        code = self.code[ids]
        longitude, latitude = self.longitude[ids], self.latitude[ids]
        min_lon, min_lat, max_lon, max_lat = bbox
        inside = (
            (code != NO_POINT)
            & (longitude >= min_lon)
            & (longitude <= max_lon)
            & (latitude >= min_lat)
            & (latitude <= max_lat)
        )
        ids, code = ids[inside], code[inside]
        longitude, latitude = longitude[inside], latitude[inside]
        cells = code >> cell_bits
        order = np.argsort(cells, kind="stable")
        cells, ids = cells[order], ids[order]
        longitude, latitude = longitude[order], latitude[order]
        if not len(cells):
            return GroupedPoints(
                cells, ids, longitude, latitude, longitude, latitude, longitude, latitude, ids
            )
        starts = np.flatnonzero(np.r_[True, cells[1:] != cells[:-1]])
        return GroupedPoints(
            cells=cells[starts],
            counts=np.diff(np.r_[starts, len(cells)]),
            sum_longitude=np.add.reduceat(longitude, starts),
            sum_latitude=np.add.reduceat(latitude, starts),
            min_longitude=np.minimum.reduceat(longitude, starts),
            min_latitude=np.minimum.reduceat(latitude, starts),
            max_longitude=np.maximum.reduceat(longitude, starts),
            max_latitude=np.maximum.reduceat(latitude, starts),
            first_initiative_id=np.minimum.reduceat(ids, starts),
        )


def _points() -> Select:
    return select(
        MapPoint.initiative_id, MapPoint.code, MapPoint.longitude, MapPoint.latitude
    ).where(MapPoint.facet_key == ANY)


def _empty(size: int) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    return (
        np.full(size, NO_POINT, dtype=np.int64),
        np.zeros(size, dtype=np.float64),
        np.zeros(size, dtype=np.float64),
    )


def _place(index: PointIndex, rows: list[tuple[int, int, float, float]]) -> None:
    """Put these (id, code, longitude, latitude) rows into the index's arrays."""
    if not rows:
        return
    ids, codes, longitudes, latitudes = zip(*rows, strict=True)
    at = np.array(ids, dtype=np.int64)
    index.code[at] = codes
    index.longitude[at] = longitudes
    index.latitude[at] = latitudes


def build_point_index(connection: Connection, version: int, last: int = 0) -> PointIndex:
    """Read every point on the map: one scan of the index of ``map_point``, a batch at a
    time into arrays sized by the highest id first (no rows held beyond a batch)."""
    highest = connection.scalar(select(func.max(MapPoint.initiative_id))) or 0
    index = PointIndex(version, last, *_empty(highest + 1))
    for rows in read_batches(connection, _points()):
        _place(index, [row for row in rows if row[0] <= highest])  # none added meanwhile
    return index


def patched_point_index(
    index: PointIndex, connection: Connection, version: int, last: int, changed: BitMap
) -> PointIndex:
    """A copy of the arrays with the changed initiatives' points read again."""
    rows = [
        (row[0], row[1], row[2], row[3])
        for row in connection.execute(_points().where(MapPoint.initiative_id.in_(list(changed))))
    ]
    size = len(index.code)
    if changed and changed.max() >= size:
        size = max(int(size * GROWTH), changed.max() + 1)
    code, longitude, latitude = _empty(size)
    code[: len(index.code)] = index.code
    longitude[: len(index.code)] = index.longitude
    latitude[: len(index.code)] = index.latitude
    patched = PointIndex(version, last, code, longitude, latitude)
    gone = np.frombuffer(changed.to_array(), dtype=np.uint32).astype(np.int64)
    patched.code[gone] = NO_POINT
    _place(patched, rows)
    return patched


def current_point_index() -> PointIndex:
    """The points at the database's facet version now, brought up to date if it moved on."""
    return current_index(EXTENSION, build_point_index, patched_point_index)


def forget_point_index() -> None:
    """Drop the points kept (the next use reads them again in full)."""
    forget_index(EXTENSION)
