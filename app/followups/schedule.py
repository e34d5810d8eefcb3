"""When follow-ups fall due: FOLLOWUP_MONTHS after publication (3, 6 and 12 by default), then
yearly after the last of them. Pure date arithmetic, so tests can walk it day by day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from app.timeutil import add_months

# A prompt missed by more than this (the worker was down, or follow-ups were switched on for an
# old site) is not sent late: the next one comes on its own day.
GRACE = timedelta(days=14)


def read_months(setting: str | list[int] | tuple[int, ...]) -> tuple[int, ...]:
    """FOLLOWUP_MONTHS ("3,6,12" or a list) as sorted, distinct, positive month counts."""
    parts = setting.split(",") if isinstance(setting, str) else setting
    months = sorted({int(part) for part in parts if str(part).strip()})
    if not months or months[0] <= 0:
        raise ValueError("FOLLOWUP_MONTHS needs positive numbers of months, e.g. 3,6,12")
    return tuple(months)


def due_days(published_on: date, months: tuple[int, ...]) -> Iterator[date]:
    """Every day a follow-up falls due, in order, without end."""
    for count in months:
        yield add_months(published_on, count)
    count = months[-1]
    while True:
        count += 12
        yield add_months(published_on, count)


def due_on(published_on: date, today: date, months: tuple[int, ...]) -> date | None:
    """The follow-up due today or in the last GRACE days, if any (the latest such day)."""
    latest = None
    for day in due_days(published_on, months):
        if day > today:
            break
        latest = day
    if latest is None or today - latest >= GRACE:
        return None
    return latest
