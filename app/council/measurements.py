"""A council officer's own measurement of an outcome in their area: the way initiatives that
an officer imported (and so get no follow-up prompts) are followed up from the council side.

The officer vouches for the figure as they do when verifying, so it is published at once,
kept as a revision of its own and audited; like any change of numbers it drops a verification
of other numbers (the officer verifies again if they wish).
"""

from __future__ import annotations

from datetime import date

from app.accounts.models import User
from app.audit.services import record_action
from app.extensions import db
from app.initiatives.content import apply_content, initiative_content
from app.initiatives.models import Initiative, Outcome
from app.moderation.services import add_revision
from app.search.services import reindex_initiative
from app.timeutil import utcnow


def add_council_measurement(
    officer: User,
    initiative: Initiative,
    outcome: Outcome,
    measured_on: date,
    value: float,
    note: str = "",
    evidence_url: str = "",
) -> None:
    """Add a measurement reported by a council officer to one outcome, published at once."""
    content = initiative_content(initiative)
    for row in content["outcomes"]:
        if row["id"] == outcome.id:
            row["measurements"] = [
                *row.get("measurements", []),
                {
                    "measured_on": measured_on.isoformat(),
                    "value": value,
                    "note": note,
                    "evidence_url": evidence_url,
                    "reported_by_role": "council_officer",
                },
            ]
    apply_content(initiative, content)
    now = utcnow()
    initiative.updated_at = now
    db.session.flush()
    revision = add_revision(
        initiative, "council_measurement", officer, "approved", decided_by=officer, decided_at=now
    )
    record_action(
        officer,
        "add_measurement",
        "initiative",
        initiative.id,
        outcome=outcome.id,
        measured_on=measured_on.isoformat(),
        value=value,
        revision=revision.number,
    )
    reindex_initiative(initiative)
