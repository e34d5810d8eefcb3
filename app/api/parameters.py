"""The OpenAPI parameters, error responses and security scheme that endpoints refer to.

Views' docstrings name them (``parameters: [q, theme, ...]``, ``400: BadRequest``), so every
endpoint describes the shared filters and errors the same way.
"""

from __future__ import annotations

from typing import Any

from app.initiatives.vocabulary import SECTORS, STAGES, STATUSES


def _many(description: str) -> dict[str, Any]:
    return {
        "in": "query",
        "description": description + " Repeat the parameter for any of several.",
        "schema": {"type": "array", "items": {"type": "string"}},
        "style": "form",
        "explode": True,
    }


PARAMETERS: dict[str, dict[str, Any]] = {
    "q": {
        "in": "query",
        "description": "Words to search for in the initiatives' text (any characters).",
        "schema": {"type": "string", "maxLength": 200},
    },
    "theme": _many("A theme's slug (see /api/v1/themes)."),
    "stage": _many("A stage: " + ", ".join(STAGES) + "."),
    "sector": _many("A participant's sector: " + ", ".join(SECTORS) + "."),
    "neighbourhood": _many("A neighbourhood's slug (see /api/v1/neighbourhoods)."),
    "status": _many("A status: " + ", ".join(STATUSES) + "."),
    "verified": {
        "in": "query",
        "description": "1: only initiatives with an outcome verified by a council officer.",
        "schema": {"type": "string", "enum": ["1", "0"]},
    },
    "bbox": {
        "in": "query",
        "description": "min_lon,min_lat,max_lon,max_lat: public points inside this box.",
        "schema": {"type": "string", "example": "-1.75,53.70,-1.35,53.90"},
    },
    "near": {
        "in": "query",
        "description": "lat,lon: public points within radius_km of this point.",
        "schema": {"type": "string", "example": "53.80,-1.55"},
    },
    "radius_km": {
        "in": "query",
        "description": "Distance from near in km (default 5, at most 500); only with near.",
        "schema": {"type": "number", "exclusiveMinimum": 0, "maximum": 500},
    },
}


def paging_parameters(default: int, maximum: int) -> dict[str, dict[str, Any]]:
    return {
        "limit": {
            "in": "query",
            "description": f"Initiatives per page (default {default}, at most {maximum}).",
            "schema": {"type": "integer", "minimum": 1, "maximum": maximum, "default": default},
        },
        "cursor": {
            "in": "query",
            "description": "Where the page starts: copy it from the previous page's next URL.",
            "schema": {"type": "string"},
        },
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
    "Unprocessable": _error("A well-formed body that fails validation; errors names each field."),
    "TooManyRequests": _error("Too many requests: wait a little (see Retry-After)."),
}

SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token from your account page (or `create-token`).",
    }
}
