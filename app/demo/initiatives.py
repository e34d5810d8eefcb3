"""Demo initiatives for ``seed-demo``: real UK neighbourhoods, invented schemes
(``data/neighbourhoods.yaml``, ``data/residents.yaml``, ``data/initiatives.yaml``).

Deterministic: the same data every time (times are relative to the moment of seeding). Covers
every theme, stage, status, credit, location precision and moderation state, with a few
submissions waiting for review, a published initiative with a pending edit, and an open report.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.accounts.services import create_user
from app.demo.content import (
    DemoInitiative,
    DemoNeighbourhood,
    DemoResident,
    load_demo_records,
)
from app.demo.verifications import DEMO_NOTE
from app.extensions import db
from app.initiatives.content import apply_content, initiative_content
from app.initiatives.models import Initiative
from app.moderation.models import Report, Revision
from app.neighbourhoods.models import Neighbourhood
from app.organisations.models import Organisation
from app.search.services import reindex_initiative
from app.timeutil import utcnow
from app.urls import slugify

VERIFYING_COUNCIL = "Leeds City Council"

DEMO_NEIGHBOURHOODS = load_demo_records("neighbourhoods.yaml", DemoNeighbourhood)
DEMO_RESIDENTS = load_demo_records("residents.yaml", DemoResident)
DEMO_INITIATIVES = load_demo_records("initiatives.yaml", DemoInitiative)


def seed_demo_initiatives(users_by_role: dict[str, User]) -> None:
    """Add the demo neighbourhoods and initiatives with their revisions, verifications and
    an open report; published ones go into the search index. Flushes; the caller commits."""
    neighbourhoods = {row.slug: _ensure_neighbourhood(row) for row in DEMO_NEIGHBOURHOODS}
    submitters = {**users_by_role, **_ensure_residents()}
    council = users_by_role.get("council")
    moderator = users_by_role.get("moderator")
    verifier = db.session.scalar(
        select(Organisation).where(Organisation.name == VERIFYING_COUNCIL)
    )
    now = utcnow()
    total = len(DEMO_INITIATIVES)
    for index, demo in enumerate(DEMO_INITIATIVES):
        submitter = submitters.get(demo.submitter) or users_by_role.get("resident")
        # Published ones spread over the past months; those awaiting a decision are recent.
        if demo.state in ("published", "archived"):
            submitted = now - timedelta(days=6 * (total - index) + 3)
        else:
            submitted = now - timedelta(days=index % 5 + 1, hours=index)
        initiative = _create_initiative(demo, neighbourhoods[demo.neighbourhood], submitter)
        _set_times(initiative, demo.state, submitted)
        if verifier is not None and council is not None:
            _verify_outcomes(initiative, demo, verifier, council, submitted + timedelta(days=2))
        _add_revisions(initiative, demo, submitter, moderator, submitted, now)
        if demo.report:
            db.session.add(
                Report(
                    initiative=initiative,
                    reason=demo.report.reason,
                    details=demo.report.details,
                    created_at=now - timedelta(hours=5),
                )
            )
        reindex_initiative(initiative)
    db.session.flush()


def _ensure_neighbourhood(demo: DemoNeighbourhood) -> Neighbourhood:
    neighbourhood = db.session.scalar(select(Neighbourhood).where(Neighbourhood.slug == demo.slug))
    if neighbourhood is None:
        neighbourhood = Neighbourhood(
            slug=demo.slug,
            name=demo.name,
            local_authority=demo.local_authority,
            latitude=demo.latitude,
            longitude=demo.longitude,
        )
        db.session.add(neighbourhood)
    # Welsh names reach a demo database seeded before they were in the data, unless an admin
    # has given their own.
    neighbourhood.name_cy = neighbourhood.name_cy or demo.name_cy
    neighbourhood.local_authority_cy = neighbourhood.local_authority_cy or demo.local_authority_cy
    db.session.flush()
    return neighbourhood


def _ensure_residents() -> dict[str, User]:
    residents = {}
    for email, display_name in DEMO_RESIDENTS:
        user = db.session.scalar(select(User).where(User.email == email))
        residents[email] = user or create_user(
            email, secrets.token_urlsafe(24), role="resident", display_name=display_name
        )
    return residents


def _create_initiative(
    demo: DemoInitiative, neighbourhood: Neighbourhood, submitter: User | None
) -> Initiative:
    latitude = longitude = None
    if demo.offset is not None:
        latitude = round(neighbourhood.latitude + demo.offset[0], 6)
        longitude = round(neighbourhood.longitude + demo.offset[1], 6)
    initiative = Initiative(
        slug=slugify(demo.title, 100),
        title=demo.title,
        state=demo.state,
        submitter_id=submitter.id if submitter else None,
        moderation_note=demo.note,
    )
    db.session.add(initiative)
    apply_content(
        initiative,
        {
            "title": demo.title,
            "summary": demo.summary,
            "description": demo.description,
            "title_cy": demo.title_cy,
            "summary_cy": demo.summary_cy,
            "description_cy": demo.description_cy,
            "status": demo.status,
            "started_on": demo.started_on,
            "ended_on": demo.ended_on,
            "neighbourhood_id": neighbourhood.id,
            "place_name": demo.place_name,
            "latitude": latitude,
            "longitude": longitude,
            "location_precision": demo.precision,
            "location_state": "set" if latitude is not None else "none",
            "contact_url": demo.contact_url,
            "credit": demo.credit,
            "credit_name": demo.credit_name,
            "themes": list(demo.themes),
            "stages": list(demo.stages),
            **demo.content(),
        },
    )
    db.session.flush()
    return initiative


def _set_times(initiative: Initiative, state: str, submitted: datetime) -> None:
    initiative.created_at = submitted - timedelta(days=1)
    initiative.updated_at = submitted
    if state == "draft":
        return
    initiative.submitted_at = initiative.consented_at = submitted
    if state in ("published", "archived"):
        initiative.published_at = initiative.updated_at = submitted + timedelta(days=1)
        if initiative.outcomes:
            initiative.outcomes_updated_at = initiative.published_at


def _verify_outcomes(
    initiative: Initiative,
    demo: DemoInitiative,
    organisation: Organisation,
    officer: User,
    verified_at: datetime,
) -> None:
    """Mark the outcomes the demo says are verified, if the officer's council covers them."""
    neighbourhood = initiative.neighbourhood
    if neighbourhood is None or neighbourhood.local_authority != organisation.local_authority:
        return
    for outcome, row in zip(initiative.outcomes, demo.outcomes, strict=True):
        if row.verified:
            outcome.verified_at = verified_at
            outcome.verified_by_organisation_id = organisation.id
            outcome.verified_by_user_id = officer.id
            outcome.verification_note = DEMO_NOTE


def _add_revisions(
    initiative: Initiative,
    demo: DemoInitiative,
    author: User | None,
    moderator: User | None,
    submitted: datetime,
    now: datetime,
) -> None:
    """The submission as revision 1 (decided, unless waiting), and any pending edit as 2."""
    if demo.state == "draft":
        return
    decided = demo.state != "pending"
    revision_state = {
        "pending": "pending",
        "changes_requested": "changes_requested",
        "rejected": "rejected",
    }.get(demo.state, "approved")
    content = initiative_content(initiative)
    db.session.add(
        Revision(
            initiative=initiative,
            number=1,
            author_id=author.id if author else None,
            kind="submission",
            state=revision_state,
            content=content,
            note=demo.note if demo.state in ("changes_requested", "rejected") else "",
            created_at=submitted,
            decided_at=submitted + timedelta(days=1) if decided else None,
            decided_by_id=moderator.id if decided and moderator else None,
        )
    )
    if demo.pending_edit:
        db.session.add(
            Revision(
                initiative=initiative,
                number=2,
                author_id=author.id if author else None,
                kind="edit",
                state="pending",
                content={**content, **demo.pending_edit},
                created_at=now - timedelta(days=1),
            )
        )
