"""Full-text search in the database's own engine (SQLite FTS5, PostgreSQL tsvector)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.initiatives.models import Initiative
from app.initiatives.public import published_initiatives
from app.search.services import reindex_initiative, search_condition, search_ranking
from app.shared_filters.parse import InitiativeFilter
from app.shared_filters.query import apply_filters

UNPUBLISHED_STATES = ["draft", "pending", "changes_requested", "rejected", "archived"]


def search(app, text: str) -> set[int]:
    with app.app_context():
        query = apply_filters(published_initiatives(), InitiativeFilter(q=text))
        return set(db.session.scalars(query.with_only_columns(Initiative.id)))


def indexed_ids(app) -> set[int]:
    """The initiatives the search engine holds an entry for, whatever the public rule says."""
    with app.app_context():
        if db.session.get_bind().dialect.name == "sqlite":
            return set(db.session.scalars(text("SELECT rowid FROM initiative_fts")))
        return set(
            db.session.scalars(text("SELECT id FROM initiative WHERE search_vector IS NOT NULL"))
        )


def ranked(app, text: str) -> list[int]:
    with app.app_context():
        ranking = search_ranking(text)
        query = select(ranking.c.initiative_id).order_by(ranking.c.score.desc())
        return list(db.session.scalars(query))


@pytest.mark.parametrize(
    ("content", "word"),
    [
        ({"title": "Hedgehog survey"}, "hedgehog"),
        ({"summary": "Neighbours count hedgehogs at dusk."}, "hedgehogs"),
        ({"description": "We **mapped** every hedgerow in the valley."}, "hedgerow"),
        ({"place_name": "Bramley Fall Woods"}, "Bramley"),
        ({"participants": [{"sector": "police", "name": "West Yorkshire Police"}]}, "Yorkshire"),
        ({"outcomes": [{"description": "Fewer burglaries on the estate"}]}, "burglaries"),
        ({"outcomes": [{"description": "x", "indicator": "Reported burglaries"}]}, "reported"),
    ],
)
def test_search_finds_words_in_every_field(app, make_initiative, content, word):
    found = make_initiative(**{"title": "Untitled", "summary": "-", **content})
    make_initiative(title="Something else", summary="Nothing to see.")
    assert search(app, word) == {found}


def test_search_finds_the_neighbourhood_name(app, make_initiative, make_neighbourhood):
    armley = make_neighbourhood(name="Armley")
    found = make_initiative(neighbourhood_id=armley)
    make_initiative()
    assert search(app, "armley") == {found}


def test_every_word_must_match(app, make_initiative):
    both = make_initiative(title="Street watch", summary="Night patrols.")
    make_initiative(title="Street party", summary="Music.")
    assert search(app, "street patrols") == {both}
    assert search(app, "street bananas") == set()


def test_search_matches_other_forms_of_a_word(app, make_initiative):
    found = make_initiative(title="Community gardens", summary="-")
    assert search(app, "garden") == {found}
    assert search(app, "gardening") == {found}


@pytest.mark.parametrize("state", UNPUBLISHED_STATES)
def test_unpublished_initiative_never_found(app, make_initiative, state):
    make_initiative(state=state, title="Secret hedgehog survey")
    assert search(app, "hedgehog") == set()
    assert ranked(app, "hedgehog") == []


def test_initiative_leaves_the_index_when_it_is_unpublished(app, make_initiative):
    initiative_id = make_initiative(title="Hedgehog survey")
    assert search(app, "hedgehog") == {initiative_id}
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        initiative.state = "archived"
        reindex_initiative(initiative)
        db.session.commit()
    assert search(app, "hedgehog") == set()


def test_index_follows_edits(app, make_initiative):
    initiative_id = make_initiative(title="Hedgehog survey")
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        initiative.title = "Badger survey"
        reindex_initiative(initiative)
        db.session.commit()
    assert search(app, "hedgehog") == set()
    assert search(app, "badger") == {initiative_id}


def test_title_matches_rank_above_description_matches(app, make_initiative):
    in_description = make_initiative(
        title="Green corridor", summary="-", description="Planting for hedgehogs and bees."
    )
    in_title = make_initiative(title="Hedgehog highway", summary="-")
    assert ranked(app, "hedgehog") == [in_title, in_description]


@pytest.mark.parametrize("text", ["", "   ", "!!!", "*", '"', "()", "-"])
def test_query_without_words_does_not_narrow(app, make_initiative, text):
    make_initiative()
    with app.app_context():
        assert search_condition(text) is None
        assert search_ranking(text) is None


def test_search_text_with_nul_never_reaches_the_database_as_nul(app, make_initiative):
    found = make_initiative(title="Hedgehog survey")
    assert search(app, "hedgehog\x00") == {found}


@pytest.mark.sqlite_only
def test_sqlite_search_is_an_fts5_table_holding_published_initiatives_only(app, make_initiative):
    shown = make_initiative(title="Hedgehog survey")
    make_initiative(title="Pending hedgehog survey", state="pending")
    with app.app_context():
        definition = db.session.scalar(
            text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'initiative_fts'")
        )
        rows = set(db.session.scalars(text("SELECT rowid FROM initiative_fts")))
    assert "USING fts5(title, summary, description, place, participants, outcomes" in definition
    assert "porter" in definition
    assert rows == {shown}


@pytest.mark.postgres_only
def test_postgres_search_is_a_gin_indexed_tsvector_of_published_initiatives(app, make_initiative):
    shown = make_initiative(title="Hedgehog survey")
    make_initiative(title="Pending hedgehog survey", state="pending")
    with app.app_context():
        definition = db.session.scalar(
            text(
                "SELECT indexdef FROM pg_indexes "
                "WHERE tablename = 'initiative' AND indexname = 'ix_initiative_search_vector'"
            )
        )
        kind = db.session.scalar(
            text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'initiative' AND column_name = 'search_vector'"
            )
        )
        rows = set(
            db.session.scalars(text("SELECT id FROM initiative WHERE search_vector IS NOT NULL"))
        )
    assert "USING gin (search_vector)" in definition
    assert kind == "tsvector"
    assert rows == {shown}


def test_reindex_search_rebuilds_the_index_from_published_initiatives(
    app, make_initiative, make_neighbourhood
):
    """`reindex-search` replaces stale entries: a street-precision place loses its door number."""
    # A neighbourhood without a number in its name: the factory's "Neighbourhood 14" would be
    # found by "14" (whenever this test is the fourteenth thing its worker makes).
    place = make_neighbourhood(name="Rodley", slug="rodley")
    shown = make_initiative(
        title="Bin rota", place_name="14 Quarrydale Lane", neighbourhood_id=place
    )
    hidden = make_initiative(
        state="pending", title="Hidden hedgehog survey", neighbourhood_id=place
    )
    with app.app_context():
        # What an index written before the street-precision place rule would hold.
        if db.session.get_bind().dialect.name == "sqlite":
            db.session.execute(text("DELETE FROM initiative_fts"))
            for initiative_id, place in ((shown, "14 Quarrydale Lane"), (hidden, "hedgehog")):
                db.session.execute(
                    text(
                        "INSERT INTO initiative_fts (rowid, title, summary, description, place,"
                        " participants, outcomes) VALUES (:id, '', '', '', :place, '', '')"
                    ),
                    {"id": initiative_id, "place": place},
                )
        else:
            db.session.execute(
                text("UPDATE initiative SET search_vector = to_tsvector('simple', :place)"),
                {"place": "14 Quarrydale Lane hedgehog"},
            )
        db.session.commit()
    assert search(app, "14") == {shown}
    assert indexed_ids(app) == {shown, hidden}

    result = app.test_cli_runner().invoke(args=["reindex-search"])

    assert result.exit_code == 0, result.output
    assert "Indexed 1 published initiatives" in result.output
    assert search(app, "quarrydale") == {shown}
    assert search(app, "bin rota") == {shown}
    assert search(app, "14") == set()
    assert indexed_ids(app) == {shown}
