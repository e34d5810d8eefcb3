"""What the API reads of published initiatives, through the public rules.

The public point (never the point as entered), the rows an answer needs loaded in a fixed
number of queries, and the data licence every public answer carries. The shapes themselves
are the marshmallow schemas in ``app/api/schemas/``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.extensions import db
from app.initiatives.models import Initiative
from app.initiatives.public import MAX_DECIMALS, public_precision
from app.organisations.models import Organisation


def licence() -> dict[str, str]:
    """The data licence every public response carries."""
    config = current_app.config
    return {"name": config["DATA_LICENCE"], "url": config["DATA_LICENCE_URL"]}


def iso_day(day: date | None) -> str | None:
    return day.isoformat() if day else None


def with_public_data(query):
    """Load what an initiative's JSON reads, a fixed number of queries for any page size."""
    return query.options(
        selectinload(Initiative.theme_links),
        selectinload(Initiative.stage_links),
        selectinload(Initiative.participants),
        selectinload(Initiative.outcomes),
        selectinload(Initiative.submitter),
    )


def preload_credit_and_verifiers(initiatives: Iterable[Initiative]) -> None:
    """Load submitters and verifying organisations of initiatives loaded elsewhere (clusters)
    in two queries; SQLAlchemy then finds them in the session instead of asking again."""
    initiatives = list(initiatives)
    user_ids = {i.submitter_id for i in initiatives if i.submitter_id is not None}
    if user_ids:
        list(db.session.scalars(select(User).where(User.id.in_(user_ids))))
    organisation_ids = {
        outcome.verified_by_organisation_id
        for initiative in initiatives
        for outcome in initiative.outcomes
        if outcome.verified_by_organisation_id is not None
    }
    if organisation_ids:
        list(db.session.scalars(select(Organisation).where(Organisation.id.in_(organisation_ids))))


def public_location(initiative: Initiative) -> dict[str, Any] | None:
    """The public point and what it stands for; None when the initiative has none."""
    if initiative.public_latitude is None or initiative.public_longitude is None:
        return None
    return {
        "lat": round(initiative.public_latitude, MAX_DECIMALS),
        "lon": round(initiative.public_longitude, MAX_DECIMALS),
        "precision": public_precision(initiative),
    }
