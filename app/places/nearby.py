"""Neighbourhoods near a point: the app's own centres, read without holding a transaction."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol, TypeVar, TypeVarTuple

from geopy.distance import distance
from sqlalchemy import Row, Select, select

from app.extensions import db
from app.neighbourhoods.models import Neighbourhood
from app.places.types import NeighbourhoodCentre, Place

SUGGESTION_RADIUS_KM = 3.0  # a neighbourhood is suggested when its centre is this close
KM_PER_DEGREE = 111.2

Columns = TypeVarTuple("Columns")


class _Located(Protocol):
    """A place, a neighbourhood's centre, a town: anything with a point."""

    @property
    def latitude(self) -> float: ...

    @property
    def longitude(self) -> float: ...


LocatedT = TypeVar("LocatedT", bound=_Located)


@lru_cache(maxsize=4096)  # an import asks for the same few cells' keys in every row
def match_key(text: str) -> str:
    """Text for comparing names: lower case, no accents, punctuation as spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


def neighbourhood_centres() -> list[NeighbourhoodCentre]:
    """Every neighbourhood defined in the app, with its centre (a small table)."""
    query = select(
        Neighbourhood.slug,
        Neighbourhood.name,
        Neighbourhood.local_authority,
        Neighbourhood.latitude,
        Neighbourhood.longitude,
    ).order_by(Neighbourhood.name)
    return [NeighbourhoodCentre(*row) for row in _read(query)]


def _read(query: Select[*Columns]) -> list[Row[*Columns]]:
    """Rows of a read: in the caller's transaction if one is open, else in a short one of our
    own, so the seam never leaves a transaction open behind it."""
    if db.session().in_transaction():
        return list(db.session.execute(query).all())
    with db.engine.connect() as connection:
        return list(connection.execute(query).all())


def nearest(
    latitude: float, longitude: float, candidates: Sequence[LocatedT], radius_km: float
) -> LocatedT | None:
    """The candidate (anything with .latitude and .longitude) nearest the point within the
    radius, or None. A cheap box check keeps the geodesic distance for the few nearby."""
    box_latitude = radius_km / KM_PER_DEGREE
    box_longitude = box_latitude / max(math.cos(math.radians(latitude)), 0.01)
    best, best_km = None, radius_km
    for candidate in candidates:
        if abs(candidate.latitude - latitude) > box_latitude:
            continue
        if abs(candidate.longitude - longitude) > box_longitude:
            continue
        km = distance((latitude, longitude), (candidate.latitude, candidate.longitude)).km
        if km <= best_km:
            best, best_km = candidate, km
    return best


def nearest_neighbourhood(
    latitude: float, longitude: float, centres: list[NeighbourhoodCentre]
) -> NeighbourhoodCentre | None:
    """The neighbourhood to suggest for a point: the nearest centre within a few km."""
    return nearest(latitude, longitude, centres, SUGGESTION_RADIUS_KM)


def suggest_neighbourhoods(places: list[Place]) -> list[Place]:
    """Fill in the suggested neighbourhood of each place that has none yet."""
    if not places or all(place.neighbourhood_slug for place in places):
        return places
    centres = neighbourhood_centres()
    for place in places:
        if place.neighbourhood_slug is None:
            found = nearest_neighbourhood(place.latitude, place.longitude, centres)
            place.neighbourhood_slug = found.slug if found else None
    return places
