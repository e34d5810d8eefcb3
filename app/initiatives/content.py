"""An initiative's content as plain data: what a revision stores and what a form edits.

``initiative_content`` reads it from an initiative; ``apply_content`` writes it back. Revisions
keep these dicts, diffs compare them, and the submission form and CSV import produce them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.initiatives.models import (
    Initiative,
    InitiativeStage,
    InitiativeTheme,
    Measurement,
    Outcome,
    Participant,
)
from app.initiatives.vocabulary import STAGES
from app.neighbourhoods.models import Neighbourhood
from app.photos.models import Photo
from app.themes.models import Theme
from app.timeutil import utcnow
from app.urls import slugify

SLUG_LENGTH = 100  # old slugs keep working: /initiatives/<id>-<anything> redirects

SCALAR_FIELDS = (
    "title",
    "summary",
    "description",
    "language",
    "title_cy",
    "summary_cy",
    "description_cy",
    "status",
    "neighbourhood_id",
    "place_name",
    "latitude",
    "longitude",
    "location_precision",
    "location_state",
    "contact_url",
    "credit",
    "credit_name",
)
DATE_FIELDS = ("started_on", "ended_on")
PARTICIPANT_FIELDS = ("sector", "name", "roles", "people", "hours")
OUTCOME_FIELDS = (
    "description",
    "indicator",
    "baseline",
    "result",
    "unit",
    "measured_on",
    "evidence_url",
)
# A later measurement of an outcome (follow-ups add them); an outcome's content carries
# "measurements" only when it has some, so content without them reads as before.
MEASUREMENT_FIELDS = ("measured_on", "value", "note", "evidence_url", "reported_by_role")
PHOTO_FIELDS = ("alt", "caption", "credit")
# Editing any of these drops an outcome's verification: the officer vouched for the numbers.
VERIFIED_FIELDS = ("indicator", "baseline", "result", "unit")


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def initiative_content(initiative: Initiative) -> dict[str, Any]:
    """Everything a person edits about an initiative, as JSON-ready data."""
    content: dict[str, Any] = {field: getattr(initiative, field) for field in SCALAR_FIELDS}
    content.update({field: _iso(getattr(initiative, field)) for field in DATE_FIELDS})
    content["themes"] = [theme.slug for theme in initiative.themes]
    content["stages"] = list(initiative.stages)
    content["participants"] = [
        {field: getattr(participant, field) for field in PARTICIPANT_FIELDS}
        for participant in initiative.participants
    ]
    content["outcomes"] = [
        {
            "id": outcome.id,
            **{
                field: getattr(outcome, field)
                for field in OUTCOME_FIELDS
                if field != "measured_on"
            },
            "measured_on": _iso(outcome.measured_on),
            **_measurements_content(outcome),
        }
        for outcome in initiative.outcomes
    ]
    photos = content_photos(initiative)
    if photos:  # only then: content without photos keeps the shape it always had
        content["photos"] = [
            {"id": photo.id, **{field: getattr(photo, field) for field in PHOTO_FIELDS}}
            for photo in photos
        ]
    return content


def _measurements_content(outcome: Outcome) -> dict[str, Any]:
    if not outcome.measurements:
        return {}
    return {
        "measurements": [
            {
                "measured_on": _iso(measurement.measured_on),
                "value": measurement.value,
                "note": measurement.note,
                "evidence_url": measurement.evidence_url,
                "reported_by_role": measurement.reported_by_role,
            }
            for measurement in outcome.measurements
        ]
    }


def content_photos(initiative: Initiative) -> list[Photo]:
    """The photos that are part of the initiative's current version: every one still there
    until it is first published, then the approved ones (a new photo of a published
    initiative belongs to the edit that brings it)."""
    live = [photo for photo in initiative.photos if photo.shown_in_content]
    if initiative.published_at is None:
        return live
    return [photo for photo in live if photo.review == "approved"]


def apply_content(
    initiative: Initiative,
    content: dict[str, Any],
    themes: Mapping[str, Theme] | None = None,
) -> None:
    """Make the initiative hold this content (its slug follows the title); outcomes keep
    their verification when the verified numbers are unchanged. ``themes`` (by slug) saves
    looking them up, for callers that apply many."""
    for field in SCALAR_FIELDS:
        if field in content:
            setattr(initiative, field, content[field])
    if "title" in content:
        initiative.slug = slugify(initiative.title, max_length=SLUG_LENGTH)
    if "neighbourhood_id" in content:
        # Keep the loaded relationship in step: the public point and search text read it.
        neighbourhood_id = content["neighbourhood_id"]
        initiative.neighbourhood = (
            db.session.get(Neighbourhood, neighbourhood_id) if neighbourhood_id else None
        )
    for field in DATE_FIELDS:
        if field in content:
            setattr(initiative, field, _date(content[field]))
    if "themes" in content:
        _apply_themes(initiative, content["themes"], themes)
    if "stages" in content:
        wanted = [stage for stage in STAGES if stage in set(content["stages"])]
        current = {link.stage: link for link in initiative.stage_links}
        initiative.stage_links = [
            current.get(stage) or InitiativeStage(stage=stage) for stage in wanted
        ]
    if "participants" in content:
        initiative.participants = [
            Participant(position=position, **{f: row.get(f) for f in PARTICIPANT_FIELDS})
            for position, row in enumerate(content["participants"])
        ]
        for participant in initiative.participants:
            participant.roles = list(participant.roles or [])
            participant.name = participant.name or ""
    if "outcomes" in content:
        _apply_outcomes(initiative, content["outcomes"])
    if "photos" in content:
        _apply_photos(initiative, content["photos"])


def _apply_photos(initiative: Initiative, rows: list[dict[str, Any]]) -> None:
    """Photos keep their files: the content orders them and says what people wrote about
    them. An approved photo the content leaves out is taken down; a photo still pending is
    left for the edit it belongs to (deleting one is its own action)."""
    listed = {row.get("id"): (position, row) for position, row in enumerate(rows)}
    for photo in initiative.photos:
        if photo.id in listed:
            position, row = listed[photo.id]
            photo.position = position
            for field in PHOTO_FIELDS:
                if isinstance(row.get(field), str):
                    setattr(photo, field, row[field])
        elif photo.review == "approved":
            photo.review = "removed"


def _apply_themes(
    initiative: Initiative, slugs: list[str], known: Mapping[str, Theme] | None
) -> None:
    themes: Mapping[str, Theme]
    if known is not None:
        themes = known
    else:
        themes = {
            theme.slug: theme
            for theme in db.session.scalars(select(Theme).where(Theme.slug.in_(slugs)))
        }
    current = {link.theme_id: link for link in initiative.theme_links}
    links = []
    for position, slug in enumerate(dict.fromkeys(slugs)):
        theme = themes.get(slug)
        if theme is None:
            continue
        link = current.get(theme.id) or InitiativeTheme(theme=theme)
        link.position = position
        links.append(link)
    initiative.theme_links = links


def _apply_outcomes(initiative: Initiative, rows: list[dict[str, Any]]) -> None:
    existing = {outcome.id: outcome for outcome in initiative.outcomes}
    outcomes = []
    for position, row in enumerate(rows):
        outcome_id = row.get("id")
        known = existing.get(outcome_id) if outcome_id is not None else None
        outcome = known or Outcome(measurements=[])  # a new one has no measurements to load
        numbers_changed = any(
            _blank(getattr(outcome, field)) != _blank(row.get(field)) for field in VERIFIED_FIELDS
        )
        if "measurements" in row:
            numbers_changed = _apply_measurements(outcome, row["measurements"]) or numbers_changed
        if numbers_changed and initiative.published_at is not None:
            initiative.outcomes_updated_at = utcnow()  # a change once public: freshness
        for field in OUTCOME_FIELDS:
            value = row.get(field)
            if field == "measured_on":
                value = _date(value)
            elif value is None and field in ("description", "indicator", "unit", "evidence_url"):
                value = ""
            setattr(outcome, field, value)
        outcome.position = position
        if numbers_changed and outcome.verified_at is not None:
            clear_verification(outcome)
        outcomes.append(outcome)
    initiative.outcomes = outcomes


def _apply_measurements(outcome: Outcome, rows: list[dict[str, Any]]) -> bool:
    """Make the outcome's later measurements these; True when their dates or values changed
    (which, like any change of numbers, drops a verification)."""
    before = [(m.measured_on, m.value) for m in outcome.measurements]
    after = [(_date(row.get("measured_on")), row.get("value")) for row in rows]
    if before == after and all(
        getattr(m, field) == (row.get(field) or "")
        for m, row in zip(outcome.measurements, rows, strict=True)
        for field in ("note", "evidence_url", "reported_by_role")
    ):
        return False
    kept: dict[tuple[date | None, float | None], Measurement] = {
        (m.measured_on, m.value): m for m in outcome.measurements
    }
    measurements = []
    for row in rows:
        measured_on = _date(row.get("measured_on"))
        measurement = kept.pop((measured_on, row.get("value")), None) or Measurement(
            measured_on=measured_on, value=row.get("value")
        )
        measurement.note = row.get("note") or ""
        measurement.evidence_url = row.get("evidence_url") or ""
        measurement.reported_by_role = row.get("reported_by_role") or "submitter"
        measurements.append(measurement)
    outcome.measurements = sorted(measurements, key=lambda m: m.measured_on)
    return before != [(m.measured_on, m.value) for m in outcome.measurements]


def _blank(value: object) -> object:
    """No value, whether a form sent "" or the API and imports sent None."""
    return None if value == "" else value


def clear_verification(outcome: Outcome) -> None:
    """Drop an outcome's verification (its numbers changed since the officer saw them)."""
    outcome.verified_at = None
    outcome.verified_by_organisation_id = None
    outcome.verified_by_user_id = None
    outcome.verification_note = ""
