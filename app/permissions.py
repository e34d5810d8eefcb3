"""Who may do what: each action is checked here and nowhere else."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, ParamSpec, Protocol, TypeVar

from flask import abort
from flask.typing import ResponseReturnValue
from flask_login import AnonymousUserMixin, current_user

from app.accounts.models import User
from app.extensions import login_manager

if TYPE_CHECKING:
    from app.initiatives.models import Initiative

Params = ParamSpec("Params")
Answer = TypeVar("Answer")


class _InAuthority(Protocol):
    """An organisation or a neighbourhood, as far as council areas go."""

    @property
    def local_authority(self) -> str | None: ...


class _Officer(Protocol):
    """A user, or an importer as plain data."""

    @property
    def role(self) -> str: ...

    @property
    def organisation(self) -> _InAuthority | None: ...


class _Placed(Protocol):
    """An initiative, or anything else in a neighbourhood."""

    @property
    def neighbourhood(self) -> _InAuthority | None: ...


MODERATORS = frozenset({"moderator", "admin"})
# Staff: people who run the site with the public. Only an admin may suspend one of them.
STAFF = frozenset({"moderator", "council", "admin"})
EVERYONE_SIGNED_IN = frozenset({"resident", "moderator", "council", "admin"})

# Action -> roles allowed to take it. Features add their actions here.
PERMISSIONS: dict[str, frozenset[str]] = {
    "manage_users": frozenset({"admin"}),
    "suspend_user": MODERATORS,
    "manage_organisations": frozenset({"admin"}),
    "manage_themes": frozenset({"admin"}),
    "manage_neighbourhoods": frozenset({"admin"}),
    "read_audit_log": frozenset({"admin"}),
    "manage_background_work": frozenset({"admin"}),
    "moderate": MODERATORS,
    "submit_initiative": EVERYONE_SIGNED_IN,
    "curate_clusters": MODERATORS,
    "view_dashboard": frozenset({"council", "moderator", "admin"}),
    "import_initiatives": frozenset({"council", "admin"}),
    "use_api_tokens": EVERYONE_SIGNED_IN,
}

# Actions on one initiative: which states allow them for its submitter, and for moderators.
# (view of a published initiative and report are open to everyone; verify is for council
# officers of the initiative's area; see can_on_initiative.)
ALL_STATES = frozenset(
    {"draft", "pending", "changes_requested", "published", "rejected", "archived"}
)
SUBMITTER_STATES: dict[str, frozenset[str]] = {
    "view": ALL_STATES,
    "history": ALL_STATES,
    "edit": frozenset({"draft", "pending", "changes_requested", "published"}),
    # Submitting again while pending replaces what waits for review.
    "submit": frozenset({"draft", "pending", "changes_requested"}),
    "withdraw": frozenset({"draft", "pending", "changes_requested", "published", "rejected"}),
}
MODERATOR_STATES: dict[str, frozenset[str]] = {
    "view": ALL_STATES,
    "history": ALL_STATES,
    "edit": ALL_STATES,
    "approve": frozenset({"pending", "published"}),  # published: a pending revision
    "request_changes": frozenset({"pending", "published"}),
    "reject": frozenset({"pending", "published"}),
    "archive": ALL_STATES - {"archived"},
    "restore": ALL_STATES,
}
INITIATIVE_ACTIONS = (
    frozenset(SUBMITTER_STATES)
    | frozenset(MODERATOR_STATES)
    | {
        "report",
        "verify",
    }
)


def current_visitor() -> User | AnonymousUserMixin:
    """Whoever makes this request: the signed-in user (the model, not the proxy) or a visitor."""
    visitor = current_user._get_current_object()
    if not isinstance(visitor, User | AnonymousUserMixin):
        raise TypeError(f"Flask-Login loaded {visitor!r}, neither a user nor a visitor")
    return visitor


def signed_in_user() -> User:
    """The signed-in user, in a view behind login_required or permission_required."""
    user = current_visitor()
    if not isinstance(user, User):
        abort(login_manager.unauthorized())
    return user


def can(user: User | AnonymousUserMixin, action: str) -> bool:
    """Whether this user (possibly anonymous) may take the action."""
    if not isinstance(user, User):
        return False
    return user.role in PERMISSIONS[action]


def can_suspend(user: User | AnonymousUserMixin, person: User) -> bool:
    """Whether this user may suspend (or lift the suspension of) this person: moderators may
    suspend residents, only admins may suspend staff, and nobody suspends themselves."""
    if not isinstance(user, User) or not can(user, "suspend_user") or person.id == user.id:
        return False
    return person.role not in STAFF or user.role == "admin"


def can_on_initiative(
    user: User | AnonymousUserMixin, action: str, initiative: Initiative
) -> bool:
    """Whether this user may take the action on this initiative in its current state."""
    if action not in INITIATIVE_ACTIONS:
        raise KeyError(f"Unknown initiative action {action!r}")
    from app.initiatives.public import is_public

    published = is_public(initiative)
    if action in ("view", "report") and published:
        return True
    if not isinstance(user, User):
        return False
    if action == "verify":
        return published and in_council_area(user, initiative)
    if user.role in MODERATORS and initiative.state in MODERATOR_STATES.get(action, ()):
        return True
    is_submitter = initiative.submitter_id is not None and initiative.submitter_id == user.id
    return is_submitter and initiative.state in SUBMITTER_STATES.get(action, ())


def initiative_or_abort(initiative_id: int, action: str) -> Initiative:
    """The initiative a view is about to act on for the current user.

    404 when they may not even see it (an unpublished initiative's existence stays secret),
    403 when they see it but may not take the action.
    """
    from app.extensions import db
    from app.initiatives.models import Initiative

    initiative = db.session.get(Initiative, initiative_id)
    visitor = current_visitor()
    if initiative is None or not can_on_initiative(visitor, "view", initiative):
        abort(404)
    if not can_on_initiative(visitor, action, initiative):
        abort(403)
    return initiative


def in_council_area(user: _Officer, initiative: _Placed) -> bool:
    """A council officer's area: neighbourhoods whose local authority is their organisation's."""
    organisation = user.organisation
    neighbourhood = initiative.neighbourhood
    return (
        user.role == "council"
        and organisation is not None
        and bool(organisation.local_authority)
        and neighbourhood is not None
        and neighbourhood.local_authority == organisation.local_authority
    )


def permission_required(
    action: str,
) -> Callable[[Callable[Params, Answer]], Callable[Params, Answer | ResponseReturnValue]]:
    """Decorate a view: anonymous visitors are sent to log in, others without the role get 403."""
    if action not in PERMISSIONS:
        raise KeyError(f"Unknown action {action!r}")

    def decorator(
        view: Callable[Params, Answer],
    ) -> Callable[Params, Answer | ResponseReturnValue]:
        @wraps(view)
        def wrapped(*args: Params.args, **kwargs: Params.kwargs) -> Answer | ResponseReturnValue:
            visitor = current_visitor()
            if not isinstance(visitor, User):
                return login_manager.unauthorized()
            if not can(visitor, action):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
