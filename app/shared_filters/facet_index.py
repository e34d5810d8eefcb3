"""Facet counts and totals from in-memory bitmaps, one per facet value, intersected per request.

Each process keeps, for the published initiatives, a Roaring bitmap of ids per theme, stage,
sector, neighbourhood and status, one of the verified ones and one of them all, and bitmaps of
them by the day their work started and the day it ended (``app.shared_filters.periods``). A
request's matches are the intersection of its facets' bitmaps (the union of a facet's values:
repeating a parameter OR-s them), of its active period's (a union of day, month and
cumulative year bitmaps at each end, exact to the day, as ``active_in`` counts) and, for what
no bitmap holds (``q``, ``bbox``, ``near``, ``updated_since``), of the ids one indexed query
returns. Every facet count is then one intersection's cardinality: no GROUP BY over the
matches, whatever their number.

The bitmaps are kept as ``app.shared_filters.kept_index`` keeps an index: tagged with the facet
version they were read at, and patched from the log of changes (their start and end days too)
when the database holds another. Every worker and instance counts what the database holds now.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce

from pyroaring import BitMap
from sqlalchemy import Connection, ScalarSelect, Select, select

from app.database import read_batches
from app.extensions import db
from app.initiatives.models import (
    Initiative,
    InitiativeStage,
    InitiativeTheme,
    Outcome,
    Participant,
)
from app.initiatives.public import PUBLISHED, published_only
from app.neighbourhoods.models import Neighbourhood
from app.search.services import search_matches
from app.shared_filters.kept_index import current_index, forget_index
from app.shared_filters.parse import FACETS, InitiativeFilter
from app.shared_filters.periods import PeriodBitmaps, build_period_bitmaps
from app.shared_filters.point_index import current_point_index
from app.shared_filters.query import apply_filters
from app.themes.models import Theme

MULTI_FACETS = ("theme", "stage", "sector", "neighbourhood", "status")
# Matches few enough to read by id and sort (about 2 ms per thousand at a million), rather
# than walk an order's index past every initiative that does not match: lists and exports.
FEW_MATCHES = 30_000
# Matches of facets alone at most one in this many of the published are read by id or walked
# to (``choose_page_read``); more are spread through the order, and the database's own walk
# of its index reaches them as quickly (at 100,000 on PostgreSQL, sector=police: 220 ms by
# id, 38 ms left to the database; SQLite 49 and 24).
SPREAD_OUT = 50
# How many index entries a walk reads for the cost of one match read by id, measured at
# 200,000 (bench-data). SQLite's order indexes hold the id (its rowid): a walk reads them
# alone, 0.6–0.9 µs an entry, and a match read by id and sorted costs 1.8–2.0 µs. On
# PostgreSQL a walk is never the cheaper (0: few matches are always read by id): its order
# indexes do not hold the id (newest, updated) or cannot give it without the row
# (lower(title): an expression's index is not read alone), so each entry walked visits the
# table as a match read by id does, 4–6 µs; and its planner, handed the ids, walks the
# order's index itself, the ids a filter, when it reckons that quicker. Every page walked
# there at 1.5 was slower than read by id (a city's first 20: 30 ms against 37 by the API).
ENTRIES_PER_MATCH = {"sqlite": 2.5, "postgresql": 0.0}
WALK_FLOOR = 100  # the fewest index entries a walk reads at once
EXTENSION = "coproduce_facet_index"


@dataclass
class FacetIndex:
    """The published initiatives' ids, all and per facet value, at one data version."""

    version: int
    last_change: int  # the newest row of the change log read (app.shared_filters.changes)
    published: BitMap
    values: dict[str, dict[str, BitMap]] = field(default_factory=dict)
    verified: BitMap = field(default_factory=BitMap)
    periods: PeriodBitmaps = field(default_factory=PeriodBitmaps)  # by start and end day

    def facet_set(self, facet: str, chosen: tuple[str, ...]) -> BitMap:
        """The initiatives having any of the chosen values of a facet."""
        known = self.values[facet]
        return BitMap().union(*(known[value] for value in chosen if value in known))

    def narrowed(self, initiative_filter: InitiativeFilter, leave_out: str | None) -> list[BitMap]:
        """The bitmaps whose intersection is the filter's facets' matches (less one facet)."""
        sets = [self.published]
        for facet in MULTI_FACETS:
            chosen = initiative_filter.values_of(facet)
            if chosen and facet != leave_out:
                sets.append(self.facet_set(facet, chosen))
        if initiative_filter.verified and leave_out != "verified":
            sets.append(self.verified)
        return sets


def _read_ids(connection: Connection, query: Select) -> BitMap:
    """The ids a one-column select returns."""
    found = BitMap()
    for rows in read_batches(connection, query):
        found.update([row[0] for row in rows])
    return found


@dataclass(frozen=True)
class _Facet:
    """How one facet's values and each value's initiatives are read."""

    values: Callable[[], Select]  # the values (slugs) there are
    pairs: Callable[[], Select]  # (value, initiative id) rows
    ids_of: Callable[[str], Select]  # the initiatives having one value


def _facets() -> dict[str, _Facet]:
    public = Initiative.state == PUBLISHED

    def theme_id(slug: str) -> ScalarSelect[int]:
        return select(Theme.id).where(Theme.slug == slug).scalar_subquery()

    def place_id(slug: str) -> ScalarSelect[int]:
        return select(Neighbourhood.id).where(Neighbourhood.slug == slug).scalar_subquery()

    return {
        "theme": _Facet(
            lambda: select(Theme.slug),
            lambda: select(Theme.slug, InitiativeTheme.initiative_id).join(
                Theme, Theme.id == InitiativeTheme.theme_id
            ),
            lambda slug: select(InitiativeTheme.initiative_id).where(
                InitiativeTheme.theme_id == theme_id(slug)
            ),
        ),
        "stage": _Facet(
            lambda: select(InitiativeStage.stage).distinct(),
            lambda: select(InitiativeStage.stage, InitiativeStage.initiative_id),
            lambda stage: select(InitiativeStage.initiative_id).where(
                InitiativeStage.stage == stage
            ),
        ),
        "sector": _Facet(
            lambda: select(Participant.sector).distinct(),
            lambda: select(Participant.sector, Participant.initiative_id),
            lambda sector: select(Participant.initiative_id).where(Participant.sector == sector),
        ),
        "neighbourhood": _Facet(
            lambda: select(Neighbourhood.slug),
            lambda: select(Neighbourhood.slug, Initiative.id).join(
                Neighbourhood, Neighbourhood.id == Initiative.neighbourhood_id
            ),
            lambda slug: select(Initiative.id).where(
                public, Initiative.neighbourhood_id == place_id(slug)
            ),
        ),
        "status": _Facet(
            lambda: select(Initiative.status).where(public).distinct(),
            lambda: select(Initiative.status, Initiative.id),
            lambda status: select(Initiative.id).where(public, Initiative.status == status),
        ),
    }


def _verified_ids() -> Select:
    return select(Outcome.initiative_id).where(Outcome.verified_at.is_not(None))


def build_facet_index(connection: Connection, version: int, last: int = 0) -> FacetIndex:
    """Read every facet value's initiatives: one indexed scan per value."""
    published = _read_ids(connection, published_only(select(Initiative.id)))
    values = {
        name: {
            value: _read_ids(connection, facet.ids_of(value)) & published
            for value in connection.scalars(facet.values())
        }
        for name, facet in _facets().items()
    }
    verified = published & _read_ids(connection, _verified_ids())
    periods = build_period_bitmaps(connection)
    return FacetIndex(version, last, published, values, verified, periods)


def patched_facet_index(
    index: FacetIndex, connection: Connection, version: int, last: int, changed: BitMap
) -> FacetIndex:
    """A copy of the bitmaps with the changed initiatives' facets read again. A bitmap that
    neither held nor gains a changed initiative is shared with the index before (none is
    ever changed in place): copying every value's bitmap of a million initiatives cost the
    first request after each public change, in every process, several milliseconds."""
    ids = list(changed)
    published = _without(index.published, changed) | _read_ids(
        connection, published_only(select(Initiative.id)).where(Initiative.id.in_(ids))
    )
    values: dict[str, dict[str, BitMap]] = {}
    for name, facet in _facets().items():
        pairs = facet.pairs()
        id_column = list(pairs.selected_columns)[1]
        gained: dict[str, BitMap] = {}
        for value, initiative_id in connection.execute(pairs.where(id_column.in_(ids))):
            if initiative_id in published:
                gained.setdefault(value, BitMap()).add(initiative_id)
        kept = {value: _without(found, changed) for value, found in index.values[name].items()}
        for value, found in gained.items():
            kept[value] = kept[value] | found if value in kept else found
        values[name] = kept
    verified = _without(index.verified, changed) | (
        published & _read_ids(connection, _verified_ids().where(Outcome.initiative_id.in_(ids)))
    )
    periods = index.periods.patched(connection, changed)
    return FacetIndex(version, last, published, values, verified, periods)


def _without(found: BitMap, changed: BitMap) -> BitMap:
    """``found`` less the changed initiatives: the very same bitmap when it holds none."""
    return found - changed if found.intersect(changed) else found


def current_facet_index() -> FacetIndex:
    """The bitmaps at the database's data version now, brought up to date if it moved on."""
    return current_index(EXTENSION, build_facet_index, patched_facet_index)


def forget_facet_index() -> None:
    """Drop the bitmaps kept (the next use reads them again in full): for tests that empty
    the database under a running app."""
    forget_index(EXTENSION)


def matching_ids(
    initiative_filter: InitiativeFilter, index: FacetIndex | None = None
) -> list[BitMap]:
    """Bitmaps of the ids matching what no facet bitmap holds: the active period (from the
    bitmaps by start and end day, ``index``: the current ones unless given), the words of
    ``q`` (read from the search index alone: the published bitmap is intersected anyway),
    the box (from the public points kept in memory for the map: at a million, a city's box
    takes 12–19 ms to read from the database and 5 ms here, Great Britain 549 and 12 ms), and
    ``near`` and ``updated_since`` (one indexed query over the published initiatives)."""
    f = initiative_filter
    index = index or current_facet_index()
    found = index.periods.active_in(index.published, f.active_from, f.active_to)
    if f.q:
        matches = search_matches(f.q)
        if matches is not None:
            found.append(_read_ids(db.session.connection(), matches))
    bbox = f.bbox
    if bbox:
        points = current_point_index()
        inside = points.inside(bbox)
        # No point on the map at all (after a restore, until the map's rebuild commits): the
        # box is asked of the initiatives themselves, as before the map was kept in memory.
        if inside or points.holds_points():
            found.append(inside)
            bbox = None
    rest = InitiativeFilter(
        updated_since=f.updated_since,
        bbox=bbox,
        near=f.near,
        radius_km=f.radius_km,
    )
    if not rest.is_empty:
        query = apply_filters(published_only(select(Initiative.id)), rest)
        found.append(_read_ids(db.session.connection(), query))
    return found


@dataclass(frozen=True)
class FacetSummary:
    """The total of a filter's matches, their ids and, per facet asked for, each value's
    count."""

    total: int
    counts: dict[str, dict[str, int]]
    matches: BitMap = field(default_factory=BitMap)


def summarise(
    initiative_filter: InitiativeFilter, facets: tuple[str, ...] = FACETS
) -> FacetSummary:
    """The total and facet counts of a filter: for facet F every filter but F's applies."""
    index = current_facet_index()
    extra = matching_ids(initiative_filter, index)

    def intersected(leave_out: str | None) -> BitMap:
        sets = index.narrowed(initiative_filter, leave_out) + extra
        sets.sort(key=len)
        return reduce(lambda left, right: left & right, sets[1:], sets[0])

    everything = intersected(None)
    counts: dict[str, dict[str, int]] = {}
    for facet in facets:
        if facet == "verified":
            base = intersected("verified") if initiative_filter.verified else everything
            counts["verified"] = {"1": base.intersection_cardinality(index.verified)}
            continue
        base = intersected(facet) if initiative_filter.values_of(facet) else everything
        counts[facet] = {
            value: found
            for value, ids in index.values[facet].items()
            if (found := base.intersection_cardinality(ids))
        }
    return FacetSummary(len(everything), counts, everything)


@dataclass(frozen=True)
class PageRead:
    """How one page of a list's matches is found (``choose_page_read``): ``way`` is DATABASE
    (the database's own query over the filter), BY_ID (every match read by id and sorted) or
    WALK (the order's index walked, each id kept if it matches: ``walk_matches``)."""

    way: str
    first_read: int = 0  # the index entries a walk reads first
    gives_way: bool = False  # a walk that reads once, then leaves the page to reading by id


DATABASE, BY_ID, WALK = "database", "by id", "walk"


def choose_page_read(
    initiative_filter: InitiativeFilter, matches: BitMap, wanted: int, order: str | None
) -> PageRead:
    """How the first ``wanted`` matches in an order (``order``: its name when it has an index
    of its own to walk, else None) are found: by what each way costs, reckoned in index
    entries walked.

    Reading the matches by id fetches every match's row, wherever the table holds it, to sort
    them: ``ENTRIES_PER_MATCH`` entries' worth each. Walking the order's index reads its
    entries until the page is full: about ``wanted`` over the matches' share of the published
    (``walk_length``). So on SQLite a city's 7,700 matches at a million, newest first, are
    walked to for a first page of 20 (about 2,600 entries against 19,250), and 50 matches, or
    the city's last pages, are read by id; on PostgreSQL few matches are always read by id.
    More than FEW_MATCHES matches are never read by id (their ids alone would make a long
    statement): those a box, a distance, a period or a change date gathers are walked to, and
    the database's own query finds the rest. Matches of facets alone, unless rare (at most one
    in SPREAD_OUT of the published), are spread through the order: the database walks its own
    index to them as quickly, with no ids sent either way.

    The cost of a walk supposes the matches spread through the order. A place's are not, by
    title: a title often names its place, and bench-data's always do (``... in Leeds 123``),
    so a city's matches come in clumps (at 200,000 the 20th in Leeds lay at 8,393 in title
    order, not the 1,797 its share says). Few of them are read by id in that order."""
    walkable = order is not None
    many = len(matches) > FEW_MATCHES
    if many and not (walkable and initiative_filter.gathers):
        return PageRead(DATABASE)
    published = len(current_facet_index().published)
    if many:
        return PageRead(WALK, _first_read(len(matches), published, wanted))
    if not initiative_filter.gathers and len(matches) * SPREAD_OUT > published:
        return PageRead(DATABASE)
    clumped = order == "title" and (initiative_filter.bbox or initiative_filter.near)
    if not walkable or clumped:
        return PageRead(BY_ID)
    per_match = ENTRIES_PER_MATCH[db.session.get_bind().dialect.name]
    return cheaper_page_read(len(matches), published, wanted, per_match)


def cheaper_page_read(
    matches: int, published: int, wanted: int, entries_per_match: float
) -> PageRead:
    """Reading ``matches`` by id, each costing ``entries_per_match`` index entries walked, or
    walking to the first ``wanted`` of them among ``published``: whichever costs less. Such a
    walk may give way to reading by id: it reads once, no more than the cost of that read."""
    by_id = math.ceil(matches * entries_per_match)  # in index entries' worth
    if walk_length(matches, published, wanted) < by_id:
        return PageRead(WALK, min(_first_read(matches, published, wanted), by_id), True)
    return PageRead(BY_ID)


def walk_length(matches: int, published: int, wanted: int) -> int:
    """The index entries a walk is expected to read to find the first ``wanted`` of
    ``matches`` spread through ``published`` initiatives: the ``wanted``-th match's expected
    place, or every entry when the page reaches the last match."""
    if wanted >= matches:
        return published
    return math.ceil(wanted * (published + 1) / (matches + 1))


def _first_read(matches: int, published: int, wanted: int) -> int:
    """The entries a walk reads first: enough for ``wanted`` matches nearly always when they
    are spread evenly (two standard deviations past the expected number), at least
    WALK_FLOOR."""
    wanted = min(wanted, matches)
    margin = wanted + 2 * math.sqrt(wanted)
    return max(WALK_FLOOR, math.ceil(margin * published / max(matches, 1)))


def walk_matches(
    order: Select,
    matches: BitMap,
    skip: int,
    count: int,
    first_read: int = WALK_FLOOR,
    gives_way: bool = False,
) -> list[int] | None:
    """The ids of one page of matches in an order: the published ids read in the order's own
    index (``order`` selects the ids alone), each kept if the matches hold it, until ``skip``
    and ``count`` more are found (or every match has been). The database neither filters nor
    sorts the matches: at a million, a box holding a quarter of them took 390–460 ms to read
    and sort whole before its first page could be taken, 20 ms walked. SQLite's order indexes
    hold the ids; PostgreSQL's do not, and each entry walked visits the table there
    (``ENTRIES_PER_MATCH``).

    The index is read with plain LIMITs: ``first_read`` entries (``choose_page_read`` sizes it
    by the matches' share of the published), then four times as many each time the page is
    not yet full (a server-side cursor's round trips, and its 2,000 entries a fetch, cost
    PostgreSQL 7–10 ms a list page at 200,000). A walk that ``gives_way`` reads once: if that read
    does not fill the page, None tells the caller to read the matches by id, since they lie
    further on than their share says (a period long past, newest first), and the rest of the
    walk could pass much of the published."""
    wanted = min(skip + count, len(matches))
    found: list[int] = []
    size, read = max(first_read, 1), 0
    connection = db.session.connection()
    while len(found) < wanted:
        ids = connection.scalars(order.limit(size).offset(read)).all()
        found.extend(initiative_id for initiative_id in ids if initiative_id in matches)
        read += len(ids)
        if len(ids) < size:
            break
        if gives_way and len(found) < wanted:
            return None
        size *= 4
    return found[skip : skip + count]
