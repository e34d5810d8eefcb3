"""Outcome verification: a council officer vouches for an outcome's figures in their area.

Verification is not content: it is not kept in revisions and no resident's form can set it.
It lives on the outcome row and stays while the verified figures (indicator, baseline, result,
unit) stay the same; ``app.initiatives.content.apply_content`` drops it when they change,
whether by an edit, an approved revision or a restored one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask_babel import gettext as _

from app.accounts.models import User
from app.audit.services import record_action
from app.initiatives.content import clear_verification
from app.initiatives.models import Initiative, Outcome
from app.timeutil import to_local, utcnow

NOTE_MAX = 500  # Outcome.verification_note's length


class VerificationError(Exception):
    """A verification that cannot be made as asked; the message says why."""


def local_today() -> date:
    """Today's date in the site's TIMEZONE."""
    return to_local(utcnow()).date()


def find_outcome(initiative: Initiative, outcome_id: int) -> Outcome | None:
    """One of the initiative's own outcomes (None for anyone else's)."""
    return next((outcome for outcome in initiative.outcomes if outcome.id == outcome_id), None)


def verification_moment(on: date | None) -> datetime:
    """When a verification counts as made: now for today (or no date), else noon that day in
    the site's TIMEZONE, so the date reads the same wherever it is shown."""
    today = local_today()
    if on is None or on == today:
        return utcnow()
    if on > today:
        raise VerificationError(_("The date of the verification cannot be in the future."))
    zone = to_local(utcnow()).tzinfo
    return datetime.combine(on, time(12), tzinfo=zone).astimezone(UTC)


def verify_outcome(
    officer: User, initiative: Initiative, outcome: Outcome, on: date | None, note: str = ""
) -> None:
    """Mark the outcome verified by the officer's organisation; audited. Verifying again
    replaces the date and the note."""
    organisation = officer.organisation
    if organisation is None:
        raise VerificationError(_("Only an officer of a council can verify outcomes."))
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise VerificationError(
            _("The note can be at most %(note_max)s characters.", note_max=NOTE_MAX)
        )
    moment = verification_moment(on)
    previous = outcome.verified_at
    outcome.verified_at = moment
    outcome.verified_by_organisation = organisation
    outcome.verified_by_organisation_id = organisation.id
    outcome.verified_by_user_id = officer.id
    outcome.verification_note = note
    initiative.updated_at = utcnow()  # feeds, embeds and ETags follow the change
    record_action(
        officer,
        "verify_outcome",
        "initiative",
        initiative.id,
        outcome=outcome.id,
        organisation=organisation.name,
        verified_on=to_local(moment).date().isoformat(),
        note=note,
        again=previous is not None,
    )


def unverify_outcome(officer: User, initiative: Initiative, outcome: Outcome) -> bool:
    """Remove an outcome's verification; audited. False when it was not verified."""
    if outcome.verified_at is None:
        return False
    organisation = outcome.verified_by_organisation
    clear_verification(outcome)
    outcome.verified_by_organisation = None
    initiative.updated_at = utcnow()
    record_action(
        officer,
        "unverify_outcome",
        "initiative",
        initiative.id,
        outcome=outcome.id,
        was_verified_by=organisation.name if organisation else None,
    )
    return True
