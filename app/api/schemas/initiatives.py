"""The shapes of published initiatives in the API: in lists, in full, and a page of them.

Each schema dumps the models themselves; the values that follow a public rule (the public
point and place, the credit, the example, the contact link) are read by ``READERS``, so no
answer can be built without them. apispec reads the same classes for the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import fields

from app.api.public_data import public_location
from app.api.schemas.base import AnswerSchema, ReadingSchema, enum, ok, text
from app.api.schemas.fields import Count, Day, Figure, Time
from app.initiatives.bilingual import has_welsh_version, original_language, welsh_version
from app.initiatives.examples import example_text
from app.initiatives.links import contact_anchor
from app.initiatives.measurements import outcome_series
from app.initiatives.models import REPORTER_ROLES
from app.initiatives.public import public_photos, public_place_name
from app.initiatives.services import credit_line, initiative_url
from app.initiatives.vocabulary import PRECISIONS, SECTORS, STAGES, STATUSES
from app.languages import LANGUAGES, WELSH
from app.markdown import render_markdown
from app.photos.services import photo_data


class LicenceSchema(AnswerSchema):
    """The data licence: reuse the data under its terms."""

    name = text()
    url = fields.Url(required=True)


class WelshNameSchema(AnswerSchema):
    """A theme's or neighbourhood's texts in Welsh: each is left out until an admin gives it."""

    name = fields.String(metadata={"description": "The Welsh name."})


class WelshThemeSchema(WelshNameSchema):
    description = fields.String(metadata={"description": "The theme's description in Welsh."})


class WelshNeighbourhoodSchema(WelshNameSchema):
    local_authority = fields.String(
        metadata={"description": "The local authority's name in Welsh (e.g. Cyngor Caerdydd)."}
    )


def welsh_translations(*texts: str) -> Callable[[Any], dict[str, dict[str, str]]]:
    """A reader of a record's texts in Welsh (its ``<text>_cy`` columns) under ``cy``; a text
    is left out until given, and ``cy`` when none is."""

    def read(record: Any) -> dict[str, dict[str, str]]:
        welsh = {
            name: value
            for name in texts
            if (value := (getattr(record, f"{name}_cy", None) or "").strip())
        }
        return {WELSH: welsh} if welsh else {}

    return read


class NameTranslationsSchema(AnswerSchema):
    """The name in other languages, by language code; a language is left out until given."""

    cy = fields.Nested(WelshNameSchema, metadata={"description": "The Welsh name."})


class ThemeTranslationsSchema(AnswerSchema):
    """The theme's texts in other languages, by language code; left out until given."""

    cy = fields.Nested(WelshThemeSchema, metadata={"description": "In Welsh."})


class NeighbourhoodTranslationsSchema(AnswerSchema):
    """The neighbourhood's texts in other languages, by language code; left out until given."""

    cy = fields.Nested(WelshNeighbourhoodSchema, metadata={"description": "In Welsh."})


name_translations = welsh_translations("name")
theme_translations = welsh_translations("name", "description")
neighbourhood_translations = welsh_translations("name", "local_authority")


class ThemeSchema(ReadingSchema):
    READERS = {"translations": name_translations}

    slug = text()
    name = text()
    translations = fields.Nested(NameTranslationsSchema, required=True)


class NeighbourhoodBriefSchema(ReadingSchema):
    READERS = {"translations": neighbourhood_translations}

    slug = text()
    name = text()
    local_authority = text()
    translations = fields.Nested(NeighbourhoodTranslationsSchema, required=True)


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


class PhotoFilesSchema(AnswerSchema):
    """One width of a photo, in two formats."""

    webp = fields.Url(required=True)
    jpeg = fields.Url(required=True)


def _width(width: str) -> fields.Nested:
    return fields.Nested(
        PhotoFilesSchema,
        required=True,
        data_key=width,
        attribute=width,
        metadata={"description": f"At most {width} px wide (never enlarged)."},
    )


class PhotoSizesSchema(AnswerSchema):
    """A photo's sizes for ``srcset``, by width."""

    small = _width("320")
    medium = _width("640")
    large = _width("1280")


class PhotoSchema(AnswerSchema):
    """A published photo. Its files carry no metadata (no EXIF, no GPS position)."""

    url = fields.Url(required=True, metadata={"description": "The 1280 px JPEG."})
    width = Count(metadata={"minimum": 1, "description": "Of the 1280 px JPEG."})
    height = Count(metadata={"minimum": 1, "description": "Of the 1280 px JPEG."})
    alt = text(metadata={"description": "What the photo shows, for people who cannot see it."})
    caption = text()
    credit = text()
    sizes = fields.Nested(PhotoSizesSchema, required=True)


def _photos(initiative) -> list[dict[str, Any]]:
    return [photo_data(photo) for photo in public_photos(initiative)]


class WelshVersionSchema(AnswerSchema):
    """An initiative's Welsh title and summary (empty when only some are translated)."""

    title = text()
    summary = text()


class WelshVersionDetailSchema(WelshVersionSchema):
    """An initiative's Welsh title, summary and description."""

    description = fields.Nested(MarkdownSchema, required=True)


def _translations(initiative) -> dict[str, dict[str, str]]:
    return {WELSH: welsh_version(initiative)} if has_welsh_version(initiative) else {}


class TranslationsSchema(AnswerSchema):
    """The content in other languages than the original, by language code."""

    cy = fields.Nested(
        WelshVersionSchema, metadata={"description": "Welsh; left out when there is none."}
    )


class TranslationsDetailSchema(AnswerSchema):
    """The content in other languages than the original, by language code."""

    cy = fields.Nested(
        WelshVersionDetailSchema, metadata={"description": "Welsh; left out when there is none."}
    )


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
        "photos": _photos,
        "language": original_language,
        "translations": _translations,
    }

    id = Count()
    title = text()
    slug = text(metadata={"description": "Never translated."})
    language = text(
        metadata={**enum(LANGUAGES), "description": "The language the original is written in."}
    )
    translations = fields.Nested(TranslationsSchema, required=True)
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
    outcomes_updated_at = Time(
        metadata={"description": "When an outcome's numbers last changed; null if never."}
    )
    photos = fields.List(
        fields.Nested(PhotoSchema),
        required=True,
        metadata={"description": "Its published photos, in order (the first is its picture)."},
    )


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


class MeasurementSchema(ReadingSchema):
    """One value of an outcome's indicator."""

    READERS = {"evidence_url": lambda point: point.evidence_url or None}

    measured_on = Day()
    value = Figure(allow_none=False)
    note = text()
    evidence_url = text(allow_none=True)
    reported_by_role = text(metadata=enum(REPORTER_ROLES))


class OutcomeSchema(ReadingSchema):
    READERS = {
        "evidence_url": lambda outcome: outcome.evidence_url or None,
        "verified": _verification,
        "measurements": outcome_series,
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
    measurements = fields.List(
        fields.Nested(MeasurementSchema),
        required=True,
        metadata={
            "description": "Every value of the indicator, oldest first: the baseline first "
            "(its measured_on may be null), then the result, then later follow-ups."
        },
    )


class InitiativeDetailSchema(InitiativeSchema):
    """One initiative with its description, participants and outcomes."""

    description = fields.Nested(MarkdownSchema, required=True)
    translations = fields.Nested(TranslationsDetailSchema, required=True)
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


class SubmissionWarningSchema(AnswerSchema):
    """Something to check in a submission that was accepted all the same."""

    code = text(
        metadata={
            **enum(["point_far_from_neighbourhood"]),
            "description": "`point_far_from_neighbourhood`: the point is further than the "
            "site's limit (`limit_km`) from its neighbourhood's centre; one of the two may be "
            "wrong. Moderators see it in their queue.",
        }
    )
    field = text(metadata={"description": "The field of the body the warning is about."})
    message = text(metadata={"description": "For people, in the request's language."})
    distance_km = fields.Float(required=True)
    limit_km = fields.Float(required=True)


class SubmissionSchema(AnswerSchema):
    """The answer to a submission."""

    ok = ok(True)
    initiative = fields.Nested(SubmittedInitiativeSchema, required=True)
    warnings = fields.List(
        fields.Nested(SubmissionWarningSchema),
        required=True,
        metadata={
            "description": "What to check; the submission is saved and waits for review "
            "whatever they say. Empty when there is nothing to check."
        },
    )
