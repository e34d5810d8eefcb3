"""The area's initiatives to follow up from the council side: published, with an outcome that
has an indicator, and no value of any outcome measured in the last 12 months.

Initiatives an officer imported get no follow-up prompts (they go to resident submitters), and
a resident's prompt may go unanswered: the dashboard lists both, oldest measured first, each
outcome with its "Add a new measurement" link. A page is three queries, however many rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from app.council.area import Selection
from app.council.dashboard import scoped
from app.extensions import db
from app.initiatives.models import Initiative, Measurement, Outcome
from app.timeutil import add_months

DASHBOARD_ROWS = 10  # shown on the dashboard; the rest on the follow-up page
PAGE_ROWS = 50


@dataclass(frozen=True)
class DueInitiative:
    """An initiative to follow up, the outcomes that can be measured, and when any value was
    last measured (None: never dated)."""

    initiative: Initiative
    outcomes: list[Outcome]
    last_measured: date | None


def _due(selection: Selection, today: date) -> tuple[Select, ColumnElement[date]]:
    """The query of initiatives due a measurement, and its last-measured day column."""
    since = add_months(today, -12)
    measured_since = exists().where(
        Outcome.initiative_id == Initiative.id, Outcome.measured_on >= since
    ) | exists().where(
        Measurement.outcome_id == Outcome.id,
        Outcome.initiative_id == Initiative.id,
        Measurement.measured_on >= since,
    )
    measurable = exists().where(Outcome.initiative_id == Initiative.id, Outcome.indicator != "")
    last_measurement = (
        select(func.max(Measurement.measured_on))
        .join(Outcome, Outcome.id == Measurement.outcome_id)
        .where(Outcome.initiative_id == Initiative.id)
        .scalar_subquery()
    )
    last_result = (
        select(func.max(Outcome.measured_on))
        .where(Outcome.initiative_id == Initiative.id)
        .scalar_subquery()
    )
    # Later measurements are never dated before the first result (app.initiatives.measurements).
    last = func.coalesce(last_measurement, last_result)
    query = scoped(select(Initiative, last), selection).where(measurable, ~measured_since)
    return query, last


def due_initiatives(
    selection: Selection, today: date, page: int = 1, per_page: int = PAGE_ROWS
) -> tuple[list[DueInitiative], int]:
    """One page of the selection's initiatives due a measurement, longest unmeasured first
    (never dated before any), and how many there are in all."""
    query, last = _due(selection, today)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    listed = (
        query.order_by(last.asc().nulls_first(), Initiative.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
        # The rows show a title, a neighbourhood and outcomes' indicators: one more query.
        .options(
            lazyload("*"),
            joinedload(Initiative.neighbourhood),
            selectinload(Initiative.outcomes).lazyload(Outcome.measurements),
        )
    )
    rows = db.session.execute(listed).all()
    due = [
        DueInitiative(initiative, [o for o in initiative.outcomes if o.indicator], last_measured)
        for initiative, last_measured in rows
    ]
    return due, total
