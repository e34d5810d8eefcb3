"""An initiative's content as lines people read, field by field, and what changed between two
versions of it (a line diff, so a long description shows only the lines that changed)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from app.extensions import db
from app.i18n import lazy_text as _l
from app.initiatives.vocabulary import CREDITS, PRECISIONS, REPORTERS, SECTORS, STAGES, STATUSES
from app.languages import OWN_NAMES
from app.neighbourhoods.models import Neighbourhood
from app.themes.models import Theme

FIELD_LABELS = {
    "title": _l("Title"),
    "summary": _l("Summary"),
    "description": _l("Description"),
    "language": _l("Written in"),
    "title_cy": _l("Welsh title"),
    "summary_cy": _l("Welsh summary"),
    "description_cy": _l("Welsh description"),
    "themes": _l("Themes"),
    "stages": _l("Stages"),
    "status": _l("Status"),
    "started_on": _l("Started"),
    "ended_on": _l("Ended"),
    "neighbourhood": _l("Neighbourhood"),
    "place_name": _l("Place"),
    "point": _l("Point as entered (private)"),
    "location_precision": _l("Location shown as"),
    "contact_url": _l("Contact link"),
    "credit": _l("Credit"),
    "credit_name": _l("Credited group or organisation"),
    "participants": _l("Participants"),
    "outcomes": _l("Outcomes"),
    "photos": _l("Photos"),
}
CONTEXT_LINES = 2  # unchanged lines kept around each change in long fields


@dataclass(frozen=True)
class Line:
    """One line of a field; ``change`` is same, removed, added or skipped (unchanged lines)."""

    text: str
    change: str = "same"


@dataclass(frozen=True)
class FieldChange:
    """A field whose lines differ between two versions."""

    field: str
    label: str
    before: list[Line]
    after: list[Line]


@dataclass(frozen=True)
class ContentLabels:
    """Names for the ids and slugs that content refers to."""

    neighbourhoods: dict[int, str]
    themes: dict[str, str]


def load_labels(contents: Iterable[dict[str, Any]]) -> ContentLabels:
    """Look up, in two queries, the neighbourhood and theme names these contents mention."""
    contents = list(contents)
    neighbourhood_ids = {c.get("neighbourhood_id") for c in contents} - {None}
    slugs = {slug for c in contents for slug in c.get("themes") or ()}
    neighbourhoods: dict[int, str] = {}
    if neighbourhood_ids:
        named_places = db.session.execute(
            select(Neighbourhood.id, Neighbourhood.name).where(
                Neighbourhood.id.in_(neighbourhood_ids)
            )
        )
        neighbourhoods = dict(named_places.all())
    themes: dict[str, str] = {}
    if slugs:
        named_themes = db.session.execute(
            select(Theme.slug, Theme.name).where(Theme.slug.in_(slugs))
        )
        themes = dict(named_themes.all())
    return ContentLabels(neighbourhoods, themes)


def content_lines(content: dict[str, Any], labels: ContentLabels) -> dict[str, list[str]]:
    """Every field of the content as the lines a person reads (empty fields have none)."""
    lines = {
        "title": _text(content.get("title")),
        "summary": _text(content.get("summary")),
        "description": (content.get("description") or "").splitlines(),
        "language": _text(_label(OWN_NAMES, content.get("language"))),
        "title_cy": _text(content.get("title_cy")),
        "summary_cy": _text(content.get("summary_cy")),
        "description_cy": (content.get("description_cy") or "").splitlines(),
        "themes": _joined(labels.themes.get(slug, slug) for slug in content.get("themes") or ()),
        "stages": _joined(str(_label(STAGES, stage)) for stage in content.get("stages") or ()),
        "status": _text(_label(STATUSES, content.get("status"))),
        "started_on": _text(content.get("started_on")),
        "ended_on": _text(content.get("ended_on")),
        "neighbourhood": _text(_neighbourhood(content.get("neighbourhood_id"), labels)),
        "place_name": _text(content.get("place_name")),
        "point": _text(_point(content.get("latitude"), content.get("longitude"))),
        "location_precision": _text(_label(PRECISIONS, content.get("location_precision"))),
        "contact_url": _text(content.get("contact_url")),
        "credit": _text(_label(CREDITS, content.get("credit"))),
        "credit_name": _text(content.get("credit_name")),
        "participants": [_participant(row) for row in content.get("participants") or ()],
        "outcomes": [_outcome(row) for row in content.get("outcomes") or ()],
        "photos": [_photo(row) for row in content.get("photos") or ()],
    }
    return {field: lines[field] for field in FIELD_LABELS}


def describe_content(
    content: dict[str, Any], labels: ContentLabels
) -> list[tuple[str, str, list[str]]]:
    """The content's non-empty fields as (field, label, lines), in reading order."""
    return [
        (field, FIELD_LABELS[field], lines)
        for field, lines in content_lines(content, labels).items()
        if lines
    ]


def diff_content(
    before: dict[str, Any], after: dict[str, Any], labels: ContentLabels
) -> list[FieldChange]:
    """The fields that differ between two versions, each with its lines marked."""
    old, new = content_lines(before, labels), content_lines(after, labels)
    changes = []
    for field, label in FIELD_LABELS.items():
        if old[field] != new[field]:
            removed, added = diff_lines(old[field], new[field])
            changes.append(FieldChange(field, label, removed, added))
    return changes


def diff_lines(before: list[str], after: list[str]) -> tuple[list[Line], list[Line]]:
    """Both sides of a line diff; long runs of unchanged lines are shortened to a count."""
    left: list[Line] = []
    right: list[Line] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    opcodes = matcher.get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            same = _shorten(before[i1:i2], first=index == 0, last=index == len(opcodes) - 1)
            left.extend(same)
            right.extend(same)
            continue
        left.extend(Line(text, "removed") for text in before[i1:i2])
        right.extend(Line(text, "added") for text in after[j1:j2])
    return left, right


def _shorten(lines: list[str], first: bool, last: bool) -> list[Line]:
    keep_start = 0 if first else CONTEXT_LINES
    keep_end = 0 if last else CONTEXT_LINES
    if len(lines) <= keep_start + keep_end + 1:
        return [Line(text) for text in lines]
    skipped = len(lines) - keep_start - keep_end
    shown = [Line(text) for text in lines[:keep_start]]
    shown.append(
        Line(ngettext("%(num)s unchanged line", "%(num)s unchanged lines", skipped), "skipped")
    )
    shown.extend(Line(text) for text in lines[len(lines) - keep_end :])
    return shown


def _label(vocabulary: Mapping[str, str], value: object) -> object:
    """What a person reads for a value from the vocabulary (the value itself when unknown)."""
    return vocabulary.get(value, value) if isinstance(value, str) else value


def _text(value: Any) -> list[str]:
    text = "" if value is None else str(value)
    return [text] if text.strip() else []


def _joined(names: Iterable[str]) -> list[str]:
    return _text(", ".join(names))


def _neighbourhood(neighbourhood_id: int | None, labels: ContentLabels) -> str | None:
    if neighbourhood_id is None:
        return None
    found = labels.neighbourhoods.get(neighbourhood_id)
    return found or _("Neighbourhood %(number)s", number=neighbourhood_id)


def _point(latitude: float | None, longitude: float | None) -> str | None:
    if latitude is None or longitude is None:
        return None
    return f"{latitude}, {longitude}"


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _plural_of(value: Any) -> int:
    """The whole number whose plural form a count of people or hours takes (2 for 1.5)."""
    return int(value) if isinstance(value, int | float) and float(value).is_integer() else 2


def _participant(row: dict[str, Any]) -> str:
    sector = str(_label(SECTORS, row.get("sector") or ""))
    details = []
    roles = [str(_label(STAGES, role)) for role in row.get("roles") or ()]
    if roles:
        details.append(_("roles: %(roles)s", roles=", ".join(roles)))
    if row.get("people") is not None:
        people = row["people"]
        details.append(
            ngettext(
                "%(number)s person",
                "%(number)s people",
                _plural_of(people),
                number=_number(people),
            )
        )
    if row.get("hours") is not None:
        hours = row["hours"]
        details.append(
            ngettext(
                "%(number)s hour", "%(number)s hours", _plural_of(hours), number=_number(hours)
            )
        )
    name = f"{sector}: {row['name']}" if row.get("name") else sector
    return f"{name} ({'; '.join(details)})" if details else name


def _outcome(row: dict[str, Any]) -> str:
    parts = [row.get("description") or _("(no description)")]
    if row.get("indicator") or row.get("baseline") is not None or row.get("result") is not None:
        numbers = " → ".join(
            _number(row[key]) for key in ("baseline", "result") if row.get(key) is not None
        )
        measure = " ".join(filter(None, [numbers, row.get("unit") or ""]))
        parts.append(": ".join(filter(None, [row.get("indicator") or "", measure])))
    if row.get("measured_on"):
        parts.append(_("measured %(day)s", day=row["measured_on"]))
    if row.get("evidence_url"):
        parts.append(_("evidence %(url)s", url=row["evidence_url"]))
    for measurement in row.get("measurements") or ():
        parts.append(
            _(
                "then %(value)s on %(day)s (reported by %(reporter)s)",
                value=_number(measurement.get("value")),
                day=measurement.get("measured_on"),
                reporter=_label(REPORTERS, measurement.get("reported_by_role") or "submitter"),
            )
        )
    return " — ".join(parts)


def _photo(row: dict[str, Any]) -> str:
    parts = [
        _(
            "Photo %(number)s: %(alt)s",
            number=row.get("id"),
            alt=row.get("alt") or _("(no alt text)"),
        )
    ]
    if row.get("caption"):
        parts.append(_("caption: %(caption)s", caption=row["caption"]))
    if row.get("credit"):
        parts.append(_("credit: %(credit)s", credit=row["credit"]))
    return " — ".join(parts)
