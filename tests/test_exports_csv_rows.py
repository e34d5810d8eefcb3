"""The CSV export's rows as ``csv.writer`` would write them whole.

``CsvLines`` writes only the cells that hold something and each run of blank column groups as
a run of commas. Here random records (no participants to more than the maximum, outcomes the
same, text that needs quoting, a line break, a formula) are written both ways: through
``CsvLines`` and as one full list of cells through a plain ``csv.writer``. The text must be
the same, and every row must read back with exactly as many cells as the header names.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, date, datetime

from app.api.export_csv import (
    CsvLines,
    RowContext,
    _initiative_cells,
    _outcome_cells,
    _participant_cells,
    csv_header,
)
from app.api.export_records import (
    ExportInitiative,
    NeighbourhoodRecord,
    OutcomeRecord,
    ParticipantRecord,
    ThemeRecord,
)
from app.imports.layout import (
    MAX_OUTCOME_GROUPS,
    MAX_PARTICIPANT_GROUPS,
    OUTCOME_GROUP_FIELDS,
    PARTICIPANT_GROUP_FIELDS,
)

AWKWARD_TEXT = ["", "plain", "a, with a comma", 'say "hello"', "two\nlines", "=1+1", "Caffi’r"]


def _text(rng: random.Random) -> str:
    return rng.choice(AWKWARD_TEXT)


def _record(rng: random.Random, initiative_id: int) -> ExportInitiative:
    record = ExportInitiative(
        id=initiative_id,
        slug=rng.choice(["garden", "caffi-trwsio", "Odd Slug!"]),
        title=_text(rng) or "A title",
        summary=_text(rng),
        description=_text(rng),
        language=rng.choice(["en", "cy"]),
        title_cy=_text(rng),
        summary_cy=_text(rng),
        description_cy=_text(rng),
        status=rng.choice(["planned", "active", "completed"]),
        started_on=rng.choice([None, date(2024, 5, 1)]),
        ended_on=None,
        state="published",
        neighbourhood_id=1,
        place_name=_text(rng),
        latitude=53.8,
        longitude=-1.6,
        location_precision=rng.choice(["exact", "street", "neighbourhood"]),
        public_latitude=53.8,
        public_longitude=-1.6,
        published_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        updated_at=None,
    )
    record.neighbourhood = NeighbourhoodRecord("armley", "Armley", "", "Leeds", "")
    record.themes = [ThemeRecord("health", "Health", "Iechyd")]
    record.participants = [
        ParticipantRecord(
            rng.choice(["residents", "council", "police"]),
            _text(rng),
            rng.choice([[], ["co-design", "co-delivery"]]),
            rng.choice([None, 0, 12]),
            rng.choice([None, 3.5, 10.0]),
        )
        for _ in range(rng.randint(0, MAX_PARTICIPANT_GROUPS + 2))
    ]
    record.outcomes = [
        OutcomeRecord(
            _text(rng),
            _text(rng),
            rng.choice([None, 31.0]),
            rng.choice([None, 22.5]),
            _text(rng),
            rng.choice([None, date(2025, 3, 31)]),
            _text(rng),
            None,
            "",
        )
        for _ in range(rng.randint(0, MAX_OUTCOME_GROUPS + 2))
    ]
    return record


def _whole_row(record: ExportInitiative, context: RowContext) -> list:
    participants = record.participants[:MAX_PARTICIPANT_GROUPS]
    outcomes = record.outcomes[:MAX_OUTCOME_GROUPS]
    blank_participants = MAX_PARTICIPANT_GROUPS - len(participants)
    blank_outcomes = MAX_OUTCOME_GROUPS - len(outcomes)
    return [
        *_initiative_cells(record, context),
        *_participant_cells(participants),
        *[""] * (len(PARTICIPANT_GROUP_FIELDS) * blank_participants),
        *_outcome_cells(outcomes),
        *[""] * (len(OUTCOME_GROUP_FIELDS) * blank_outcomes),
    ]


def test_rows_are_written_as_a_plain_csv_writer_writes_them_whole(app):
    rng = random.Random(20261207)
    with app.test_request_context("/", base_url="https://coproduce.example"):
        context = RowContext("CC BY 4.0", "en")
        records = [_record(rng, initiative_id) for initiative_id in range(1, 301)]
        lines = CsvLines()
        lines.write_header()
        for record in records:
            lines.write_row(record, context)
        written = lines.take()

        expected = io.StringIO()
        plain = csv.writer(expected, lineterminator="\r\n")
        plain.writerow(csv_header())
        for record in records:
            plain.writerow(_whole_row(record, context))

    assert written == expected.getvalue()
    rows = list(csv.reader(io.StringIO(written, newline="")))
    assert len(rows) == len(records) + 1
    assert {len(row) for row in rows} == {len(csv_header())}
    # The draw reached both ends: no groups at all, and more than the maximum.
    assert min(len(record.outcomes) for record in records) == 0
    assert max(len(record.participants) for record in records) > MAX_PARTICIPANT_GROUPS
