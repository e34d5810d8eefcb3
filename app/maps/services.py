"""The map page's view (where it looks first) and the initiatives inside a view.

The address of a map view holds the shared filters plus three control parameters: ``zoom``
(DESIGN.md's name) and ``lat`` / ``lon``, the centre. Without a centre the map fits a default
area: a ``bbox`` or ``near`` asked for, the chosen neighbourhoods, or Great Britain.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.browse.services import ResultPage, list_initiatives
from app.extensions import db
from app.neighbourhoods.models import Neighbourhood
from app.shared_filters.parse import InitiativeFilter
from app.shared_filters.query import bounding_box

Bounds = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat

GREAT_BRITAIN: Bounds = (-8.7, 49.8, 1.8, 60.9)
MIN_ZOOM, MAX_ZOOM = 0, 18
DEFAULT_ZOOM = 12  # a centre given without a zoom: about a town
# The map's size on a wide screen, in CSS pixels: what the server lists before the browser
# reports the real view (then the list follows the map).
NOMINAL_WIDTH, NOMINAL_HEIGHT = 1056, 480
MERCATOR_MAX_LATITUDE = 85.051129
NEIGHBOURHOOD_MARGIN = (0.05, 0.03)  # degrees of longitude and latitude around centres
LIST_LIMIT = 100
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_WHOLE = re.compile(r"[+-]?\d{1,3}")


@dataclass(frozen=True)
class MapView:
    """Where a map looks: a centre and zoom when the address gives them, else bounds to fit."""

    bounds: Bounds
    centre: tuple[float, float] | None = None  # lat, lon
    zoom: int | None = None


def read_view(args: MultiDict) -> tuple[dict[str, float | int], dict[str, str]]:
    """``lat``, ``lon`` and ``zoom`` from the query string, with a message for each bad one."""
    values: dict[str, float | int] = {}
    errors: dict[str, str] = {}
    limits = {"lat": 90, "lon": 180}
    for name, limit in limits.items():
        text = args.get(name, "").strip()
        if not text:
            continue
        if not _NUMBER.fullmatch(text) or not -limit <= float(text) <= limit:
            message = _("lat must be a latitude: a number from -%(limit)s to %(limit)s.")
            if name != "lat":
                message = _("lon must be a longitude: a number from -%(limit)s to %(limit)s.")
            errors[name] = message % {"limit": limit}
        else:
            values[name] = round(float(text), 6) + 0.0
    if ("lat" in values) != ("lon" in values) and not errors:
        errors["lat" if "lat" not in values else "lon"] = _(
            "Give the map's centre as both lat and lon, or neither."
        )
    zoom = args.get("zoom", "").strip()
    if zoom:
        if not _WHOLE.fullmatch(zoom) or not MIN_ZOOM <= int(zoom) <= MAX_ZOOM:
            errors["zoom"] = _(
                "zoom must be a whole number from %(min_zoom)s to %(max_zoom)s.",
                min_zoom=MIN_ZOOM,
                max_zoom=MAX_ZOOM,
            )
        else:
            values["zoom"] = int(zoom)
    return values, errors


def map_view(initiative_filter: InitiativeFilter, view: dict[str, float | int]) -> MapView:
    """The view to show first: the address's centre and zoom, or the area the filter asks for."""
    area = default_bounds(initiative_filter)
    if "lat" in view:
        centre = (float(view["lat"]), float(view["lon"]))
        zoom = int(view.get("zoom", DEFAULT_ZOOM))
        return MapView(view_bounds(centre, zoom), centre, zoom)
    if "zoom" in view:
        min_lon, min_lat, max_lon, max_lat = area
        centre = ((min_lat + max_lat) / 2, (min_lon + max_lon) / 2)
        return MapView(view_bounds(centre, int(view["zoom"])), centre, int(view["zoom"]))
    return MapView(area)


def default_bounds(initiative_filter: InitiativeFilter) -> Bounds:
    """The area a filter is about: its box, its circle, its neighbourhoods, or Great Britain."""
    f = initiative_filter
    if f.bbox:
        return f.bbox
    if f.near:
        return bounding_box(*f.near, f.radius_km)
    if f.neighbourhoods:
        query = select(
            func.min(Neighbourhood.longitude),
            func.min(Neighbourhood.latitude),
            func.max(Neighbourhood.longitude),
            func.max(Neighbourhood.latitude),
        ).where(Neighbourhood.slug.in_(f.neighbourhoods))
        min_lon, min_lat, max_lon, max_lat = db.session.execute(query).one()
        if min_lon is not None:
            lon_margin, lat_margin = NEIGHBOURHOOD_MARGIN
            west, east = min_lon - lon_margin, max_lon + lon_margin
            return _clamped((west, min_lat - lat_margin, east, max_lat + lat_margin))
    return GREAT_BRITAIN


def view_bounds(
    centre: tuple[float, float],
    zoom: int,
    width: int = NOMINAL_WIDTH,
    height: int = NOMINAL_HEIGHT,
) -> Bounds:
    """The box a web-Mercator map of ``width`` × ``height`` pixels shows at a centre and zoom."""
    lat, lon = centre
    size = 256 * 2**zoom
    x = (lon + 180) / 360 * size
    lat = max(-MERCATOR_MAX_LATITUDE, min(MERCATOR_MAX_LATITUDE, lat))
    sine = math.sin(math.radians(lat))
    y = (0.5 - math.log((1 + sine) / (1 - sine)) / (4 * math.pi)) * size

    def longitude(pixel_x: float) -> float:
        return pixel_x / size * 360 - 180

    def latitude(pixel_y: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * pixel_y / size))))

    return _clamped(
        (
            longitude(x - width / 2),
            latitude(y + height / 2),
            longitude(x + width / 2),
            latitude(y - height / 2),
        )
    )


def _clamped(bounds: Bounds) -> Bounds:
    min_lon, min_lat, max_lon, max_lat = bounds
    return (
        round(max(min_lon, -180.0), 6),
        round(max(min_lat, -90.0), 6),
        round(min(max_lon, 180.0), 6),
        round(min(max_lat, 90.0), 6),
    )


def list_in_view(initiative_filter: InitiativeFilter, bounds: Bounds | None) -> ResultPage:
    """The first published initiatives matching the filter inside the bounds, with the total.

    Nearest first when the filter has a point to measure from, else by title.
    """
    if bounds is not None:
        initiative_filter = replace(initiative_filter, bbox=bounds)
    sort = "distance" if initiative_filter.near else "title"
    return list_initiatives(initiative_filter, sort, 1, LIST_LIMIT)
