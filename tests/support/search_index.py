"""The search index's rows as plain values, in the form each database keeps them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

SEARCH_INDEX = {
    "sqlite": "SELECT rowid, title, summary, description, place, participants, outcomes "
    "FROM initiative_fts ORDER BY rowid",
    "postgresql": "SELECT id, search_vector::text FROM initiative ORDER BY id",
}


def search_index_rows(connection: Connection) -> list[list[Any]]:
    """SQLite: each indexed initiative's fields; PostgreSQL: every initiative's tsvector."""
    return [list(row) for row in connection.execute(text(SEARCH_INDEX[connection.dialect.name]))]
