"""Comparing the database's schema with the models, as autogenerate would."""

from __future__ import annotations

import re
import warnings
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.dialects import sqlite

from app.extensions import db


def expression_indexes() -> dict[str, str]:
    """The models' indexes that hold an expression (such as lower(title)), by name: their
    columns and expressions as the database is told them."""
    found = {}
    for table in db.metadata.sorted_tables:
        for index in table.indexes:
            if any(not isinstance(part, sa.Column) for part in index.expressions):
                found[str(index.name)] = ", ".join(
                    part.name
                    if isinstance(part, sa.Column)
                    else str(part.compile(dialect=sqlite.dialect()))
                    for part in index.expressions
                )
    return found


def _bare(sql: str) -> str:
    return re.sub(r'[\s"]', "", sql)


def compared_with_models(connection: sa.Connection, options: dict[str, Any]) -> list[Any]:
    """What autogenerate would still write. SQLite cannot reflect an index on an expression,
    so there (and only there) those are left out of the comparison with the warning that says
    so, and each is checked by its own text in sqlite_master instead."""
    if connection.dialect.name != "sqlite":
        return compare_metadata(MigrationContext.configure(connection, opts=options), db.metadata)
    expected = expression_indexes()
    with warnings.catch_warnings():
        for name in expected:
            warnings.filterwarnings("ignore", f".*expression-based index '?{name}'?")
        differences = compare_metadata(
            MigrationContext.configure(connection, opts=options), db.metadata
        )
    for name, parts in expected.items():
        sql = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)
        ).scalar()
        if not _bare(sql or "").endswith(f"({_bare(parts)})"):
            differences.append(("expression index", name, sql, parts))
    return differences
