"""The OpenAPI components the API views refer to: schemas, parameters, responses, security.

Views' docstrings refer to these by ``$ref`` so that every endpoint describes the shared
filters and the error responses the same way, and the same way the code behaves.
"""

from __future__ import annotations

from typing import Any

from app.initiatives.vocabulary import PRECISIONS, SECTORS, STAGES, STATUSES

NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_NUMBER = {"type": ["number", "null"]}
DAY = {"type": ["string", "null"], "format": "date"}
TIME = {"type": ["string", "null"], "format": "date-time"}
SLUG_NAME = {
    "type": "object",
    "required": ["slug", "name"],
    "properties": {"slug": {"type": "string"}, "name": {"type": "string"}},
}
LICENCE = {
    "type": "object",
    "description": "The data licence: reuse the data under its terms.",
    "required": ["name", "url"],
    "properties": {"name": {"type": "string"}, "url": {"type": "string", "format": "uri"}},
}

INITIATIVE = {
    "type": "object",
    "description": "A published initiative. Points are public points (location precision).",
    "required": ["id", "title", "slug", "url", "summary", "example", "themes", "stages"],
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "slug": {"type": "string"},
        "url": {"type": "string", "format": "uri", "description": "Its canonical page."},
        "summary": {"type": "string"},
        "example": {"type": "string", "description": "The example: a one-sentence account."},
        "themes": {
            "type": "array",
            "description": "Its themes, the primary theme first.",
            "items": {"$ref": "#/components/schemas/Theme"},
        },
        "stages": {"type": "array", "items": {"type": "string", "enum": list(STAGES)}},
        "status": {"type": "string", "enum": list(STATUSES)},
        "started_on": DAY,
        "ended_on": DAY,
        "neighbourhood": {
            "oneOf": [
                {
                    "type": "object",
                    "required": ["slug", "name", "local_authority"],
                    "properties": {
                        "slug": {"type": "string"},
                        "name": {"type": "string"},
                        "local_authority": {"type": "string"},
                    },
                },
                {"type": "null"},
            ]
        },
        "place": {"type": "string", "description": "Empty at neighbourhood precision."},
        "location": {
            "description": "The public point; null when there is none.",
            "oneOf": [
                {
                    "type": "object",
                    "required": ["lat", "lon", "precision"],
                    "properties": {
                        "lat": {"type": "number", "minimum": -90, "maximum": 90},
                        "lon": {"type": "number", "minimum": -180, "maximum": 180},
                        "precision": {"type": "string", "enum": list(PRECISIONS)},
                    },
                },
                {"type": "null"},
            ],
        },
        "credit": {"type": "string", "description": "How the submitter chose to be credited."},
        "contact_url": {**NULLABLE_STRING, "description": "A website or mailto: link."},
        "verified": {"type": "boolean", "description": "Whether an outcome is verified."},
        "published_at": TIME,
        "updated_at": TIME,
    },
}

PARTICIPANT = {
    "type": "object",
    "required": ["sector", "name", "roles", "people", "hours"],
    "properties": {
        "sector": {"type": "string", "enum": list(SECTORS)},
        "name": {"type": "string"},
        "roles": {"type": "array", "items": {"type": "string", "enum": list(STAGES)}},
        "people": {"type": ["integer", "null"]},
        "hours": NULLABLE_NUMBER,
    },
}

OUTCOME = {
    "type": "object",
    "required": ["description", "verified"],
    "properties": {
        "description": {"type": "string"},
        "indicator": {"type": "string"},
        "baseline": NULLABLE_NUMBER,
        "result": NULLABLE_NUMBER,
        "unit": {"type": "string"},
        "measured_on": DAY,
        "evidence_url": NULLABLE_STRING,
        "verified": {
            "description": "Set when a council officer verified the outcome.",
            "oneOf": [
                {
                    "type": "object",
                    "required": ["organisation", "date"],
                    "properties": {
                        "organisation": NULLABLE_STRING,
                        "date": {"type": "string", "format": "date"},
                    },
                },
                {"type": "null"},
            ],
        },
    },
}

INITIATIVE_DETAIL = {
    "allOf": [
        {"$ref": "#/components/schemas/Initiative"},
        {
            "type": "object",
            "required": ["description", "participants", "outcomes"],
            "properties": {
                "description": {
                    "type": "object",
                    "required": ["markdown", "html"],
                    "properties": {
                        "markdown": {"type": "string"},
                        "html": {"type": "string", "description": "Sanitised HTML."},
                    },
                },
                "participants": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/Participant"},
                },
                "outcomes": {"type": "array", "items": {"$ref": "#/components/schemas/Outcome"}},
            },
        },
    ]
}

INITIATIVE_PAGE = {
    "type": "object",
    "required": ["ok", "items", "total", "next", "licence"],
    "properties": {
        "ok": {"type": "boolean", "enum": [True]},
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Initiative"}},
        "total": {"type": "integer", "minimum": 0, "description": "All matches, every page."},
        "next": {
            "type": ["string", "null"],
            "format": "uri",
            "description": "The next page's full URL; null on the last page.",
        },
        "licence": {"$ref": "#/components/schemas/Licence"},
    },
}

CLUSTER = {
    "type": "object",
    "required": ["slug", "title", "url", "kind", "updated_at", "count"],
    "properties": {
        "slug": {"type": "string"},
        "title": {"type": "string"},
        "url": {"type": "string", "format": "uri"},
        "kind": {"type": "string", "enum": ["picked", "filter"]},
        "updated_at": TIME,
        "count": {"type": "integer", "minimum": 0, "description": "Its published examples."},
    },
}

CLUSTER_DETAIL = {
    "allOf": [
        {"$ref": "#/components/schemas/Cluster"},
        {
            "type": "object",
            "required": ["introduction", "filter", "examples"],
            "properties": {
                "introduction": {
                    "type": "object",
                    "required": ["markdown", "html"],
                    "properties": {"markdown": {"type": "string"}, "html": {"type": "string"}},
                },
                "filter": {
                    **NULLABLE_STRING,
                    "description": "A saved filter's canonical query string.",
                },
                "examples": {
                    "type": "array",
                    "items": {
                        "allOf": [
                            {"$ref": "#/components/schemas/Initiative"},
                            {
                                "type": "object",
                                "required": ["note"],
                                "properties": {
                                    "note": {"type": "string", "description": "Curator's note."}
                                },
                            },
                        ]
                    },
                },
            },
        },
    ]
}

NEIGHBOURHOOD = {
    "type": "object",
    "required": ["slug", "name", "local_authority", "centre", "count"],
    "properties": {
        "slug": {"type": "string"},
        "name": {"type": "string"},
        "local_authority": {"type": "string"},
        "url": {"type": "string", "format": "uri"},
        "centre": {
            "type": "object",
            "required": ["lat", "lon"],
            "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
        },
        "count": {"type": "integer", "minimum": 0, "description": "Published initiatives."},
    },
}

THEME = {**SLUG_NAME, "properties": {**SLUG_NAME["properties"]}}
THEME_ENTRY = {
    "type": "object",
    "required": ["slug", "name", "colour", "description", "url", "count"],
    "properties": {
        "slug": {"type": "string"},
        "name": {"type": "string"},
        "colour": {"type": "string"},
        "description": {"type": "string"},
        "url": {"type": "string", "format": "uri"},
        "count": {"type": "integer", "minimum": 0, "description": "Published initiatives."},
    },
}


def _listing(name: str, schema: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["ok", name, "licence"],
        "properties": {
            "ok": {"type": "boolean", "enum": [True]},
            name: {"type": "array", "items": {"$ref": f"#/components/schemas/{schema}"}},
            "licence": {"$ref": "#/components/schemas/Licence"},
        },
    }


FEATURE_COLLECTION = {
    "type": "object",
    "description": "An RFC 7946 FeatureCollection: [longitude, latitude], at most 6 decimals.",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "licence": {"$ref": "#/components/schemas/Licence"},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "id", "geometry", "properties"],
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": {"type": "integer"},
                    "geometry": {
                        "oneOf": [
                            {
                                "type": "object",
                                "required": ["type", "coordinates"],
                                "properties": {
                                    "type": {"type": "string", "enum": ["Point"]},
                                    "coordinates": {
                                        "type": "array",
                                        "items": {"type": "number"},
                                        "minItems": 2,
                                        "maxItems": 2,
                                    },
                                },
                            },
                            {"type": "null"},
                        ]
                    },
                    "properties": {"type": "object"},
                },
            },
        },
    },
}

TEXT = {"type": "string", "maxLength": 20000}
NEW_PARTICIPANT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "sector": {"type": "string", "enum": list(SECTORS)},
        "name": {"type": "string", "maxLength": 200},
        "roles": {"type": "array", "items": {"type": "string", "enum": list(STAGES)}},
        "people": {"type": ["integer", "null"], "minimum": 0, "maximum": 1000000},
        "hours": {"type": ["number", "null"], "minimum": 0, "maximum": 10000000},
    },
}
NEW_OUTCOME = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "description": {"type": "string", "maxLength": 2000},
        "indicator": {"type": "string", "maxLength": 200},
        "baseline": {"type": ["number", "null"]},
        "result": {"type": ["number", "null"]},
        "unit": {"type": "string", "maxLength": 60},
        "measured_on": {"type": ["string", "null"], "format": "date"},
        "evidence_url": {"type": "string", "format": "uri", "maxLength": 500},
    },
}
NEW_INITIATIVE = {
    "type": "object",
    "description": (
        "The fields of the submission form. Validation is the form's: a submission needs a "
        "title, summary, a theme, a stage, the status, the neighbourhood and consent. "
        "Outcomes cannot be marked verified here: council officers verify them."
    ),
    "additionalProperties": False,
    "required": ["title", "summary", "themes", "stages", "neighbourhood", "consent"],
    "properties": {
        "title": {"type": "string", "maxLength": 200},
        "summary": {"type": "string", "maxLength": 500},
        "description": {**TEXT, "description": "Markdown."},
        "themes": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Theme slugs, the primary theme first.",
        },
        "stages": {"type": "array", "items": {"type": "string", "enum": list(STAGES)}},
        "status": {"type": "string", "enum": list(STATUSES)},
        "started_on": {"type": ["string", "null"], "format": "date"},
        "ended_on": {"type": ["string", "null"], "format": "date"},
        "neighbourhood": {"type": "string", "description": "A neighbourhood's slug."},
        "place_name": {"type": "string", "maxLength": 200},
        "latitude": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
        "longitude": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
        "location_precision": {"type": "string", "enum": list(PRECISIONS)},
        "contact_url": {"type": "string", "maxLength": 500},
        "credit": {"type": "string", "enum": ["name", "organisation", "anonymous"]},
        "credit_name": {"type": "string", "maxLength": 200},
        "participants": {"type": "array", "maxItems": 30, "items": NEW_PARTICIPANT},
        "outcomes": {"type": "array", "maxItems": 30, "items": NEW_OUTCOME},
        "consent": {
            "type": "boolean",
            "description": "true: you agree to publish it under the data licence.",
        },
    },
}

SUBMISSION = {
    "type": "object",
    "required": ["ok", "initiative"],
    "properties": {
        "ok": {"type": "boolean", "enum": [True]},
        "initiative": {
            "allOf": [
                {"$ref": "#/components/schemas/InitiativeDetail"},
                {
                    "type": "object",
                    "required": ["state"],
                    "properties": {"state": {"type": "string", "enum": ["pending"]}},
                },
            ]
        },
    },
}

SCHEMAS = {
    "Licence": LICENCE,
    "Theme": THEME,
    "Initiative": INITIATIVE,
    "Participant": PARTICIPANT,
    "Outcome": OUTCOME,
    "InitiativeDetail": INITIATIVE_DETAIL,
    "InitiativePage": INITIATIVE_PAGE,
    "Cluster": CLUSTER,
    "ClusterDetail": CLUSTER_DETAIL,
    "ClusterList": _listing("clusters", "Cluster"),
    "Neighbourhood": NEIGHBOURHOOD,
    "NeighbourhoodList": _listing("neighbourhoods", "Neighbourhood"),
    "ThemeEntry": THEME_ENTRY,
    "ThemeList": _listing("themes", "ThemeEntry"),
    "FeatureCollection": FEATURE_COLLECTION,
    "NewInitiative": NEW_INITIATIVE,
    "Submission": SUBMISSION,
}


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
FILTER_PARAMETERS = list(PARAMETERS)


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
