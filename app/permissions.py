"""Who may do what: each action is checked here and nowhere else."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user

from app.extensions import login_manager

# Action -> roles allowed to take it. Features add their actions here.
PERMISSIONS: dict[str, frozenset[str]] = {
    "manage_users": frozenset({"admin"}),
    "suspend_user": frozenset({"admin", "moderator"}),
    "manage_organisations": frozenset({"admin"}),
    "read_audit_log": frozenset({"admin"}),
}


def can(user: Any, action: str) -> bool:
    """Whether this user (possibly anonymous) may take the action."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.role in PERMISSIONS[action]


def permission_required(action: str) -> Callable:
    """Decorate a view: anonymous visitors are sent to log in, others without the role get 403."""
    if action not in PERMISSIONS:
        raise KeyError(f"Unknown action {action!r}")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not can(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
