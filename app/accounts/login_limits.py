"""Log-in limits per account: failures slow down further attempts at the same address.

Every attempt is counted before its password is checked (in a short transaction of its own,
with the address's row locked), and forgiven when the password was right, so that parallel
guesses cannot slip past the count. After ``FREE_FAILURES`` failures in a row the address
waits a minute, then twice as long after each further failure, up to an hour: slowed down,
never locked out (and a password reset clears the count). Addresses with and without an
account are treated exactly alike, so the answers say nothing about which exist.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import LoginFailure
from app.database import rows_changed
from app.extensions import db
from app.timeutil import utcnow

FREE_FAILURES = 5
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
FORGET_AFTER = timedelta(hours=24)  # a day without failures: the count starts again


class LoginSlowedDown(Exception):
    """Too many failed log-ins at this address: wait ``seconds`` before the next attempt."""

    def __init__(self, seconds: int):
        super().__init__(f"wait {seconds} s")
        self.seconds = seconds


def email_digest(email: str) -> str:
    """The key of an address's failures (an HMAC: the address itself is not stored)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, email.encode(), hashlib.sha256).hexdigest()


def wait_after(failures: int) -> timedelta:
    """How long an address waits after this many failures in a row."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(FIRST_WAIT * 2 ** min(failures - FREE_FAILURES, 12), LONGEST_WAIT)


def count_attempt(email: str) -> None:
    """Count a log-in attempt at the (normalised) address as failed until it succeeds, and
    commit that; raise LoginSlowedDown, counting nothing, while the address must wait."""
    digest = email_digest(email)
    for _attempt in range(2):
        now = utcnow()
        row = db.session.scalar(
            select(LoginFailure).where(LoginFailure.email_digest == digest).with_for_update()
        )
        if row is None:
            row = LoginFailure(email_digest=digest, failures=0, last_failed_at=now)
            db.session.add(row)
        elif row.wait_until is not None and row.wait_until > now:
            db.session.rollback()
            raise LoginSlowedDown(max(1, int((row.wait_until - now).total_seconds() + 0.999)))
        elif row.last_failed_at <= now - FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_failed_at = now
        wait = wait_after(row.failures)
        row.wait_until = now + wait if wait else None
        try:
            db.session.commit()
        except IntegrityError:  # another first attempt at this address got in first
            db.session.rollback()
            continue
        return


def clear_login_failures(email: str) -> None:
    """Forget the address's failures: its password was right, or was reset (the caller
    commits)."""
    digest = email_digest(email)
    db.session.execute(delete(LoginFailure).where(LoginFailure.email_digest == digest))


def forget_old_login_failures(now: datetime | None = None) -> int:
    """Delete counts with no failure for a day and no wait left."""
    now = now or utcnow()
    result = db.session.execute(
        delete(LoginFailure).where(
            LoginFailure.last_failed_at <= now - FORGET_AFTER,
            or_(LoginFailure.wait_until.is_(None), LoginFailure.wait_until <= now),
        )
    )
    db.session.commit()
    return rows_changed(result)
