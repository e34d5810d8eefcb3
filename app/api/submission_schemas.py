"""The OpenAPI schemas of the write: the body of a new initiative and the answer to it.

The body has the submission form's fields (app/api/writes.py turns it into the form's own
fields); limits here are the form's, so generated valid bodies pass the form's type checks.
"""

from __future__ import annotations

from app.initiatives.vocabulary import PRECISIONS, SECTORS, STAGES, STATUSES

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
