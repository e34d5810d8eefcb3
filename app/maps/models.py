"""What the map precomputes: published points on the grid, and totals per cell per zoom."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

ANY_THEME = 0  # the theme_id of rows that count every initiative, whatever its themes


class MapPoint(db.Model):
    """A published initiative's PUBLIC point: one row per theme, and one with ``ANY_THEME``.

    Only published initiatives with a public point have rows; ``app.maps.cells`` keeps them in
    step with the initiatives whenever a session flushes.
    """

    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True
    )
    theme_id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[int] = mapped_column(BigInteger)  # Morton code of the point (app.maps.grid)
    longitude: Mapped[float]
    latitude: Mapped[float]

    __table_args__ = (
        # Covers the scan of a cell's points: no visit to the table itself.
        Index("ix_map_point_code", "theme_id", "code", "longitude", "latitude", "initiative_id"),
    )


class MapCell(db.Model):
    """The published initiatives in one grid cell at one zoom, for one theme or any theme."""

    zoom: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(primary_key=True)
    cell: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # the cell's Morton code
    count: Mapped[int]
    sum_longitude: Mapped[float]
    sum_latitude: Mapped[float]
    min_longitude: Mapped[float]
    min_latitude: Mapped[float]
    max_longitude: Mapped[float]
    max_latitude: Mapped[float]
    first_initiative_id: Mapped[int]  # the lowest id: the initiative itself when count is 1
