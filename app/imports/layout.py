"""The documented CSV layout of an import: its columns, what each holds, and the template.

The upload page, the downloadable template and the CSV layout page of the documentation site
(``docs/importing/csv-layout.md``, filled in by ``docs/hooks/reference.py`` when the site is
built) are all generated from COLUMNS, so the documentation cannot drift from what the
importer reads.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from app.i18n import lazy_text as _l
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
        _l(
            "Your own unique id for the row (at most 120 characters). Rows are matched to "
            "initiatives by it; without it, by title and neighbourhood (ignoring case)."
        ),
        "LCC-2024-017",
    ),
    Column("title", _l("A short name, at most 200 characters."), "Kirkstall street watch", "yes"),
    Column(
        "summary",
        _l("One or two sentences, at most 500 characters."),
        "Residents and West Yorkshire Police walk the streets together on Friday nights.",
        "yes",
    ),
    Column(
        "description",
        _l("The story, in Markdown, at most 20,000 characters."),
        "Started after a run of burglaries on **Hawksworth Road**.",
    ),
    Column(
        "language",
        "The language title, summary and description are written in: en (English, the "
        "default) or cy (Welsh).",
        "en",
    ),
    Column("title_cy", "The title in Welsh (optional), at most 200 characters.", ""),
    Column("summary_cy", "The summary in Welsh (optional), at most 500 characters.", ""),
    Column("description_cy", "The description in Welsh (optional), in Markdown.", ""),
    Column(
        "themes",
        _l("Theme slugs or names separated by “;”; the first is the primary theme."),
        "safety; Sustainability",
        "yes",
    ),
    Column(
        "stages",
        _l(
            "Stages that were co-produced, separated by “;”: %(names)s (or their names).",
            names=_names(STAGES),
        ),
        "co-design; co-delivery",
        "yes",
    ),
    Column("status", _l("%(names)s. Empty: active.", names=_names(STATUSES)), "active"),
    Column(
        "started_on", _l("Start date, like 2024-03-31 (or 31/03/2024, day first)."), "2024-03-01"
    ),
    Column("ended_on", _l("End date, on or after the start date."), ""),
    Column(
        "neighbourhood",
        _l("The slug or name of one of the site's neighbourhoods."),
        "Kirkstall",
        "yes",
    ),
    Column(
        "place_name",
        _l("A street, park or building. Without coordinates it is looked up by the geocoder."),
        "Hawksworth Road",
    ),
    Column("latitude", _l("Between -90 and 90, like 53.8206 (with longitude)."), "53.8206"),
    Column("longitude", _l("Between -180 and 180, like -1.604 (with latitude)."), "-1.604"),
    Column(
        "location_precision",
        _l("What the public may see: %(names)s. Empty: street.", names=_names(PRECISIONS)),
        "street",
    ),
    Column(
        "contact_url",
        _l("A website (https://…) or an email address to show publicly."),
        "https://example.org/streetwatch",
    ),
    Column(
        "credit_name",
        _l(
            "The group or organisation credited. Empty: a new initiative is credited to your "
            "organisation (or to you by name if you have none); an existing one keeps its credit."
        ),
        "Kirkstall Residents' Association",
    ),
)

SECTOR_ROLES = {"residents": "co-design; co-delivery", "police": "co-delivery"}
SECTOR_EXAMPLES = {
    "residents": ("40", "320", "Kirkstall Residents' Association"),
    "police": ("4", "96", "West Yorkshire Police"),
}


def _sector_columns() -> tuple[Column, ...]:
    columns = []
    for sector, label in SECTORS.items():
        people, hours, name = SECTOR_EXAMPLES.get(sector, ("", "", ""))
        columns += [
            Column(
                f"people_{sector}",
                _l("%(label)s: how many people took part.", label=label),
                people,
            ),
            Column(
                f"hours_{sector}",
                _l("%(label)s: roughly how many hours in all.", label=label),
                hours,
            ),
            Column(
                f"name_{sector}",
                _l("%(label)s: the group or organisation's name.", label=label),
                name,
            ),
            Column(
                f"roles_{sector}",
                _l("%(label)s: the stages they took part in, separated by “;”.", label=label),
                SECTOR_ROLES.get(sector, ""),
            ),
        ]
    return tuple(columns)


SECTOR_COLUMNS = _sector_columns()

OUTCOME_COLUMNS = (
    Column(
        "outcome_description",
        _l("What changed (needed when any other outcome column has a value)."),
        "Fewer burglaries, and neighbours know each other.",
    ),
    Column(
        "outcome_indicator", _l("What was counted (needed with figures)."), "reported burglaries"
    ),
    Column("outcome_baseline", _l("The figure before."), "31"),
    Column("outcome_result", _l("The figure after."), "22"),
    Column("outcome_unit", _l("Like “a year” or “%”."), "a year"),
    Column("outcome_measured_on", _l("Date measured, like 2025-03-31."), "2025-03-31"),
    Column("outcome_evidence_url", _l("A web page with the figures (https://…)."), ""),
)

COLUMNS = (*BASE_COLUMNS, *SECTOR_COLUMNS, *OUTCOME_COLUMNS)
COLUMN_NAMES = tuple(column.name for column in COLUMNS)
OUTCOME_FIELDS = {column.name: column.name.removeprefix("outcome_") for column in OUTCOME_COLUMNS}
PARTICIPANT_FIELDS = ("people", "hours", "name", "roles")

# The CSV export's names for import columns, so an exported file reads straight back.
COLUMN_ALIASES = {
    "place": "place_name",
    "lat": "latitude",
    "lon": "longitude",
    "precision": "location_precision",
}
# Columns of the CSV export that the site works out itself: an import accepts and skips them.
EXPORT_ONLY_COLUMNS = frozenset(
    (
        "id", "url", "example", "primary_theme", "neighbourhood_name", "local_authority",
        "people_total", "hours_total", "people_citizens", "people_public_services",
        "hours_citizens", "hours_public_services", "outcomes", "verified_outcomes",
        "published_at", "updated_at", "licence", "photo_url",
    )
)  # fmt: skip


# Participants and outcomes one by one, as numbered column groups after every other column:
# ``participant_1_name`` ... ``participant_10_hours``, ``outcome_1_description`` ...
# ``outcome_10_verified_by``. The export writes them and the import reads them back.
MAX_PARTICIPANT_GROUPS = 10
MAX_OUTCOME_GROUPS = 10
PARTICIPANT_GROUP_FIELDS = ("name", "sector", "roles", "people", "hours")
OUTCOME_GROUP_FIELDS = (
    "description",
    "indicator",
    "baseline",
    "result",
    "unit",
    "measured_on",
    "evidence_url",
    "verified_by",
)


def participant_group_columns() -> list[str]:
    return [
        f"participant_{number}_{name}"
        for number in range(1, MAX_PARTICIPANT_GROUPS + 1)
        for name in PARTICIPANT_GROUP_FIELDS
    ]


def outcome_group_columns() -> list[str]:
    return [
        f"outcome_{number}_{name}"
        for number in range(1, MAX_OUTCOME_GROUPS + 1)
        for name in OUTCOME_GROUP_FIELDS
    ]


GROUP_COLUMN = re.compile(r"(participant|outcome)_(\d+)_([a-z_]+)")


def group_column(column: str) -> tuple[str, int, str] | None:
    """("participant", 2, "sector") for ``participant_2_sector``; None for other columns and
    for numbers or fields beyond the layout."""
    match = GROUP_COLUMN.fullmatch(column)
    if match is None:
        return None
    kind, number, name = match.group(1), int(match.group(2)), match.group(3)
    fields, maximum = (
        (PARTICIPANT_GROUP_FIELDS, MAX_PARTICIPANT_GROUPS)
        if kind == "participant"
        else (OUTCOME_GROUP_FIELDS, MAX_OUTCOME_GROUPS)
    )
    if name not in fields or not 1 <= number <= maximum:
        return None
    return kind, number, name


def known_column(column: str) -> bool:
    """Whether an import reads (or knowingly skips) a column of this name."""
    return (
        column in COLUMN_NAMES
        or column in COLUMN_ALIASES
        or column in EXPORT_ONLY_COLUMNS
        or group_column(column) is not None
    )


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
            _l(
                "How many people of that sector took part. Sectors: %(sector_list)s.",
                sector_list=sector_list,
            ),
            "people_residents = 40",
        ),
        Column(
            "hours_<sector>", _l("Roughly how many hours they gave in all."), "hours_police = 96"
        ),
        Column(
            "name_<sector>",
            _l("The group or organisation's name (never a private person's)."),
            "name_police = West Yorkshire Police",
        ),
        Column(
            "roles_<sector>",
            _l("The stages they took part in (their roles by stage), separated by “;”."),
            "roles_police = co-delivery",
        ),
    ]
    return [*BASE_COLUMNS, *folded, *OUTCOME_COLUMNS]
