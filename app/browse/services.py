"""Listing published initiatives: sorting, paging and the options of the filter form."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select
from sqlalchemy.orm import lazyload, selectinload
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.initiatives.models import Initiative, InitiativeTheme
from app.initiatives.public import published_initiatives
from app.initiatives.vocabulary import SECTORS, STAGES, STATUSES
from app.neighbourhoods.models import Neighbourhood
from app.search.services import search_ranking
from app.shared_filters.parse import InitiativeFilter, is_slug
from app.shared_filters.query import apply_filters, distance_km
from app.themes.models import Theme
from app.urls import MAX_PAGE

SORTS = {
    "newest": "Newest first",
    "updated": "Recently updated",
    "title": "Title A–Z",
    "distance": "Nearest first",
}
RELEVANCE = "relevance"  # the order when searching and no sort is asked for (sort left out)
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


def resolve_sort(requested: str | None, initiative_filter: InitiativeFilter) -> str:
    """The sort to use: the one asked for when it applies, else relevance (searching) or newest."""
    if requested in SORTS and (requested != "distance" or initiative_filter.near):
        return requested
    if initiative_filter.q and search_ranking(initiative_filter.q) is not None:
        return RELEVANCE
    return "newest"


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
    initiative_filter: InitiativeFilter, sort: str, page: int, per_page: int
) -> ResultPage:
    """One page of the published initiatives matching the filter, in the given order."""
    matching = apply_filters(published_initiatives(), initiative_filter)
    total = db.session.scalar(matching.with_only_columns(func.count(Initiative.id))) or 0
    query = sort_initiatives(matching, sort, initiative_filter)
    if initiative_filter.near:
        query = query.add_columns(distance_km(initiative_filter.near).label("distance"))
    query = (
        query.options(
            selectinload(Initiative.theme_links).joinedload(InitiativeTheme.theme),
            lazyload(Initiative.stage_links),
            # The example text in each result reads participants and outcomes.
            selectinload(Initiative.participants),
            selectinload(Initiative.outcomes),
        )
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = db.session.execute(query).all()
    results = [Result(row[0], row[1] if initiative_filter.near else None) for row in rows]
    return ResultPage(results, total, page, per_page, sort)


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
            theme.name,
            count("theme", theme.slug),
            theme.slug in ticked_themes,
            theme.colour,
        )
        for theme in db.session.scalars(select(Theme).order_by(Theme.position, Theme.name))
    ]
    ticked_places = {slug for slug in chosen.getlist("neighbourhood") if is_slug(slug)}
    offered = ticked_places | set((counts or {}).get("neighbourhood", {}))
    places = select(Neighbourhood.slug, Neighbourhood.name).where(Neighbourhood.slug.in_(offered))
    neighbourhoods = [
        FacetOption(slug, name, count("neighbourhood", slug), slug in ticked_places)
        for slug, name in db.session.execute(places.order_by(Neighbourhood.name))
    ]
    return FilterOptions(
        themes=themes,
        stages=options("stage", STAGES),
        sectors=options("sector", SECTORS),
        statuses=options("status", STATUSES),
        neighbourhoods=neighbourhoods,
        verified_count=None if counts is None else counts["verified"]["1"],
    )
