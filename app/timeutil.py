"""Time: stored in UTC, shown in the site's ``TIMEZONE``."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from babel.dates import get_month_names
from flask import current_app

from app.languages import BABEL_LOCALES, ENGLISH, current_language


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware."""
    return datetime.now(UTC)


def to_local(moment: datetime) -> datetime:
    """Convert a stored time (UTC; naive values from SQLite count as UTC) to ``TIMEZONE``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))


def start_of_day(day: date) -> datetime:
    """The moment a day begins in ``TIMEZONE``, in UTC (for "on or after this day")."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def format_local(moment: datetime | None, pattern: str = "%-d %B %Y, %H:%M") -> str:
    """Render a stored time in ``TIMEZONE`` for people to read, its month named in the
    reader's language ("5 Rhagfyr 2026" on the Welsh pages)."""
    if moment is None:
        return ""
    local = to_local(moment)
    language = current_language()
    if language != ENGLISH and "%B" in pattern:
        month = get_month_names("wide", locale=BABEL_LOCALES[language])[local.month]
        pattern = pattern.replace("%B", month.replace("%", "%%"))
    return local.strftime(pattern)


def in_utc(moment: datetime) -> datetime:
    """A stored time read without its type's conversion (naive on SQLite) as a UTC time."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso_time(moment: datetime | None, zulu: bool = True) -> str | None:
    """A stored time as ISO 8601 in UTC: "2025-03-31T09:30:00Z" for the API, or with
    "+00:00" (``zulu=False``), the form Open Graph and schema.org examples use."""
    if moment is None:
        return None
    text = moment.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z") if zulu else text


def stored_iso_time(moment: datetime | None) -> str | None:
    """``iso_time`` of a time read as the database stores it (naive UTC on SQLite, which is
    written as it is: an export writes a million of them)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.isoformat() + "Z"
    return iso_time(moment)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or earlier when negative (the month's last day when it
    is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
