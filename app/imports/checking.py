"""Checking a row's values against the submission form's rules without building the form.

The rules are the form's own: each field's as it declares them (app.submissions.field_rules)
and what a submission needs (app.submissions.forms: REQUIRED_FIELDS, REQUIRED_WHEN,
ROW_REQUIRED, PAIRED_FIELDS, DATE_ORDER). A row that meets them all gets the content the form
would give; any other row gets None, and app.imports.rows reads it through the form itself,
whose messages it reports. tests/test_imports_checking.py holds the two to the same answers.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from app.forms import CONTROL_CHARACTERS
from app.initiatives.links import contact_link, web_link
from app.initiatives.vocabulary import STAGES
from app.languages import ENGLISH
from app.submissions.field_rules import FieldRule, field_rules
from app.submissions.fields import EARLIEST_YEAR, LATEST_YEAR
from app.submissions.forms import (
    DATE_ORDER,
    MAX_ROWS,
    PAIRED_FIELDS,
    REQUIRED_FIELDS,
    REQUIRED_WHEN,
    ROW_REQUIRED,
    InitiativeForm,
)
from app.submissions.rows import OutcomeForm, ParticipantForm


class Unchecked(Exception):
    """The value breaks a rule (or is one these rules leave to the form)."""


class _Field:
    """One field's value read as the form reads it: what it means, and whether anything was
    typed (app.submissions.fields.typed)."""

    __slots__ = ("data", "typed")

    def __init__(self, data: Any, typed: bool) -> None:
        self.data, self.typed = data, typed


_ABSENT = object()
TEXT_KINDS = frozenset({"text", "hidden"})


def _field(rule: FieldRule, value: Any, choices: Collection[str] | None) -> _Field:
    """A value as a browser would post it (app.imports.rows._formdata's rule), read."""
    if value is _ABSENT:
        raw: tuple[str, ...] = ()
    elif isinstance(value, str):
        raw = (value,)
    elif isinstance(value, list | tuple):
        raw = tuple(_posted(item) for item in value)
    else:
        raw = (_posted(value),)
    typed = False
    for item in raw:
        if CONTROL_CHARACTERS.search(item):
            raise Unchecked
        typed = typed or bool(item.strip())
    data = _read(rule, raw, choices)
    if not raw:  # nothing posted: the field keeps its default
        typed = data not in (None, "", [])
    return _Field(data, typed)


def _posted(item: Any) -> str:
    if item is None:
        return ""
    return item.isoformat() if isinstance(item, date) else str(item)


def _read(rule: FieldRule, raw: tuple[str, ...], choices: Collection[str] | None) -> Any:
    if rule.kind in TEXT_KINDS:
        return _text_value(rule, raw)
    if rule.kind == "choices":
        chosen = list(dict.fromkeys(raw))
        if any(value not in (choices or ()) for value in chosen):
            raise Unchecked
        return chosen
    if rule.kind == "choice":
        data = raw[0] if raw else rule.default
        if data not in (None, "") and data not in (choices or ()):
            raise Unchecked
        return data
    if rule.kind == "number":
        return _number(rule, raw[0] if raw else "")
    if rule.kind == "date":
        return _day(raw[0].strip() if raw else "", rule.date_format)
    return _text_value(rule, raw)


def _text_value(rule: FieldRule, raw: tuple[str, ...]) -> str | None:
    data = raw[0] if raw else None
    if data is not None and rule.strip:
        data = data.strip()
    if data and rule.maximum_length is not None and len(data) > rule.maximum_length:
        raise Unchecked
    if data and rule.link is not None and rule.link(data) is None:
        raise Unchecked
    return data


def _number(rule: FieldRule, text: str) -> float | int | None:
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError as error:
        raise Unchecked from error
    if not math.isfinite(value) or (rule.whole and not value.is_integer()):
        raise Unchecked
    if (rule.minimum is not None and value < rule.minimum) or (
        rule.maximum is not None and value > rule.maximum
    ):
        raise Unchecked
    return int(value) if rule.whole else value


def _day(text: str, date_format: str) -> date | None:
    if not text:
        return None
    try:
        day = datetime.strptime(text, date_format).date()
    except ValueError as error:
        raise Unchecked from error
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise Unchecked
    return day


def _fields(
    rules: dict[str, FieldRule], values: dict[str, Any], choices: dict[str, Collection[str]]
) -> dict[str, _Field]:
    fields = {}
    for name, rule in rules.items():
        value = values.get(name, _ABSENT)
        if value.__class__ is not str:
            fields[name] = _field(rule, value, choices.get(name, rule.choices))
            continue
        # Most of a row's values are one string: _field's reading of it without its dispatch
        # on the value's type (a row has forty values, an import hundreds of thousands).
        if CONTROL_CHARACTERS.search(value):
            raise Unchecked
        data = _read(rule, (value,), choices.get(name, rule.choices))
        fields[name] = _Field(data, bool(value.strip()))
    return fields


def _text(field: _Field) -> str:
    """A text field's value (within its length: the row meets the rules)."""
    return field.data or ""


def _parsed(field: _Field, empty: Any = None) -> Any:
    return empty if field.data in (None, "") else field.data


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def checked_content(
    values: dict[str, Any],
    theme_slugs: Collection[str],
    neighbourhood_ids: Collection[str],
    outcome_ids: Collection[int],
) -> dict[str, Any] | None:
    """The content of a row's values (app.imports.rows builds them as a browser would post
    the form) when they meet every rule of a submission, else None."""
    if values.get("photos") or any(
        len(values.get(name) or ()) > MAX_ROWS for name in ("participants", "outcomes")
    ):
        return None  # the form's own business
    choices = {
        "main_theme": theme_slugs,
        "other_themes": theme_slugs,
        "neighbourhood": neighbourhood_ids,
    }
    try:
        form = _fields(field_rules(InitiativeForm), values, choices)
        rows = {
            "participants": [
                _fields(field_rules(ParticipantForm), row, {})
                for row in values.get("participants") or ()
            ],
            "outcomes": [
                _fields(field_rules(OutcomeForm), row, {}) for row in values.get("outcomes") or ()
            ],
        }
    except Unchecked:
        return None
    if not _complete(form, rows):
        return None
    return _content(form, rows, outcome_ids)


def _complete(form: dict[str, _Field], rows: dict[str, list[dict[str, _Field]]]) -> bool:
    """Whether the values hold everything a submission needs, consistently."""
    for one, other, _message in PAIRED_FIELDS:
        if form[one].typed and not form[other].typed:
            return False
    first, second = (form[name].data for name in DATE_ORDER)
    if first and second and second < first:
        return False
    if not form["title"].typed:
        return False
    if not all(form[name].typed for name, _message in REQUIRED_FIELDS):
        return False
    for name, other, value, _message in REQUIRED_WHEN:
        if form[other].data == value and not form[name].typed:
            return False
    for list_name, rules in ROW_REQUIRED.items():
        for row in rows[list_name]:
            if not any(field.typed for key, field in row.items() if key != "outcome_id"):
                continue
            for name, _message, when in rules:
                needed = not when or any(row[field].typed for field in when)
                if needed and not row[name].typed:
                    return False
    return True


def _content(
    form: dict[str, _Field],
    rows: dict[str, list[dict[str, _Field]]],
    outcome_ids: Collection[int],
) -> dict[str, Any]:
    """The content the form would give (InitiativeForm.content, for a form with no problem)."""
    latitude, longitude = _parsed(form["latitude"]), _parsed(form["longitude"])
    if latitude is None or longitude is None:
        latitude = longitude = None
        pending = bool(_text(form["place_name"])) and form["location_pending"].data == "1"
        location_state = "pending" if pending else "none"
    else:
        location_state = "set"
    main_theme = _parsed(form["main_theme"])
    themes = [main_theme] if main_theme else []
    themes += [slug for slug in form["other_themes"].data or () if slug not in themes]
    neighbourhood = _parsed(form["neighbourhood"])
    return {
        "title": _text(form["title"]),
        "summary": _text(form["summary"]),
        "description": _text(form["description"]),
        "language": _parsed(form["language"], ENGLISH),
        "title_cy": _text(form["title_cy"]),
        "summary_cy": _text(form["summary_cy"]),
        "description_cy": _text(form["description_cy"]),
        "status": _parsed(form["status"], "active"),
        "started_on": _iso(_parsed(form["started_on"])),
        "ended_on": _iso(_parsed(form["ended_on"])),
        "neighbourhood_id": int(neighbourhood) if neighbourhood else None,
        "place_name": _text(form["place_name"]),
        "latitude": latitude,
        "longitude": longitude,
        "location_precision": _parsed(form["location_precision"], "street"),
        "location_state": location_state,
        "contact_url": contact_link(_parsed(form["contact_url"], "")) or "",
        "credit": _parsed(form["credit"], "name"),
        "credit_name": _text(form["credit_name"]),
        "themes": themes,
        "stages": [stage for stage in STAGES if stage in (form["stages"].data or ())],
        "participants": [
            {
                "sector": _parsed(row["sector"], ""),
                "name": _text(row["name"]),
                "roles": [stage for stage in STAGES if stage in (row["roles"].data or ())],
                "people": _parsed(row["people"]),
                "hours": _parsed(row["hours"]),
            }
            for row in rows["participants"]
            if any(field.typed for field in row.values())
        ],
        "outcomes": _outcomes(rows["outcomes"], outcome_ids),
    }


def _outcomes(rows: list[dict[str, _Field]], outcome_ids: Collection[int]) -> list[dict]:
    """Each outcome keeps its id only if it is one of the initiative's own, and only once."""
    unused = set(outcome_ids)
    outcomes = []
    for row in rows:
        if not any(field.typed for key, field in row.items() if key != "outcome_id"):
            continue
        raw_id = (row["outcome_id"].data or "").strip()
        outcome_id = int(raw_id) if raw_id.isdigit() and int(raw_id) in unused else None
        unused.discard(outcome_id)
        outcomes.append(
            {
                "id": outcome_id,
                "description": _text(row["description"]),
                "indicator": _text(row["indicator"]),
                "baseline": _parsed(row["baseline"]),
                "result": _parsed(row["result"]),
                "unit": _text(row["unit"]),
                "measured_on": _iso(_parsed(row["measured_on"])),
                "evidence_url": web_link(_parsed(row["evidence_url"], "")) or "",
            }
        )
    return outcomes
