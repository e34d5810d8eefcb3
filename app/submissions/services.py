"""Residents' submissions: drafts, submitting for review, edits, withdrawal.

Who edits what decides where an edit goes (``editing_mode``):
- "draft": the submitter's own initiative that was never published. Edits apply to the row;
  submitting records a pending "submission" revision holding exactly what was sent.
- "review": the submitter's published initiative. The public version stays as it is; the edit
  becomes a pending "edit" revision for a moderator to approve. Work not sent yet (a post with
  problems, a row added or removed) is kept as a "draft" edit revision: never public, never in
  the queue or the history, taken up again when they come back, replaced when they send it.
- "moderator": a moderator's or admin's edit of anyone's initiative (or of their own once
  published). It applies at once, as an approved "moderator_edit" revision, and is audited.
"""

from __future__ import annotations

from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from app.accounts.models import User
from app.audit.services import record_action
from app.duplicates.services import (
    PossibleDuplicate,
    find_possible_duplicates,
    flag_possible_duplicates,
)
from app.extensions import db
from app.initiatives.content import apply_content, initiative_content
from app.initiatives.models import Initiative
from app.moderation.models import Revision
from app.moderation.services import add_revision
from app.neighbourhoods.models import Neighbourhood
from app.permissions import can
from app.photos.services import decide_photos, pending_photos_to_show
from app.search.services import reindex_initiative
from app.timeutil import utcnow

UNPUBLISHED_STATES = frozenset({"draft", "pending", "changes_requested"})
# An author's latest edit in these states is what their edit page starts from.
OPEN_REVISION_STATES = ("draft", "pending", "changes_requested")
# ... and in these, what "My initiatives" tells them about (a rejection until they edit again).
NOTICED_REVISION_STATES = (*OPEN_REVISION_STATES, "rejected")
# What a list of one's initiatives does not show, so need not load.
LIST_SKIPS = (
    Initiative.theme_links,
    Initiative.stage_links,
    Initiative.participants,
    Initiative.outcomes,
)


def list_neighbourhoods() -> list[Neighbourhood]:
    """Every neighbourhood, by name, for the form's choice."""
    return list(db.session.scalars(select(Neighbourhood).order_by(Neighbourhood.name)))


def editing_mode(user: User, initiative: Initiative | None) -> str:
    """Where this user's edit of this initiative goes: "draft", "review" or "moderator"."""
    if initiative is None:
        return "draft"
    own = initiative.submitter_id == user.id
    if can(user, "moderate") and not (own and initiative.state in UNPUBLISHED_STATES):
        return "moderator"
    return "draft" if initiative.state in UNPUBLISHED_STATES else "review"


def open_edit(initiative: Initiative, author: User) -> Revision | None:
    """The author's latest edit of the initiative, if it is still open: a draft not sent yet,
    under review, or waiting for the changes a moderator asked for."""
    return open_edits([initiative], author).get(initiative.id)


def open_edits(
    initiatives: list[Initiative], author: User, states: tuple[str, ...] = OPEN_REVISION_STATES
) -> dict[int, Revision]:
    """For each of these initiatives, the author's latest edit if it is in one of these
    states (one query)."""
    if not initiatives:
        return {}
    revisions = db.session.scalars(
        select(Revision)
        .where(
            Revision.initiative_id.in_([initiative.id for initiative in initiatives]),
            Revision.author_id == author.id,
            Revision.kind == "edit",
        )
        .order_by(Revision.number)
    )
    latest = {revision.initiative_id: revision for revision in revisions}
    return {
        initiative_id: revision
        for initiative_id, revision in latest.items()
        if revision.state in states
    }


def noticed_edits(initiatives: list[Initiative], author: User) -> dict[int, Revision]:
    """The author's latest edit of each initiative while it is theirs to know about: a draft,
    under review, changes asked for, or rejected (until they edit again)."""
    return open_edits(initiatives, author, NOTICED_REVISION_STATES)


def possible_duplicates_of(
    content: dict[str, Any], initiative: Initiative | None
) -> list[PossibleDuplicate]:
    """Published initiatives that this content (about to be submitted) may repeat."""
    latitude, longitude = content.get("latitude"), content.get("longitude")
    point = (latitude, longitude) if latitude is not None and longitude is not None else None
    return find_possible_duplicates(
        content.get("title") or "",
        content.get("neighbourhood_id"),
        point,
        exclude_id=initiative.id if initiative is not None else None,
    )


def consent_given(initiative: Initiative | None) -> bool:
    """Whether the submitter ticked consent to publish (kept with a draft, set on submitting)."""
    return initiative is not None and initiative.consented_at is not None


def editable_content(initiative: Initiative | None, edit: Revision | None) -> dict[str, Any]:
    """What the edit form starts from: the edit under review, else the initiative itself."""
    if initiative is None:
        return {}
    content = edit.content if edit is not None else initiative_content(initiative)
    return pending_photos_to_show(initiative, content)


def save_draft(
    user: User,
    content: dict[str, Any],
    initiative: Initiative | None = None,
    consent: bool | None = None,
) -> Initiative:
    """Keep what the submitter typed, the consent tick too (``None``: leave it as it is);
    a submission still waiting for review becomes a draft."""
    initiative = _apply(user, content, initiative)
    if consent is not None:
        initiative.consented_at = (initiative.consented_at or utcnow()) if consent else None
    if initiative.state == "pending":
        initiative.state = "draft"
        _withdraw_pending_revisions(initiative, kind="submission")
    return initiative


def submit_for_review(
    user: User, content: dict[str, Any], initiative: Initiative | None = None
) -> Initiative:
    """Send the initiative to the moderators, recording exactly what was submitted."""
    initiative = _apply(user, content, initiative)
    now = utcnow()
    initiative.state = "pending"
    initiative.submitted_at = now
    initiative.consented_at = now
    _withdraw_pending_revisions(initiative, kind="submission")
    add_revision(initiative, "submission", user, "pending")
    flag_possible_duplicates(initiative)
    return initiative


def propose_edit(user: User, initiative: Initiative, content: dict[str, Any]) -> Revision | None:
    """Put an edit of a published initiative up for review; the public version stays.

    An earlier edit by the same person still under review is replaced, and their draft of it
    is used up. Content equal to the published version proposes nothing (and so withdraws any
    earlier edit).
    """
    _discard_edit_drafts(initiative, author=user)
    _withdraw_pending_revisions(initiative, kind="edit", author=user)
    if content == initiative_content(initiative):
        earlier = open_edit(initiative, user)
        if earlier is not None:
            earlier.state = "withdrawn"
        db.session.flush()
        return None
    return add_revision(initiative, "edit", user, "pending", content=content)


def keep_edit_draft(user: User, initiative: Initiative, content: dict[str, Any]) -> Revision:
    """Keep a resident's unsent edit of their published initiative as a "draft" revision:
    nothing public changes and nothing goes to review; their edit page starts from it."""
    draft = db.session.scalar(
        select(Revision).where(
            Revision.initiative_id == initiative.id,
            Revision.author_id == user.id,
            Revision.kind == "edit",
            Revision.state == "draft",
        )
    )
    if draft is None:
        # A draft answering a moderator's request keeps the request in sight.
        asked = open_edit(initiative, user)
        note = asked.note if asked is not None and asked.state == "changes_requested" else ""
        return add_revision(initiative, "edit", user, "draft", content=content, note=note)
    draft.content = content
    draft.created_at = utcnow()
    return draft


def publish_edit(moderator: User, initiative: Initiative, content: dict[str, Any]) -> Revision:
    """A moderator's or admin's edit: applied at once, kept as a revision, audited."""
    _apply(moderator, content, initiative)
    decide_photos(initiative, "approved", {row["id"] for row in content.get("photos") or ()})
    revision = add_revision(
        initiative,
        "moderator_edit",
        moderator,
        "approved",
        decided_by=moderator,
        decided_at=initiative.updated_at,
    )
    record_action(
        moderator, "edit_initiative", "initiative", initiative.id, revision=revision.number
    )
    reindex_initiative(initiative)
    return revision


def withdraw_initiative(user: User, initiative: Initiative) -> None:
    """Archive an initiative at its submitter's request; it leaves every public place."""
    previous_state = initiative.state
    initiative.state = "archived"
    initiative.updated_at = utcnow()
    _withdraw_pending_revisions(initiative)
    _discard_edit_drafts(initiative)
    record_action(
        user, "withdraw_initiative", "initiative", initiative.id, previous_state=previous_state
    )
    reindex_initiative(initiative)


def user_initiatives(user: User, page: int, per_page: int = 20) -> Pagination:
    """The user's own initiatives, most recently changed first, paginated."""
    query = (
        select(Initiative)
        .options(*(lazyload(rows) for rows in LIST_SKIPS))
        .where(Initiative.submitter_id == user.id)
        .order_by(Initiative.updated_at.desc(), Initiative.id.desc())
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def _apply(user: User, content: dict[str, Any], initiative: Initiative | None) -> Initiative:
    if initiative is None:
        initiative = Initiative(
            title=content["title"],
            state="draft",
            submitter_id=user.id,
        )
        db.session.add(initiative)
    apply_content(initiative, content)
    initiative.updated_at = utcnow()
    db.session.flush()
    return initiative


def _discard_edit_drafts(initiative: Initiative, author: User | None = None) -> None:
    """Unsent drafts of edits go once they are sent or the initiative is withdrawn: they
    were never versions, so history keeps nothing of them."""
    query = select(Revision).where(
        Revision.initiative_id == initiative.id, Revision.state == "draft"
    )
    if author is not None:
        query = query.where(Revision.author_id == author.id)
    for draft in db.session.scalars(query):
        db.session.delete(draft)
    db.session.flush()


def _withdraw_pending_revisions(
    initiative: Initiative, kind: str | None = None, author: User | None = None
) -> None:
    """Revisions still waiting for review are withdrawn: a newer one or a withdrawal replaces
    them. (Decided ones keep their decision: they are history.)"""
    query = select(Revision).where(
        Revision.initiative_id == initiative.id, Revision.state == "pending"
    )
    if kind is not None:
        query = query.where(Revision.kind == kind)
    if author is not None:
        query = query.where(Revision.author_id == author.id)
    for revision in db.session.scalars(query):
        revision.state = "withdrawn"
