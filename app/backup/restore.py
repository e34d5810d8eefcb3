"""Loading an export into an empty database, in one transaction: all of it or nothing.

Rows go in with bulk inserts, parents before children, each value converted back to its
column's type. Then PostgreSQL's id sequences move past the imported ids, and what the export
leaves out because it is computed (the search index, the map's points and cells) is rebuilt by
a job, on a worker or by the command itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import Column, Connection, Table, delete, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.backup.document import (
    FORMAT,
    SECRET_COLUMNS,
    VERSION,
    DocumentError,
    decoder_for,
    exported_tables,
    fill_withheld,
)
from app.backup.reader import Header, Row, TableStart, read_document
from app.backup.rebuild import REBUILD_DERIVED
from app.backup.schema import check_up_to_date
from app.data_version import DataVersion, bump_data_version
from app.extensions import db
from app.shared_filters.changes import log_everything_changed
from app.tasks.jobs import start_job
from app.themes.models import DEFAULT_THEMES, Theme
from app.timeutil import utcnow

BATCH = 1_000  # rows per insert statement


class ImportRefused(Exception):
    """The database or the file is not fit for an import; nothing was written."""


@dataclass
class ImportSummary:
    revision: str
    with_secrets: bool
    rows: dict[str, int] = field(default_factory=dict)
    rebuild_job_id: int = 0  # the job that rebuilds the search index and the map


def load_export(
    stream: TextIO, progress: Callable[[str, int], None] | None = None
) -> ImportSummary:
    """Load the export read from ``stream``; commits only when every part went in, then queues
    the rebuild of what is computed from it (the search index, the map)."""
    session = db.session()
    try:
        summary = _load(session, stream, progress)
        summary.rebuild_job_id = start_job(REBUILD_DERIVED).id
        bump_data_version(session.connection())  # rows went in past the ORM
        log_everything_changed(session.connection())  # facet bitmaps: read again in full
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        db.session.remove()
    return summary


def _load(
    session: Session, stream: TextIO, progress: Callable[[str, int], None] | None
) -> ImportSummary:
    connection = session.connection()  # SQLite: BEGIN IMMEDIATE, no other writer until done
    revision = check_up_to_date(connection)
    events = read_document(stream)
    header = next(events, None)
    if not isinstance(header, Header):
        raise DocumentError("The export holds no tables.")
    summary = ImportSummary(revision, _check_header(header.fields, revision))
    _lock_tables(connection)
    _require_empty(connection)
    loader = _TableLoader(connection, utcnow())
    for event in events:
        if isinstance(event, TableStart):
            loader.finish(summary, progress)
            loader.start(event)
        elif isinstance(event, Row):
            loader.add(event)
    loader.finish(summary, progress)
    missing = [table.name for table in exported_tables() if table.name not in summary.rows]
    if missing:
        raise DocumentError(f"The export lacks the tables {', '.join(missing)}.")
    _reset_sequences(connection)
    bump_data_version(connection)  # bulk inserts: no flush saw them
    return summary


def _check_header(header: dict[str, Any], revision: str) -> bool:
    """Whether the export holds the secrets; DocumentError when it is not one this site reads."""
    if header.get("format") != FORMAT:
        raise DocumentError(f'This is not a Coproduce export (no "format": "{FORMAT}").')
    if header.get("version") != VERSION:
        raise DocumentError(
            f"This export is format version {header.get('version')!r}; "
            f"this site reads version {VERSION}."
        )
    if header.get("schema_revision") != revision:
        raise DocumentError(
            f"The export was written at migration {header.get('schema_revision')!r}, this "
            f"database is at {revision!r}: import it with the version of Coproduce that wrote "
            "it, then upgrade."
        )
    return header.get("with_secrets") is True


def _lock_tables(connection: Connection) -> None:
    """PostgreSQL: no one else writes while the import checks and fills the tables."""
    if connection.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
        connection.exec_driver_sql(f"LOCK TABLE {names} IN EXCLUSIVE MODE")


def _require_empty(connection: Connection) -> None:
    """Refuse a database that holds anything but the themes its migration seeded; drop those."""
    occupied = {}
    for table in db.metadata.sorted_tables:
        if table.name in (DataVersion.__tablename__, "facet_version"):  # seeded: not data
            continue
        count = connection.scalar(select(func.count()).select_from(table))
        if count:
            occupied[table.name] = count
    if "theme" in occupied and _only_seeded_themes(connection):
        del occupied["theme"]
    if occupied:
        listed = ", ".join(
            f"{name} ({count} {'row' if count == 1 else 'rows'})"
            for name, count in occupied.items()
        )
        raise ImportRefused(
            f"The database is not empty: {listed}. Import only into a new database: create "
            "it, run `flask --app app db upgrade`, then import."
        )
    # The export holds the site's own themes, ids and all.
    connection.execute(delete(Theme.__table__))
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("DELETE FROM initiative_fts")


def _only_seeded_themes(connection: Connection) -> bool:
    seeded = {
        (slug, name, colour, description, position)
        for position, (slug, name, colour, description) in enumerate(DEFAULT_THEMES)
    }
    columns = (Theme.slug, Theme.name, Theme.colour, Theme.description, Theme.position)
    return {tuple(row) for row in connection.execute(select(*columns))} <= seeded


class _TableLoader:
    """Checks one table's columns and rows and inserts them in batches."""

    def __init__(self, connection: Connection, imported_at: datetime):
        self.connection = connection
        self.imported_at = imported_at
        self.tables = {table.name: table for table in exported_tables()}
        self.loaded: list[str] = []
        self.table: Table | None = None
        self.columns: list[Column] = []
        self.decoders: list[Callable[[Any], Any]] = []
        self.secret: frozenset[str] = frozenset()
        self.batch: list[dict[str, Any]] = []
        self.count = 0

    @property
    def current(self) -> Table:
        """The table being loaded (rows come only after their table's columns)."""
        if self.table is None:
            raise DocumentError("The export holds rows outside a table.")
        return self.table

    def start(self, event: TableStart) -> None:
        table = self.tables.get(event.name)
        if table is None or event.name in self.loaded:
            problem = "twice" if event.name in self.loaded else "which this site does not have"
            raise DocumentError(f"The export holds a table {event.name!r} {problem}.")
        parents = {key.column.table.name for key in table.foreign_keys} - {table.name}
        early = sorted(parents - set(self.loaded))
        if early:
            raise DocumentError(f"Table {table.name!r} comes before {', '.join(early)}.")
        names = [column.name for column in table.columns]
        if not isinstance(event.columns, list) or sorted(map(str, event.columns)) != sorted(names):
            raise DocumentError(
                f"Table {table.name!r} has the columns {event.columns!r}; expected {names!r}."
            )
        self.table, self.batch, self.count = table, [], 0
        self.columns = [table.columns[name] for name in event.columns]
        self.decoders = [decoder_for(column) for column in self.columns]
        self.secret = SECRET_COLUMNS.get(table.name, frozenset())

    def add(self, event: Row) -> None:
        if not isinstance(event.values, list) or len(event.values) != len(self.columns):
            raise DocumentError(
                f"Table {self.current.name!r}, row {event.number}: expected a list of "
                f"{len(self.columns)} values."
            )
        row = {}
        for column, decode, value in zip(self.columns, self.decoders, event.values, strict=True):
            row[column.name] = self._value(column, decode, value, event.number)
        fill_withheld(self.current.name, row, self.imported_at)
        self.batch.append(row)
        self.count += 1
        if len(self.batch) >= BATCH:
            self._insert()

    def _value(self, column: Column, decode: Callable, value: Any, number: int) -> Any:
        where = f"Table {self.current.name!r}, row {number}, column {column.name!r}"
        if value is None:
            if not column.nullable and column.name not in self.secret:
                raise DocumentError(f"{where}: a value is required.")
            return None
        try:
            return decode(value)
        except ValueError as error:
            raise DocumentError(f"{where}: {error} (found {str(value)[:60]!r}).") from None

    def _insert(self) -> None:
        if not self.batch:
            return
        try:
            self.connection.execute(self.current.insert(), self.batch)
        except DBAPIError as error:
            first = self.count - len(self.batch) + 1
            reason = str(error.orig).strip().splitlines()[0]
            raise ImportRefused(
                f"The database refused table {self.current.name!r}, rows {first} to "
                f"{self.count}: {reason}."
            ) from None
        self.batch = []

    def finish(self, summary: ImportSummary, progress: Callable[[str, int], None] | None) -> None:
        if self.table is None:
            return
        self._insert()
        self.loaded.append(self.table.name)
        summary.rows[self.table.name] = self.count
        if progress:
            progress(self.table.name, self.count)
        self.table = None


def _reset_sequences(connection: Connection) -> None:
    """PostgreSQL: the next id of every table follows the highest imported one."""
    if connection.dialect.name != "postgresql":
        return  # SQLite gives a new row the highest id plus one
    for table in db.metadata.sorted_tables:
        column = table.autoincrement_column
        if column is None:
            continue
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f'COALESCE(MAX("{column.name}"), 0) + 1, false) FROM "{table.name}"'
            ),
            {"table": f'"{table.name}"', "column": column.name},
        )
