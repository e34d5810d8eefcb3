"""An outcome's measurements as one series: the baseline, the first result, then every later
measurement that a published follow-up added. What the public page charts and tabulates and
the API lists as ``measurements`` (oldest first, the baseline first).

A new measurement is dated no later than today and no earlier than the latest value it
follows (``measured_on_problem``, on the follow-up form and the officer's form); the series is
ordered by date all the same, so values written by other means (an import, the API) still
read oldest first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _

from app.initiatives.models import Outcome

CHART_WIDTH = 320
CHART_HEIGHT = 120
CHART_PADDING = 12


@dataclass(frozen=True)
class Point:
    """One value of an outcome's indicator."""

    measured_on: date | None
    value: float
    note: str
    evidence_url: str
    reported_by_role: str


def outcome_series(outcome: Outcome) -> list[Point]:
    """The outcome's values, oldest first: the baseline (its date unknown) first, then the
    first result and the later measurements by date (the first result first on the same day,
    and right after the baseline when its date is unknown)."""
    points = []
    if outcome.baseline is not None:
        points.append(Point(None, outcome.baseline, "", "", "submitter"))
    dated = [
        Point(m.measured_on, m.value, m.note, m.evidence_url, m.reported_by_role)
        for m in outcome.measurements
    ]
    if outcome.result is not None:
        first = Point(outcome.measured_on, outcome.result, "", outcome.evidence_url, "submitter")
        dated.insert(0, first)
    # A stable sort: same-day values keep their order (the first result, then by id).
    points += sorted(dated, key=lambda point: point.measured_on or date.min)
    return points


def latest_measured_on(outcomes: Iterable[Outcome]) -> date | None:
    """The latest day any value of these outcomes was measured (a first result or a later
    measurement), if any is dated."""
    days = [
        day
        for outcome in outcomes
        for day in (outcome.measured_on, *(m.measured_on for m in outcome.measurements))
        if day is not None
    ]
    return max(days, default=None)


def measured_on_problem(day: date, today: date, latest: date | None) -> str | None:
    """Why a new measurement cannot carry this date (None when it can): not after today (in
    TIMEZONE) and not before the latest value it follows."""
    if day > today:
        return _("The date measured cannot be in the future.")
    if latest is not None and day < latest:
        return _(
            "The last value was measured on %(day)s: enter that day or a later one.",
            day=format_date(latest, "d MMMM y"),
        )
    return None


def chart_points(points: list[Point]) -> str:
    """The series as an SVG polyline's points (evenly spaced, scaled to the chart's box)."""
    if len(points) < 2:
        return ""
    values = [point.value for point in points]
    low, high = min(values), max(values)
    spread = (high - low) or 1.0
    step = (CHART_WIDTH - 2 * CHART_PADDING) / (len(points) - 1)
    inner = CHART_HEIGHT - 2 * CHART_PADDING
    return " ".join(
        f"{CHART_PADDING + index * step:.1f},"
        f"{CHART_PADDING + inner - (value - low) / spread * inner:.1f}"
        for index, value in enumerate(values)
    )
