"""The order of list pages: what the indexes and the bounded ranking serve is the order a plain
ORDER BY gives, page after page, with and without a filter, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, text

from app.api import initiatives as api_initiatives
from app.browse import services
from app.browse.services import RELEVANCE, list_initiatives, page_query
from app.extensions import db
from app.initiatives.models import Initiative
from app.initiatives.public import published_initiatives
from app.shared_filters import facet_index
from app.shared_filters.facet_index import summarise
from app.shared_filters.parse import InitiativeFilter
from app.shared_filters.query import apply_filters
from tests.factories import create_test_initiative

TITLES = ("Garden", "garden", "Repair café", "repair CAFÉ", "Walk", "Ábaco", "library", "Zebra")
WORDS = ("garden", "repair", "walk", "library")
FILTERS = (InitiativeFilter(), InitiativeFilter(themes=("health",)))
# Each order with an index of its own, as a plain ORDER BY.
PLAIN_ORDERS = {
    "newest": (Initiative.published_at.desc(), Initiative.id.desc()),
    "updated": (Initiative.updated_at.desc(), Initiative.id.desc()),
    "title": (func.lower(Initiative.title), Initiative.id),
}


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
    """Every page of the list in turn, as ids; ``by_id``: the matches' ids from the facet
    bitmaps given, as the list page gives them (read by id when few, else walked to)."""
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


def plain_order(initiative_filter: InitiativeFilter, sort: str) -> list[int]:
    """The matches' ids in an order, by one plain ORDER BY (in an app context)."""
    matching = apply_filters(published_initiatives(), initiative_filter)
    return list(
        db.session.scalars(matching.with_only_columns(Initiative.id).order_by(*PLAIN_ORDERS[sort]))
    )


def api_pages(client, url: str | None, total: int) -> list[int]:
    """Every page of the API list from ``url``, following ``next``, as ids; each page's
    ``total`` checked against the matches'."""
    ids: list[int] = []
    while url:
        answer = client.get(url).get_json()
        assert answer["total"] == total
        ids += [item["id"] for item in answer["items"]]
        url = answer["next"]
    return ids


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
        assert pages_of(initiative_filter, "title", by_id=by_id) == plain_order(
            initiative_filter, "title"
        )


@pytest.mark.parametrize(
    "initiative_filter",
    [*FILTERS, InitiativeFilter(q="garden"), InitiativeFilter(q="walk", themes=("safety",))],
)
def test_few_matches_read_by_id_keep_the_newest_order(
    app, mixed_site, monkeypatch, initiative_filter
):
    monkeypatch.setattr(services, "SPREAD_OUT", 0)  # however many of the site's they are
    with app.app_context():
        assert pages_of(initiative_filter, "newest", by_id=True) == plain_order(
            initiative_filter, "newest"
        )


def test_matches_spread_through_the_order_are_walked_to_and_gathered_ones_read_by_id(
    app, mixed_site, monkeypatch
):
    """A facet's matches are found by walking the order's index (they are spread through it);
    rare ones, and those a box or a period gathers, are read by their ids; with no filter the
    database's own index gives the page."""
    walks: list[int] = []
    walk = services.walk_matches

    def counted_walk(*args):
        walks.append(1)
        return walk(*args)

    monkeypatch.setattr(services, "walk_matches", counted_walk)
    with app.app_context():
        published = len(summarise(InitiativeFilter(), ()).matches)

        def path(initiative_filter: InitiativeFilter) -> str:
            summary = summarise(initiative_filter, ())
            walks.clear()
            query = page_query(initiative_filter, "newest", 1, 20, summary.total, summary.matches)
            sql = str(query)
            if walks:
                return "walked"
            return "by id" if "json_each" in sql or "ANY (" in sql else "database"

        assert published > services.SPREAD_OUT // 2
        assert path(InitiativeFilter()) == "database"
        assert path(InitiativeFilter(themes=("health",))) == "database"
        assert path(InitiativeFilter(themes=("health",), bbox=(-180.0, -90.0, 180.0, 90.0))) == (
            "by id"
        )
        assert path(InitiativeFilter(themes=("health",), active_to=date(2100, 1, 1))) == "by id"
        assert path(InitiativeFilter(q="library", themes=("education",), statuses=("ended",))) == (
            "by id"
        )
        monkeypatch.setattr(facet_index, "FEW_MATCHES", 0)  # a box holding a quarter of a million
        assert path(InitiativeFilter(bbox=(-180.0, -90.0, 180.0, 90.0))) == "walked"
        assert path(InitiativeFilter(themes=("health",), near=(53.8, -1.55))) == "walked"
        assert path(InitiativeFilter(themes=("health",))) == "database"


@pytest.mark.parametrize("sort", sorted(PLAIN_ORDERS))
def test_many_matches_walked_to_give_the_pages_of_a_plain_order_by(
    app, mixed_site, monkeypatch, sort
):
    """Matches too many to read by id (here any number): each page found by walking the
    order's index and keeping the matches is the page a plain ORDER BY over them gives."""
    monkeypatch.setattr(facet_index, "FEW_MATCHES", 0)
    rng = random.Random(sort)
    world = (-180.0, -90.0, 180.0, 90.0)
    filters = [
        InitiativeFilter(bbox=world),
        InitiativeFilter(bbox=world, themes=("health",)),
        InitiativeFilter(q="garden", themes=("safety",), active_to=date(2100, 1, 1)),
        InitiativeFilter(statuses=("ended",), themes=("education", "health"), bbox=world),
        InitiativeFilter(near=(53.8, -1.55), radius_km=50.0, themes=("safety",)),
        InitiativeFilter(updated_since=date(2000, 1, 1)),
    ]
    filters += [
        InitiativeFilter(
            bbox=world, themes=tuple(rng.sample(["health", "safety", "education"], k=k))
        )
        for k in (1, 2, 3)
    ]
    with app.app_context():
        for initiative_filter in filters:
            plain = plain_order(initiative_filter, sort)
            for per_page in (1, 3, 7):
                walked = pages_of(initiative_filter, sort, per_page=per_page, by_id=True)
                assert walked == plain, (initiative_filter, per_page)


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
    for initiative_filter in (InitiativeFilter(q="garden"), InitiativeFilter(q="garden walk")):
        with app.app_context():
            plain = plain_order(initiative_filter, sort)
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


@pytest.mark.parametrize(
    "query", ["bbox=-180,-90,180,90", "bbox=-180,-90,180,90&theme=health&q=garden"]
)
def test_the_api_walks_to_many_gathered_matches_newest_first(
    app, client, mixed_site, monkeypatch, query
):
    """Matches of a box too many to read by id (here any number): the newest-first index's ids
    walked among them from each cursor give every match once, in order."""
    monkeypatch.setattr(facet_index, "FEW_MATCHES", 0)
    walks: list[int] = []
    walk = api_initiatives.walk_matches
    monkeypatch.setattr(
        api_initiatives, "walk_matches", lambda *args: walks.append(1) or walk(*args)
    )
    world = InitiativeFilter(bbox=(-180.0, -90.0, 180.0, 90.0))
    initiative_filter = (
        world if "theme" not in query else replace(world, themes=("health",), q="garden")
    )
    with app.app_context():
        plain = plain_order(initiative_filter, "newest")
    assert len(plain) > 8
    assert api_pages(client, f"/api/v1/initiatives?{query}&limit=4", len(plain)) == plain
    assert len(walks) == -(-len(plain) // 4)  # every page walked to


def test_the_api_walks_a_common_words_matches_newest_first(app, client, mixed_site, monkeypatch):
    """Past MANY_MATCHES the API reads the newest-first index, every match once, in order."""
    monkeypatch.setattr(api_initiatives, "MANY_MATCHES", 5)
    with app.app_context():
        plain = plain_order(InitiativeFilter(q="garden"), "newest")
    assert len(plain) > 10
    assert api_pages(client, "/api/v1/initiatives?q=garden&limit=4", len(plain)) == plain
