"""Full-text search over initiatives with the database's own engine.

SQLite: an FTS5 table ``initiative_fts`` whose rowid is the initiative's id. PostgreSQL: a
``search_vector`` tsvector column on ``initiative`` with a GIN index. Both are created by the
migrations (they are not in the models) and hold published initiatives only.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, literal_column, text
from sqlalchemy.orm import Session

from app.extensions import db
from app.initiatives.models import Initiative
from app.initiatives.public import is_public
from app.initiatives.vocabulary import SECTORS

SEARCH_SCHEMA_OBJECTS = {"initiative_fts", "search_vector", "ix_initiative_search_vector"}
MAX_TERMS = 24


def include_in_schema_comparison(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's include_object: leave the search engine's own tables and columns alone."""
    if name in SEARCH_SCHEMA_OBJECTS:
        return False
    return not (type_ == "table" and name and name.startswith("initiative_fts_"))


def search_text(initiative: Initiative) -> dict[str, str]:
    """The text of an initiative that search looks in, field by field."""
    place = " ".join(
        filter(None, [initiative.place_name, getattr(initiative.neighbourhood, "name", "")])
    )
    participants = " ".join(
        f"{participant.name} {SECTORS.get(participant.sector, '')}"
        for participant in initiative.participants
    )
    outcomes = " ".join(
        f"{outcome.description} {outcome.indicator} {outcome.unit}"
        for outcome in initiative.outcomes
    )
    return {
        "title": initiative.title,
        "summary": initiative.summary,
        "description": initiative.description,
        "place": place,
        "participants": participants,
        "outcomes": outcomes,
    }


def reindex_initiative(initiative: Initiative, session: Session | None = None) -> None:
    """Put a published initiative into the search index, or take any other out of it."""
    session = session or db.session
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        session.execute(
            text("DELETE FROM initiative_fts WHERE rowid = :id"), {"id": initiative.id}
        )
        if is_public(initiative):
            session.execute(
                text(
                    "INSERT INTO initiative_fts "
                    "(rowid, title, summary, description, place, participants, outcomes) "
                    "VALUES (:id, :title, :summary, :description, :place, :participants, "
                    ":outcomes)"
                ),
                {"id": initiative.id, **search_text(initiative)},
            )
        return
    if not is_public(initiative):
        session.execute(
            text("UPDATE initiative SET search_vector = NULL WHERE id = :id"),
            {"id": initiative.id},
        )
        return
    session.execute(
        text(
            "UPDATE initiative SET search_vector = "
            "setweight(to_tsvector('english', :title), 'A') || "
            "setweight(to_tsvector('english', :summary), 'B') || "
            "to_tsvector('english', :description || ' ' || :place || ' ' || :participants "
            "|| ' ' || :outcomes) WHERE id = :id"
        ),
        {"id": initiative.id, **search_text(initiative)},
    )


def fts5_query(query: str) -> str | None:
    """Turn anything a person typed into a safe FTS5 query: each word a quoted prefix term.

    FTS5 syntax in the input (quotes, NEAR, AND, *, ^, column filters) is treated as words.
    """
    terms = re.findall(r"\w+", query)[:MAX_TERMS]
    if not terms:
        return None
    return " ".join(f'"{term}"*' for term in terms)


def search_condition(query: str) -> ColumnElement[bool] | None:
    """A WHERE condition on Initiative matching the query, or None when it has no words."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        expression = fts5_query(query)
        if expression is None:
            return None
        matching = text("SELECT rowid FROM initiative_fts WHERE initiative_fts MATCH :fts")
        return Initiative.id.in_(
            matching.bindparams(fts=expression).columns(literal_column("rowid"))
        )
    if not re.search(r"\w", query):
        return None
    return literal_column("initiative.search_vector").op("@@")(
        db.func.websearch_to_tsquery("english", query)
    )
