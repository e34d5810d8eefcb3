""" "Near a place" without JavaScript: a place name typed in a filter form becomes ``near``.

``near_place`` is not a filter (DESIGN.md's shared filters have only ``near=lat,lon``): the
list and the map look it up with the geocoding seam and redirect to their canonical address
with ``near`` set to the first match, so saved and shared addresses never depend on a geocoder.
When ``near`` comes with it and is one of the matches (the map's script lets people choose
among several), that choice is kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.i18n import lazy_text as _l
from app.places.geocoding import geocode_place, normalise_query, unsearchable_postcode
from app.places.lookups import GeocoderBusy
from app.places.nearby import nearest
from app.places.types import (
    BUSY_RETRY_AFTER,
    MAX_QUERY_LENGTH,
    UNAVAILABLE_RETRY_AFTER,
    GeocodingUnavailable,
)
from app.ratelimits import limit_place_lookups
from app.shared_filters.canonical import filter_pairs
from app.shared_filters.parse import DECIMALS, FILTER_NAMES, parse_filters, parse_near

NEAR_PLACE = "near_place"
PLACE_LABEL = "place"
SAME_PLACE_KM = 0.2  # a point this close to a match is that match
UNAVAILABLE = _l(
    "The place search is not available just now. Try again later, or find the place on the map."
)

# A page asked for a place by name spends the client's place-search budget, as the pickers do.
limit_near_place = limit_place_lookups(
    exempt_when=lambda: not normalise_query(request.args.get(NEAR_PLACE, ""))
)


@dataclass(frozen=True)
class NearPlace:
    """What a typed place came to: the query to go to (``near`` set), or why there is none."""

    text: str
    args: MultiDict | None = None
    error: str = ""
    status: int = 200
    retry_after: str = ""  # seconds, when the place search could not answer just now

    @property
    def headers(self) -> dict[str, str]:
        """The page's headers: when to try again, after a 503 of the place search."""
        return {"Retry-After": self.retry_after} if self.retry_after else {}

    def with_problem(self, errors: dict[str, str], status: int) -> tuple[dict[str, str], int]:
        """A page's field errors and status, with why this place gave no point beside its field."""
        return {**errors, NEAR_PLACE: self.error}, max(status, self.status)


def find_near_place(args: MultiDict) -> NearPlace | None:
    """Look up ``near_place`` (None when it is not given): the query with ``near`` set to the
    place and ``near_place`` gone, or the message to show beside the field."""
    typed = args.get(NEAR_PLACE, "")
    text = normalise_query(typed)
    if not text:
        return None
    if len(" ".join(typed.split())) > MAX_QUERY_LENGTH:
        return NearPlace(
            text,
            error=_(
                "Use at most %(max_query_length)s characters.", max_query_length=MAX_QUERY_LENGTH
            ),
            status=400,
        )
    postcode = unsearchable_postcode(text)
    if postcode is not None:
        message = _(
            "“%(postcode)s” is a postcode, and postcodes cannot be looked up on this site. Type "
            "the street, the neighbourhood or the nearest town, or find the place on the map.",
            postcode=postcode,
        )
        return NearPlace(text, error=message, status=400)
    try:
        places = geocode_place(text)
    except GeocoderBusy:
        message = _("Many place searches are running just now. Try again in a moment.")
        return NearPlace(text, error=message, status=503, retry_after=BUSY_RETRY_AFTER)
    except GeocodingUnavailable:
        return NearPlace(text, error=UNAVAILABLE, status=503, retry_after=UNAVAILABLE_RETRY_AFTER)
    if not places:
        message = _(
            "No place called “%(text)s” was found. Try a town or neighbourhood name, or find "
            "the place on the map.",
            text=text,
        )
        return NearPlace(text, error=message, status=400)
    chosen = parse_near(args.get("near", ""))
    if chosen is None or nearest(*chosen, places, SAME_PLACE_KM) is None:
        chosen = (places[0].latitude, places[0].longitude)
    near = ",".join(str(round(number, DECIMALS)) for number in chosen)
    rest = [
        (key, value) for key, value in args.items(multi=True) if key not in (NEAR_PLACE, "near")
    ]
    return NearPlace(text, args=MultiDict([*rest, ("near", near)]))


def filtered_address(
    path: str, args: MultiDict, controls: Iterable[str] = (), label: str = ""
) -> str:
    """The page at ``path`` for these filters (canonical when they are valid, else as typed,
    for the page to point out), then the named controls as given, then ``place=<label>``
    (on the map: not a filter, only what ``near`` is near, shown in the place box)."""
    initiative_filter, errors = parse_filters(args)
    if errors:
        pairs = [(key, value) for key, value in args.items(multi=True) if key in FILTER_NAMES]
    else:
        pairs = filter_pairs(initiative_filter)
    pairs += [(name, value) for name in controls for value in args.getlist(name)]
    if label:
        pairs.append((PLACE_LABEL, label))
    query = urlencode(pairs, safe=",")
    return path + ("?" + query if query else "")
