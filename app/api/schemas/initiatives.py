"""The shapes of published initiatives in the API: in lists, in full, and a page of them.

Each schema dumps the models themselves; the values that follow a public rule (the public
point and place, the credit, the example, the contact link) are read by ``READERS``, so no
answer can be built without them. apispec reads the same classes for the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from app.api.public_data import public_location
from app.api.schemas.base import AnswerSchema, ReadingSchema, enum, ok, text
from app.api.schemas.fields import Count, Day, Figure, Time
from app.initiatives.examples import example_text
from app.initiatives.links import contact_anchor
from app.initiatives.public import public_place_name
from app.initiatives.services import credit_line, initiative_url
from app.initiatives.vocabulary import PRECISIONS, SECTORS, STAGES, STATUSES
from app.markdown import render_markdown


class LicenceSchema(AnswerSchema):
    """The data licence: reuse the data under its terms."""

    name = text()
    url = fields.Url(required=True)


class ThemeSchema(AnswerSchema):
    slug = text()
    name = text()


class NeighbourhoodBriefSchema(AnswerSchema):
    slug = text()
    name = text()
    local_authority = text()


class LocationSchema(AnswerSchema):
    lat = fields.Float(required=True, metadata={"minimum": -90, "maximum": 90})
    lon = fields.Float(required=True, metadata={"minimum": -180, "maximum": 180})
    precision = text(metadata=enum(PRECISIONS))


class MarkdownSchema(ReadingSchema):
    """Text written in Markdown, and the sanitised HTML it renders to."""

    READERS = {
        "markdown": lambda source: source,
        "html": lambda source: str(render_markdown(source)),
    }
    markdown = text()
    html = text(metadata={"description": "Sanitised HTML."})


def _contact_url(initiative) -> str | None:
    contact = contact_anchor(initiative.contact_url)
    return contact[0] if contact else None


class InitiativeSchema(ReadingSchema):
    """A published initiative. Points are public points (location precision)."""

    READERS = {
        "url": lambda initiative: initiative_url(initiative, _external=True),
        "example": example_text,
        "place": public_place_name,
        "location": public_location,
        "credit": credit_line,
        "contact_url": _contact_url,
        "verified": lambda initiative: any(o.verified_at is not None for o in initiative.outcomes),
    }

    id = Count()
    title = text()
    slug = text()
    url = fields.Url(required=True, metadata={"description": "Its canonical page."})
    summary = text()
    example = text(metadata={"description": "The example: a one-sentence account."})
    themes = fields.List(
        fields.Nested(ThemeSchema),
        required=True,
        metadata={"description": "Its themes, the primary theme first."},
    )
    stages = fields.List(fields.String(metadata=enum(STAGES)), required=True)
    status = text(metadata=enum(STATUSES))
    started_on = Day()
    ended_on = Day()
    neighbourhood = fields.Nested(NeighbourhoodBriefSchema, required=True, allow_none=True)
    place = text(metadata={"description": "Empty at neighbourhood precision."})
    location = fields.Nested(
        LocationSchema,
        required=True,
        allow_none=True,
        metadata={"description": "The public point; null when there is none."},
    )
    credit = text(metadata={"description": "How the submitter chose to be credited."})
    contact_url = text(allow_none=True, metadata={"description": "A website or mailto: link."})
    verified = fields.Boolean(
        required=True, metadata={"description": "Whether an outcome is verified."}
    )
    published_at = Time()
    updated_at = Time()


class ParticipantSchema(ReadingSchema):
    READERS = {"roles": lambda participant: list(participant.roles or [])}

    sector = text(metadata=enum(SECTORS))
    name = text()
    roles = fields.List(fields.String(metadata=enum(STAGES)), required=True)
    people = Count(allow_none=True)
    hours = Figure()


class VerificationSchema(AnswerSchema):
    """Who verified an outcome, and on which day."""

    organisation = text(allow_none=True)
    date = fields.Date(required=True)


def _verification(outcome) -> dict[str, Any] | None:
    if outcome.verified_at is None:
        return None
    organisation = outcome.verified_by_organisation
    return {
        "organisation": organisation.name if organisation is not None else None,
        "date": outcome.verified_at.date(),
    }


class OutcomeSchema(ReadingSchema):
    READERS = {
        "evidence_url": lambda outcome: outcome.evidence_url or None,
        "verified": _verification,
    }

    description = text()
    indicator = text()
    baseline = Figure()
    result = Figure()
    unit = text()
    measured_on = Day()
    evidence_url = text(allow_none=True)
    verified = fields.Nested(
        VerificationSchema,
        required=True,
        allow_none=True,
        metadata={"description": "Set when a council officer verified the outcome."},
    )


class InitiativeDetailSchema(InitiativeSchema):
    """One initiative with its description, participants and outcomes."""

    description = fields.Nested(MarkdownSchema, required=True)
    participants = fields.List(fields.Nested(ParticipantSchema), required=True)
    outcomes = fields.List(fields.Nested(OutcomeSchema), required=True)


class InitiativePageSchema(AnswerSchema):
    """A page of published initiatives and where the next one starts."""

    ok = ok(True)
    items = fields.List(fields.Nested(InitiativeSchema), required=True)
    total = Count(metadata={"minimum": 0, "description": "All matches, every page."})
    next = fields.Url(
        required=True,
        allow_none=True,
        metadata={"description": "The next page's full URL; null on the last page."},
    )
    licence = fields.Nested(LicenceSchema, required=True)


class InitiativeAnswerSchema(AnswerSchema):
    """One published initiative in full."""

    ok = ok(True)
    item = fields.Nested(InitiativeDetailSchema, required=True)
    licence = fields.Nested(LicenceSchema, required=True)


class SubmittedInitiativeSchema(InitiativeDetailSchema):
    """A submission as it was saved: waiting for review."""

    state = text(metadata=enum(["pending"]))


class SubmissionSchema(AnswerSchema):
    """The answer to a submission."""

    ok = ok(True)
    initiative = fields.Nested(SubmittedInitiativeSchema, required=True)
