"""What the map precomputes: published points on the grid, and totals per cell per zoom."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model

ANY = 0  # the facet key of every initiative's row, whatever its facets


class MapPoint(Model):
    """A published initiative's PUBLIC point: one row with ``ANY`` and one per facet
    value it has (``app.map_cells.facets``: its themes, status, stages, sectors, neighbourhood...).

    Only published initiatives with a public point have rows; ``app.map_cells.cells`` keeps them in
    step with the initiatives whenever a session flushes. The key's column keeps the name it
    had when themes were the only facet kept: ``theme_id``.
    """

    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True
    )
    facet_key: Mapped[int] = mapped_column("theme_id", primary_key=True)
    code: Mapped[int] = mapped_column(BigInteger)  # Morton code of the point (app.map_cells.grid)
    longitude: Mapped[float]
    latitude: Mapped[float]

    __table_args__ = (
        # Covers the scan of a cell's points: no visit to the table itself.
        Index("ix_map_point_code", "theme_id", "code", "longitude", "latitude", "initiative_id"),
    )


class MapCell(Model):
    """The published initiatives in one grid cell at one zoom, for one facet key or ``ANY``."""

    zoom: Mapped[int] = mapped_column(primary_key=True)
    facet_key: Mapped[int] = mapped_column("theme_id", primary_key=True)
    cell: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # the cell's Morton code
    count: Mapped[int]
    sum_longitude: Mapped[float]
    sum_latitude: Mapped[float]
    min_longitude: Mapped[float]
    min_latitude: Mapped[float]
    max_longitude: Mapped[float]
    max_latitude: Mapped[float]
    first_initiative_id: Mapped[int]  # the lowest id: the initiative itself when count is 1
