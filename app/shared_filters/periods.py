"""The active period (``active_from`` / ``active_to``) from bitmaps: the published initiatives
by the day their work started and by the day it ended, kept in the facet index
(``app.shared_filters.facet_index``) beside the facets' bitmaps.

``active_in`` (``app.shared_filters.query``) is two conditions, each a range of one day:

- not ended before ``active_from``: every published initiative but those whose ``ended_on``
  falls before it (no end date: it runs on);
- started by ``active_to``: those whose ``started_on`` falls on or before it, or, with no start
  date, first published before that day ended in the site's time zone. So an initiative's start
  day here is ``started_on``, or else the day of ``published_at`` counted as the SQL counts it
  (the same ``start_of_day`` boundaries, compared with the stored values); with neither it
  never matches an end.

"On or before a day" is then a union of at most 43 bitmaps: every year before the day's year
at once (a cumulative bitmap per year), the day's year's months before its month, and its
month's days up to the day: exact to the day with no query at the boundaries. At a million
initiatives (bench-data, 2008 to now) that is about 14,000 bitmaps, 11 MB serialised and 34 MB
of a process's memory, most of it the small per-day bitmaps' own overhead; a cumulative
bitmap per month instead of per year would hold every id once per month
(docs/operating/benchmarks.md, "The active period from bitmaps").
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import chain, groupby
from typing import Any

from pyroaring import BitMap
from sqlalchemy import ColumnElement, Connection, select

from app.database import read_batches
from app.initiatives.models import Initiative
from app.initiatives.public import published_only
from app.timeutil import start_of_day, to_local

Month = tuple[int, int]


@dataclass(frozen=True)
class DayBitmaps:
    """Initiatives by a day (when their work started, or ended): per day, per month, and
    cumulatively per year. Never changed in place: a patched copy shares what it can."""

    days: dict[date, BitMap] = field(default_factory=dict)
    months: dict[Month, BitMap] = field(default_factory=dict)
    through_year: dict[int, BitMap] = field(default_factory=dict)  # every day to the year's end
    years: list[int] = field(default_factory=list)  # through_year's keys, in order

    @classmethod
    def from_days(cls, days: dict[date, BitMap]) -> DayBitmaps:
        """Months and cumulative years gathered from the days' bitmaps."""
        return cls(days).gathered(set(_month_of(day) for day in days))

    def gathered(self, touched: set[Month]) -> DayBitmaps:
        """A copy with the touched months gathered again from their days, and the cumulative
        years from the first touched one on (the earlier ones are shared)."""
        months = dict(self.months)
        for month in touched:
            found = [self.days[day] for day in _days_in(month) if day in self.days]
            if found:
                months[month] = BitMap.union(*found)
            else:
                months.pop(month, None)
        months = dict(sorted(months.items()))
        first = min((year for year, _ in touched), default=None)
        if first is None:
            return DayBitmaps(self.days, months, self.through_year, self.years)
        through_year = {year: found for year, found in self.through_year.items() if year < first}
        so_far = through_year[max(through_year)] if through_year else BitMap()
        later = ((month, found) for month, found in months.items() if month[0] >= first)
        for year, in_year in groupby(later, key=lambda item: item[0][0]):
            so_far = so_far.union(*(found for _, found in in_year))
            through_year[year] = so_far
        return DayBitmaps(self.days, months, through_year, list(through_year))

    def on_or_before(self, day: date) -> BitMap:
        """The initiatives whose day is ``day`` or earlier: one union."""
        parts = []
        earlier = bisect.bisect_left(self.years, day.year)
        if earlier:
            parts.append(self.through_year[self.years[earlier - 1]])
        for month in range(1, day.month):
            if found := self.months.get((day.year, month)):
                parts.append(found)
        for number in range(1, day.day + 1):
            if found := self.days.get(day.replace(day=number)):
                parts.append(found)
        return BitMap.union(*parts) if parts else BitMap()

    def before(self, day: date) -> BitMap:
        """The initiatives whose day is earlier than ``day``."""
        return BitMap() if day == date.min else self.on_or_before(day - timedelta(days=1))

    def patched(self, changed: BitMap, days: dict[date, BitMap]) -> DayBitmaps:
        """A copy with the changed initiatives taken out, then put back on their ``days``
        now. Only the months they were or are in are gathered again; every other bitmap is
        shared (none is ever changed in place)."""
        touched = {month for month, found in self.months.items() if found.intersect(changed)}
        touched |= {_month_of(day) for day in days}
        kept = dict(self.days)
        for day in (day for month in touched for day in _days_in(month) if day in kept):
            if kept[day].intersect(changed):
                kept[day] = kept[day] - changed
        for day, found in days.items():
            kept[day] = kept[day] | found if day in kept else found
        for month in touched:
            for day in [day for day in _days_in(month) if day in kept and not kept[day]]:
                del kept[day]
        return DayBitmaps(kept, self.months, self.through_year, self.years).gathered(touched)

    def held(self) -> Iterator[BitMap]:
        """Every bitmap kept (to measure their memory)."""
        yield from self.days.values()
        yield from self.months.values()
        yield from self.through_year.values()


@dataclass(frozen=True)
class PeriodBitmaps:
    """The published initiatives by start day and by end day (see the module docstring)."""

    started: DayBitmaps = field(default_factory=DayBitmaps)
    ended: DayBitmaps = field(default_factory=DayBitmaps)

    def active_in(self, published: BitMap, start: date | None, end: date | None) -> list[BitMap]:
        """Bitmaps whose intersection is ``active_in(start, end)`` over the published: none
        when neither end of the period narrows."""
        found = []
        if start:
            found.append(published - self.ended.before(start))
        if end and end < date.max:  # the last day there is leaves nothing out
            found.append(self.started.on_or_before(end))
        return found

    def patched(self, connection: Connection, changed: BitMap) -> PeriodBitmaps:
        """A copy with the changed initiatives' days read again."""
        started, ended = read_period_days(connection, list(changed))
        return PeriodBitmaps(
            self.started.patched(changed, started), self.ended.patched(changed, ended)
        )


def _month_of(day: date) -> Month:
    return day.year, day.month


def _days_in(month: Month) -> Iterator[date]:
    day = date(*month, 1)
    while _month_of(day) == month:
        yield day
        if day == date.max:
            return
        day += timedelta(days=1)


def build_period_bitmaps(connection: Connection) -> PeriodBitmaps:
    """Every published initiative's start and end day: three ordered index ranges."""
    started, ended = read_period_days(connection)
    return PeriodBitmaps(DayBitmaps.from_days(started), DayBitmaps.from_days(ended))


def read_period_days(
    connection: Connection, ids: list[int] | None = None
) -> tuple[dict[date, BitMap], dict[date, BitMap]]:
    """The published initiatives (or those of ``ids``) by start day and by end day."""

    def rows_of(column: Any, *conditions: ColumnElement[bool]) -> Iterator[tuple[Any, int]]:
        query = published_only(select(column, Initiative.id)).where(*conditions)
        if ids is not None:
            query = query.where(Initiative.id.in_(ids))
        return chain.from_iterable(read_batches(connection, query.order_by(column)))

    started = _by_day(rows_of(Initiative.started_on, Initiative.started_on.is_not(None)))
    undated = rows_of(
        Initiative.published_at,
        Initiative.started_on.is_(None),
        Initiative.published_at.is_not(None),
    )
    for day, found in _by_published_day(undated, _PublishedDay(connection)).items():
        started[day] = started[day] | found if day in started else found
    ended = _by_day(rows_of(Initiative.ended_on, Initiative.ended_on.is_not(None)))
    return started, ended


def _by_day(rows: Iterable[tuple[Any, int]]) -> dict[date, BitMap]:
    """(date, id) rows ordered by date, grouped by day: each date read once per run."""
    found: dict[date, list[int]] = {}
    for value, run in groupby(rows, key=lambda row: row[0]):
        day = value if isinstance(value, date) else date.fromisoformat(value)  # SQLite: text
        found.setdefault(day, []).extend(row[1] for row in run)
    return {day: BitMap(ids) for day, ids in found.items()}


def _by_published_day(
    rows: Iterable[tuple[Any, int]], published_day: _PublishedDay
) -> dict[date, BitMap]:
    """(published_at, id) rows ordered by the moment, grouped by the day it fell on: the day
    is worked out again only when a moment falls out of the last one's day."""
    found: dict[date, list[int]] = {}
    low = high = None
    ids: list[int] = []
    for stored, initiative_id in rows:
        if low is None or not low <= stored < high:
            day = published_day(stored)
            low, high = published_day.boundary(day), published_day.boundary(_next(day))
            ids = found.setdefault(day, [])
        ids.append(initiative_id)
    return {day: BitMap(ids) for day, ids in found.items()}


def _next(day: date) -> date:
    return day + timedelta(days=1) if day < date.max else day


class _PublishedDay:
    """The day, in the site's time zone, that counts as the start of an initiative with no
    start date: the day ``d`` with start_of_day(d) <= published_at < start_of_day(d + 1), each
    boundary compared as the SQL of ``active_in`` compares it (the bound value against the
    stored one: on SQLite, text)."""

    def __init__(self, connection: Connection):
        dialect = connection.dialect
        self.bind = Initiative.published_at.type.dialect_impl(dialect).bind_processor(dialect)
        self.boundaries: dict[date, Any] = {}

    def boundary(self, day: date) -> Any:
        """The moment ``day`` begins, as the database compares it."""
        if day not in self.boundaries:
            moment = start_of_day(day)
            self.boundaries[day] = self.bind(moment) if self.bind else moment
        return self.boundaries[day]

    def __call__(self, stored: Any) -> date:
        moment = stored if isinstance(stored, datetime) else datetime.fromisoformat(stored)
        day = to_local(moment).date()  # a guess, then checked against the boundaries
        while day > date.min and stored < self.boundary(day):
            day -= timedelta(days=1)
        while _next(day) > day and stored >= self.boundary(_next(day)):
            day = _next(day)
        return day
