"""Users and their roles."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import UTCDateTime
from app.extensions import Model
from app.i18n import lazy_text as _l
from app.organisations.models import Organisation
from app.timeutil import utcnow

ROLES = ("resident", "moderator", "council", "admin")
ROLE_LABELS = {
    "resident": _l("Resident"),
    "moderator": _l("Moderator"),
    "council": _l("Council officer"),
    "admin": _l("Administrator"),
}


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so "Ann@Example.org" and "ann@example.org" are one account.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="resident", index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    is_suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    # Rotated on logout and password change: session cookies carry it, old ones stop working.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Moderators get a daily digest of their queue unless they turn it off on /account.
    queue_digest: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The language of their pages when they last chose one (en, cy): their mail is written in it.
    locale: Mapped[str] = mapped_column(String(8), default="en", server_default="en")

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")

    # Flask-Login's user protocol.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return not self.is_suspended and self.email_confirmed_at is not None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class LoginFailure(Model):
    """Failed log-ins for one email address, known or not: they slow down further attempts.

    Keyed by an HMAC of the address, so that addresses without an account are not stored,
    and counted in the database, so that neither a new client address nor a Redis outage
    gives a guesser more attempts.
    """

    email_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    wait_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
