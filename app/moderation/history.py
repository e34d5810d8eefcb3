"""An initiative's history: every revision, what changed between them, and restoring one."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.audit.services import record_action
from app.extensions import db
from app.initiatives.content import apply_content
from app.initiatives.models import Initiative
from app.moderation.diffs import FieldChange, diff_content, load_labels
from app.moderation.models import Revision
from app.moderation.services import (
    ModerationError,
    add_revision,
    check_permission,
)
from app.search.services import reindex_initiative
from app.timeutil import utcnow


@dataclass(frozen=True)
class HistoryEntry:
    """A revision and what it changed from the revision before it."""

    revision: Revision
    previous_number: int | None
    changes: list[FieldChange]


def list_revisions(initiative: Initiative) -> list[Revision]:
    """The initiative's revisions, oldest first, with their authors and deciders (not a
    resident's unsent draft of an edit: it is not a version yet)."""
    return list(
        db.session.scalars(
            select(Revision)
            .where(Revision.initiative_id == initiative.id, Revision.state != "draft")
            .options(joinedload(Revision.author), joinedload(Revision.decided_by))
            .order_by(Revision.number)
        )
    )


def revision_history(initiative: Initiative) -> list[HistoryEntry]:
    """Every revision, newest first, each with its differences from the one before."""
    revisions = list_revisions(initiative)
    labels = load_labels(revision.content for revision in revisions)
    entries = []
    previous: Revision | None = None
    for revision in revisions:
        before = previous.content if previous else {}
        entries.append(
            HistoryEntry(
                revision,
                previous.number if previous else None,
                diff_content(before, revision.content, labels),
            )
        )
        previous = revision
    return entries[::-1]


def list_decisions(initiative: Initiative) -> list[AuditEntry]:
    """The audit log's entries about this initiative, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.subject_type == "initiative", AuditEntry.subject_id == initiative.id)
            .order_by(AuditEntry.created_at, AuditEntry.id)
        )
    )


def restore_revision(moderator: User, initiative: Initiative, number: int) -> Revision:
    """Make an older revision's content current again, kept as a new "restore" revision."""
    check_permission(moderator, "restore", initiative)
    old = db.session.scalar(
        select(Revision).where(Revision.initiative_id == initiative.id, Revision.number == number)
    )
    if old is None or old.state == "draft":
        raise LookupError(
            _("Initiative %(id)s has no revision %(number)s.", id=initiative.id, number=number)
        )
    if old.state == "pending":
        raise ModerationError(_("A revision awaiting review is approved, not restored."))
    now = utcnow()
    restored = add_revision(
        initiative,
        "restore",
        moderator,
        "approved",
        content=dict(old.content),
        note=f"Restored revision {number}.",  # kept in the record, in the site's language
        decided_by=moderator,
        decided_at=now,
    )
    apply_content(initiative, old.content)
    initiative.updated_at = now
    db.session.flush()
    reindex_initiative(initiative)
    record_action(
        moderator,
        "restore_initiative",
        "initiative",
        initiative.id,
        revision=number,
        new_revision=restored.number,
    )
    return restored
