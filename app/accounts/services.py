"""Accounts: registration, sign-in, passwords, personal data."""

from __future__ import annotations

import hashlib
import hmac
from enum import Enum
from typing import Any

from flask import current_app, render_template
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from app.accounts.models import User, new_session_token
from app.accounts.passwords import hash_password, spend_password_check_time, verify_password
from app.extensions import db
from app.mail.services import queue_mail
from app.timeutil import utcnow
from app.urls import site_url

RESET_SALT = "password-reset"
CONFIRM_SALT = "email-confirm"


class SignIn(Enum):
    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    UNCONFIRMED = "unconfirmed"
    SUSPENDED = "suspended"


class InvalidToken(Exception):
    """A password reset or confirmation link that is malformed, expired or already used."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    """The account with this email address, whatever its case."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's loader: the user whose current session token the cookie carries."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active:
        return None
    if not hmac.compare_digest(user.session_token, token):
        return None
    return user


def create_user(
    email: str,
    password: str,
    role: str = "resident",
    display_name: str | None = None,
    organisation_id: int | None = None,
) -> User:
    """Create a confirmed account directly (command line, admin, demo data)."""
    email = normalise_email(email)
    user = User(
        email=email,
        display_name=display_name or email.split("@")[0],
        password_hash=hash_password(password),
        role=role,
        organisation_id=organisation_id,
        email_confirmed_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    return user


def register_user(email: str, display_name: str, password: str) -> None:
    """Start a registration; the answer never reveals whether the email already had an account.

    A new address gets an unconfirmed account and a confirmation link. An address that is
    registered but unconfirmed takes the new password (only the mailbox owner can confirm it).
    A confirmed address gets a note that it already has an account.
    """
    email = normalise_email(email)
    password_hash = hash_password(password)  # always, so every branch takes as long
    user = find_user_by_email(email)
    if user is not None and user.email_confirmed_at is not None:
        _mail_user(email, "Your Coproduce account", "accounts/mail/already_registered.txt")
        return
    if user is None:
        user = User(email=email, display_name=display_name, password_hash=password_hash)
        db.session.add(user)
    else:
        user.display_name = display_name
        user.password_hash = password_hash
    db.session.flush()
    link = site_url("accounts.confirm_email", token=_make_token(user, CONFIRM_SALT))
    _mail_user(email, "Confirm your Coproduce account", "accounts/mail/confirm.txt", link=link)


def confirm_email(token: str) -> User:
    """Mark the account in a confirmation link as confirmed."""
    user = _read_token(token, CONFIRM_SALT, current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    return user


def authenticate(email: str, password: str) -> tuple[SignIn, User | None]:
    """Check an email and password; unknown emails and wrong passwords look the same."""
    user = find_user_by_email(email)
    if user is None:
        spend_password_check_time()
        return SignIn.BAD_CREDENTIALS, None
    if not verify_password(user.password_hash, password):
        return SignIn.BAD_CREDENTIALS, None
    if user.is_suspended:
        return SignIn.SUSPENDED, user
    if user.email_confirmed_at is None:
        return SignIn.UNCONFIRMED, user
    return SignIn.OK, user


def record_sign_in(user: User) -> None:
    user.last_login_at = utcnow()


def end_all_sessions(user: User) -> None:
    """Make every session cookie issued for this user useless."""
    user.session_token = new_session_token()


def change_password(user: User, new_password: str) -> None:
    """Set a new password and end the user's other sessions."""
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)


def request_password_reset(email: str) -> None:
    """Mail a reset link if the account exists; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or user.is_suspended:
        return
    link = site_url("accounts.reset_password", token=_make_token(user, RESET_SALT))
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    _mail_user(
        user.email,
        "Reset your Coproduce password",
        "accounts/mail/reset.txt",
        link=link,
        minutes=minutes,
    )


def user_for_reset_token(token: str) -> User:
    """The user a reset link belongs to; raises InvalidToken when expired or used."""
    return _read_token(token, RESET_SALT, current_app.config["PASSWORD_RESET_MAX_AGE"])


def reset_password(token: str, new_password: str) -> User:
    """Use a reset link once: set the password, confirm the email, end old sessions."""
    user = user_for_reset_token(token)
    change_password(user, new_password)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    return user


def count_users_by_role() -> dict[str, int]:
    rows = db.session.execute(select(User.role, func.count()).group_by(User.role))
    return {role: count for role, count in rows}


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(user: User) -> str:
    # Changes with the password, so a reset link works once.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _make_token(user: User, salt: str) -> str:
    return _serializer(salt).dumps({"user": user.id, "fp": _fingerprint(user)})


def _read_token(token: str, salt: str, max_age: int) -> User:
    try:
        payload = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise InvalidToken("This link has expired.") from error
    except BadSignature as error:
        raise InvalidToken("This link is not valid.") from error
    user = db.session.get(User, payload.get("user")) if isinstance(payload, dict) else None
    if user is None or not hmac.compare_digest(_fingerprint(user), str(payload.get("fp"))):
        raise InvalidToken("This link has already been used or is no longer valid.")
    return user


def _mail_user(to: str, subject: str, template: str, **context: Any) -> None:
    # Queued, sent by the worker: the answer is the same, and as quick, whether or not the
    # address has an account and whatever the mail server does.
    queue_mail(to, subject, render_template(template, **context))
