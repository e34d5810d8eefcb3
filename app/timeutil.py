"""Time: stored in UTC, shown in the site's ``TIMEZONE``."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware."""
    return datetime.now(UTC)


def to_local(moment: datetime) -> datetime:
    """Convert a stored time (UTC; naive values from SQLite count as UTC) to ``TIMEZONE``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))


def format_local(moment: datetime | None, pattern: str = "%-d %B %Y, %H:%M") -> str:
    """Render a stored time in ``TIMEZONE`` for people to read."""
    if moment is None:
        return ""
    return to_local(moment).strftime(pattern)


def iso_time(moment: datetime | None, zulu: bool = True) -> str | None:
    """A stored time as ISO 8601 in UTC: "2025-03-31T09:30:00Z" for the API, or with
    "+00:00" (``zulu=False``), the form Open Graph and schema.org examples use."""
    if moment is None:
        return None
    text = moment.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z") if zulu else text
