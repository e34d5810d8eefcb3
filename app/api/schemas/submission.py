"""The body of ``POST /api/v1/initiatives``: one schema that loads it and documents it.

Loading checks the shape (types, known fields, at most ``MAX_ROWS`` rows); a body of the
wrong shape is a 400. What the values must be (a title, known themes, dates in order, ...) is
the submission form's to judge, as for a resident's submission (422). The documented rules
are read from the form and the vocabularies, and ``OPENAPI`` adds the rules between fields,
so the document says what the form accepts.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, pre_load

from app.api.schemas.body_fields import (
    NOTHING_TYPED,
    SOMETHING_TYPED,
    Consent,
    Rows,
    TextList,
    Unicode,
    Value,
    form_rules,
    number_rules,
    row_schema,
    text_rules,
)
from app.i18n import N_
from app.initiatives.vocabulary import CREDITS, PRECISIONS, SECTORS, STAGES, STATUSES
from app.languages import LANGUAGES
from app.submissions.fields import EARLIEST_YEAR, LATEST_YEAR
from app.submissions.forms import MAX_ROWS, InitiativeForm
from app.submissions.rows import OutcomeForm, ParticipantForm

VERIFICATION_KEYS = {"verified", "verified_at", "verified_by", "verification_note"}
BLANK = {"type": ["string", "null"], "pattern": NOTHING_TYPED}
TYPED = {"type": "string", "pattern": SOMETHING_TYPED}
NULL = {"type": "null"}
# A day as the form reads it (a real date from EARLIEST_YEAR to LATEST_YEAR), or nothing.
DAY = {
    "anyOf": [
        {
            "type": "string",
            "format": "date",
            "pattern": rf"^(19\d\d|20\d\d|{LATEST_YEAR})-\d\d-\d\d$",
        },
        BLANK,
    ],
    "description": f"YYYY-MM-DD, from {EARLIEST_YEAR} to {LATEST_YEAR}; empty or null for none.",
}


def object_rules(schema: type[Schema], description: str) -> dict[str, Any]:
    """The OpenAPI schema of a nested object of the body (or null): its fields' own rules."""
    return {
        "type": ["object", "null"],
        "description": description,
        "additionalProperties": False,  # unknown keys are refused by name (400)
        "properties": {
            name: {
                **field.metadata["openapi"],
                **(
                    {"description": field.metadata["description"]}
                    if "description" in field.metadata
                    else {}
                ),
            }
            for name, field in schema._declared_fields.items()
        },
    }


def _stages() -> dict[str, Any]:
    return {"type": "string", "enum": list(STAGES)}


class BodySchema(Schema):
    """An object of the body: unknown keys are refused by name, before anything else."""

    UNKNOWN = N_("Unknown field: %(names)s.")
    OPENAPI: dict[str, Any] = {}

    @pre_load
    def refuse_unknown_fields(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict):  # else marshmallow's "type" message below
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise self.unknown_error(unknown)
        return data

    def unknown_error(self, unknown: list[str]) -> ValidationError:
        message = _(self.UNKNOWN, names=", ".join(unknown))
        return ValidationError(message, unknown[0])

    @classmethod
    def openapi(cls) -> dict[str, Any]:
        """What the OpenAPI document adds to the fields: required ones, rules between fields."""
        needed = [
            name for name, field in cls._declared_fields.items() if field.metadata.get("needed")
        ]
        return {**({"required": needed} if needed else {}), **cls.OPENAPI}


class RowSchema(BodySchema):
    """A row of the form; a row with nothing in it is left out. Its problems are its own
    (``participants-0``), not a field's."""

    error_messages = {"type": N_("Must be an object.")}
    UNKNOWN = N_("Unknown field %(names)s.")

    def unknown_error(self, unknown: list[str]) -> ValidationError:
        return ValidationError(_(self.UNKNOWN, names=", ".join(unknown)))


class NewParticipantSchema(RowSchema):
    """A group or organisation that took part: its sector is needed unless the row is empty."""

    OPENAPI = {
        "anyOf": [
            {"required": ["sector"], "properties": {"sector": {"enum": list(SECTORS)}}},
            {
                "properties": {
                    "sector": {"enum": ["", None]},
                    "name": BLANK,
                    "roles": {"maxItems": 0},
                    "people": NULL,
                    "hours": NULL,
                }
            },
        ]
    }

    sector = Unicode(metadata=form_rules(enum=list(SECTORS)))
    name = Unicode(metadata=text_rules(ParticipantForm.name))
    roles = TextList(metadata=form_rules(openapi={"type": "array", "items": _stages()}))
    people = Value(metadata=number_rules(ParticipantForm.people, "integer"))
    hours = Value(metadata=number_rules(ParticipantForm.hours))


BLANK_OUTCOME = {
    "properties": {
        **{name: BLANK for name in ("description", "indicator", "unit", "evidence_url")},
        "measured_on": BLANK,
        "baseline": NULL,
        "result": NULL,
    }
}


class NewOutcomeSchema(RowSchema):
    """What changed: a description unless the row is empty, and an indicator with figures.
    Outcomes cannot be marked verified here: council officers verify them."""

    OPENAPI = {
        "allOf": [
            {
                "anyOf": [
                    {"required": ["description"], "properties": {"description": TYPED}},
                    BLANK_OUTCOME,
                ]
            },
            {
                "anyOf": [
                    {"properties": {"baseline": NULL, "result": NULL}},
                    {"required": ["indicator"], "properties": {"indicator": TYPED}},
                ]
            },
        ]
    }

    description = Unicode(metadata=text_rules(OutcomeForm.description))
    indicator = Unicode(metadata=text_rules(OutcomeForm.indicator))
    baseline = Value(metadata=number_rules(OutcomeForm.baseline))
    result = Value(metadata=number_rules(OutcomeForm.result))
    unit = Unicode(metadata=text_rules(OutcomeForm.unit))
    measured_on = Unicode(metadata=form_rules(openapi=DAY))
    evidence_url = Unicode(
        metadata=text_rules(
            OutcomeForm.evidence_url,
            format="web-link",
            description="An http or https address; empty or null for none.",
        )
    )

    def unknown_error(self, unknown: list[str]) -> ValidationError:
        error = super().unknown_error(unknown)
        if VERIFICATION_KEYS & set(unknown):
            hint = _("Outcomes are verified by council officers, not by the submitter.")
            return ValidationError(f"{error.messages[0]} {hint}")
        return error


class NewWelshVersionSchema(BodySchema):
    """The Welsh title, summary and description (each optional)."""

    error_messages = {"type": N_("Must be an object (or null).")}

    title = Unicode(metadata=text_rules(InitiativeForm.title_cy))
    summary = Unicode(metadata=text_rules(InitiativeForm.summary_cy))
    description = Unicode(
        metadata=text_rules(InitiativeForm.description_cy, description="Markdown.")
    )


class NewTranslationsSchema(BodySchema):
    """The content in other languages than the original, by language code."""

    error_messages = {"type": N_("Must be an object (or null).")}

    cy = fields.Nested(
        NewWelshVersionSchema,
        allow_none=True,
        metadata={"openapi": object_rules(NewWelshVersionSchema, "The Welsh version.")},
    )


class NewInitiativeSchema(BodySchema):
    """The fields of the submission form. A submission needs a title, a summary, a theme,
    the neighbourhood, one participant (its sector) and consent; stages, status and the rest
    can come later (status then is "active"); latitude and longitude come together or not at
    all; credit by organisation needs its name; an end date is on or after the start date
    (the one rule this document cannot state)."""

    error_messages = {"type": N_("The body must be a JSON object.")}
    OPENAPI = {
        "allOf": [
            {
                "anyOf": [
                    {
                        "required": ["latitude", "longitude"],
                        "properties": {
                            "latitude": {"type": "number"},
                            "longitude": {"type": "number"},
                        },
                    },
                    {"properties": {"latitude": NULL, "longitude": NULL}},
                ]
            },
            {
                "if": {
                    "required": ["credit"],
                    "properties": {"credit": {"const": "organisation"}},
                },
                "then": {"required": ["credit_name"], "properties": {"credit_name": TYPED}},
            },
        ]
    }

    title = Unicode(metadata=text_rules(InitiativeForm.title, needed=True))
    summary = Unicode(metadata=text_rules(InitiativeForm.summary, needed=True))
    description = Unicode(metadata=text_rules(InitiativeForm.description, description="Markdown."))
    language = Unicode(
        metadata=form_rules(
            enum=list(LANGUAGES),
            description="The language of title, summary and description: en (the default) or cy.",
        )
    )
    translations = fields.Nested(
        NewTranslationsSchema,
        allow_none=True,
        metadata={
            "openapi": object_rules(
                NewTranslationsSchema, "Optional: translations.cy holds the Welsh version."
            )
        },
    )
    themes = TextList(
        metadata=form_rules(
            needed=True,
            description="Theme slugs (see /api/v1/themes), the primary theme first.",
            openapi={
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "x-vocabulary": "themes"},
            },
        )
    )
    stages = TextList(
        metadata=form_rules(
            description="Optional: the stages that were co-produced.",
            openapi={"type": "array", "items": _stages()},
        )
    )
    status = Unicode(
        metadata=form_rules(enum=list(STATUSES), description="Optional: active when not given.")
    )
    started_on = Unicode(metadata=form_rules(openapi=DAY))
    ended_on = Unicode(metadata=form_rules(openapi=DAY))
    neighbourhood = Unicode(
        metadata=form_rules(
            needed=True,
            description="A neighbourhood's slug (see /api/v1/neighbourhoods).",
            openapi={"type": "string", "x-vocabulary": "neighbourhoods"},
        )
    )
    place_name = Unicode(metadata=text_rules(InitiativeForm.place_name))
    latitude = Value(metadata=number_rules(InitiativeForm.latitude))
    longitude = Value(metadata=number_rules(InitiativeForm.longitude))
    location_precision = Unicode(metadata=form_rules(enum=list(PRECISIONS)))
    contact_url = Unicode(
        metadata=text_rules(
            InitiativeForm.contact_url,
            format="contact-link",
            description="A website (https://...) or an email address; empty or null for none.",
        )
    )
    credit = Unicode(metadata=form_rules(enum=list(CREDITS)))
    credit_name = Unicode(metadata=text_rules(InitiativeForm.credit_name))
    participants = Rows(
        NewParticipantSchema,
        "participants",
        MAX_ROWS,
        contains={
            "type": "object",
            "required": ["sector"],
            "properties": {"sector": {"enum": list(SECTORS)}},
        },
        description="At least one group or organisation that took part, with its sector.",
    )
    outcomes = Rows(NewOutcomeSchema, "outcomes", MAX_ROWS)
    consent = Consent(
        metadata=form_rules(
            needed=True,
            description="true: you agree to publish it under the data licence.",
            openapi={"type": "boolean", "enum": [True]},
        )
    )


ROW_LABELS = {"participants": "Participant", "outcomes": "Outcome"}


def _too_long(schema: Schema, values: dict[str, Any]) -> dict[str, str]:
    problems = {}
    for name, field in schema.fields.items():
        limit = field.metadata.get("openapi", {}).get("maxLength")
        value = values.get(name)
        if limit is not None and isinstance(value, str) and len(value) > limit:
            problems[name] = _("Use at most %(limit)s characters.", limit=format(limit, ","))
    return problems


def length_errors(body: dict[str, Any]) -> dict[str, str]:
    """Text longer than its documented maxLength as sent (the form counts it after dropping
    control characters and trimming, which could let a longer text through), as the form
    words it: ``title``, ``participants-0-name`` ("Participant 1: ...")."""
    schema = NewInitiativeSchema()
    problems = _too_long(schema, body)
    for name, label in ROW_LABELS.items():
        rows = row_schema(schema, name)
        for index, row in enumerate(body.get(name) or []):
            for field, message in _too_long(rows, row).items():
                problems[f"{name}-{index}-{field}"] = f"{label} {index + 1}: {message}"
    return problems


def field_errors(messages: Any, prefix: str = "") -> dict[str, str]:
    """marshmallow's nested messages as the API's flat ``errors`` (``participants-0-people``);
    a problem with the body itself is under ``body``."""
    if isinstance(messages, str):
        # Messages marked with N_ (the schemas' own) are read in the request's language here;
        # those already translated, or marshmallow's own, come through as they are.
        return {prefix or "body": _(messages)}
    if isinstance(messages, list):
        return field_errors(messages[0], prefix) if messages else {}
    errors: dict[str, str] = {}
    for key, value in messages.items():
        name = prefix if key == "_schema" else f"{prefix}-{key}" if prefix else str(key)
        for field, message in field_errors(value, name).items():
            errors.setdefault(field, message)
    return errors
