"""Password rules: long enough, not one of the most common, hashed with a chosen method."""

from __future__ import annotations

from functools import cache

from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
BLOCKLIST_SIZE = 10_000


@cache
def common_passwords() -> frozenset[str]:
    """The most common passwords, from zxcvbn's frequency list of leaked passwords."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"][:BLOCKLIST_SIZE])


def password_problem(password: str, email: str = "") -> str | None:
    """Why a new password is not acceptable, or None when it is."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _(
            "Use at least %(min_password_length)s characters.",
            min_password_length=MIN_PASSWORD_LENGTH,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        return _(
            "Use at most %(max_password_length)s characters.",
            max_password_length=MAX_PASSWORD_LENGTH,
        )
    lowered = password.lower()
    if lowered in common_passwords() or (email and lowered == email.lower()):
        return _(
            "This password is too common and easy to guess. "
            "Try a few words that mean something to you."
        )
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(password_hash: str, password: str) -> bool:
    if "$" not in password_hash:  # unusable (e.g. restored from an export without secrets)
        spend_password_check_time()  # answer as slowly as a real check: no account oracle
        return False
    return check_password_hash(password_hash, password)


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not a real password", method=method)


def spend_password_check_time() -> None:
    """Check against a dummy hash, so an unknown email takes as long as a wrong password."""
    check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), "x")
