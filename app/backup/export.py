"""Writing the whole database as one JSON document, table by table, row by row.

The export reads one consistent snapshot (a deferred read transaction on SQLite's WAL, a
serializable read-only transaction on PostgreSQL), so it can run while the site is in use
without blocking anyone, and it holds one batch of rows in memory at a time.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

from sqlalchemy import Connection, create_engine, event, select
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

from app.backup.document import (
    DERIVED_TABLES,
    FORMAT,
    SECRET_COLUMNS,
    VERSION,
    encoder_for,
    exported_tables,
    ordered_by_key,
)
from app.backup.schema import check_up_to_date
from app.database import SQLITE_BUSY_TIMEOUT_MS
from app.extensions import db
from app.timeutil import utcnow

BATCH = 1_000  # rows fetched from the database at a time
_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode


@dataclass
class ExportSummary:
    revision: str
    with_secrets: bool
    rows: dict[str, int] = field(default_factory=dict)


@contextmanager
def snapshot() -> Iterator[Connection]:
    """A read-only connection that sees the whole database as it was at one moment."""
    engine = db.engine
    if engine.dialect.name != "sqlite":
        with engine.connect() as connection:
            yield connection.execution_options(
                isolation_level="SERIALIZABLE",
                postgresql_readonly=True,
                postgresql_deferrable=True,
            )
        return
    # The app's own connections begin IMMEDIATE (they may write), which would hold the write
    # lock for the whole export; this reader begins a deferred transaction, a WAL snapshot.
    reader = create_engine(engine.url, poolclass=NullPool)

    @event.listens_for(reader, "connect")
    def configure(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        dbapi_connection.execute("PRAGMA query_only = ON")

    @event.listens_for(reader, "begin")
    def begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    try:
        with reader.connect() as connection:
            yield connection
    finally:
        reader.dispose()


def write_export(
    out: IO[str], with_secrets: bool, progress: Callable[[str, int], None] | None = None
) -> ExportSummary:
    """Write every table to ``out``; secret columns are null unless ``with_secrets``."""
    with snapshot() as connection:
        revision = check_up_to_date(connection)
        summary = ExportSummary(revision, with_secrets)
        header = {
            "format": FORMAT,
            "version": VERSION,
            "schema_revision": revision,
            "exported_at": utcnow().isoformat(),
            "with_secrets": with_secrets,
            "withheld": {} if with_secrets else {k: sorted(v) for k, v in SECRET_COLUMNS.items()},
            "rebuilt_on_import": sorted(DERIVED_TABLES) + ["search index"],
        }
        out.write("{" + ", ".join(f"{_encode(k)}: {_encode(v)}" for k, v in header.items()))
        out.write(', "tables": {')
        for index, table in enumerate(exported_tables()):
            withheld = frozenset() if with_secrets else SECRET_COLUMNS.get(table.name, frozenset())
            encoders = [
                None if column.name in withheld else encoder_for(column)
                for column in table.columns
            ]
            columns = _encode([column.name for column in table.columns])
            out.write(f"{',' if index else ''}\n{_encode(table.name)}: ")
            out.write(f'{{"columns": {columns}, "rows": [')
            count = 0
            query = select(table).order_by(*ordered_by_key(table))
            for row in connection.execute(query.execution_options(yield_per=BATCH)):
                values = [
                    None if encode is None or value is None else encode(value)
                    for encode, value in zip(encoders, row, strict=True)
                ]
                out.write(f"{',' if count else ''}\n{_encode(values)}")
                count += 1
            out.write("\n]}")
            summary.rows[table.name] = count
            if progress:
                progress(table.name, count)
        out.write("\n}}\n")
        connection.rollback()
    return summary
