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
from app.maps import services as maps
from app.shared_filters import facet_index
from app.shared_filters.facet_index import summarise
from app.shared_filters.parse import InitiativeFilter
from app.shared_filters.query import apply_filters
from tests.factories import create_test_initiative, create_test_neighbourhood

TITLES = ("Garden", "garden", "Repair café", "repair CAFÉ", "Walk", "Ábaco", "library", "Zebra")
WORDS = ("garden", "repair", "walk", "library")
FILTERS = (InitiativeFilter(), InitiativeFilter(themes=("health",)))
# Each order with an index of its own, as a plain ORDER BY.
PLAIN_ORDERS = {
    "newest": (Initiative.published_at.desc(), Initiative.id.desc()),
    "updated": (Initiative.updated_at.desc(), Initiative.id.desc()),
    "title": (func.lower(Initiative.title), Initiative.id),
}
# Index entries a walk may read for one match read by id: never a walk, or always one.
NEVER_WALKED = {"sqlite": 0.0, "postgresql": 0.0}
ALWAYS_WALKED = {"sqlite": 1e9, "postgresql": 1e9}


LEEDS = (-1.65, 53.75, -1.45, 53.85)
CITY_TITLES = ("Garden", "garden", "GARDEN club", "Garden club", "Repair café", "repair CAFÉ")


@pytest.fixture
def city_site(app):
    """4 ended initiatives, the first published (last newest first, and last by title); then
    90 more, 15 of them about education, spread through the title order and in Leeds, whose
    titles repeat with other cases (ties broken by id)."""
    rng = random.Random(7)
    with app.app_context():
        place = create_test_neighbourhood()
        for number in range(4):
            create_test_initiative(
                title=f"Zebra crossing {number}", neighbourhood_id=place, status="ended"
            )
        chosen = set(rng.sample(range(90), 15))
        for number in range(90):
            point = (53.80, -1.55) if number in chosen else (51.50, -0.12)
            create_test_initiative(
                title=f"{rng.choice(CITY_TITLES)} {rng.choice(('', number))}".strip(),
                neighbourhood_id=place,
                latitude=point[0],
                longitude=point[1],
                location_precision="exact",
                themes=["education"] if number in chosen else [rng.choice(["health", "safety"])],
            )


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
    monkeypatch.setattr(facet_index, "SPREAD_OUT", 0 if by_id else facet_index.SPREAD_OUT)
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
    monkeypatch.setattr(facet_index, "SPREAD_OUT", 0)  # however many of the site's they are
    monkeypatch.setattr(facet_index, "ENTRIES_PER_MATCH", NEVER_WALKED)
    with app.app_context():
        assert pages_of(initiative_filter, "newest", by_id=True) == plain_order(
            initiative_filter, "newest"
        )


def test_each_page_is_read_the_way_that_costs_least(app, mixed_site, monkeypatch):
    """A facet's matches are left to the database (spread through the order, it walks its own
    index to them); those a box or a period gathers are walked to when a page needs only a
    few of them, read by id when it needs most of them (or there are few at all); many
    gathered matches are always walked to; with no filter the database's own index gives the
    page."""
    walks: list[int] = []
    walk = services.walk_matches

    def counted_walk(*args):
        walks.append(1)
        return walk(*args)

    monkeypatch.setattr(services, "walk_matches", counted_walk)
    sqlite_weight = facet_index.ENTRIES_PER_MATCH["sqlite"]  # PostgreSQL's never walks few
    monkeypatch.setattr(
        facet_index, "ENTRIES_PER_MATCH", {"sqlite": sqlite_weight, "postgresql": sqlite_weight}
    )
    world = (-180.0, -90.0, 180.0, 90.0)
    with app.app_context():
        published = len(summarise(InitiativeFilter(), ()).matches)

        def path(initiative_filter: InitiativeFilter, per_page: int = 5) -> str:
            summary = summarise(initiative_filter, ())
            walks.clear()
            query = page_query(
                initiative_filter, "newest", 1, per_page, summary.total, summary.matches
            )
            sql = str(query)
            if walks:
                return "walked"
            return "by id" if "json_each" in sql or "ANY (" in sql else "database"

        assert published > facet_index.SPREAD_OUT // 2
        assert path(InitiativeFilter()) == "database"
        assert path(InitiativeFilter(themes=("health",))) == "database"
        assert path(InitiativeFilter(themes=("health",), bbox=world)) == "walked"
        few = InitiativeFilter(q="walk", themes=("safety",), bbox=world)  # a fifth of them
        assert path(few, per_page=2) == "walked"
        assert path(few, per_page=100) == "by id"  # to its last match: read all of them
        assert path(InitiativeFilter(themes=("health",), active_to=date(2100, 1, 1))) == "walked"
        assert path(InitiativeFilter(q="library", themes=("education",), statuses=("ended",))) == (
            "by id"
        )
        monkeypatch.setattr(facet_index, "FEW_MATCHES", 0)  # a box holding a quarter of a million
        assert path(InitiativeFilter(bbox=world), per_page=100) == "walked"
        assert path(InitiativeFilter(themes=("health",), near=(53.8, -1.55))) == "walked"
        assert path(InitiativeFilter(themes=("health",))) == "database"


@pytest.mark.parametrize("per_page", [2, 3])
@pytest.mark.parametrize("way", ["walked", "by id", "chosen"])
@pytest.mark.parametrize("period", [False, True])
def test_few_matches_in_title_order_walked_to_or_read_by_id_give_a_plain_order_by(
    app, city_site, monkeypatch, per_page, way, period
):
    """A rare facet's few matches (and a period's), spread through the title order with ties
    in it: every page, the first and those after it, found by walking the title index or read
    by id (or as the cost rule chooses) is the page a plain ORDER BY over them gives."""
    monkeypatch.setattr(facet_index, "SPREAD_OUT", 5)  # 15 of 94: rare here
    per_match = {"walked": ALWAYS_WALKED, "by id": NEVER_WALKED}.get(way)
    if per_match:
        monkeypatch.setattr(facet_index, "ENTRIES_PER_MATCH", per_match)
    walks: list[int] = []
    walk = services.walk_matches
    monkeypatch.setattr(services, "walk_matches", lambda *args: walks.append(1) or walk(*args))
    initiative_filter = InitiativeFilter(
        themes=("education",), active_to=date(2100, 1, 1) if period else None
    )
    with app.app_context():
        plain = plain_order(initiative_filter, "title")
        titles = [db.session.get(Initiative, found).title.lower() for found in plain]
        assert len(plain) > 2 * per_page and len(set(titles)) < len(titles)  # pages and ties
        assert pages_of(initiative_filter, "title", per_page=per_page, by_id=True) == plain
    pages = -(-len(plain) // per_page)
    assert len(walks) == {"walked": pages, "by id": 0}.get(way, len(walks))


def test_a_places_matches_are_read_by_id_in_title_order(app, city_site, monkeypatch):
    """Titles name their place, so a city's matches come in clumps by title: the map's list
    (its first LIST_LIMIT, by title) reads them by id however cheap a walk would seem, and
    gives what a plain ORDER BY does; newest first, they are walked to."""
    monkeypatch.setattr(maps, "LIST_LIMIT", 4)
    monkeypatch.setattr(facet_index, "ENTRIES_PER_MATCH", ALWAYS_WALKED)
    walks: list[int] = []
    walk = services.walk_matches
    monkeypatch.setattr(services, "walk_matches", lambda *args: walks.append(1) or walk(*args))
    with app.app_context():
        listed = maps.list_in_view(InitiativeFilter(), LEEDS)
        assert [found.initiative.id for found in listed.results] == plain_order(
            InitiativeFilter(bbox=LEEDS), "title"
        )[:4]
        assert not walks
        newest = list_initiatives(InitiativeFilter(bbox=LEEDS), "newest", 1, 4)
        assert [found.initiative.id for found in newest.results] == plain_order(
            InitiativeFilter(bbox=LEEDS), "newest"
        )[:4]
        assert walks


@pytest.mark.parametrize("sort", ["newest", "title"])
def test_a_walk_that_finds_its_matches_late_gives_way_to_reading_them_by_id(
    app, city_site, monkeypatch, sort
):
    """The ended initiatives are last newest first and by title: a walk sized by their share
    reads once without finding them, and the page is read by id instead, as a plain ORDER
    BY."""
    monkeypatch.setattr(facet_index, "SPREAD_OUT", 5)  # 4 of 94: rare here
    monkeypatch.setattr(facet_index, "ENTRIES_PER_MATCH", {"sqlite": 15.0, "postgresql": 15.0})
    walked: list[list[int] | None] = []
    walk = services.walk_matches
    monkeypatch.setattr(
        services, "walk_matches", lambda *args: walked.append(walk(*args)) or walked[-1]
    )
    initiative_filter = InitiativeFilter(statuses=("ended",))
    with app.app_context():
        plain = plain_order(initiative_filter, sort)
        assert len(plain) == 4
        assert pages_of(initiative_filter, sort, per_page=2, by_id=True) == plain
    assert walked[0] is None  # the first page: walked to, given up


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
