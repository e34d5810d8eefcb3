"""The order of list pages: what the indexes and the bounded ranking serve is the order a plain
ORDER BY gives, page after page, with and without a filter, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import date

import pytest
from sqlalchemy import func, text

from app.api import initiatives as api_initiatives
from app.browse import services
from app.browse.services import RELEVANCE, list_initiatives, page_query
from app.extensions import db
from app.initiatives.models import Initiative
from app.initiatives.public import published_initiatives
from app.shared_filters.facet_index import summarise
from app.shared_filters.parse import InitiativeFilter
from app.shared_filters.query import apply_filters
from tests.factories import create_test_initiative

TITLES = ("Garden", "garden", "Repair café", "repair CAFÉ", "Walk", "Ábaco", "library", "Zebra")
WORDS = ("garden", "repair", "walk", "library")
FILTERS = (InitiativeFilter(), InitiativeFilter(themes=("health",)))


@pytest.fixture
def mixed_site(app):
    """About 60 initiatives whose titles repeat with other cases, and whose words are spread
    over titles, summaries and descriptions, so that many rank alike."""
    rng = random.Random(18)
    with app.app_context():
        for number in range(60):
            words = rng.sample(WORDS, k=rng.choice((1, 2, 3)))
            create_test_initiative(
                state=rng.choice(("published",) * 6 + ("draft",)),
                title=f"{rng.choice(TITLES)} {rng.choice(('', number))}".strip(),
                summary=" ".join(rng.choice(words) for _ in range(rng.randrange(1, 5))),
                description=" ".join(words * rng.randrange(1, 4)),
                themes=rng.sample(["health", "safety", "education"], k=rng.choice((1, 2))),
            )


def pages_of(
    initiative_filter: InitiativeFilter, sort: str, per_page: int = 7, by_id: bool = False
) -> list[int]:
    """Every page of the list in turn, as ids; ``by_id``: the matches read by their ids from
    the facet bitmaps, as the list page does with few matches."""
    summary = summarise(initiative_filter, ())
    matches = summary.matches if by_id else None
    ids: list[int] = []
    page = 1
    while True:
        found = list_initiatives(initiative_filter, sort, page, per_page, summary.total, matches)
        ids += [result.initiative.id for result in found.results]
        if not found.has_next:
            return ids
        page += 1


def plain_relevance(initiative_filter: InitiativeFilter) -> list[int]:
    """Best match first, as each database's own ranking says, by one plain ORDER BY."""
    matching = apply_filters(published_initiatives(), initiative_filter)
    ids = {initiative.id for initiative in db.session.scalars(matching)}
    if db.engine.dialect.name == "sqlite":
        expression = " ".join(f'"{word}"*' for word in initiative_filter.q.split())
        rows = db.session.execute(
            text(
                "SELECT rowid, -bm25(initiative_fts, 10.0, 5.0, 1.0, 2.0, 2.0, 2.0) AS score "
                "FROM initiative_fts WHERE initiative_fts MATCH :q "
                "ORDER BY score DESC, rowid DESC"
            ),
            {"q": expression},
        )
    else:
        rows = db.session.execute(
            text(
                "SELECT id, ts_rank(search_vector, websearch_to_tsquery('english', :q)) AS s "
                "FROM initiative WHERE search_vector @@ websearch_to_tsquery('english', :q) "
                "ORDER BY s DESC, id DESC"
            ),
            {"q": initiative_filter.q},
        )
    return [row[0] for row in rows if row[0] in ids]


@pytest.mark.parametrize("by_id", [False, True])
@pytest.mark.parametrize("initiative_filter", FILTERS)
def test_title_order_is_lower_title_then_id(
    app, mixed_site, monkeypatch, initiative_filter, by_id
):
    monkeypatch.setattr(services, "SPREAD_OUT", 0 if by_id else services.SPREAD_OUT)
    with app.app_context():
        matching = apply_filters(published_initiatives(), initiative_filter)
        plain = matching.order_by(func.lower(Initiative.title), Initiative.id)
        assert pages_of(initiative_filter, "title", by_id=by_id) == [
            initiative.id for initiative in db.session.scalars(plain)
        ]


@pytest.mark.parametrize(
    "initiative_filter",
    [*FILTERS, InitiativeFilter(q="garden"), InitiativeFilter(q="walk", themes=("safety",))],
)
def test_few_matches_read_by_id_keep_the_newest_order(
    app, mixed_site, monkeypatch, initiative_filter
):
    monkeypatch.setattr(services, "SPREAD_OUT", 0)  # however many of the site's they are
    with app.app_context():
        matching = apply_filters(published_initiatives(), initiative_filter)
        plain = matching.order_by(Initiative.published_at.desc(), Initiative.id.desc())
        assert pages_of(initiative_filter, "newest", by_id=True) == [
            initiative.id for initiative in db.session.scalars(plain)
        ]


def test_matches_spread_through_the_order_are_walked_to_and_gathered_ones_read_by_id(
    app, mixed_site
):
    """A facet's matches are found by walking the order's index (they are spread through it);
    rare ones, and those a box or a period gathers, are read by their ids."""
    with app.app_context():
        published = len(summarise(InitiativeFilter(), ()).matches)

        def by_id(initiative_filter: InitiativeFilter) -> bool:
            summary = summarise(initiative_filter, ())
            query = page_query(initiative_filter, "newest", 1, 20, summary.total, summary.matches)
            sql = str(query)
            return "json_each" in sql or "ANY (" in sql  # the ids as one parameter

        assert published > services.SPREAD_OUT // 2
        assert not by_id(InitiativeFilter(themes=("health",)))
        assert by_id(InitiativeFilter(themes=("health",), bbox=(-180.0, -90.0, 180.0, 90.0)))
        assert by_id(InitiativeFilter(themes=("health",), active_to=date(2100, 1, 1)))
        assert by_id(InitiativeFilter(q="library", themes=("education",), statuses=("ended",)))


@pytest.mark.parametrize("words", ["garden", "repair walk", "library"])
@pytest.mark.parametrize("themes", [(), ("health",)])
def test_relevance_order_is_the_best_match_first(app, mixed_site, words, themes):
    initiative_filter = InitiativeFilter(q=words, themes=themes)
    with app.app_context():
        expected = plain_relevance(initiative_filter)
        assert len(expected) > 7  # more than one page
        assert pages_of(initiative_filter, RELEVANCE) == expected


@pytest.mark.sqlite_only
@pytest.mark.parametrize("initiative_filter", FILTERS)
def test_title_order_is_read_from_its_index(app, mixed_site, initiative_filter):
    """No sort of every match: the first page is the first rows of the lower(title) index."""
    with app.app_context():
        db.session.execute(text("ANALYZE"))
        query = page_query(initiative_filter, "title", 1, 20)
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        steps = [row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))]
    assert any("ix_initiative_state_lower_title" in step for step in steps), steps
    assert not any("TEMP B-TREE FOR ORDER BY" in step for step in steps), steps


@pytest.mark.parametrize("sort", ["newest", "title"])
def test_a_search_past_the_rank_limit_keeps_the_orders_plain(app, mixed_site, monkeypatch, sort):
    """Many matches: read in the order's index and looked up among the matches, the same
    pages as a plain ORDER BY over the matches."""
    monkeypatch.setattr(services, "RANK_LIMIT", 5)
    orders = {
        "newest": (Initiative.published_at.desc(), Initiative.id.desc()),
        "title": (func.lower(Initiative.title), Initiative.id),
    }
    for initiative_filter in (InitiativeFilter(q="garden"), InitiativeFilter(q="garden walk")):
        with app.app_context():
            matching = apply_filters(published_initiatives(), initiative_filter)
            plain = [item.id for item in db.session.scalars(matching.order_by(*orders[sort]))]
            assert len(plain) > 5
            assert services.resolve_sort(None, initiative_filter, len(plain)) == "newest"
            assert pages_of(initiative_filter, sort) == plain


def test_a_search_past_the_rank_limit_says_it_is_listed_newest_first(
    app, client, mixed_site, monkeypatch
):
    monkeypatch.setattr(services, "RANK_LIMIT", 5)
    page = client.get("/initiatives?q=garden").get_data(as_text=True)
    assert "matches are listed newest first, not by best match" in page
    assert '<option value="" selected>Newest first</option>' in page
    assert 'value="newest"' not in page  # the default is newest: offered once
    assert "Best match" not in page
    monkeypatch.setattr(services, "RANK_LIMIT", 10_000)
    page = client.get("/initiatives?q=garden").get_data(as_text=True)
    assert '<option value="" selected>Best match</option>' in page
    assert "not by best match" not in page


def test_the_api_walks_a_common_words_matches_newest_first(app, client, mixed_site, monkeypatch):
    """Past MANY_MATCHES the API reads the newest-first index, every match once, in order."""
    monkeypatch.setattr(api_initiatives, "MANY_MATCHES", 5)
    with app.app_context():
        matching = apply_filters(published_initiatives(), InitiativeFilter(q="garden"))
        newest = matching.order_by(Initiative.published_at.desc(), Initiative.id.desc())
        plain = [initiative.id for initiative in db.session.scalars(newest)]
    assert len(plain) > 10
    walked: list[int] = []
    url: str | None = "/api/v1/initiatives?q=garden&limit=4"
    while url:
        answer = client.get(url).get_json()
        assert answer["total"] == len(plain)
        walked += [item["id"] for item in answer["items"]]
        url = answer["next"]
    assert walked == plain
