"""The dashboard's numbers: grouped SQL over the published initiatives of an area.

Every figure is one aggregate query (GROUP BY in the database), so the dashboard makes the same
few queries whatever the number of initiatives. Only published initiatives count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    and_,
    case,
    distinct,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from app.council.area import Selection
from app.extensions import db
from app.initiatives.bilingual import local_name
from app.initiatives.models import (
    Initiative,
    InitiativeStage,
    InitiativeTheme,
    Measurement,
    Outcome,
    Participant,
)
from app.initiatives.profile import EFFORT_GROUPS, effort_group, whole_percentages
from app.initiatives.public import published_only
from app.initiatives.vocabulary import CITIZEN_SECTORS, PUBLIC_SERVICE_SECTORS, SECTORS, STAGES
from app.shared_filters.query import apply_filters
from app.themes.models import Theme
from app.timeutil import add_months, to_local, utcnow

MONTHS = 24


When = TypeVar("When", date, datetime)


@dataclass(frozen=True)
class ThemeCount:
    slug: str
    name: str
    colour: str
    initiatives: int  # with this theme among theirs
    primary: int  # with this theme first


@dataclass(frozen=True)
class StageCount:
    slug: str
    label: str
    initiatives: int


@dataclass(frozen=True)
class MonthCount:
    month: date  # its first day
    started: int  # initiatives whose work started that month
    published: int  # initiatives first published that month (in the site's TIMEZONE)


@dataclass(frozen=True)
class SectorEffort:
    sector: str
    label: str
    group: str  # citizens, public_services, others
    initiatives: int
    people: int
    hours: float


@dataclass(frozen=True)
class GroupEffort:
    group: str
    label: str
    people: int
    hours: float
    people_percent: int | None  # None when no people (or hours) were recorded at all
    hours_percent: int | None


@dataclass(frozen=True)
class OutcomeCounts:
    verified: int
    unverified: int
    initiatives_verified: int  # initiatives with at least one verified outcome
    initiatives_measured: int = 0  # initiatives with an outcome measured in the last 12 months

    @property
    def total(self) -> int:
        return self.verified + self.unverified


def scoped(query: Select, selection: Selection) -> Select:
    """Only published initiatives, only in the area, of the chosen themes and period."""
    query = published_only(query).where(selection.area.condition())
    return apply_filters(query, selection.shared_filter)


def count_initiatives(selection: Selection) -> int:
    """How many published initiatives the selection holds."""
    return db.session.scalar(scoped(select(func.count(Initiative.id)), selection)) or 0


def count_by_theme(selection: Selection) -> list[ThemeCount]:
    """Initiatives per theme: with the theme among theirs (an initiative with several themes
    counts under each), and with it as their primary theme (these add up to the total)."""
    themes = db.session.scalars(select(Theme).order_by(Theme.position, Theme.name)).all()
    # An alias: the theme filter's own EXISTS over InitiativeTheme must not correlate with it.
    link = aliased(InitiativeTheme)
    query = scoped(
        select(
            link.theme_id,
            func.count(Initiative.id),
            func.sum(case((link.position == 0, 1), else_=0)),
        )
        .select_from(Initiative)
        .join(link, link.initiative_id == Initiative.id)
        .group_by(link.theme_id),
        selection,
    )
    counts = {
        theme_id: (total, primary or 0) for theme_id, total, primary in db.session.execute(query)
    }
    return [
        ThemeCount(theme.slug, local_name(theme), theme.colour, *counts.get(theme.id, (0, 0)))
        for theme in themes
    ]


def count_by_stage(selection: Selection) -> list[StageCount]:
    """Initiatives per co-produced stage (an initiative counts under each of its stages)."""
    query = scoped(
        select(InitiativeStage.stage, func.count(Initiative.id))
        .select_from(Initiative)
        .join(InitiativeStage, InitiativeStage.initiative_id == Initiative.id)
        .group_by(InitiativeStage.stage),
        selection,
    )
    counts = dict(db.session.execute(query).all())
    return [StageCount(slug, label, counts.get(slug, 0)) for slug, label in STAGES.items()]


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_of(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class OverTime:
    """The over-time chart's months, and what started or was published before and after
    them, so that totals cover every initiative and nothing silently disappears."""

    months: list[MonthCount]
    earlier: MonthCount  # ``month`` is the window's first day
    later: MonthCount  # ``month`` is the first day after the window


def chart_months(selection: Selection) -> list[date]:
    """The months the over-time chart shows, oldest first.

    A period of at most ``MONTHS`` months shows each of its months; otherwise the chart starts
    where the data does (the first month anything started or was published), at most
    ``MONTHS`` months before its end: the period's last month, or this month.
    """
    today = to_local(utcnow()).date()
    # Kept a month inside the calendar's ends, so that each month's edges can be computed.
    bounds = _month_index(date.min) + 1, _month_index(date.max) - 1
    last = min(max(_month_index(selection.active_to or today), bounds[0]), bounds[1])
    first = max(last - MONTHS + 1, bounds[0])
    if selection.active_from and _month_index(selection.active_from) >= first:
        first = _month_index(selection.active_from)
        if selection.active_to:
            return [_month_of(i) for i in range(first, last + 1)]
    earliest_start, earliest_publication = db.session.execute(
        scoped(
            select(func.min(Initiative.started_on), func.min(Initiative.published_at)), selection
        )
    ).one()
    known = [day for day in (earliest_start,) if day is not None]
    if earliest_publication is not None:
        known.append(to_local(earliest_publication).date())
    if known:
        first = max(first, min(_month_index(day) for day in known))
    first = min(first, last)
    return [_month_of(i) for i in range(first, last + 1)]


def count_over_time(selection: Selection) -> OverTime:
    """Initiatives started and published in each month of the chart, before it and after it
    (months in the site's TIMEZONE).

    Each series is one query: a CASE sorts every row into its month's bucket by comparing it
    with the months' first moments, so time zones work the same on every database.
    """
    starts = chart_months(selection)
    zone = to_local(utcnow()).tzinfo
    edges = [*starts, _month_of(_month_index(starts[-1]) + 1)]
    moments = [datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC) for day in edges]
    started = _bucket_counts(Initiative.started_on, edges, selection)
    published = _bucket_counts(Initiative.published_at, moments, selection)
    months = [
        MonthCount(month, started.get(i, 0), published.get(i, 0)) for i, month in enumerate(starts)
    ]
    after = len(starts)
    return OverTime(
        months,
        MonthCount(starts[0], started.get(-1, 0), published.get(-1, 0)),
        MonthCount(edges[-1], started.get(after, 0), published.get(after, 0)),
    )


def _bucket_counts(
    column: SQLColumnExpression[When | None], edges: list[When], selection: Selection
) -> dict[int, int]:
    """Rows per bucket: -1 before the first edge, i from edge i, len(edges) - 1 after the last."""
    bucket = case(
        (column >= edges[-1], len(edges) - 1),
        *[(column >= edges[i], i) for i in range(len(edges) - 2, -1, -1)],
        else_=-1,
    )
    query = scoped(
        select(bucket.label("bucket"), func.count(Initiative.id))
        .where(column.is_not(None))
        .group_by("bucket"),
        selection,
    )
    return dict(db.session.execute(query).all())


def _within(
    column: SQLColumnExpression[date | None], start: date | None, end: date | None
) -> ColumnElement[bool]:
    """A day column between two days, both included (either may be open)."""
    conditions = []
    if start:
        conditions.append(column >= start)
    if end:
        conditions.append(column <= end)
    return and_(*conditions)


def effort_by_sector(selection: Selection) -> list[SectorEffort]:
    """People and hours per participant sector, with how many initiatives each took part in."""
    query = scoped(
        select(
            Participant.sector,
            func.count(distinct(Initiative.id)),
            func.coalesce(func.sum(Participant.people), 0),
            func.coalesce(func.sum(Participant.hours), 0),
        )
        .select_from(Initiative)
        .join(Participant, Participant.initiative_id == Initiative.id)
        .group_by(Participant.sector),
        selection,
    )
    rows = {
        sector: (count, int(people), float(hours))
        for sector, count, people, hours in db.session.execute(query)
    }
    order = [*CITIZEN_SECTORS, *PUBLIC_SERVICE_SECTORS]
    order += [sector for sector in SECTORS if sector not in order]
    return [
        SectorEffort(sector, SECTORS[sector], effort_group(sector), *rows[sector])
        for sector in order
        if sector in rows
    ]


def effort_balance(sectors: list[SectorEffort]) -> list[GroupEffort]:
    """The co-production balance: residents and volunteers, public services, others; with
    shares of all people and of all hours that add up to 100."""
    people = dict.fromkeys(EFFORT_GROUPS, 0)
    hours = dict.fromkeys(EFFORT_GROUPS, 0.0)
    for row in sectors:
        people[row.group] += row.people
        hours[row.group] += row.hours
    people_shares = _shares(list(people.values()))
    hours_shares = _shares(list(hours.values()))
    return [
        GroupEffort(group, label, people[group], hours[group], people_shares[i], hours_shares[i])
        for i, (group, label) in enumerate(EFFORT_GROUPS.items())
    ]


def _shares(values: list[float]) -> list[int | None]:
    total = sum(values)
    if total <= 0:
        return [None] * len(values)
    return list(whole_percentages(values, total))


def count_outcomes(selection: Selection, today: date | None = None) -> OutcomeCounts:
    """Outcomes of the selection's initiatives, verified or not, and how many initiatives had
    an outcome measured in the period (by default the last 12 months; one query)."""
    if selection.active_from or selection.active_to:
        start, end = selection.active_from, selection.active_to
    else:
        start, end = add_months(today or to_local(utcnow()).date(), -12), None
    measured = or_(
        _within(Outcome.measured_on, start, end),
        exists().where(
            Measurement.outcome_id == Outcome.id, _within(Measurement.measured_on, start, end)
        ),
    )
    query = scoped(
        select(
            func.count(Outcome.id),
            func.count(Outcome.verified_at),
            func.count(distinct(case((Outcome.verified_at.is_not(None), Initiative.id)))),
            func.count(distinct(case((measured, Initiative.id)))),
        )
        .select_from(Initiative)
        .join(Outcome, Outcome.initiative_id == Initiative.id),
        selection,
    )
    total, verified, initiatives, recent = db.session.execute(query).one()
    return OutcomeCounts(
        verified or 0, (total or 0) - (verified or 0), initiatives or 0, recent or 0
    )
