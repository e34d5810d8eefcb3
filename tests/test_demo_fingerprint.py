"""The demo data's database content, table by table, stays what it was when it moved out of code.

The fingerprint is every table's rows in primary-key order, with times written relative to the
moment of seeding (to the minute), numbers to nine decimals and random values (password hashes,
session tokens) blanked; the bookkeeping of versions and changes is left out.
After a deliberate change to the demo content, write the new fingerprint with
``COPRODUCE_WRITE_DEMO_FINGERPRINT=1 .venv/bin/pytest tests/test_demo_fingerprint.py`` (on SQLite
and again with ``TEST_DATABASE_URL`` for PostgreSQL's search index) and commit it.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import time_machine
from sqlalchemy import Connection, select

from app.demo.seed import seed_demo
from app.extensions import db
from app.timeutil import utcnow
from tests.support.search_index import search_index_rows

FINGERPRINT = Path(__file__).parent / "fixtures" / "demo_fingerprint.json"
RANDOM_COLUMNS = {"password_hash", "session_token"}
# Counters and logs of changes, which follow how the seeding's writes were flushed, not the
# content: the output cache's data version, the facet bitmaps' version and change log.
BOOKKEEPING_TABLES = {"data_version", "facet_version", "facet_change"}
SEEDED_ON = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _value(column: str, value: Any, seeded_at: datetime) -> Any:
    """A cell as JSON: times relative to the seeding, in minutes; secrets blanked."""
    if column in RANDOM_COLUMNS and value is not None:
        return "<random>"
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return f"now{round((moment - seeded_at).total_seconds() / 60):+d}min"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | float):
        # Sums of coordinates (map cells) differ in their last bits between databases.
        return repr(round(float(value), 9))
    return value


def _digest(rows: list[Any]) -> str:
    encoded = json.dumps(rows, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def demo_fingerprint(connection: Connection, seeded_at: datetime) -> dict[str, Any]:
    """Each table's row count and the digest of its normalised rows; the search index's digest
    under the database's own name (its form differs between SQLite and PostgreSQL)."""
    tables: dict[str, Any] = {}
    for table in db.metadata.sorted_tables:
        if table.name in BOOKKEEPING_TABLES:
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        rows = [
            {name: _value(name, value, seeded_at) for name, value in row.items()}
            for row in connection.execute(select(table).order_by(*order)).mappings()
        ]
        tables[table.name] = {"rows": len(rows), "digest": _digest(rows)}
    dialect = connection.dialect.name
    return {"tables": tables, "search_index": {dialect: _digest(search_index_rows(connection))}}


def test_seeded_demo_database_keeps_its_fingerprint(app):
    # Seeded on a fixed day (the clock still running from it): the demo writes today's date
    # into some rows (a verification's day, in its audit entry), which no relative time hides.
    with time_machine.travel(SEEDED_ON), app.app_context():
        seeded_at = utcnow()
        seed_demo(password_for=lambda role: f"{role}-demo-password")
        db.session.commit()
        with db.engine.connect() as connection:
            found = demo_fingerprint(connection, seeded_at)
    (dialect,) = found["search_index"]
    if os.environ.get("COPRODUCE_WRITE_DEMO_FINGERPRINT"):
        kept = json.loads(FINGERPRINT.read_text()) if FINGERPRINT.exists() else {}
        found["search_index"] = {**kept.get("search_index", {}), **found["search_index"]}
        FINGERPRINT.write_text(json.dumps(found, indent=2, sort_keys=True) + "\n")
        return
    expected = json.loads(FINGERPRINT.read_text())
    assert found["tables"] == expected["tables"]
    assert found["search_index"][dialect] == expected["search_index"][dialect]
