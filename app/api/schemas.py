"""The OpenAPI schemas of what the API answers: initiatives, clusters, reference data, GeoJSON.

Views' docstrings refer to them by name (``schema: InitiativePage``); the response checks of the
schemathesis test hold the code to them.
"""

from __future__ import annotations

from typing import Any

from app.api.submission_schemas import NEW_INITIATIVE, SUBMISSION
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
