"""Accounts: registration, sign-in, passwords, personal data."""

from __future__ import annotations

import hashlib
import hmac
from enum import Enum
from typing import Any

from flask import current_app, render_template, session
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from app.accounts.login_limits import clear_login_failures, count_attempt
from app.accounts.models import User, new_session_token
from app.accounts.passwords import hash_password, spend_password_check_time, verify_password
from app.extensions import db
from app.languages import LANGUAGES, current_language, written_in
from app.mail.services import queue_mail
from app.tasks.queue import background_task, enqueue_after_commit
from app.timeutil import utcnow
from app.urls import site_url

RESET_SALT = "password-reset"
CONFIRM_SALT = "email-confirm"
SIGNED_IN_AT = "signed_in_at"  # the session's key for when its log-in happened


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


def start_session_clock() -> None:
    """Note in the session when its log-in happened (SESSION_MAX_AGE counts from here)."""
    session[SIGNED_IN_AT] = utcnow().timestamp()


def session_is_current() -> bool:
    """Whether this session's log-in is younger than SESSION_MAX_AGE."""
    signed_in_at = session.get(SIGNED_IN_AT)
    if not isinstance(signed_in_at, int | float):
        return False
    age = utcnow().timestamp() - signed_in_at
    return 0 <= age < current_app.config["SESSION_MAX_AGE"]


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's loader: the user whose current session token the cookie carries, while
    the log-in is younger than SESSION_MAX_AGE."""
    user_id, _colon, token = session_id.partition(":")
    if not user_id.isdigit() or not token or not session_is_current():
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

    A new address gets an unconfirmed account, and an address that is registered but
    unconfirmed takes the new password (only the mailbox owner can confirm it). Which mail goes
    out (a confirmation link, or a note to a confirmed address that it already has an account)
    the worker decides: the request does no more for an address with an account than for one
    without, and never waits for a mail server.
    """
    email = normalise_email(email)
    password_hash = hash_password(password)  # always, so every branch takes as long
    user = find_user_by_email(email)
    if user is None:
        db.session.add(
            User(
                email=email,
                display_name=display_name,
                password_hash=password_hash,
                locale=current_language(),  # the language they registered in: their mail's
            )
        )
    elif user.email_confirmed_at is None:
        user.locale = current_language()
        user.display_name = display_name
        user.password_hash = password_hash
    enqueue_after_commit(send_registration_mail, email)


def mail_registration(email: str) -> None:
    """The worker's half of a registration: a confirmation link to an unconfirmed account, a
    note to a confirmed one that it already has an account."""
    user = find_user_by_email(email)
    if user is None:
        return
    with written_in(user.locale):
        if user.email_confirmed_at is not None:
            link = site_url("accounts.forgot_password")  # SITE_URL's, never a request's host
            _mail_user(
                email,
                _("Your Coproduce account"),
                "accounts/mail/already_registered.txt",
                link=link,
            )
        else:
            link = site_url("accounts.confirm_email", token=_make_token(user, CONFIRM_SALT))
            _mail_user(
                email, _("Confirm your Coproduce account"), "accounts/mail/confirm.txt", link=link
            )
    db.session.commit()


send_registration_mail = background_task(name="send_registration_mail")(mail_registration)


def confirm_email(token: str) -> User:
    """Mark the account in a confirmation link as confirmed."""
    user = _read_token(token, CONFIRM_SALT, current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    return user


def authenticate(email: str, password: str) -> tuple[SignIn, User | None]:
    """Check an email and password; unknown emails and wrong passwords look the same, and
    take as long. Raises LoginSlowedDown after too many failures at the address."""
    email = normalise_email(email)
    count_attempt(email)  # committed at once; forgiven below when the password is right
    user = find_user_by_email(email)
    if user is None:
        spend_password_check_time()
        return SignIn.BAD_CREDENTIALS, None
    if not verify_password(user.password_hash, password):
        return SignIn.BAD_CREDENTIALS, None
    clear_login_failures(email)
    if user.is_suspended:
        return SignIn.SUSPENDED, user
    if user.email_confirmed_at is None:
        return SignIn.UNCONFIRMED, user
    return SignIn.OK, user


def record_sign_in(user: User) -> None:
    """Note the time, and the language they log in in: their mail is written in it."""
    user.last_login_at = utcnow()
    user.locale = current_language()


def choose_language(user: User, language: str) -> None:
    """The language of the user's mail (and of their pages from now on)."""
    if language not in LANGUAGES:
        raise ValueError(f"Not a language: {language}")
    user.locale = language


def end_all_sessions(user: User) -> None:
    """Make every session cookie issued for this user useless."""
    user.session_token = new_session_token()


def change_password(user: User, new_password: str) -> None:
    """Set a new password and end the user's other sessions."""
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)


def request_password_reset(email: str) -> None:
    """Ask the worker to mail a reset link if the account exists: the request itself does the
    same, as quickly, whether or not it does."""
    enqueue_after_commit(send_password_reset, normalise_email(email))


def mail_password_reset(email: str) -> None:
    """The worker's half of a reset request: a link for an account that exists and is not
    suspended; nothing for any other address."""
    user = find_user_by_email(email)
    if user is None or user.is_suspended:
        return
    with written_in(user.locale):
        _mail_reset_link(user)


def _mail_reset_link(user: User) -> None:
    """The reset link, written in the language the user reads."""
    link = site_url("accounts.reset_password", token=_make_token(user, RESET_SALT))
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    _mail_user(
        user.email,
        _("Reset your Coproduce password"),
        "accounts/mail/reset.txt",
        link=link,
        minutes=minutes,
    )
    db.session.commit()


send_password_reset = background_task(name="send_password_reset")(mail_password_reset)


def user_for_reset_token(token: str) -> User:
    """The user a reset link belongs to; raises InvalidToken when expired or used."""
    return _read_token(token, RESET_SALT, current_app.config["PASSWORD_RESET_MAX_AGE"])


def reset_password(token: str, new_password: str) -> User:
    """Use a reset link once: set the password, confirm the email, end old sessions."""
    user = user_for_reset_token(token)
    change_password(user, new_password)
    clear_login_failures(user.email)
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
        raise InvalidToken(_("This link has expired.")) from error
    except BadSignature as error:
        raise InvalidToken(_("This link is not valid.")) from error
    user = db.session.get(User, payload.get("user")) if isinstance(payload, dict) else None
    if user is None or not hmac.compare_digest(_fingerprint(user), str(payload.get("fp"))):
        raise InvalidToken(_("This link has already been used or is no longer valid."))
    return user


def _mail_user(to: str, subject: str, template: str, **context: Any) -> None:
    # Recorded, then sent by the worker's delivery task, whatever the mail server does.
    queue_mail(to, subject, render_template(template, **context))
