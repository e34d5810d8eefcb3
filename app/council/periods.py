"""The dashboard's periods: the UK financial year (April to March), calendar years, any dates.

A period is the shared filters' ``active_from`` and ``active_to``: the initiatives whose work ran
at some time in it. The presets are links that fill both in, so they work without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

FINANCIAL_YEAR_STARTS = 4  # April
PRESET_YEARS = 3  # this financial (and calendar) year and the two before


@dataclass(frozen=True)
class Period:
    """A named span of days, both ends included."""

    label: str
    start: date
    end: date


def financial_year(first_year: int) -> Period:
    """The UK financial year beginning on 1 April of ``first_year``: "2025–26"."""
    label = f"{first_year}–{(first_year + 1) % 100:02d}"
    return Period(label, date(first_year, FINANCIAL_YEAR_STARTS, 1), date(first_year + 1, 3, 31))


def financial_year_of(day: date) -> Period:
    """The financial year a day falls in."""
    return financial_year(day.year if day.month >= FINANCIAL_YEAR_STARTS else day.year - 1)


def calendar_year(year: int) -> Period:
    return Period(str(year), date(year, 1, 1), date(year, 12, 31))


def financial_years(today: date) -> list[Period]:
    """This financial year and the ones before it, newest first."""
    first = financial_year_of(today).start.year
    return [financial_year(year) for year in range(first, first - PRESET_YEARS, -1)]


def calendar_years(today: date) -> list[Period]:
    """This calendar year and the ones before it, newest first."""
    return [calendar_year(year) for year in range(today.year, today.year - PRESET_YEARS, -1)]


def describe_period(start: date | None, end: date | None) -> str | None:
    """How the page names a chosen period: "financial year 2025–26", "2024", or None for
    any other span (the page then shows its dates)."""
    if start is None or end is None:
        return None
    if start.month == FINANCIAL_YEAR_STARTS and start.day == 1:
        year = financial_year(start.year)
        if end == year.end:
            return _("financial year %(label)s", label=year.label)
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return _("calendar year %(year)s", year=start.year)
    return None
