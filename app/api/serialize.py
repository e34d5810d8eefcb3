"""Initiatives, clusters and reference data as the API's JSON (and the exports' rows).

Everything here reads published data through the public rules: the public point (never the
point as entered), the public place name, and the credit as the public page shows it.
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
from app.initiatives.examples import example_text
from app.initiatives.links import contact_anchor
from app.initiatives.models import Initiative, Outcome
from app.initiatives.public import MAX_DECIMALS, public_place_name, public_precision
from app.initiatives.services import credit_line, initiative_url
from app.markdown import render_markdown
from app.organisations.models import Organisation
from app.timeutil import iso_time


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


def neighbourhood_brief(initiative: Initiative) -> dict[str, str] | None:
    neighbourhood = initiative.neighbourhood
    if neighbourhood is None:
        return None
    return {
        "slug": neighbourhood.slug,
        "name": neighbourhood.name,
        "local_authority": neighbourhood.local_authority,
    }


def initiative_item(initiative: Initiative) -> dict[str, Any]:
    """An initiative as it appears in lists."""
    contact = contact_anchor(initiative.contact_url)
    return {
        "id": initiative.id,
        "title": initiative.title,
        "slug": initiative.slug,
        "url": initiative_url(initiative, _external=True),
        "summary": initiative.summary,
        "example": example_text(initiative),
        "themes": [{"slug": theme.slug, "name": theme.name} for theme in initiative.themes],
        "stages": initiative.stages,
        "status": initiative.status,
        "started_on": iso_day(initiative.started_on),
        "ended_on": iso_day(initiative.ended_on),
        "neighbourhood": neighbourhood_brief(initiative),
        "place": public_place_name(initiative),
        "location": public_location(initiative),
        "credit": credit_line(initiative),
        "contact_url": contact[0] if contact else None,
        "verified": any(outcome.verified_at is not None for outcome in initiative.outcomes),
        "published_at": iso_time(initiative.published_at),
        "updated_at": iso_time(initiative.updated_at),
    }


def participant_json(participant) -> dict[str, Any]:
    return {
        "sector": participant.sector,
        "name": participant.name,
        "roles": list(participant.roles or []),
        "people": participant.people,
        "hours": participant.hours,
    }


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    verified = None
    if outcome.verified_at is not None:
        organisation = outcome.verified_by_organisation
        verified = {
            "organisation": organisation.name if organisation is not None else None,
            "date": iso_day(outcome.verified_at.date()),
        }
    return {
        "description": outcome.description,
        "indicator": outcome.indicator,
        "baseline": outcome.baseline,
        "result": outcome.result,
        "unit": outcome.unit,
        "measured_on": iso_day(outcome.measured_on),
        "evidence_url": outcome.evidence_url or None,
        "verified": verified,
    }


def initiative_detail(initiative: Initiative) -> dict[str, Any]:
    """One initiative with its description, participants and outcomes."""
    return {
        **initiative_item(initiative),
        "description": {
            "markdown": initiative.description,
            "html": str(render_markdown(initiative.description)),
        },
        "participants": [participant_json(p) for p in initiative.participants],
        "outcomes": [outcome_json(outcome) for outcome in initiative.outcomes],
    }
