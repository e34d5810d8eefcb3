"""Place search for the pickers: JSON, asked only when a person presses a button."""

from __future__ import annotations

import math

from flask import Blueprint, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from app.errors import MESSAGES, json_error
from app.i18n import lazy_text as _l
from app.places import services
from app.places.agreement import point_warning
from app.places.geocoding import (
    geocode_place,
    normalise_query,
    reverse_place,
    unsearchable_postcode,
)
from app.places.lookups import GeocoderBusy
from app.places.types import (
    BUSY_RETRY_AFTER,
    MAX_QUERY_LENGTH,
    UNAVAILABLE_RETRY_AFTER,
    GeocodingUnavailable,
)
from app.ratelimits import limit_place_lookups

bp = Blueprint("places", __name__, url_prefix="/places")

UNAVAILABLE = _l(
    "The place search is not available just now. Try again later, or put a pin on the map."
)
BUSY = _l("Many place searches are running just now. Try again in a moment.")
# Both endpoints share one budget per client: each may cost a request to the geocoder.
limit_lookups = limit_place_lookups()


@bp.get("/search")
@limit_lookups
def search_places():
    """Places matching ``q``, best first, each with the neighbourhood it suggests."""
    text = request.args.get("q", "")
    query = normalise_query(text)
    if not query:
        return json_error(
            400, _("Type a place name to search for."), {"q": _("Type a place name.")}
        )
    if len(" ".join(text.split())) > MAX_QUERY_LENGTH:  # cut by normalise_query: say so
        message = _(
            "Use at most %(max_query_length)s characters.", max_query_length=MAX_QUERY_LENGTH
        )
        return json_error(400, message, {"q": message})
    try:
        places = geocode_place(query)
    except GeocoderBusy:
        return (*json_error(503, str(BUSY)), {"Retry-After": BUSY_RETRY_AFTER})
    except GeocodingUnavailable:
        return (*json_error(503, UNAVAILABLE), {"Retry-After": UNAVAILABLE_RETRY_AFTER})
    items = services.place_items(places)
    postcode = None if items else unsearchable_postcode(query)
    if postcode is not None:
        return {"ok": True, "items": [], "message": services.postcode_message(postcode)}
    return {"ok": True, "items": items}


@bp.get("/reverse")
@limit_lookups
def reverse_lookup():
    """What is at a point, and the neighbourhood to suggest for it."""
    point, errors = _point(request.args)
    if errors:
        return json_error(400, _("Give a latitude and a longitude."), errors)
    neighbourhood = services.neighbourhood_item(services.neighbourhood_near(*point))
    try:
        place = reverse_place(*point)
    except GeocoderBusy:
        body, status = json_error(503, str(BUSY))
        return {**body, "neighbourhood": neighbourhood}, status, {"Retry-After": BUSY_RETRY_AFTER}
    except GeocodingUnavailable:
        # The suggestion needs no outside service, so it is still given.
        body, status = json_error(503, UNAVAILABLE)
        headers = {"Retry-After": UNAVAILABLE_RETRY_AFTER}
        return {**body, "neighbourhood": neighbourhood}, status, headers
    item = services.place_items([place])[0] if place else None
    return {"ok": True, "item": item, "neighbourhood": neighbourhood}


@bp.get("/neighbourhood")
def suggest_neighbourhood():
    """The neighbourhood to suggest for a point, worked out here: it asks no geocoder, so it
    spends none of the look-up budget (the map picker asks on every click). With
    ``neighbourhood=<slug>`` (the one chosen), also the warning when the point is far from it."""
    point, errors = _point(request.args)
    if errors:
        return json_error(400, _("Give a latitude and a longitude."), errors)
    neighbourhood = services.neighbourhood_item(services.neighbourhood_near(*point))
    chosen = services.neighbourhoods_by_slug([request.args.get("neighbourhood", "")[:200]])
    warning = point_warning(*point, next(iter(chosen.values()), None))
    return {
        "ok": True,
        "neighbourhood": neighbourhood,
        "warning": warning.message if warning else None,
    }


@bp.errorhandler(HTTPException)
def json_http_error(error: HTTPException):
    """Errors of these endpoints (a rate limit, a wrong method) in the JSON error shape."""
    status = error.code or 500
    body, status = json_error(status, _(MESSAGES.get(status, MESSAGES[500])))
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    return body, status, headers


def _point(args) -> tuple[tuple[float, float], dict[str, str]]:
    values, errors = [], {}
    for name, limit in (("lat", 90), ("lon", 180)):
        try:
            value = float(args.get(name, "").strip())
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or abs(value) > limit:
            errors[name] = _("Give a number from -%(limit)s to %(limit)s.", limit=limit)
        values.append(value)
    return (values[0], values[1]), errors
