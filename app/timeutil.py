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
