"""The OpenAPI parameters, error responses and security scheme that endpoints refer to.

Views' docstrings name them (``parameters: [q, theme, ...]``, ``400: BadRequest``), so every
endpoint describes the shared filters and errors the same way. Each schema says what the
shared filters' parser accepts: a blank value is no filter; numbers as its grammar reads
them, in the range left after its rounding. Two rules need a custom ``format`` to be stated
(``bbox``: the south-west corner first; ``point``: a latitude and a longitude), and one
cannot be stated at all: ``radius_km`` only together with ``near``.
"""

from __future__ import annotations

from typing import Any

from app.initiatives.vocabulary import SECTORS, STAGES, STATUSES
from app.map_cells.grid import MAX_ZOOM
from app.shared_filters.parse import (
    DAY_PATTERN,
    MAX_QUERY_LENGTH,
    WHITE_SPACE_CLASS,
    accepted_radius_range,
)

WS = WHITE_SPACE_CLASS  # the parser's white space, not JSON Schema's \s
BLANK = {"type": "string", "pattern": rf"^{WS}*$"}
NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"  # the parser's grammar
CURSOR = r"^[A-Za-z0-9_.\-]+$"  # what itsdangerous writes; only a real one is accepted


def numbers(count: int) -> str:
    """A pattern: ``count`` numbers separated by commas, white space around each allowed."""
    return rf"^{WS}*{NUMBER}(?:{WS}*,{WS}*{NUMBER}){{{count - 1}}}{WS}*$"


def or_blank(schema: dict[str, Any]) -> dict[str, Any]:
    """A filter's schema: its values, or a blank value (which filters nothing)."""
    types = sorted({schema["type"], "string"})
    return {"type": types[0] if len(types) == 1 else types, "anyOf": [schema, BLANK]}


def _many(description: str, items: dict[str, Any]) -> dict[str, Any]:
    return {
        "in": "query",
        "description": description + " Repeat the parameter for any of several.",
        "schema": {"type": "array", "items": or_blank(items)},
        "style": "form",
        "explode": True,
    }


def _one_of(values) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def _query(description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"in": "query", "description": description, "schema": schema, **extra}


BBOX = {
    "type": "string",
    "format": "bbox",
    "pattern": numbers(4),
    "example": "-1.75,53.70,-1.35,53.90",
}
POINT = {"type": "string", "format": "point", "pattern": numbers(2), "example": "53.80,-1.55"}


def filter_parameters() -> dict[str, dict[str, Any]]:
    """The shared filters, as the parser reads them."""
    smallest, largest = accepted_radius_range()
    return {
        "q": _query(
            f"Words to search for in the initiatives' text (any characters, at most "
            f"{MAX_QUERY_LENGTH} once trimmed).",
            # At most MAX_QUERY_LENGTH characters once trimmed (maxLength would count spaces
            # around it, which the parser drops first).
            {"type": "string", "pattern": rf"^{WS}*[\s\S]{{0,{MAX_QUERY_LENGTH}}}{WS}*$"},
        ),
        "theme": _many(
            "A theme's slug (see /api/v1/themes).", {"type": "string", "x-vocabulary": "themes"}
        ),
        "stage": _many("A stage: " + ", ".join(STAGES) + ".", _one_of(STAGES)),
        "sector": _many("A participant's sector: " + ", ".join(SECTORS) + ".", _one_of(SECTORS)),
        "neighbourhood": _many(
            "A neighbourhood's slug (see /api/v1/neighbourhoods).",
            {"type": "string", "x-vocabulary": "neighbourhoods"},
        ),
        "status": _many("A status: " + ", ".join(STATUSES) + ".", _one_of(STATUSES)),
        "verified": _query(
            "1: only initiatives with an outcome verified by a council officer.",
            or_blank(_one_of(["1", "0"])),
        ),
        "updated_since": _query(
            "YYYY-MM-DD: only initiatives whose content or outcomes were updated on or after "
            "this day (days begin at midnight in the site's time zone).",
            or_blank({"type": "string", "pattern": rf"^{WS}*{DAY_PATTERN}{WS}*$"}),
        ),
        "active_from": _query(
            "YYYY-MM-DD: only initiatives whose work ran on or after this day (not ended "
            "before it).",
            or_blank({"type": "string", "pattern": rf"^{WS}*{DAY_PATTERN}{WS}*$"}),
        ),
        "active_to": _query(
            "YYYY-MM-DD: only initiatives whose work started on or before this day (with no "
            "start date: first published by its end, in the site's time zone); not before "
            "active_from.",
            or_blank({"type": "string", "pattern": rf"^{WS}*{DAY_PATTERN}{WS}*$"}),
        ),
        "bbox": _query(
            "min_lon,min_lat,max_lon,max_lat: public points inside this box (longitudes from "
            "-180 to 180, latitudes from -90 to 90, the south-west corner first).",
            or_blank(BBOX),
        ),
        "near": _query(
            "lat,lon: public points within radius_km of this point (a latitude from -90 to 90, "
            "a longitude from -180 to 180).",
            or_blank(POINT),
        ),
        "radius_km": _query(
            "Distance from near in km (default 5, at most 500), rounded to 6 decimals; only "
            "together with near.",
            or_blank({"type": "number", "minimum": smallest, "maximum": largest}),
        ),
    }


def map_view_parameters() -> dict[str, dict[str, Any]]:
    """The view of ``/api/v1/map/clusters``: its box (required here) and zoom."""
    return {
        "map_bbox": _query(
            "The view, west-south-east-north in degrees (WGS 84), the south-west corner first; "
            "at most 4,096 cells of 64 pixels at this zoom.",
            BBOX,
            name="bbox",
            required=True,
        ),
        "zoom": _query(
            "The map's zoom level (web-Mercator, 256-pixel tiles).",
            {"type": "integer", "minimum": 0, "maximum": MAX_ZOOM},
            required=True,
        ),
    }


def paging_parameters(default: int, maximum: int) -> dict[str, dict[str, Any]]:
    return {
        "limit": _query(
            f"Initiatives per page (default {default}, at most {maximum}).",
            {"type": "integer", "minimum": 1, "maximum": maximum, "default": default},
        ),
        "cursor": _query(
            "Where the page starts: copy it from the previous page's next URL.",
            or_blank({"type": "string", "format": "cursor", "pattern": CURSOR}),
        ),
    }


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


RESPONSES = {
    "BadRequest": _error("A malformed parameter or body; errors names each field."),
    "Unauthorized": {
        **_error(
            "No API token, a malformed Authorization header, or an unknown or revoked token."
        ),
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
    },
    "Forbidden": _error("The token's account is suspended or not confirmed."),
    "NotFound": _error("Nothing published at this address."),
    "Unprocessable": _error(
        "A well-formed body that fails validation, or an Idempotency-Key already used with "
        "another request; errors names each field."
    ),
    "Conflict": {
        **_error("A request with this Idempotency-Key is still running: retry after a moment."),
        "headers": {
            "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
        },
    },
    "TooManyRequests": _error("Too many requests: wait a little (see Retry-After)."),
}

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Makes a retry safe: a request sent again with the same key and body within 24 hours "
        "gets the first answer again (2xx and 4xx, never 5xx), marked "
        "`Idempotent-Replayed: true`, and creates nothing new. Keys belong to the token; use "
        "a new one (a UUID, say) for each new request."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}

SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token from your account page (or `create-token`).",
    }
}
