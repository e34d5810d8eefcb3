"""The geocoding seam: place names (and, with Nominatim, addresses) to points, and back.

Every caller goes through ``geocode_place`` and ``reverse_place``. A UK postcode goes first to
the postcode service (app.places.postcodes, when ``POSTCODES_URL`` is set). The backend is
chosen by ``GEOCODER``: "offline" (app.places.gazetteer: towns of Great Britain and the app's own
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
from app.places.postcodes import (
    PostcodesBackend,
    find_postcode,
    is_postcode,
    postcodes_configured,
)
from app.places.types import (
    MAX_PLACES,
    MAX_QUERY_LENGTH,
    Backend,
    GeocoderNotConfigured,
    GeocodingUnavailable,
    Place,
)


def geocode_place(text: str) -> list[Place]:
    """Places matching the text, best first (at most MAX_PLACES); empty when nothing matches.

    A UK postcode in the text goes to the postcode service first (``POSTCODES_URL``); when it
    is not configured, does not know the postcode or is down, the general geocoder is asked
    (with the postcode alone, normalised, when that is all that was typed)."""
    query = normalise_query(text)
    if not query:
        return []
    postcode = find_postcode(query)
    places: list[Place] = []
    if postcode is not None and postcodes_configured(current_app.config):
        try:
            places = PostcodesBackend(current_app.config).search(postcode)
        except GeocodingUnavailable:
            if _geocoder_kind() == "offline":
                raise  # nothing else here knows postcodes: the place waits for the service
    if not places:
        places = _backend().search(postcode if is_postcode(query) and postcode else query)
    return suggest_neighbourhoods(places[:MAX_PLACES])


def unsearchable_postcode(text: str | None) -> str | None:
    """The postcode typed (normalised) when this site has nothing to look postcodes up with:
    no postcode service and the offline geocoder. None otherwise."""
    postcode = find_postcode(normalise_query(text))
    if postcode is None or postcodes_configured(current_app.config):
        return None
    return postcode if _geocoder_kind() == "offline" else None


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


def _geocoder_kind() -> str:
    return current_app.config.get("GEOCODER") or "offline"


def _backend() -> Backend:
    kind = _geocoder_kind()
    if kind == "offline":
        from app.places.gazetteer import OfflineBackend

        return OfflineBackend()
    if kind == "nominatim":
        from app.places.nominatim import NominatimBackend

        return NominatimBackend(current_app.config)
    raise GeocoderNotConfigured(f'GEOCODER is {kind!r}: use "offline" or "nominatim".')
