"""One CSV row through the submission form: the same fields, the same rules, the same content.

A row becomes what a browser would post to the submission page — built on the initiative it
updates, so the columns a file leaves out stay as they are — and the form validates it and
turns it into content (app.initiatives.content's shape). Its messages are given back per
column of the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from werkzeug.datastructures import MultiDict
from wtforms import FieldList

from app.imports.layout import (
    OUTCOME_COLUMNS,
    OUTCOME_FIELDS,
    PARTICIPANT_FIELDS,
    sector_column,
)
from app.imports.parsing import CsvRow
from app.imports.places import PlaceAnswer
from app.imports.references import (
    References,
    UnknownValue,
    precision_value,
    stage_slugs,
    status_value,
)
from app.initiatives.vocabulary import SECTORS
from app.submissions.forms import InitiativeForm, form_data, initiative_form

# The form's words for a missing value, said the way a file is written.
CSV_MESSAGES = {
    "Choose the main theme.": "Give at least one theme.",
    "Choose at least one stage that was co-produced.": "Give at least one stage.",
    "Choose the neighbourhood.": "Give the neighbourhood's name or slug.",
    "Choose the status.": "Give the status.",
}
# Form fields and the column that fills each (participants and outcomes are added per row).
FIELD_COLUMNS = {
    "title": "title",
    "summary": "summary",
    "description": "description",
    "main_theme": "themes",
    "other_themes": "themes",
    "stages": "stages",
    "status": "status",
    "started_on": "started_on",
    "ended_on": "ended_on",
    "neighbourhood": "neighbourhood",
    "place_name": "place_name",
    "latitude": "latitude",
    "longitude": "longitude",
    "location_precision": "location_precision",
    "contact_url": "contact_url",
    "credit": "credit_name",
    "credit_name": "credit_name",
}
PLAIN_COLUMNS = (
    "title",
    "summary",
    "description",
    "started_on",
    "ended_on",
    "place_name",
    "latitude",
    "longitude",
    "contact_url",
)


@dataclass(frozen=True)
class Problem:
    column: str  # the file's column, or "" for the row as a whole
    message: str

    def __str__(self) -> str:
        return f"{self.column}: {self.message}" if self.column else self.message


@dataclass
class RowResult:
    content: dict[str, Any] | None  # None when the row has problems
    problems: list[Problem]


def new_content(credit: str, credit_name: str) -> dict[str, Any]:
    """What a new initiative starts from before its row is read."""
    return {
        "status": "active",
        "location_precision": "street",
        "credit": credit,
        "credit_name": credit_name,
    }


DATES = {"started_on", "ended_on", "outcome_measured_on"}
BRITISH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def british_date(text: str) -> str:
    """A date as spreadsheets in the UK write it (31/12/2024: day first, never month first)
    in ISO form for the form's date fields; anything else is left for the form to judge."""
    match = BRITISH_DATE.fullmatch(text.strip())
    if match is None:
        return text
    day, month, year = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def read_row(
    row: CsvRow,
    references: References,
    start: dict[str, Any],
    place: PlaceAnswer,
    outcome_ids: list[int],
) -> RowResult:
    """Validate a row as the submission form validates a submission, and give its content."""
    values = form_data(start)
    problems: list[Problem] = []
    columns = dict(FIELD_COLUMNS)
    for column in PLAIN_COLUMNS:
        if row.has(column):
            values[column] = british_date(row.get(column)) if column in DATES else row.get(column)
    _choices(row, references, values, problems)
    if row.get("credit_name").strip():
        values["credit"], values["credit_name"] = "organisation", row.get("credit_name")
    place.fill(values)
    columns.update(_participants(row, values))
    columns.update(_outcome(row, values))

    form = initiative_form(
        references.themes,
        references.neighbourhoods,
        current_app.config["DATA_LICENCE"],
        formdata=_formdata(values),
    )
    valid = form.check(submitting=True)
    reported = {problem.column for problem in problems}
    problems += [p for p in _form_problems(form, columns) if p.column not in reported]
    if problems or not valid:
        return RowResult(None, problems)
    location_state = "pending" if values["location_pending"] == "1" else "none"
    return RowResult(form.content(outcome_ids, location_state), [])


def _choices(row: CsvRow, references: References, values: dict, problems: list) -> None:
    """Columns naming themes, stages and the like, turned into the form's choices."""
    if row.has("themes"):
        slugs, unknown = references.theme_slugs(row.get("themes"))
        problems += [Problem("themes", message) for message in unknown]
        values["main_theme"] = slugs[0] if slugs else ""
        values["other_themes"] = slugs[1:]
    if row.has("stages"):
        slugs, unknown = stage_slugs(row.get("stages"))
        problems += [Problem("stages", message) for message in unknown]
        values["stages"] = slugs
    for column, key, read in (
        ("status", "status", status_value),
        ("location_precision", "location_precision", precision_value),
        ("neighbourhood", "neighbourhood", _neighbourhood_id(references)),
    ):
        if not row.has(column):
            continue
        try:
            values[key] = read(row.get(column))
        except UnknownValue as error:
            problems.append(Problem(column, str(error)))


def _neighbourhood_id(references: References) -> Callable[[str], str]:
    def read(text: str) -> str:
        return str(references.neighbourhood(text).id) if text.strip() else ""

    return read


def _participants(row: CsvRow, values: dict) -> dict[str, str]:
    """Each sector with a value sets that sector's participant (its roles kept); sectors
    with no value, or no columns, leave theirs as they are."""
    given: dict[str, dict[str, str]] = {}
    for sector in SECTORS:
        cells = {
            field: row.get(sector_column(field, sector))
            for field in PARTICIPANT_FIELDS
            if row.has(sector_column(field, sector))
        }
        if any(cell.strip() for cell in cells.values()):
            given[sector] = cells
    rows, origins = [], []
    for participant in values["participants"]:
        sector = participant.get("sector")
        if sector in given:
            if sector in origins:
                continue  # the file has one participant per sector
            participant = {**participant, **given[sector]}
        rows.append(participant)
        origins.append(sector if sector in given else None)
    for sector, cells in given.items():
        if sector not in origins:
            rows.append({"sector": sector, "name": "", "roles": [], **cells})
            origins.append(sector)
    values["participants"] = rows
    return {
        f"participants-{index}-{field}": sector_column(field, sector)
        for index, sector in enumerate(origins)
        if sector
        for field in PARTICIPANT_FIELDS
    }


def _outcome(row: CsvRow, values: dict) -> dict[str, str]:
    """A row's outcome is the initiative's first: set when any outcome cell has a value."""
    cells = {
        OUTCOME_FIELDS[column.name]: british_date(row.get(column.name))
        if column.name in DATES
        else row.get(column.name)
        for column in OUTCOME_COLUMNS
        if row.has(column.name)
    }
    if not any(cell.strip() for cell in cells.values()):
        return {}
    outcomes = values["outcomes"]
    first = outcomes[0] if outcomes else {"outcome_id": ""}
    values["outcomes"] = [{**first, **cells}, *outcomes[1:]]
    return {f"outcomes-0-{field}": f"outcome_{field}" for field in OUTCOME_FIELDS.values()}


def _formdata(values: dict[str, Any]) -> MultiDict[str, str]:
    """The values as a browser would post them."""
    formdata: MultiDict[str, str] = MultiDict()
    for key, value in values.items():
        if key in ("participants", "outcomes"):
            for index, entry in enumerate(value):
                for name, item in entry.items():
                    _add(formdata, f"{key}-{index}-{name}", item)
        else:
            _add(formdata, key, value)
    return formdata


def _add(formdata: MultiDict[str, str], key: str, value: Any) -> None:
    for item in value if isinstance(value, list | tuple) else [value]:
        if item is None:
            item = ""
        elif isinstance(item, date):
            item = item.isoformat()
        formdata.add(key, str(item))


def _form_problems(form: InitiativeForm, columns: dict[str, str]) -> list[Problem]:
    problems = [Problem("", message) for message in form.form_errors]
    for field in form:
        if isinstance(field, FieldList):
            label = "Participant" if field is form.participants else "Outcome"
            for number, entry in enumerate(field, start=1):
                for subfield in entry.form:
                    column = columns.get(subfield.id)
                    for message in subfield.errors:
                        # Rows the file did not set are the site's: say which one.
                        text = message if column else f"{label} {number} (on the site): {message}"
                        problems.append(Problem(column or "", text))
        else:
            for message in field.errors:
                column = columns.get(field.name, "")
                problems.append(Problem(column, CSV_MESSAGES.get(message, message)))
    return problems
