"""Full-text search over initiatives with the database's own engine.

SQLite: an FTS5 table ``initiative_fts`` whose rowid is the initiative's id. PostgreSQL: a
``search_vector`` tsvector column on ``initiative`` with a GIN index. Both are created by the
migrations (they are not in the models) and hold published initiatives only.
"""

from __future__ import annotations

import re
from itertools import combinations
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    bindparam,
    column,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.functions import Function
from sqlalchemy.sql.schema import SchemaItem

from app.extensions import db
from app.initiatives.models import Initiative
from app.initiatives.public import is_public, public_place_name, published_initiatives
from app.initiatives.vocabulary import SECTORS

SEARCH_SCHEMA_OBJECTS = {"initiative_fts", "search_vector", "ix_initiative_search_vector"}
MAX_TERMS = 24
# Past this many matches a search's page is read in its order's index (``search_condition``)
# and the list is not ranked by relevance (app.browse.services.RANK_LIMIT).
MANY_MATCHES = 10_000
MAX_TITLE_WORDS = 5  # at most ten pairs of words in a possible duplicate's query
FTS_TABLE = table("initiative_fts", column("rowid"))


def include_in_schema_comparison(
    obj: SchemaItem,
    name: str | None,
    type_: str,
    reflected: bool,
    compare_to: SchemaItem | None,
) -> bool:
    """Alembic's include_object: leave the search engine's own tables and columns alone."""
    if name in SEARCH_SCHEMA_OBJECTS:
        return False
    return not (type_ == "table" and name and name.startswith("initiative_fts_"))


def search_text(initiative: Initiative) -> dict[str, str]:
    """The text of an initiative that search looks in, field by field (Welsh too)."""
    neighbourhood = initiative.neighbourhood
    place = " ".join(
        filter(
            None,
            [
                public_place_name(initiative),
                neighbourhood.name if neighbourhood else "",
                neighbourhood.name_cy if neighbourhood else "",
            ],
        )
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
        "title": _both(initiative.title, initiative.title_cy),
        "summary": _both(initiative.summary, initiative.summary_cy),
        "description": _both(initiative.description, initiative.description_cy),
        "place": place,
        "participants": participants,
        "outcomes": outcomes,
    }


def _both(original: str, welsh: str | None) -> str:
    """An original and its Welsh version, so a search in either language finds it."""
    return "\n".join(filter(None, [original, welsh]))


def reindex_initiative(initiative: Initiative, session: Session | None = None) -> None:
    """Put a published initiative into the search index, or take any other out of it."""
    session = session or db.session()
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


def reindex_all(session: Session, batch_size: int = 500) -> int:
    """Rebuild the whole search index from the published initiatives; returns how many.

    For when what is indexed changes (a new public place rule, say), not for everyday use:
    every save already keeps its initiative's entry up to date.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("DELETE FROM initiative_fts"))
    else:
        session.execute(text("UPDATE initiative SET search_vector = NULL"))
    indexed, after = 0, 0
    while True:
        batch = session.scalars(
            published_initiatives()
            .where(Initiative.id > after)
            .order_by(Initiative.id)
            .limit(batch_size)
            .options(
                selectinload(Initiative.participants),
                selectinload(Initiative.outcomes),
                selectinload(Initiative.neighbourhood),
            )
        ).all()
        if not batch:
            return indexed
        for initiative in batch:
            reindex_initiative(initiative, session)
        indexed += len(batch)
        after = batch[-1].id
        session.expunge_all()


def fts5_query(query: str) -> str | None:
    """Turn anything a person typed into a safe FTS5 query: each word a quoted prefix term.

    FTS5 syntax in the input (quotes, NEAR, AND, *, ^, column filters) is treated as words.
    """
    terms = re.findall(r"\w+", query)[:MAX_TERMS]
    if not terms:
        return None
    return " ".join(f'"{term}"*' for term in terms)


def _tsquery(query: str) -> Function[Any]:
    """PostgreSQL's own parser for what people type; it never fails on syntax."""
    return db.func.websearch_to_tsquery("english", bindparam("q", _words(query), unique=True))


def _words(query: str) -> str:
    # PostgreSQL refuses NUL in text; no other character needs care.
    return query.replace("\x00", " ")


def _fts_matches(expression: str) -> Select:
    return select(FTS_TABLE.c.rowid).where(
        literal_column("initiative_fts").op("MATCH")(bindparam("fts", expression, unique=True))
    )


def search_condition(query: str, many: bool = False) -> ColumnElement[bool] | None:
    """A WHERE condition on Initiative matching the query, or None when it has no words.

    ``many``: the query has many matches (MANY_MATCHES), so a page is best read by walking
    the order's own index and looking each row up among them; on SQLite the condition is put
    on id + 0, no indexed column, so the planner cannot start from the matches and sort them
    all (PostgreSQL's tsvector condition is weighed by its planner as it is).
    """
    if db.session.get_bind().dialect.name == "sqlite":
        expression = fts5_query(query)
        if expression is None:
            return None
        return (Initiative.id + 0 if many else Initiative.id).in_(_fts_matches(expression))
    if not re.search(r"\w", query):
        return None
    return literal_column("initiative.search_vector").op("@@")(_tsquery(query))


def search_matches(query: str) -> Select | None:
    """The ids of the published initiatives matching the query (one column), or None when it
    has no words. On SQLite read from the search index alone, which holds published ones only.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        expression = fts5_query(query)
        return None if expression is None else _fts_matches(expression)
    condition = search_condition(query)
    return None if condition is None else select(Initiative.id).where(condition)


def search_ranking(query: str) -> Subquery | None:
    """Matching initiatives with a relevance ``score`` (higher is better), to join and order by.

    Columns: ``initiative_id`` and ``score``. Titles weigh most, then summaries.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        expression = fts5_query(query)
        if expression is None:
            return None
        # bm25 is lower for better matches; column weights follow the index's column order.
        score = -db.func.bm25(literal_column("initiative_fts"), 10.0, 5.0, 1.0, 2.0, 2.0, 2.0)
        matches = _fts_matches(expression).with_only_columns(
            FTS_TABLE.c.rowid.label("initiative_id"), score.label("score")
        )
        return matches.subquery("search_ranking")
    if not re.search(r"\w", query):
        return None
    vector = literal_column("initiative.search_vector", type_=TSVECTOR)
    tsquery = _tsquery(query)
    return (
        select(
            Initiative.id.label("initiative_id"), db.func.ts_rank(vector, tsquery).label("score")
        )
        .where(vector.op("@@")(tsquery))
        .subquery("search_ranking")
    )


def shared_title_words_matches(words: list[str]) -> Subquery | None:
    """The ids (column ``initiative_id``) of initiatives whose title (in the index, so
    published) holds at least two of these words (the one word, when only one is given),
    each as a prefix: straight from the index on both engines, for finding possible
    duplicates among a million initiatives. None when there is no word to look for."""
    return shared_title_words_matches_any([words])


def shared_title_words_matches_any(titles_words: list[list[str]]) -> Subquery | None:
    """``shared_title_words_matches`` for several titles at once: initiatives whose title
    holds two of the words of any of them (one query for a batch of import rows)."""
    found: dict[tuple[str, ...], None] = {}  # in order, each once (a set would reorder them)
    for words in titles_words:
        words = [word for word in words if re.fullmatch(r"\w+", word)][:MAX_TITLE_WORDS]
        if words:
            pairs = [tuple(words)] if len(words) <= 2 else list(combinations(words, 2))
            found.update(dict.fromkeys(pairs))
    groups = list(found)
    if not groups:
        return None
    if db.session.get_bind().dialect.name == "sqlite":
        either = " OR ".join(
            "(" + " AND ".join(f'"{word}"*' for word in group) + ")" for group in groups
        )
        matches = _fts_matches(f"title : ({either})")
        return matches.with_only_columns(FTS_TABLE.c.rowid.label("initiative_id")).subquery()
    either = " | ".join("(" + " & ".join(f"{word}:*A" for word in group) + ")" for group in groups)
    tsquery = db.func.to_tsquery("english", bindparam("title_words", either, unique=True))
    vector = literal_column("initiative.search_vector", type_=TSVECTOR)
    return select(Initiative.id.label("initiative_id")).where(vector.op("@@")(tsquery)).subquery()
