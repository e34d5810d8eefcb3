"""The geocoding seam: place names (and, with Nominatim, addresses) to points, and back.

Every caller goes through ``geocode_place`` and ``reverse_place``. The backend is chosen by
``GEOCODER``: "offline" (app.places.gazetteer: towns of Great Britain and the app's own
neighbourhoods, no network) or "nominatim" (app.places.nominatim: geopy's Nominatim, throttled
for the whole application and cached in the database). Any failure of the service is raised as
``GeocodingUnavailable``, so callers can keep what was typed and place it later.

The seam leaves no transaction open behind it, and the Nominatim backend writes its cache and
throttle in short transactions of its own. So call it with no write transaction open (in a
POST or a command, commit first): SQLite has one writer at a time, and outside GET requests
its transactions take the write lock when they begin.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from flask import current_app
from geopy.distance import distance
from sqlalchemy import select

from app.extensions import db
from app.neighbourhoods.models import Neighbourhood

MAX_PLACES = 8
MAX_QUERY_LENGTH = 200
SUGGESTION_RADIUS_KM = 3.0  # a neighbourhood is suggested when its centre is this close
KM_PER_DEGREE = 111.2


@dataclass
class Place:
    name: str
    latitude: float
    longitude: float
    address: str = ""
    neighbourhood_slug: str | None = None


class GeocodingUnavailable(Exception):
    """The geocoder cannot answer just now: outage, timeout, refusal, malformed answer, busy."""


class GeocoderNotConfigured(GeocodingUnavailable):
    """The geocoder's settings are missing or wrong (an operator's job to fix)."""


class NeighbourhoodCentre(NamedTuple):
    slug: str
    name: str
    local_authority: str
    latitude: float
    longitude: float


class Backend(Protocol):
    name: str

    def search(self, query: str) -> list[Place]: ...

    def reverse(self, latitude: float, longitude: float) -> Place | None: ...


def geocode_place(text: str) -> list[Place]:
    """Places matching the text, best first (at most MAX_PLACES); empty when nothing matches."""
    query = normalise_query(text)
    if not query:
        return []
    places = _backend().search(query)[:MAX_PLACES]
    return suggest_neighbourhoods(places)


def reverse_place(latitude: float, longitude: float) -> Place | None:
    """What is at (or nearest to) the point, with the neighbourhood around it suggested."""
    place = _backend().reverse(latitude, longitude)
    if place is not None and place.neighbourhood_slug is None:
        centre = nearest_neighbourhood(latitude, longitude, neighbourhood_centres())
        place.neighbourhood_slug = centre.slug if centre else None
    return place


def normalise_query(text: str | None) -> str:
    """The question as asked: control characters dropped, spaces collapsed, at most
    MAX_QUERY_LENGTH characters."""
    printable = "".join(
        char for char in text or "" if char.isspace() or unicodedata.category(char)[0] != "C"
    )
    return " ".join(printable.split())[:MAX_QUERY_LENGTH]


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


def _read(query) -> list:
    """Rows of a read: in the caller's transaction if one is open, else in a short one of our
    own, so the seam never leaves a transaction open behind it."""
    if db.session().in_transaction():
        return db.session.execute(query).all()
    with db.engine.connect() as connection:
        return connection.execute(query).all()


def nearest(latitude: float, longitude: float, candidates: list[Any], radius_km: float):
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


def _backend() -> Backend:
    kind = current_app.config.get("GEOCODER") or "offline"
    if kind == "offline":
        from app.places.gazetteer import OfflineBackend

        return OfflineBackend()
    if kind == "nominatim":
        from app.places.nominatim import NominatimBackend

        return NominatimBackend(current_app.config)
    raise GeocoderNotConfigured(f'GEOCODER is {kind!r}: use "offline" or "nominatim".')
