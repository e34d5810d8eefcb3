"""Point and neighbourhood must agree: a point far from its neighbourhood's centre is flagged.

Neighbourhoods have a centre, not a boundary, so the rule is a distance: further than
``NEIGHBOURHOOD_WARN_KM`` from the centre, one of the two is probably wrong (Armley, Leeds,
with a point in London). It warns and never refuses: the form, the API's answer, an import's
report and the moderation queue all show the same warning, made here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from flask import current_app
from flask_babel import gettext as _
from geopy.distance import great_circle

WARNING_CODE = "point_far_from_neighbourhood"
KM_PER_DEGREE = 111.2


class _Centre(Protocol):
    """A neighbourhood as this rule reads it: a name and a centre."""

    @property
    def name(self) -> str: ...

    @property
    def latitude(self) -> float: ...

    @property
    def longitude(self) -> float: ...


@dataclass(frozen=True)
class PointWarning:
    """A point further from its neighbourhood's centre than the site allows without a word."""

    neighbourhood: str
    distance_km: float
    limit_km: float

    @property
    def message(self) -> str:
        return _(
            "The point on the map is %(distance)s km from the centre of %(neighbourhood)s "
            "(more than %(limit)s km). Check that the place and the neighbourhood are both "
            "right: one of them may be wrong.",
            distance=_km(self.distance_km),
            neighbourhood=self.neighbourhood,
            limit=_km(self.limit_km),
        )

    @property
    def wording(self) -> tuple[str, str, str]:
        """What the message says, whatever its language: two warnings with the same wording
        have the same message."""
        return self.neighbourhood, _km(self.distance_km), _km(self.limit_km)

    def as_json(self) -> dict[str, object]:
        """The warning as the API gives it."""
        return {
            "code": WARNING_CODE,
            "field": "latitude",
            "message": self.message,
            "distance_km": round(self.distance_km, 1),
            "limit_km": self.limit_km,
        }


def _km(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def warn_km() -> float:
    """The distance past which a point is flagged (``NEIGHBOURHOOD_WARN_KM``)."""
    return float(current_app.config["NEIGHBOURHOOD_WARN_KM"])


def point_warning(
    latitude: float | None, longitude: float | None, neighbourhood: _Centre | None
) -> PointWarning | None:
    """The warning for a point and its neighbourhood, or None when they agree (or either is
    missing)."""
    if latitude is None or longitude is None or neighbourhood is None:
        return None
    points = (latitude, longitude, neighbourhood.latitude, neighbourhood.longitude)
    if not all(isinstance(value, int | float) and math.isfinite(value) for value in points):
        return None
    if abs(latitude) > 90 or abs(longitude) > 180:
        return None
    limit = warn_km()
    # A flat-earth estimate first (good to well under 1% at these distances): an import checks
    # thousands of rows, and the great circle is for the few that may be far. (The sphere is
    # within 0.5% of the ellipsoid's geodesic, far finer than a centre stands for an area,
    # and twenty times quicker to work out.)
    north_km = (latitude - neighbourhood.latitude) * KM_PER_DEGREE
    east_km = (longitude - neighbourhood.longitude) * KM_PER_DEGREE
    east_km *= math.cos(math.radians((latitude + neighbourhood.latitude) / 2))
    if math.hypot(north_km, east_km) < limit * 0.9:
        return None
    km = great_circle((latitude, longitude), (neighbourhood.latitude, neighbourhood.longitude)).km
    if km <= limit:
        return None
    return PointWarning(neighbourhood.name, km, limit)
