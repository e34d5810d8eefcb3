"""Writing and reading the audit log.

Each entry is also written to the application log once its transaction commits, one line an
entry (``audit action=approve_initiative subject=initiative:12 actor=moderator@example.org``),
so an operator can follow moderation decisions, suspensions and imports with grep.
"""

from __future__ import annotations

import logging
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.extensions import db


def record_action(
    actor: User | None, action: str, subject_type: str, subject_id: int | None, **detail: Any
) -> AuditEntry:
    """Add one entry to the audit log (flushed with the caller's transaction)."""
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        actor_label=actor.email if actor else "system",
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
    )
    db.session.add(entry)
    db.session.flush()
    db.session.info.setdefault(_UNLOGGED, []).append(_log_line(entry))
    return entry


log = logging.getLogger(__name__)
_UNLOGGED = "audit_entries_to_log"


def _log_line(entry: AuditEntry) -> str:
    detail = " ".join(
        f"{key}={_short(value)!r}" for key, value in sorted((entry.detail or {}).items())
    )
    subject = f"{entry.subject_type}:{entry.subject_id if entry.subject_id is not None else '-'}"
    line = f"audit action={entry.action} subject={subject} actor={entry.actor_label}"
    return f"{line} {detail}".rstrip()


def _short(value: Any, limit: int = 80) -> Any:
    """Long text (a reason, a note) is cut in the log: the audit log keeps it whole."""
    return value[: limit - 1] + "…" if isinstance(value, str) and len(value) > limit else value


@event.listens_for(Session, "after_commit")
def _log_committed_entries(session: Session) -> None:
    for line in session.info.pop(_UNLOGGED, []):
        log.info(line)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_entries(session: Session) -> None:
    session.info.pop(_UNLOGGED, None)


def recent_audit_entries(page: int = 1, per_page: int = 50) -> Pagination:
    """Newest audit entries first, paginated for the admin area."""
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
