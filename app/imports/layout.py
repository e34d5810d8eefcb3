"""The documented CSV layout of an import: its columns, what each holds, and the template.

The upload page, the downloadable template and the CSV layout page of the documentation site
(``docs/importing/csv-layout.md``, filled in by ``docs/hooks/reference.py`` when the site is
built) are all generated from COLUMNS, so the documentation cannot drift from what the
importer reads.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from app.initiatives.vocabulary import PRECISIONS, SECTORS, STAGES, STATUSES

BYTE_ORDER_MARK = "\ufeff"
LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    example: str = ""
    needed: str = ""  # when a value is needed, in words; empty: optional


def _names(vocabulary: dict[str, str]) -> str:
    return ", ".join(vocabulary)


BASE_COLUMNS = (
    Column(
        "external_id",
        "Your own unique id for the row (at most 120 characters). Rows are matched to "
        "initiatives by it; without it, by title and neighbourhood (ignoring case).",
        "LCC-2024-017",
    ),
    Column("title", "A short name, at most 200 characters.", "Kirkstall street watch", "yes"),
    Column(
        "summary",
        "One or two sentences, at most 500 characters.",
        "Residents and West Yorkshire Police walk the streets together on Friday nights.",
        "yes",
    ),
    Column(
        "description",
        "The story, in Markdown, at most 20,000 characters.",
        "Started after a run of burglaries on **Hawksworth Road**.",
    ),
    Column(
        "themes",
        "Theme slugs or names separated by “;”; the first is the primary theme.",
        "safety; Sustainability",
        "yes",
    ),
    Column(
        "stages",
        f"Stages that were co-produced, separated by “;”: {_names(STAGES)} (or their names).",
        "co-design; co-delivery",
        "yes",
    ),
    Column("status", f"{_names(STATUSES)}. Empty: active.", "active"),
    Column("started_on", "Start date, like 2024-03-31 (or 31/03/2024, day first).", "2024-03-01"),
    Column("ended_on", "End date, on or after the start date.", ""),
    Column(
        "neighbourhood",
        "The slug or name of one of the site's neighbourhoods.",
        "Kirkstall",
        "yes",
    ),
    Column(
        "place_name",
        "A street, park or building. Without coordinates it is looked up by the geocoder.",
        "Hawksworth Road",
    ),
    Column("latitude", "Between -90 and 90, like 53.8206 (with longitude).", "53.8206"),
    Column("longitude", "Between -180 and 180, like -1.604 (with latitude).", "-1.604"),
    Column(
        "location_precision",
        f"What the public may see: {_names(PRECISIONS)}. Empty: street.",
        "street",
    ),
    Column(
        "contact_url",
        "A website (https://…) or an email address to show publicly.",
        "https://example.org/streetwatch",
    ),
    Column(
        "credit_name",
        "The group or organisation credited. Empty: a new initiative is credited to your "
        "organisation (or to you by name if you have none); an existing one keeps its credit.",
        "Kirkstall Residents' Association",
    ),
)

SECTOR_EXAMPLES = {
    "residents": ("40", "320", "Kirkstall Residents' Association"),
    "police": ("4", "96", "West Yorkshire Police"),
}


def _sector_columns() -> tuple[Column, ...]:
    columns = []
    for sector, label in SECTORS.items():
        people, hours, name = SECTOR_EXAMPLES.get(sector, ("", "", ""))
        columns += [
            Column(f"people_{sector}", f"{label}: how many people took part.", people),
            Column(f"hours_{sector}", f"{label}: roughly how many hours in all.", hours),
            Column(f"name_{sector}", f"{label}: the group or organisation's name.", name),
        ]
    return tuple(columns)


SECTOR_COLUMNS = _sector_columns()

OUTCOME_COLUMNS = (
    Column(
        "outcome_description",
        "What changed (needed when any other outcome column has a value).",
        "Fewer burglaries, and neighbours know each other.",
    ),
    Column("outcome_indicator", "What was counted (needed with figures).", "reported burglaries"),
    Column("outcome_baseline", "The figure before.", "31"),
    Column("outcome_result", "The figure after.", "22"),
    Column("outcome_unit", "Like “a year” or “%”.", "a year"),
    Column("outcome_measured_on", "Date measured, like 2025-03-31.", "2025-03-31"),
    Column("outcome_evidence_url", "A web page with the figures (https://…).", ""),
)

COLUMNS = (*BASE_COLUMNS, *SECTOR_COLUMNS, *OUTCOME_COLUMNS)
COLUMN_NAMES = tuple(column.name for column in COLUMNS)
OUTCOME_FIELDS = {column.name: column.name.removeprefix("outcome_") for column in OUTCOME_COLUMNS}
PARTICIPANT_FIELDS = ("people", "hours", "name")


def sector_column(field: str, sector: str) -> str:
    """The column holding one participant field of a sector: ``people_police``."""
    return f"{field}_{sector}"


def normalise_header(text: str) -> str:
    """A header cell as the importer reads it: case, spaces and hyphens do not matter."""
    return "_".join(text.strip().lower().replace("-", " ").split())


def template_csv() -> str:
    """The downloadable template: a byte-order mark, the header and one example row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMN_NAMES)
    writer.writerow(column.example for column in COLUMNS)
    return BYTE_ORDER_MARK + buffer.getvalue()


def documented_columns() -> list[Column]:
    """The columns as the page documents them: sectors folded into three rows."""
    sector_list = ", ".join(SECTORS)
    folded = [
        Column(
            "people_<sector>",
            f"How many people of that sector took part. Sectors: {sector_list}.",
            "people_residents = 40",
        ),
        Column("hours_<sector>", "Roughly how many hours they gave in all.", "hours_police = 96"),
        Column(
            "name_<sector>",
            "The group or organisation's name (never a private person's).",
            "name_police = West Yorkshire Police",
        ),
    ]
    return [*BASE_COLUMNS, *folded, *OUTCOME_COLUMNS]
