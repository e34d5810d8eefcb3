"""Demo verifications: the demo council officer vouches for a few more measured outcomes in
their area, through the same service (and audit log) an officer's click uses."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.council.services import verify_outcome
from app.extensions import db
from app.initiatives.models import Initiative, Outcome
from app.initiatives.public import published_only
from app.neighbourhoods.models import Neighbourhood
from app.permissions import can_on_initiative

DEMO_OFFICER = "council@example.org"
DEMO_VERIFICATIONS = 3
DEMO_NOTE = "Checked against the council's own figures."


def verify_demo_outcomes(
    officer_email: str = DEMO_OFFICER, count: int = DEMO_VERIFICATIONS
) -> int:
    """Verify the first ``count`` measured, unverified outcomes (by initiative, then position)
    of published initiatives in the officer's area; returns how many it verified.

    Idempotent: once the officer has verified anything (the audit log says so), it does
    nothing. Flushes; the caller commits.
    """
    officer = db.session.scalar(select(User).where(User.email == officer_email))
    if officer is None or officer.organisation is None or not officer.organisation.local_authority:
        return 0
    already = select(AuditEntry.id).where(
        AuditEntry.actor_id == officer.id, AuditEntry.action == "verify_outcome"
    )
    if db.session.scalar(already.limit(1)) is not None:
        return 0
    in_area = select(Neighbourhood.id).where(
        Neighbourhood.local_authority == officer.organisation.local_authority
    )
    rows = db.session.execute(
        published_only(
            select(Initiative, Outcome)
            .join(Outcome, Outcome.initiative_id == Initiative.id)
            .where(
                Initiative.neighbourhood_id.in_(in_area),
                Outcome.baseline.is_not(None),
                Outcome.result.is_not(None),
                Outcome.verified_at.is_(None),
            )
            .order_by(Initiative.id, Outcome.position)
            .limit(count)
        )
    ).all()
    verified = 0
    for initiative, outcome in rows:
        if can_on_initiative(officer, "verify", initiative):
            verify_outcome(officer, initiative, outcome, None, DEMO_NOTE)
            verified += 1
    db.session.flush()
    return verified
