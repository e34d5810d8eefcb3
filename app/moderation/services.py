"""Moderators' decisions on initiatives: approve, request changes, reject, archive, unarchive.

What awaits a decision is either a pending submission (the initiative itself is pending) or a
resident's pending edit of a published initiative (a pending revision; the published version
stays public until the edit is approved).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.accounts.models import User
from app.audit.services import record_action
from app.extensions import db
from app.initiatives.content import apply_content, initiative_content
from app.initiatives.models import Initiative
from app.initiatives.public import PUBLISHED, is_public
from app.initiatives.vocabulary import STATES
from app.moderation.models import Revision
from app.permissions import can_on_initiative
from app.photos.services import decide_photos
from app.search.services import reindex_initiative
from app.timeutil import utcnow


class ModerationError(Exception):
    """A decision that cannot be taken as asked; the message tells the moderator why."""


@dataclass(frozen=True)
class Decision:
    """A moderator's decision, with what the submitter needs to be told about it."""

    action: str  # approved, changes_requested, rejected, archived
    initiative: Initiative
    revision: Revision | None
    is_edit: bool
    note: str
    recipient: User | None


def pending_revision(initiative: Initiative) -> Revision | None:
    """The newest revision of the initiative that awaits review."""
    return db.session.scalar(
        select(Revision)
        .where(Revision.initiative_id == initiative.id, Revision.state == "pending")
        .order_by(Revision.number.desc())
        .limit(1)
    )


def awaiting_review(initiative: Initiative) -> tuple[str | None, Revision | None]:
    """What awaits a decision: ("submission", revision or None), ("edit", revision), or
    (None, None) when nothing does."""
    if initiative.state == "pending":
        return "submission", pending_revision(initiative)
    if is_public(initiative):
        revision = pending_revision(initiative)
        if revision is not None:
            return "edit", revision
    return None, None


def review_token(revision: Revision | None) -> int:
    """What a decision form carries so a decision applies to the version the moderator saw."""
    return revision.number if revision is not None else 0


def next_revision_number(initiative: Initiative) -> int:
    """The number the initiative's next revision takes."""
    highest = db.session.scalar(
        select(func.max(Revision.number)).where(Revision.initiative_id == initiative.id)
    )
    return (highest or 0) + 1


def add_revision(
    initiative: Initiative, kind: str, author: User | None, state: str, **values: Any
) -> Revision:
    """Keep a new revision of the initiative (its current content unless given)."""
    revision = Revision(
        initiative=initiative,
        number=next_revision_number(initiative),
        author=author,
        kind=kind,
        state=state,
        content=values.pop("content", None) or initiative_content(initiative),
        **values,
    )
    db.session.add(revision)
    db.session.flush()
    return revision


def revision_photo_ids(revision: Revision) -> set[int]:
    """The photos a revision carries."""
    return {row["id"] for row in revision.content.get("photos") or () if row.get("id")}


def approve_initiative(
    moderator: User, initiative: Initiative, seen: int | None = None, bulk: bool = False
) -> Decision:
    """Publish a pending submission, or apply a pending edit to the published version."""
    kind, revision = _under_review(moderator, "approve", initiative, seen)
    now = utcnow()
    if kind == "submission":
        initiative.state = PUBLISHED
        initiative.published_at = initiative.published_at or now
        if initiative.outcomes and initiative.outcomes_updated_at is None:
            initiative.outcomes_updated_at = initiative.published_at
        if revision is None:
            author = initiative.submitter
            revision = add_revision(initiative, "submission", author, "pending")
    elif revision is not None:  # an edit awaiting review always has its revision
        apply_content(initiative, revision.content)
    else:
        raise ModerationError(_("Nothing about this initiative is awaiting review."))
    decide_photos(initiative, "approved", revision_photo_ids(revision))
    initiative.updated_at = now
    initiative.moderation_note = ""
    _decide(moderator, initiative, revision, "approved", "", now)
    db.session.flush()
    reindex_initiative(initiative)
    detail = {"revision": revision.number, "kind": kind}
    if bulk:
        detail["bulk"] = True
    record_action(moderator, "approve_initiative", "initiative", initiative.id, **detail)
    return _decision("approved", initiative, revision, kind, "")


def request_changes(
    moderator: User, initiative: Initiative, note: str, seen: int | None = None
) -> Decision:
    """Send a submission or an edit back to its author with a note saying what to change."""
    return _send_back(moderator, initiative, "changes_requested", note, seen)


def reject_initiative(
    moderator: User, initiative: Initiative, reason: str, seen: int | None = None
) -> Decision:
    """Refuse a submission or an edit, with the reason; a published version stays public."""
    return _send_back(moderator, initiative, "rejected", reason, seen)


def archive_initiative(moderator: User, initiative: Initiative, reason: str = "") -> Decision:
    """Hide an initiative from every public place (search included)."""
    check_permission(moderator, "archive", initiative)
    initiative.state = "archived"
    if reason:
        initiative.moderation_note = reason
    db.session.flush()
    reindex_initiative(initiative)
    record_action(moderator, "archive_initiative", "initiative", initiative.id, reason=reason)
    return _decision("archived", initiative, None, None, reason)


def unarchive_initiative(moderator: User, initiative: Initiative) -> None:
    """Make an archived initiative that was once published public again."""
    check_permission(moderator, "restore", initiative)
    if initiative.state != "archived":
        raise ModerationError(_("Only an archived initiative can be unarchived."))
    if initiative.published_at is None:
        raise ModerationError(
            _("This initiative was never published: its submitter can submit it for review.")
        )
    initiative.state = PUBLISHED
    initiative.moderation_note = ""
    db.session.flush()
    reindex_initiative(initiative)
    record_action(
        moderator, "restore_initiative", "initiative", initiative.id, from_state="archived"
    )


def approve_initiatives(
    moderator: User, selection: dict[int, int]
) -> tuple[list[Decision], list[str]]:
    """Approve several initiatives (id -> the revision number seen); returns the decisions and
    a message for each one skipped."""
    initiatives = db.session.scalars(
        select(Initiative).where(Initiative.id.in_(selection)).order_by(Initiative.id)
    ).all()
    decisions, skipped = [], []
    for initiative in initiatives:
        try:
            decisions.append(
                approve_initiative(moderator, initiative, selection[initiative.id], bulk=True)
            )
        except ModerationError as error:
            skipped.append(f"{initiative.title}: {error}")
    return decisions, skipped


def _send_back(
    moderator: User, initiative: Initiative, state: str, note: str, seen: int | None
) -> Decision:
    action = "request_changes" if state == "changes_requested" else "reject"
    if not note.strip():
        raise ModerationError(_("Say what the submitter should know."))
    kind, revision = _under_review(moderator, action, initiative, seen)
    now = utcnow()
    if kind == "submission":
        initiative.state = state
    elif state == "rejected" and revision is not None:
        # New photos refused with the edit that brought them: their files go.
        decide_photos(initiative, "rejected", revision_photo_ids(revision))
    initiative.moderation_note = note
    if revision is not None:
        _decide(moderator, initiative, revision, state, note, now)
    db.session.flush()
    detail: dict[str, str | int] = {"kind": kind, "note": note}
    if revision is not None:
        detail["revision"] = revision.number
    record_action(moderator, f"{action}_initiative", "initiative", initiative.id, **detail)
    return _decision(state, initiative, revision, kind, note)


def check_permission(moderator: User, action: str, initiative: Initiative) -> None:
    """Raise ModerationError unless the moderator may take the action in the current state."""
    if not can_on_initiative(moderator, action, initiative):
        state = STATES.get(initiative.state, initiative.state)
        raise ModerationError(
            _("That is not possible while the initiative is “%(state)s”.", state=state)
        )


def _under_review(
    moderator: User, action: str, initiative: Initiative, seen: int | None
) -> tuple[str, Revision | None]:
    check_permission(moderator, action, initiative)
    kind, revision = awaiting_review(initiative)
    if kind is None:
        raise ModerationError(_("Nothing about this initiative is awaiting review."))
    if seen is not None and seen != review_token(revision):
        raise ModerationError(_("It changed while you were looking at it: review it again."))
    return kind, revision


def _decide(
    moderator: User,
    initiative: Initiative,
    revision: Revision,
    state: str,
    note: str,
    now: datetime,
) -> None:
    revision.state = state
    revision.note = note
    revision.decided_by = moderator
    revision.decided_at = now
    # Earlier versions still pending are replaced by the one just decided.
    older = db.session.scalars(
        select(Revision).where(
            Revision.initiative_id == initiative.id,
            Revision.state == "pending",
            Revision.number < revision.number,
        )
    )
    for earlier in older:
        earlier.state = "withdrawn"
        earlier.note = f"Replaced by revision {revision.number}."


def _decision(
    action: str, initiative: Initiative, revision: Revision | None, kind: str | None, note: str
) -> Decision:
    is_edit = kind == "edit"
    author = revision.author if is_edit and revision is not None else None
    recipient = author or initiative.submitter
    return Decision(action, initiative, revision, is_edit, note, recipient)
