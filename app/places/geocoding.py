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

import unicodedata

from flask import current_app

from app.places.nearby import (
    nearest_neighbourhood,
    neighbourhood_centres,
    suggest_neighbourhoods,
)
from app.places.types import (
    MAX_PLACES,
    MAX_QUERY_LENGTH,
    Backend,
    GeocoderNotConfigured,
    Place,
)


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


def _backend() -> Backend:
    kind = current_app.config.get("GEOCODER") or "offline"
    if kind == "offline":
        from app.places.gazetteer import OfflineBackend

        return OfflineBackend()
    if kind == "nominatim":
        from app.places.nominatim import NominatimBackend

        return NominatimBackend(current_app.config)
    raise GeocoderNotConfigured(f'GEOCODER is {kind!r}: use "offline" or "nominatim".')
