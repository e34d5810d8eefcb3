"""Writing and reading the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

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
    return entry


def recent_audit_entries(page: int = 1, per_page: int = 50):
    """Newest audit entries first, paginated for the admin area."""
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
