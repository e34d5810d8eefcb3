"""The export reads one snapshot without blocking writers, and both directions stream."""

from __future__ import annotations

import io
import json
import tracemalloc

from sqlalchemy import func, insert, select

from app.audit.models import AuditEntry
from app.backup.export import snapshot, write_export
from app.backup.reader import Header, Row, TableStart, read_document
from app.extensions import db
from app.organisations.models import Organisation
from tests.factories import create_test_organisation


class NullOutput(io.TextIOBase):
    """Counts what is written and keeps none of it."""

    def __init__(self):
        self.characters = 0

    def write(self, text: str) -> int:
        self.characters += len(text)
        return len(text)


def add_audit_entries(app, count: int) -> None:
    with app.app_context():
        entries = [
            {
                "actor_label": "system",
                "action": "bulk",
                "subject_type": "initiative",
                "subject_id": number,
                "detail": {"note": f"entry {number} ŵ", "values": [number, number / 7]},
            }
            for number in range(count)
        ]
        db.session.execute(insert(AuditEntry), entries)
        db.session.commit()


def export_peak(app) -> tuple[int, int]:
    """Peak memory (bytes) of an export, and the characters written."""
    output = NullOutput()
    with app.app_context():
        tracemalloc.start()
        try:
            write_export(output, with_secrets=True)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    return peak, output.characters


def test_export_memory_stays_flat_as_the_database_grows(app):
    add_audit_entries(app, 2_000)
    small_peak, small_size = export_peak(app)
    add_audit_entries(app, 18_000)
    large_peak, large_size = export_peak(app)

    assert large_size > 8 * small_size
    assert large_peak < 1.5 * small_peak + 256 * 1024, (small_peak, large_peak)


def document(rows: int) -> str:
    lines = ",\n".join(json.dumps([number, "ŵ" * 40, number / 3]) for number in range(rows))
    return (
        '{"format": "coproduce-export", "version": 1, "tables": {\n'
        f'"audit_entry": {{"columns": ["id", "text", "ratio"], "rows": [\n{lines}\n]}}\n}}}}\n'
    )


def reading_peak(text: str) -> tuple[int, int]:
    """Peak memory of reading a document from a file, and the rows read."""
    stream = io.StringIO(text)
    tracemalloc.start()
    try:
        rows = sum(1 for event in read_document(stream) if isinstance(event, Row))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, rows


def test_reading_an_export_holds_one_row_at_a_time():
    events = list(read_document(io.StringIO(document(3))))
    assert isinstance(events[0], Header) and events[0].fields["version"] == 1
    assert events[1] == TableStart("audit_entry", ["id", "text", "ratio"])
    assert [event.values[0] for event in events[2:]] == [0, 1, 2]
    assert [event.number for event in events[2:]] == [1, 2, 3]

    small_peak, small_rows = reading_peak(document(2_000))
    large_peak, large_rows = reading_peak(document(20_000))
    assert (small_rows, large_rows) == (2_000, 20_000)
    assert large_peak < 1.5 * small_peak + 64 * 1024, (small_peak, large_peak)


def test_export_snapshot_neither_blocks_writers_nor_sees_their_commits(app):
    with app.app_context():
        with snapshot() as connection:
            before = connection.scalar(select(func.count()).select_from(Organisation))
            create_test_organisation("Written during the export")  # commits at once
            during = connection.scalar(select(func.count()).select_from(Organisation))
        after = db.session.scalar(select(func.count()).select_from(Organisation))
    assert before == during == 0
    assert after == 1
