"""An outcome's measurements as one series: the baseline, the first result, then every later
measurement that a published follow-up added. What the public page charts and tabulates and
the API lists as ``measurements`` (oldest first, the baseline first)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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
    """The outcome's values, oldest first; the baseline (its date unknown) first."""
    points = []
    if outcome.baseline is not None:
        points.append(Point(None, outcome.baseline, "", "", "submitter"))
    if outcome.result is not None:
        points.append(
            Point(outcome.measured_on, outcome.result, "", outcome.evidence_url, "submitter")
        )
    points += [
        Point(m.measured_on, m.value, m.note, m.evidence_url, m.reported_by_role)
        for m in outcome.measurements
    ]
    return points


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
