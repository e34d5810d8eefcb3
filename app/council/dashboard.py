"""The dashboard's numbers: grouped SQL over the published initiatives of an area.

Every figure is one aggregate query (GROUP BY in the database), so the dashboard makes the same
few queries whatever the number of initiatives. Only published initiatives count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TypeVar

from sqlalchemy import Select, SQLColumnExpression, case, distinct, func, select
from sqlalchemy.orm import aliased

from app.council.area import Selection
from app.extensions import db
from app.initiatives.models import (
    Initiative,
    InitiativeStage,
    InitiativeTheme,
    Outcome,
    Participant,
)
from app.initiatives.profile import EFFORT_GROUPS, effort_group, whole_percentages
from app.initiatives.public import published_only
from app.initiatives.vocabulary import CITIZEN_SECTORS, PUBLIC_SERVICE_SECTORS, SECTORS, STAGES
from app.shared_filters.query import apply_filters
from app.themes.models import Theme
from app.timeutil import to_local, utcnow

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

    @property
    def total(self) -> int:
        return self.verified + self.unverified


def _scoped(query: Select, selection: Selection) -> Select:
    """Only published initiatives, only in the area, only of the chosen themes."""
    query = published_only(query).where(selection.area.condition())
    return apply_filters(query, selection.theme_filter)


def count_initiatives(selection: Selection) -> int:
    """How many published initiatives the selection holds."""
    return db.session.scalar(_scoped(select(func.count(Initiative.id)), selection)) or 0


def count_by_theme(selection: Selection) -> list[ThemeCount]:
    """Initiatives per theme: with the theme among theirs (an initiative with several themes
    counts under each), and with it as their primary theme (these add up to the total)."""
    themes = db.session.scalars(select(Theme).order_by(Theme.position, Theme.name)).all()
    # An alias: the theme filter's own EXISTS over InitiativeTheme must not correlate with it.
    link = aliased(InitiativeTheme)
    query = _scoped(
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
        ThemeCount(theme.slug, theme.name, theme.colour, *counts.get(theme.id, (0, 0)))
        for theme in themes
    ]


def count_by_stage(selection: Selection) -> list[StageCount]:
    """Initiatives per co-produced stage (an initiative counts under each of its stages)."""
    query = _scoped(
        select(InitiativeStage.stage, func.count(Initiative.id))
        .select_from(Initiative)
        .join(InitiativeStage, InitiativeStage.initiative_id == Initiative.id)
        .group_by(InitiativeStage.stage),
        selection,
    )
    counts = dict(db.session.execute(query).all())
    return [StageCount(slug, label, counts.get(slug, 0)) for slug, label in STAGES.items()]


def month_starts(today: date, months: int = MONTHS) -> list[date]:
    """The first days of the last ``months`` months, oldest first, this month last."""
    index = today.year * 12 + today.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - months + 1, index + 1)]


def count_by_month(selection: Selection) -> list[MonthCount]:
    """Initiatives started and published in each of the last 24 months (months in TIMEZONE)."""
    return count_by_month_and_earlier(selection)[0]


def count_by_month_and_earlier(selection: Selection) -> tuple[list[MonthCount], MonthCount]:
    """The last 24 months, and what came before them (``month`` is the window's first day),
    so that totals cover every initiative and nothing older silently disappears.

    Each series is one query: a CASE sorts every row into its month's bucket by comparing it
    with the months' first moments, so time zones work the same on every database.
    """
    now = to_local(utcnow())
    starts = month_starts(now.date())
    following = date(now.year + now.month // 12, now.month % 12 + 1, 1)  # next month
    edges = [*starts, following]
    moments = [datetime.combine(day, time(0), tzinfo=now.tzinfo).astimezone(UTC) for day in edges]
    started = _bucket_counts(Initiative.started_on, edges, selection)
    published = _bucket_counts(Initiative.published_at, moments, selection)
    months = [
        MonthCount(month, started.get(i, 0), published.get(i, 0)) for i, month in enumerate(starts)
    ]
    return months, MonthCount(starts[0], started.get(-1, 0), published.get(-1, 0))


def _bucket_counts(
    column: SQLColumnExpression[When | None], edges: list[When], selection: Selection
) -> dict[int, int]:
    bucket = case(
        *[(column >= edges[i], i) for i in range(len(edges) - 2, -1, -1)],
        else_=-1,
    )
    query = _scoped(
        select(bucket.label("bucket"), func.count(Initiative.id))
        .where(column < edges[-1])  # bucket -1: before the first month
        .group_by("bucket"),
        selection,
    )
    return dict(db.session.execute(query).all())


def effort_by_sector(selection: Selection) -> list[SectorEffort]:
    """People and hours per participant sector, with how many initiatives each took part in."""
    query = _scoped(
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


def count_outcomes(selection: Selection) -> OutcomeCounts:
    """Outcomes of the selection's initiatives, verified or not (one query)."""
    query = _scoped(
        select(
            func.count(Outcome.id),
            func.count(Outcome.verified_at),
            func.count(distinct(case((Outcome.verified_at.is_not(None), Initiative.id)))),
        )
        .select_from(Initiative)
        .join(Outcome, Outcome.initiative_id == Initiative.id),
        selection,
    )
    total, verified, initiatives = db.session.execute(query).one()
    return OutcomeCounts(verified or 0, (total or 0) - (verified or 0), initiatives or 0)
