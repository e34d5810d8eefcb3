"""Factories: make the data a test needs, stating only what matters to it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from app.accounts.services import create_user
from app.extensions import db
from app.organisations.services import save_organisation

TEST_PASSWORD = "correct horse battery staple"
_numbers = itertools.count(1)


@dataclass(frozen=True)
class UserRecord:
    id: int
    email: str
    role: str
    password: str
    session_id: str


def create_test_user(
    role: str = "resident",
    email: str | None = None,
    password: str = TEST_PASSWORD,
    organisation_id: int | None = None,
    confirmed: bool = True,
    suspended: bool = False,
    display_name: str | None = None,
) -> UserRecord:
    """Create and commit a user (inside an app context)."""
    email = email or f"{role}{next(_numbers)}@example.org"
    user = create_user(
        email, password, role=role, organisation_id=organisation_id, display_name=display_name
    )
    if not confirmed:
        user.email_confirmed_at = None
    user.is_suspended = suspended
    db.session.commit()
    return UserRecord(user.id, user.email, user.role, password, user.get_id())


def create_test_organisation(name: str | None = None, kind: str = "council", local_authority=None):
    """Create and commit an organisation; returns its id."""
    organisation = save_organisation(
        None, name or f"Organisation {next(_numbers)}", kind, local_authority
    )
    db.session.commit()
    return organisation.id
