"""The CSV export's layout: its columns, and one initiative's row.

Column order is a public contract: today's columns keep their order and new ones are only
appended. After ``photo_url`` come the description in both languages, then each participant
and each outcome as a numbered column group (``participant_1_name`` ...,
``outcome_1_description`` ...) up to the documented maxima, which ``import-csv`` reads back.

A row is built from an ``ExportInitiative`` (plain data, see ``export_records``) with as little
work per cell as a million rows allow: only text cells go through the formula guard, numbers
are written as numbers, and an initiative's address is built from a prefix worked out once.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from typing import Any, cast

from flask import has_request_context, url_for

from app.api.export_records import ExportInitiative, OutcomeRecord, ParticipantRecord
from app.api.public_data import public_location
from app.csvcells import FORMULA_STARTS
from app.imports.layout import (
    MAX_OUTCOME_GROUPS,
    MAX_PARTICIPANT_GROUPS,
    OUTCOME_GROUP_FIELDS,
    PARTICIPANT_GROUP_FIELDS,
    outcome_group_columns,
    participant_group_columns,
)
from app.initiatives.bilingual import original_language
from app.initiatives.examples import example_text
from app.initiatives.models import Initiative
from app.initiatives.public import public_place_name
from app.initiatives.vocabulary import CITIZEN_SECTORS, PUBLIC_SERVICE_SECTORS, SECTORS
from app.languages import current_language
from app.photos.models import Photo
from app.photos.services import size_url
from app.timeutil import stored_iso_time
from app.urls import site_url

LIST_SEPARATOR = ";"
PLAIN_SLUG = re.compile(r"[a-z0-9-]+")
PARTICIPANT_WIDTH = len(PARTICIPANT_GROUP_FIELDS)
OUTCOME_WIDTH = len(OUTCOME_GROUP_FIELDS)
LINE_END = "\r\n"
END = len(LINE_END)


def csv_header() -> list[str]:
    """The CSV's columns: one row per initiative, per-sector people and hours to pivot on,
    then (appended, so older readers keep working) participants and outcomes one by one."""
    return [
        "id", "url", "title", "summary", "example", "themes", "primary_theme", "stages",
        "status", "started_on", "ended_on", "neighbourhood", "neighbourhood_name",
        "local_authority", "place", "lat", "lon", "precision",
        *(f"people_{sector}" for sector in SECTORS),
        *(f"hours_{sector}" for sector in SECTORS),
        "people_total", "hours_total", "people_citizens", "people_public_services",
        "hours_citizens", "hours_public_services", "outcomes", "verified_outcomes",
        "published_at", "updated_at", "licence", "language", "title_cy", "summary_cy",
        "photo_url",
        "description", "description_cy",
        *participant_group_columns(),
        *outcome_group_columns(),
    ]  # fmt: skip


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 2)


def _text(value: str | None) -> str:
    """A text cell: blank for none, guarded against formulas (``safe_text``'s rule, without
    a second call for each of the million rows' sixteen text cells)."""
    if not value:
        return ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


class RowContext:
    """What every row of one export shares: the licence, the language of its example
    sentences (the request's, asked once rather than per row) and addresses."""

    def __init__(self, licence_name: str, language: str | None = None) -> None:
        self.licence_name = licence_name
        self.language = language or current_language()
        self.addresses = Addresses()


class Addresses:
    """Initiative page addresses, from a prefix worked out once per export.

    ``url_for`` for each of a million rows would cost more than the rest of the row; a slug
    made of plain characters needs no quoting, so ``<prefix><id>-<slug>`` is the same address.
    """

    def __init__(self) -> None:
        sample = self._built(1, "s")
        self.prefix = sample[: -len("1-s")]

    @staticmethod
    def _built(initiative_id: int, slug: str) -> str:
        endpoint = "initiatives.show_initiative"
        if has_request_context():
            return url_for(endpoint, initiative_id=initiative_id, slug=slug, _external=True)
        return site_url(endpoint, initiative_id=initiative_id, slug=slug)  # the worker's files

    def initiative(self, record: ExportInitiative) -> str:
        slug = record.slug or "initiative"
        if PLAIN_SLUG.fullmatch(slug):
            return f"{self.prefix}{record.id}-{slug}"
        return self._built(record.id, slug)


SECTOR_CELLS = 2 * len(SECTORS) + 6  # people and hours per sector, then the six totals
EMPTY_SECTOR_CELLS = ("",) * SECTOR_CELLS


def _totals(values: dict[str, Any]) -> tuple[Any, Any, Any]:
    """(all sectors, citizens, public services): blank where no sector has a value."""
    everyone = citizens = services = None
    for sector, value in values.items():
        everyone = value + (everyone or 0)
        if sector in CITIZEN_SECTORS:
            citizens = value + (citizens or 0)
        elif sector in PUBLIC_SERVICE_SECTORS:
            services = value + (services or 0)
    return tuple(  # type: ignore[return-value]
        "" if value is None else _number(value) for value in (everyone, citizens, services)
    )


@lru_cache(maxsize=4096)
def _sector_cells(numbers: tuple[tuple[str, int | None, float | None], ...]) -> tuple[Any, ...]:
    """People and hours per sector and their totals, from each participant's (sector, people,
    hours): the same few combinations recur on thousands of rows."""
    people: dict[str, int] = {}
    hours: dict[str, float] = {}
    for sector, count, spent in numbers:
        if count is not None:
            people[sector] = people.get(sector, 0) + count
        if spent is not None:
            hours[sector] = hours.get(sector, 0) + spent
    if not people and not hours:
        return EMPTY_SECTOR_CELLS
    all_people, citizen_people, service_people = _totals(people)
    all_hours, citizen_hours, service_hours = _totals(hours)
    return (
        *(_number(people[sector]) if sector in people else "" for sector in SECTORS),
        *(_number(hours[sector]) if sector in hours else "" for sector in SECTORS),
        all_people,
        all_hours,
        citizen_people,
        service_people,
        citizen_hours,
        service_hours,
    )


def _participant_cells(participants: list[ParticipantRecord]) -> list[Any]:
    cells: list[Any] = []
    for participant in participants:
        people, hours = participant.people, participant.hours
        cells += (
            _text(participant.name),
            participant.sector,
            LIST_SEPARATOR.join(participant.roles),
            "" if people is None else people,
            "" if hours is None else _number(hours),
        )
    return cells


def _outcome_cells(outcomes: list[OutcomeRecord]) -> list[Any]:
    cells: list[Any] = []
    for outcome in outcomes:
        baseline, result, measured_on = outcome.baseline, outcome.result, outcome.measured_on
        cells += (
            _text(outcome.description),
            _text(outcome.indicator),
            "" if baseline is None else _number(baseline),
            "" if result is None else _number(result),
            _text(outcome.unit),
            measured_on.isoformat() if measured_on else "",
            _text(outcome.evidence_url),
            _text(outcome.verified_by),
        )
    return cells


def _initiative_cells(record: ExportInitiative, context: RowContext) -> list[Any]:
    """The row's cells up to its column groups, in ``csv_header`` order (blank where the data
    says nothing)."""
    participants = record.participants
    outcomes = record.outcomes
    # A record has every attribute the public rules and the example read of an initiative.
    initiative = cast(Initiative, record)
    location = public_location(initiative)
    neighbourhood = record.neighbourhood
    themes = record.themes
    return [
        record.id,
        context.addresses.initiative(record),
        _text(record.title),
        _text(record.summary),
        _text(example_text(initiative, context.language)),
        LIST_SEPARATOR.join([theme.slug for theme in themes]),
        themes[0].slug if themes else "",
        LIST_SEPARATOR.join(record.stages),
        record.status,
        record.started_on.isoformat() if record.started_on else "",
        record.ended_on.isoformat() if record.ended_on else "",
        neighbourhood.slug if neighbourhood else "",
        _text(neighbourhood.name) if neighbourhood else "",
        _text(neighbourhood.local_authority) if neighbourhood else "",
        _text(public_place_name(initiative)),
        location["lat"] if location else "",
        location["lon"] if location else "",
        location["precision"] if location else "",
        *_sector_cells(tuple([(p.sector, p.people, p.hours) for p in participants])),
        len(outcomes),
        sum([1 for outcome in outcomes if outcome.verified_at is not None]),
        stored_iso_time(record.published_at) or "",
        stored_iso_time(record.updated_at) or "",
        context.licence_name,
        original_language(initiative),
        _text(record.title_cy),
        _text(record.summary_cy),
        _photo_url(record),
        _text(record.description),
        _text(record.description_cy),
    ]


class CsvLines:
    """Rows written as CSV text into a list, handed over joined once a batch (a ``StringIO``
    copies every line twice: in, then out).

    Most of a row's cells are the blank column groups after its last participant and its last
    outcome (two participants and one outcome leave 112 of 187 cells blank). ``csv.writer``
    checks every cell for quoting, which doubled the cost of writing a row; here it writes
    only the cells with something in them, and each run of blank groups is a run of commas
    made once. (Its line end stays and is cut off: the line end's characters are
    what tells it to quote a cell with a line break.)
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._written: list[str] = []
        # csv.writer hands each row over in a single call.
        self.write = self._written.append
        self._writer = csv.writer(self, lineterminator=LINE_END)

    def write_header(self) -> None:
        self._writer.writerow(csv_header())
        self.lines.append(self._written.pop())

    def write_row(self, record: ExportInitiative, context: RowContext) -> None:
        written, writer = self._written, self._writer
        participants = record.participants
        if len(participants) > MAX_PARTICIPANT_GROUPS:
            participants = participants[:MAX_PARTICIPANT_GROUPS]
        outcomes = record.outcomes
        if len(outcomes) > MAX_OUTCOME_GROUPS:
            outcomes = outcomes[:MAX_OUTCOME_GROUPS]
        cells = _initiative_cells(record, context)
        cells += _participant_cells(participants)
        writer.writerow(cells)
        if outcomes:  # never a single cell, which csv.writer would write as ""
            writer.writerow(_outcome_cells(outcomes))
            outcome_text = written.pop()[:-END]
            self.lines.append(
                f"{written.pop()[:-END]}{BLANK_PARTICIPANTS[len(participants)]},{outcome_text}"
                f"{BLANK_OUTCOMES[len(outcomes)]}{LINE_END}"
            )
        else:
            self.lines.append(
                f"{written.pop()[:-END]}{BLANK_PARTICIPANTS[len(participants)]}"
                f"{BLANK_OUTCOMES[0]}{LINE_END}"
            )

    def take(self) -> str:
        text = "".join(self.lines)
        self.lines.clear()
        return text


# The commas that follow a row's last participant's (or outcome's) cells: one per blank cell.
BLANK_PARTICIPANTS = [
    "," * PARTICIPANT_WIDTH * (MAX_PARTICIPANT_GROUPS - count)
    for count in range(MAX_PARTICIPANT_GROUPS + 1)
]
BLANK_OUTCOMES = [
    "," * OUTCOME_WIDTH * (MAX_OUTCOME_GROUPS - count) for count in range(MAX_OUTCOME_GROUPS + 1)
]


def _photo_url(record: ExportInitiative) -> str:
    """The address of the initiative's first public photo (its 1280 px JPEG), or blank."""
    if not record.photos:
        return ""
    return size_url(cast(Photo, record.photos[0]), "1280.jpg")
