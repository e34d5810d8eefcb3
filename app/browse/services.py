"""Listing published initiatives: sorting, paging and the options of the filter form."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from pyroaring import BitMap
from sqlalchemy import Select, func, select
from sqlalchemy.orm import lazyload, selectinload
from werkzeug.datastructures import MultiDict

from app.database import in_ids
from app.extensions import db
from app.i18n import lazy_text as _l
from app.initiatives.bilingual import local_name
from app.initiatives.models import Initiative, InitiativeTheme
from app.initiatives.public import published_initiatives, published_only
from app.initiatives.vocabulary import SECTORS, STAGES, STATUSES
from app.neighbourhoods.models import Neighbourhood
from app.search.services import MANY_MATCHES, search_ranking
from app.shared_filters.canonical import filter_pairs
from app.shared_filters.facet_index import (
    DATABASE,
    WALK,
    choose_page_read,
    summarise,
    walk_matches,
)
from app.shared_filters.parse import InitiativeFilter, is_slug
from app.shared_filters.query import apply_filters, distance_km
from app.themes.models import Theme
from app.urls import MAX_PAGE

SORTS = {
    "newest": _l("Newest first"),
    "updated": _l("Recently updated"),
    "title": _l("Title A–Z"),
    "distance": _l("Nearest first"),
}
RELEVANCE = "relevance"  # the order when searching and no sort is asked for (sort left out)
# Ranking scores every match (bm25 on SQLite, ts_rank on PostgreSQL) before the first page can
# be taken: about 2 ms per thousand matches. Past this many, a search lists its matches newest
# first and says so, rather than make a common word take seconds.
RANK_LIMIT = MANY_MATCHES
# Orders with an index of their own (newest, updated, title), and relevance once a search has
# too many matches to rank (it lists them newest first): in these, a page of the matches may
# be found by walking that index's ids (``choose_page_read``).
WALKED_SORTS = ("newest", "updated", "title", RELEVANCE)
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


@dataclass
class Result:
    """One initiative in a list, with its distance from ``near`` when there is one."""

    initiative: Initiative
    distance_km: float | None = None


@dataclass
class ResultPage:
    """One page of a sorted, filtered list of published initiatives."""

    results: list[Result]
    total: int
    page: int
    per_page: int
    sort: str

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


@dataclass
class FacetOption:
    """One choice in the filter form: its value, label, result count and whether it is on."""

    value: str
    label: str
    count: int | None
    checked: bool
    colour: str | None = None


@dataclass
class FilterOptions:
    """Every choice the filter form offers, with counts (None when not counted)."""

    themes: list[FacetOption] = field(default_factory=list)
    stages: list[FacetOption] = field(default_factory=list)
    sectors: list[FacetOption] = field(default_factory=list)
    statuses: list[FacetOption] = field(default_factory=list)
    neighbourhoods: list[FacetOption] = field(default_factory=list)
    verified_count: int | None = None


def resolve_sort(
    requested: str | None, initiative_filter: InitiativeFilter, total: int | None = None
) -> str:
    """The sort to use: the one asked for when it applies, else relevance (searching, with
    ``total``, the number of matches, at most RANK_LIMIT when known) or newest."""
    if requested in SORTS and (requested != "distance" or initiative_filter.near):
        return requested
    if is_ranked(initiative_filter, total):
        return RELEVANCE
    return "newest"


def is_ranked(initiative_filter: InitiativeFilter, total: int | None) -> bool:
    """Whether a search's default order is best match first: it has words to rank by and no
    more than RANK_LIMIT matches (when ``total`` is known)."""
    if not initiative_filter.q or search_ranking(initiative_filter.q) is None:
        return False
    return total is None or total <= RANK_LIMIT


def count_active_filters(initiative_filter: InitiativeFilter, fixed: str | None = None) -> int:
    """The filters chosen: each search, value, tick, box or point counts once (a point's
    radius belongs to it); ``fixed``, the facet a page's address sets, is left out."""
    return sum(
        1
        for name, _value in filter_pairs(initiative_filter)
        if name != "radius_km" and name != fixed
    )


def read_paging(args: MultiDict) -> tuple[int, int]:
    """``page`` and ``per_page`` from the query string; odd values fall back to defaults."""
    page = args.get("page", 1, type=int)
    per_page = args.get("per_page", DEFAULT_PER_PAGE, type=int)
    page = min(page, MAX_PAGE) if page and page > 0 else 1
    per_page = min(per_page, MAX_PER_PAGE) if per_page and per_page > 0 else DEFAULT_PER_PAGE
    return page, per_page


def sort_initiatives(query: Select, sort: str, initiative_filter: InitiativeFilter) -> Select:
    """Order a select over Initiative; the id breaks ties so pages never overlap."""
    ranking = search_ranking(initiative_filter.q) if sort == RELEVANCE else None
    if ranking is not None:
        query = query.join(ranking, ranking.c.initiative_id == Initiative.id)
        return query.order_by(ranking.c.score.desc(), Initiative.id.desc())
    if sort == "distance" and initiative_filter.near:
        return query.order_by(distance_km(initiative_filter.near), Initiative.id)
    if sort == "updated":
        return query.order_by(Initiative.updated_at.desc(), Initiative.id.desc())
    if sort == "title":
        return query.order_by(func.lower(Initiative.title), Initiative.id)
    return query.order_by(Initiative.published_at.desc(), Initiative.id.desc())


def list_initiatives(
    initiative_filter: InitiativeFilter,
    sort: str,
    page: int,
    per_page: int,
    total: int | None = None,
    matches: BitMap | None = None,
) -> ResultPage:
    """One page of the published initiatives matching the filter, in the given order.

    ``total`` is the number of matches when the caller knows it already (with facet counts),
    and ``matches`` their ids (the facet bitmaps' intersection).
    """
    if total is None:
        summary = summarise(initiative_filter, ())
        total, matches = summary.total, summary.matches
    query = page_query(initiative_filter, sort, page, per_page, total, matches).options(
        selectinload(Initiative.theme_links).joinedload(InitiativeTheme.theme),
        lazyload(Initiative.stage_links),
        # The example text in each result reads participants and outcomes.
        selectinload(Initiative.participants),
        selectinload(Initiative.outcomes),
    )
    rows = db.session.execute(query).all()
    results = [Result(row[0], row[1] if initiative_filter.near else None) for row in rows]
    return ResultPage(results, total, page, per_page, sort)


def page_query(
    initiative_filter: InitiativeFilter,
    sort: str,
    page: int,
    per_page: int,
    total: int | None = None,
    matches: BitMap | None = None,
) -> Select:
    """The select of one page of matches: Initiative, and the distance when ``near`` is set.

    ``total``: the number of matches, when known; a search with more than RANK_LIMIT of them
    is read in the order's own index, each row looked up among the search's matches.
    ``matches``: their ids, when known; the page is then read from them by id (a period long
    past, a rare pair of facets, a box in a deep page) or found by walking the order's index
    (many matches, or a box's first pages), whichever costs less (``choose_page_read``).
    """
    narrowing = initiative_filter
    skip = (page - 1) * per_page
    if sort == RELEVANCE and search_ranking(initiative_filter.q) is not None:
        narrowing = replace(initiative_filter, q="")  # the ranking's join keeps the matches only
    elif matches is not None:
        walked = sort if sort in WALKED_SORTS else None
        read = choose_page_read(initiative_filter, matches, skip + per_page, walked)
        if read.way == WALK:
            order = sort_initiatives(
                published_only(select(Initiative.id)), sort, initiative_filter
            )
            ids = walk_matches(order, matches, skip, per_page, read.first_read, read.gives_way)
            if ids is not None:
                return _of_ids(ids, sort, initiative_filter)
        if read.way != DATABASE:  # read by id, or a walk that gave way to it
            return _of_ids(list(matches), sort, initiative_filter).limit(per_page).offset(skip)
    many = total is not None and total > RANK_LIMIT
    matching = apply_filters(published_initiatives(), narrowing, many_matches=many)
    query = _with_distance(sort_initiatives(matching, sort, initiative_filter), initiative_filter)
    return query.limit(per_page).offset(skip)


def _of_ids(ids: list[int], sort: str, initiative_filter: InitiativeFilter) -> Select:
    """These initiatives in the order asked for, with the distance when ``near`` is set."""
    query = sort_initiatives(
        published_initiatives().where(in_ids(Initiative.id, ids, db.session.get_bind().dialect)),
        sort,
        initiative_filter,
    )
    return _with_distance(query, initiative_filter)


def _with_distance(query: Select, initiative_filter: InitiativeFilter) -> Select:
    """The query with each initiative's distance from ``near`` beside it, when it is set."""
    if initiative_filter.near:
        return query.add_columns(distance_km(initiative_filter.near).label("distance"))
    return query


def filter_options(chosen: MultiDict, counts: dict[str, dict[str, int]] | None) -> FilterOptions:
    """The form's choices, ticked as the person asked (``chosen``: the query parameters).

    Neighbourhoods are many: only those with results, or already chosen, are offered.
    """

    def count(facet: str, value: str) -> int | None:
        return None if counts is None or facet not in counts else counts[facet].get(value, 0)

    def options(facet: str, vocabulary: dict[str, str]) -> list[FacetOption]:
        ticked = set(chosen.getlist(facet))
        return [
            FacetOption(value, label, count(facet, value), value in ticked)
            for value, label in vocabulary.items()
        ]

    ticked_themes = set(chosen.getlist("theme"))
    themes = [
        FacetOption(
            theme.slug,
            local_name(theme),
            count("theme", theme.slug),
            theme.slug in ticked_themes,
            theme.colour,
        )
        for theme in db.session.scalars(select(Theme).order_by(Theme.position, Theme.name))
    ]
    ticked_places = {slug for slug in chosen.getlist("neighbourhood") if is_slug(slug)}
    offered = ticked_places | set((counts or {}).get("neighbourhood", {}))
    places = select(Neighbourhood).where(Neighbourhood.slug.in_(offered))
    neighbourhoods = [
        FacetOption(
            place.slug,
            local_name(place),
            count("neighbourhood", place.slug),
            place.slug in ticked_places,
        )
        for place in db.session.scalars(places.order_by(Neighbourhood.name))
    ]
    return FilterOptions(
        themes=themes,
        stages=options("stage", STAGES),
        sectors=options("sector", SECTORS),
        statuses=options("status", STATUSES),
        neighbourhoods=neighbourhoods,
        verified_count=None if counts is None else counts["verified"]["1"],
    )
