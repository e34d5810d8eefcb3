"""``flask --app app export FILE``, ``import FILE`` and ``backup FILE``."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from app.backup.document import DocumentError
from app.backup.export import write_export
from app.backup.restore import ImportRefused, load_export
from app.backup.schema import SchemaMismatch
from app.backup.sqlite_copy import BackupRefused, back_up_sqlite, sqlite_source
from app.extensions import db
from app.tasks.cli import finish_job


def _database_problem(error: SQLAlchemyError) -> click.ClickException:
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    return click.ClickException(f"The database refused the work, nothing was written: {reason}")


@contextlib.contextmanager
def _new_file(path: Path, replace: bool) -> Iterator[TextIO]:
    """A file that takes its name only once complete, readable by its owner alone."""
    if path.exists() and not replace:
        raise click.ClickException(f"{path} already exists; add --force to replace it.")
    try:
        handle, partial = tempfile.mkstemp(
            dir=path.resolve().parent, prefix=f".{path.name}.", suffix=".partial"
        )
    except OSError as error:
        raise click.ClickException(f"Cannot write {path}: {error.strerror}.") from None
    try:
        with open(handle, "w", encoding="utf-8", newline="\n") as out:
            yield out
        os.replace(partial, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)


def _say(message: str, to_stdout: bool = True) -> None:
    click.echo(message, err=not to_stdout)


@click.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=str))
@click.option(
    "--with-secrets",
    is_flag=True,
    help="Include password hashes, session keys and API token hashes (keep the file safe).",
)
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@with_appcontext
def export_command(file: str, with_secrets: bool, force: bool):
    """Write the whole database to FILE ('-' for standard output) as one JSON document."""
    to_stdout = file == "-"

    def progress(table: str, count: int) -> None:
        _say(f"  {table}: {count:,} rows", not to_stdout)

    try:
        if to_stdout:
            with click.open_file("-", "w", encoding="utf-8") as out:
                summary = write_export(out, with_secrets, progress)
        else:
            with _new_file(Path(file), force) as out:
                summary = write_export(out, with_secrets, progress)
    except SchemaMismatch as error:
        raise click.ClickException(str(error)) from None
    except SQLAlchemyError as error:
        raise _database_problem(error) from None
    except ValueError as error:  # e.g. NaN inside a JSON field: not JSON, not portable
        raise click.ClickException(f"A value cannot be written as JSON: {error}.") from None
    total = sum(summary.rows.values())
    secrets = (
        "with secrets: keep the file safe"
        if with_secrets
        else "without passwords, session keys or API tokens"
    )
    _say(
        f"Exported {total:,} rows of {len(summary.rows)} tables at migration "
        f"{summary.revision} to {'standard output' if to_stdout else file} ({secrets}).",
        not to_stdout,
    )


@click.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8-sig", lazy=False))
@with_appcontext
def import_command(file: TextIO):
    """Load an export (FILE, or '-' for standard input) into a new, empty database."""

    def progress(table: str, count: int) -> None:
        click.echo(f"  {table}: {count:,} rows")

    try:
        summary = load_export(file, progress)
    except (DocumentError, ImportRefused, SchemaMismatch) as error:
        raise click.ClickException(f"{error} Nothing was imported.") from None
    except UnicodeDecodeError:
        raise click.ClickException(
            "The file is not UTF-8 text, so not an export. Nothing was imported."
        ) from None
    except SQLAlchemyError as error:
        raise _database_problem(error) from None
    total = sum(summary.rows.values())
    click.echo(f"Imported {total:,} rows into {len(summary.rows)} tables.")
    result = finish_job(summary.rebuild_job_id, "Rebuilding the search index and the map")
    click.echo(
        f"The search index holds {result['searchable']:,} published initiatives, "
        f"the map {result['on_map']:,}."
    )
    if not summary.with_secrets:
        click.echo(
            "The export held no secrets: people set a new password with “Forgotten your "
            "password?”, and API tokens are revoked (their owners create new ones)."
        )


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@with_appcontext
def backup_command(file: Path, force: bool):
    """Copy the live SQLite database to FILE safely, while the site keeps writing."""
    try:
        source = sqlite_source(db.engine.url)
        tables = [table.name for table in db.metadata.sorted_tables]
        summary = back_up_sqlite(source, file, tables, replace=force)
    except BackupRefused as error:
        raise click.ClickException(str(error)) from None
    except (sqlite3.Error, OSError) as error:
        raise click.ClickException(f"The backup failed, nothing was written: {error}") from None
    click.echo(
        f"Backed up {source} to {summary.path}: {summary.size:,} bytes, "
        f"migration {summary.revision}, integrity check ok."
    )
    for name, count in summary.counts.items():
        click.echo(f"  {name}: {count:,} rows")


commands = (export_command, import_command, backup_command)
