"""A safe copy of a live SQLite database through SQLite's own backup API (never a file copy).

Copying the database file while the site writes to it can catch a page half-written or miss
what still sits in the write-ahead log; the backup API copies the pages of one consistent
snapshot instead. The copy is checked (``PRAGMA integrity_check``) before it takes its name.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from app.database import SQLITE_BUSY_TIMEOUT_MS


class BackupRefused(Exception):
    """The backup cannot be made as asked; nothing was written."""


@dataclass
class BackupSummary:
    path: Path
    size: int  # bytes
    revision: str | None
    counts: dict[str, int]


def sqlite_source(url: URL) -> Path:
    """The database file behind a SQLite URL; BackupRefused for anything else."""
    if url.get_backend_name() != "sqlite":
        raise BackupRefused(
            "`backup` copies SQLite databases. For PostgreSQL use pg_dump "
            "(for example `pg_dump --format=custom --file=FILE DBNAME`), or write a portable "
            "copy with `flask --app app export FILE --with-secrets`."
        )
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupRefused("The database is not a file, so there is nothing to copy.")
    path = Path(url.database).resolve()
    if not path.is_file():
        raise BackupRefused(f"The database file {path} does not exist.")
    return path


def back_up_sqlite(
    source: Path, destination: Path, tables: list[str], replace: bool = False
) -> BackupSummary:
    """Copy the live database at ``source`` to ``destination``, check it, count its rows."""
    destination = destination.resolve()
    if destination == source:
        raise BackupRefused("The backup cannot overwrite the database itself.")
    if destination.exists() and not replace:
        raise BackupRefused(f"{destination} already exists; add --force to replace it.")
    if not destination.parent.is_dir():
        raise BackupRefused(f"The folder {destination.parent} does not exist.")
    handle, partial = tempfile.mkstemp(
        dir=destination.parent, prefix=f".{destination.name}.", suffix=".partial"
    )
    os.close(handle)
    try:
        _copy(source, Path(partial))
        counts, revision = _check(Path(partial), tables)
        os.chmod(partial, 0o600)  # it holds password hashes
        os.replace(partial, destination)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
    return BackupSummary(destination, destination.stat().st_size, revision, counts)


def _copy(source: Path, target: Path) -> None:
    reader = sqlite3.connect(source, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    writer = sqlite3.connect(target)
    try:
        # All pages in one step (pages=-1): one read transaction, one snapshot. In steps, every
        # write the site commits between two steps would restart the copy from the beginning,
        # and a busy site might never let it finish.
        reader.backup(writer, pages=-1)
        # A backup is one self-contained file: no write-ahead log beside it.
        writer.execute("PRAGMA journal_mode = DELETE")
    finally:
        writer.close()
        reader.close()


def _check(path: Path, tables: list[str]) -> tuple[dict[str, int], str | None]:
    """The copy's row counts and migration; BackupRefused when it fails its integrity check."""
    connection = sqlite3.connect(path)
    try:
        problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupRefused("The copy failed its integrity check: " + "; ".join(problems[:5]))
        counts = {
            name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for name in tables
        }
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        connection.close()
    return counts, revision[0] if revision else None
