"""One CSV row checked by the submission form's rules: the same fields, the same content.

A row becomes what a browser would post to the submission page — built on the initiative it
updates, so the columns a file leaves out stay as they are. A row that meets the form's
rules is read without building the form (app.imports.checking applies the rules the form
declares); a row that does not goes through the form itself, whose messages are given back
per column of the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from wtforms import FieldList

from app.i18n import lazy_text as _l
from app.imports.checking import checked_content
from app.imports.layout import (
    MAX_OUTCOME_GROUPS,
    MAX_PARTICIPANT_GROUPS,
    OUTCOME_COLUMNS,
    OUTCOME_FIELDS,
    PARTICIPANT_FIELDS,
    PARTICIPANT_GROUP_FIELDS,
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
from app.languages import ENGLISH
from app.submissions.forms import InitiativeForm, form_data, initiative_form

# The form's words for a missing value, said the way a file is written.
CSV_MESSAGES = (
    (_l("Choose the main theme."), _l("Give at least one theme.")),
    (_l("Choose the neighbourhood."), _l("Give the neighbourhood's name or slug.")),
)


def csv_message(message: str) -> str:
    """A form's message for a missing value as a file's reader needs it (in either language)."""
    for form_words, csv_words in CSV_MESSAGES:
        if message == str(form_words):
            return str(csv_words)
    return message


# Form fields and the column that fills each (participants and outcomes are added per row).
FIELD_COLUMNS = {
    "title": "title",
    "summary": "summary",
    "description": "description",
    "language": "language",
    "title_cy": "title_cy",
    "summary_cy": "summary_cy",
    "description_cy": "description_cy",
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
    "language",
    "title_cy",
    "summary_cy",
    "description_cy",
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
        "language": ENGLISH,  # whatever the language of the page the file was sent from
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
    if _has_groups(row, "participant", PARTICIPANT_GROUP_FIELDS, MAX_PARTICIPANT_GROUPS):
        columns.update(_participant_groups(row, values, problems))
    else:
        columns.update(_participants(row, values, problems))
    if _has_groups(row, "outcome", GROUP_OUTCOME_FIELDS, MAX_OUTCOME_GROUPS):
        columns.update(_outcome_groups(row, values))
    else:
        columns.update(_outcome(row, values))

    if not problems:  # most rows: the form's rules, without building the form
        content = checked_content(
            values, references.theme_values, references.neighbourhood_values, outcome_ids
        )
        if content is not None:
            return RowResult(content, [])
    # A row with a problem goes through the form itself, whose messages it reports.
    form = _row_form(references, _formdata(values))
    valid = form.check(submitting=True)
    reported = {problem.column for problem in problems}
    problems += [p for p in _form_problems(form, columns, row) if p.column not in reported]
    if problems or not valid:
        return RowResult(None, problems)
    location_state = "pending" if values["location_pending"] == "1" else "none"
    return RowResult(form.content(outcome_ids, location_state), [])


def _row_form(references: References, formdata: MultiDict) -> InitiativeForm:
    """The submission form holding this row: one per import, read again for each row
    (building its fields anew took about a third of the time a row was read in)."""
    if references.row_form is None:
        references.row_form = initiative_form(
            references.themes,
            references.neighbourhoods,
            current_app.config["DATA_LICENCE"],
            choices=references.form_choices,
            formdata=formdata,
        )
    else:
        references.row_form.read_again(formdata)
    return references.row_form


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


def _roles(cells: dict[str, Any], column: str, problems: list[Problem]) -> None:
    """A roles cell ("co-design; co-delivery") as the form's list of stages."""
    if "roles" in cells:
        slugs, unknown = stage_slugs(cells["roles"])
        problems += [Problem(column, message) for message in unknown]
        cells["roles"] = slugs


def _participants(row: CsvRow, values: dict, problems: list[Problem]) -> dict[str, str]:
    """Each sector with a value sets that sector's participant (its roles kept unless the
    file gives them); sectors with no value, or no columns, leave theirs as they are."""
    given: dict[str, dict[str, Any]] = {}
    for sector, columns in _sector_columns().items():
        cells: dict[str, Any] = {
            field: row.values[column] for field, column in columns if column in row.values
        }
        if any(cell.strip() for cell in cells.values()):
            _roles(cells, sector_column("roles", sector), problems)
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


@cache
def _sector_columns() -> dict[str, tuple[tuple[str, str], ...]]:
    """Each sector's participant fields and the columns that hold them."""
    return {
        sector: tuple((field, sector_column(field, sector)) for field in PARTICIPANT_FIELDS)
        for sector in SECTORS
    }


# What an import reads of an outcome group (``verified_by`` is the site's to say).
GROUP_OUTCOME_FIELDS = tuple(OUTCOME_FIELDS.values())


@cache
def _group_columns(kind: str, fields: tuple[str, ...], maximum: int) -> frozenset[str]:
    return frozenset(
        f"{kind}_{number}_{name}" for number in range(1, maximum + 1) for name in fields
    )


def _has_groups(row: CsvRow, kind: str, fields: tuple[str, ...], maximum: int) -> bool:
    """Whether any numbered group column of the row has a value (only the file's columns
    are looked at: most files have none of them)."""
    columns = row.values.keys() & _group_columns(kind, fields, maximum)
    return any(row.values[column].strip() for column in columns)


def _groups(
    row: CsvRow, kind: str, fields: tuple[str, ...], maximum: int
) -> list[tuple[int, dict[str, Any]]]:
    """The numbered groups of a row that hold a value, with their numbers, in order."""
    groups = []
    for number in range(1, maximum + 1):
        cells: dict[str, Any] = {
            name: row.get(f"{kind}_{number}_{name}")
            for name in fields
            if row.has(f"{kind}_{number}_{name}")
        }
        if any(cell.strip() for cell in cells.values()):
            groups.append((number, cells))
    return groups


def _participant_groups(row: CsvRow, values: dict, problems: list[Problem]) -> dict[str, str]:
    """Numbered participant groups are the initiative's participants, all of them, in order
    (the per-sector columns, which the export derives from them, are then not read)."""
    groups = _groups(row, "participant", PARTICIPANT_GROUP_FIELDS, MAX_PARTICIPANT_GROUPS)
    participants = []
    for number, cells in groups:
        _roles(cells, f"participant_{number}_roles", problems)
        participants.append({"sector": "", "name": "", "roles": [], **cells})
    values["participants"] = participants
    return {
        f"participants-{index}-{name}": f"participant_{number}_{name}"
        for index, (number, _cells) in enumerate(groups)
        for name in PARTICIPANT_GROUP_FIELDS
    }


def _outcome_groups(row: CsvRow, values: dict) -> dict[str, str]:
    """Numbered outcome groups are the initiative's outcomes, in order; each keeps the
    outcome at its place on the site (and so its verification, unless its figures change)."""
    groups = _groups(row, "outcome", GROUP_OUTCOME_FIELDS, MAX_OUTCOME_GROUPS)
    existing = values["outcomes"]
    outcomes = []
    for index, (_number, cells) in enumerate(groups):
        if "measured_on" in cells:
            cells["measured_on"] = british_date(cells["measured_on"])
        kept = existing[index] if index < len(existing) else {"outcome_id": ""}
        outcomes.append({**kept, **cells})
    values["outcomes"] = outcomes
    return {
        f"outcomes-{index}-{name}": f"outcome_{number}_{name}"
        for index, (number, _cells) in enumerate(groups)
        for name in GROUP_OUTCOME_FIELDS
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


REAL_DATE = _l("Enter a real date, like 2024-03-31.")
ECHOED_CHARACTERS = 60  # a longer cell is not repeated in its message


def _echoed(row: CsvRow, column: str, message: str) -> str:
    """A cell's problem with the cell's own text in it, so the person finds and fixes it:
    "31/09/2024 is not a real date ..." rather than only the form's advice."""
    cell = row.get(column).strip() if column else ""
    if not cell or len(cell) > ECHOED_CHARACTERS:
        return message
    if message == str(REAL_DATE):
        return _(
            "%(value)s is not a real date: write it like 2024-03-31 or 31/03/2024.", value=cell
        )
    return _("“%(value)s”: %(message)s", value=cell, message=message)


def _form_problems(form: InitiativeForm, columns: dict[str, str], row: CsvRow) -> list[Problem]:
    problems = [Problem("", message) for message in form.form_errors]
    for field in form:
        if isinstance(field, FieldList):
            label = _("Participant") if field is form.participants else _("Outcome")
            for number, entry in enumerate(field, start=1):
                for subfield in entry.form:
                    column = columns.get(subfield.id)
                    for message in subfield.errors:
                        # Rows the file did not set are the site's: say which one.
                        text = message
                        if not column:
                            text = _(
                                "%(label)s %(number)s (on the site): %(message)s",
                                label=label,
                                number=number,
                                message=message,
                            )
                        else:
                            text = _echoed(row, column, message)
                        problems.append(Problem(column or "", text))
        else:
            for message in field.errors:
                column = columns.get(field.name, "")
                problems.append(Problem(column, _echoed(row, column, csv_message(message))))
    return problems
