"""Which migration the database is at, and which one the code expects."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import Connection


class SchemaMismatch(Exception):
    """The database is not at the migration this code (or this file) needs."""


def code_revision() -> str:
    """The newest migration of this code: the revision every export is written at."""
    config = current_app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    if len(heads) != 1:
        raise SchemaMismatch(f"The migrations have {len(heads)} heads; merge them first.")
    return heads[0]


def database_revision(connection: Connection) -> str | None:
    """The migration the database is at (None for a database never migrated)."""
    heads = MigrationContext.configure(connection).get_current_heads()
    return heads[0] if len(heads) == 1 else None


def check_up_to_date(connection: Connection) -> str:
    """The database's revision, when it is the code's; else SchemaMismatch saying what to do."""
    expected = code_revision()
    actual = database_revision(connection)
    if actual != expected:
        raise SchemaMismatch(
            f"The database is at migration {actual or 'none'}, the code at {expected}: "
            "run `flask --app app db upgrade` first."
        )
    return actual
