"""Managing users: roles, organisations and suspension."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, or_, select

from app.accounts.models import User
from app.accounts.services import end_all_sessions
from app.audit.services import record_action
from app.extensions import db
from app.permissions import can_suspend


class NotAllowed(Exception):
    """The action is not allowed on this user (for example, suspending yourself)."""


def search_users(text: str = "", role: str = "", page: int = 1, per_page: int = 50) -> Pagination:
    """Users matching part of an email or name, and a role, paginated."""
    query = select(User).order_by(User.email)
    if text:
        needle = text.strip().lower()
        query = query.where(
            or_(
                User.email.contains(needle, autoescape=True),
                func.lower(User.display_name).contains(needle, autoescape=True),
            )
        )
    if role:
        query = query.where(User.role == role)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def update_user(actor: User, user: User, role: str, organisation_id: int | None) -> None:
    """Change a user's role and organisation; an admin cannot demote themselves."""
    if user.id == actor.id and role != user.role:
        raise NotAllowed(_("You cannot change your own role."))
    changes: dict[str, list[str | int | None]] = {}
    if role != user.role:
        changes["role"] = [user.role, role]
        user.role = role
    if organisation_id != user.organisation_id:
        changes["organisation_id"] = [user.organisation_id, organisation_id]
        user.organisation_id = organisation_id
    if changes:
        db.session.flush()
        record_action(actor, "update_user", "user", user.id, **changes)


def suspend_user(actor: User, user: User, suspended: bool, reason: str = "") -> None:
    """Suspend a user (their sessions end at once) or lift the suspension.

    A moderator's attempt on staff is refused and audited (``suspend_user_refused``, flushed
    for the caller to commit): an access-control failure is a security event to keep."""
    if user.id == actor.id:
        raise NotAllowed(_("You cannot suspend yourself."))
    action = "suspend_user" if suspended else "unsuspend_user"
    if not can_suspend(actor, user):
        record_action(actor, f"{action}_refused", "user", user.id, role=user.role, reason=reason)
        raise NotAllowed(
            _("Only an administrator can suspend a moderator, council officer or administrator.")
        )
    if user.is_suspended == suspended:
        return
    user.is_suspended = suspended
    if suspended:
        end_all_sessions(user)
    record_action(actor, action, "user", user.id, reason=reason)
