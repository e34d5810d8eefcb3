"""The one way mail leaves the site: recorded under a unique key, then sent by the worker.

``queue_mail`` records a message in the caller's transaction and queues its delivery once
that commits, so a request answers at once whatever the mail server does. ``deliver_mail``
claims the message (one worker wins), sends it, and records the result: sent; queued again
with a later attempt time after a temporary failure; failed once out of attempts; suppressed
when the server refused the address for good.

Delivery is at least once with effects once: a message is marked "sending" before it is
handed to the server and "sent" after. The one duplicate that remains possible is a worker
that dies after the server accepted the message and before it recorded that: the sweep then
sends it again once the claim is old.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, delete, func, select, update

from app.database import rows_changed
from app.extensions import db
from app.mail.models import MailSuppression, OutgoingMail
from app.mail.transport import AddressRefused, TemporaryFailure, build_message, transmit
from app.tasks.queue import background_task, before_retry, enqueue_after_commit, schedule_now
from app.timeutil import utcnow

log = logging.getLogger(__name__)

SWEEP_GRACE = timedelta(minutes=1)  # due this long without being sent: its task was lost
FIRST_RETRY_SECONDS = 30


class MailNotSent(Exception):
    """A message out of attempts: the task fails for good and admins see why."""


def normalise_address(address: str) -> str:
    return address.strip().lower()


def queue_mail(
    to: str,
    subject: str,
    body: str,
    *,
    key: str | None = None,
    html: str | None = None,
    headers: dict[str, str] | None = None,
) -> OutgoingMail:
    """Record a message (flushed with the caller's transaction) and send it after the commit.

    ``key`` makes queueing idempotent: a message already recorded under the same key is
    returned as it is and not sent again.
    """
    key = key or f"mail:{uuid.uuid4().hex}"
    existing = db.session.scalar(select(OutgoingMail).where(OutgoingMail.key == key))
    if existing is not None:
        return existing
    mail = OutgoingMail(
        key=key,
        to=to.strip(),
        subject=" ".join(subject.split()),  # a header holds one line
        body=body,
        html=html,
        headers=headers or {},
    )
    db.session.add(mail)
    db.session.flush()
    enqueue_after_commit(deliver_mail, mail.id)
    return mail


def mail_to(address: str) -> ColumnElement[bool]:
    """The messages sent (or to be sent) to an address, however its case was written."""
    return func.lower(func.trim(OutgoingMail.to)) == normalise_address(address)


def forget_old_mail(now: datetime | None = None) -> int:
    """Delete messages handed on (or given up) longer ago than MAIL_KEEP_DAYS: a mail log is
    personal data, kept only as long as it helps to answer "did it go out?"."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["MAIL_KEEP_DAYS"])
    deleted = db.session.execute(
        delete(OutgoingMail).where(
            OutgoingMail.state.in_(("sent", "failed", "suppressed")),
            OutgoingMail.created_at < cutoff,
        )
    )
    db.session.commit()
    return rows_changed(deleted)


def is_suppressed(address: str) -> bool:
    """Whether the mail server refused this address for good (until an admin clears it)."""
    found = db.session.scalar(
        select(MailSuppression.id).where(MailSuppression.address == normalise_address(address))
    )
    return found is not None


def deliver(mail_id: int) -> str:
    """Send one queued message if it is still due; returns what happened to it.

    After a temporary failure the next attempt is scheduled (30 s, then doubling); once out
    of attempts the message is marked failed and MailNotSent raised. No transaction is open
    while the mail server is talking (SQLite has one writer at a time).
    """
    now = utcnow()
    claimed = db.session.execute(
        update(OutgoingMail)
        .where(
            OutgoingMail.id == mail_id,
            OutgoingMail.state == "queued",
            OutgoingMail.next_attempt_at <= now,
        )
        .values(state="sending", claimed_at=now, attempts=OutgoingMail.attempts + 1)
    )
    db.session.commit()  # the claim is recorded before the message is handed on
    if rows_changed(claimed) != 1:
        return "not due"  # sent already, claimed by another worker, or waiting for later
    mail = db.session.get(OutgoingMail, mail_id)
    assert mail is not None
    suppressed = is_suppressed(mail.to)
    message = build_message(mail)
    to, subject, attempts = mail.to, mail.subject, mail.attempts
    db.session.commit()
    if suppressed:
        return _finish(mail_id, to, "suppressed", "The address is on the suppression list.")
    try:
        where = transmit(message)
    except AddressRefused as error:
        suppress_address(to, str(error))
        return _finish(mail_id, to, "suppressed", str(error))
    except TemporaryFailure as error:
        return _retry_or_fail(mail_id, to, attempts, str(error))
    _record(mail_id, state="sent", sent_at=utcnow(), last_error=None)
    log.info("mail %s sent to %s via %s: %s", mail_id, to, where, subject)
    return "sent"


deliver_mail = background_task(name="deliver_mail")(deliver)  # the task that runs it


def _record(mail_id: int, **values: object) -> None:
    db.session.execute(update(OutgoingMail).where(OutgoingMail.id == mail_id).values(**values))
    db.session.commit()


def _finish(mail_id: int, to: str, state: str, reason: str) -> str:
    _record(mail_id, state=state, last_error=reason)
    log.warning("mail %s to %s %s: %s", mail_id, to, state, reason)
    return state


def _retry_or_fail(mail_id: int, to: str, attempts: int, reason: str) -> str:
    if attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        _finish(mail_id, to, "failed", reason)
        raise MailNotSent(f"mail {mail_id} to {to}: {reason}")
    delay = retry_delay(attempts)
    next_attempt_at = utcnow() + timedelta(seconds=delay)
    _record(mail_id, state="queued", last_error=reason, next_attempt_at=next_attempt_at)
    log.warning(
        "mail %s to %s not sent (attempt %s, next in %s s): %s",
        mail_id,
        to,
        attempts,
        delay,
        reason,
    )
    schedule_now(deliver_mail, (mail_id,), next_attempt_at)
    return "retrying"


def retry_delay(attempts: int) -> int:
    """Seconds before the next attempt: 30 s, doubling, at most six hours."""
    return int(min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), 6 * 3600))


def due_mail_ids(limit: int = 500) -> list[int]:
    """Messages a lost task or a dead worker left behind, for the sweep to queue again."""
    now = utcnow()
    stale = now - timedelta(seconds=current_app.config["TASKS_STALE_SECONDS"])
    db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.state == "sending", OutgoingMail.claimed_at < stale)
        .values(state="queued", next_attempt_at=now - SWEEP_GRACE)
    )
    db.session.commit()
    query = (
        select(OutgoingMail.id)
        .where(OutgoingMail.state == "queued", OutgoingMail.next_attempt_at <= now - SWEEP_GRACE)
        .order_by(OutgoingMail.next_attempt_at)
        .limit(limit)
    )
    mail_ids = list(db.session.scalars(query))
    db.session.commit()  # nothing held while the messages are queued
    return mail_ids


def reset_failed_mail(mail_id: int) -> bool:
    """A message that ran out of attempts, due again with its attempts counted afresh;
    False if it is not failed."""
    changed = db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == mail_id, OutgoingMail.state == "failed")
        .values(state="queued", attempts=0, next_attempt_at=utcnow())
    )
    return rows_changed(changed) == 1


def retry_failed_mail(mail_id: int) -> bool:
    """An admin's retry of a message that ran out of attempts; False if it is not failed."""
    if not reset_failed_mail(mail_id):
        return False
    enqueue_after_commit(deliver_mail, mail_id)
    return True


before_retry(deliver_mail)(reset_failed_mail)


def failed_messages(limit: int = 100) -> list[OutgoingMail]:
    """Messages out of attempts, newest first, for the admin page."""
    query = (
        select(OutgoingMail)
        .where(OutgoingMail.state == "failed")
        .order_by(OutgoingMail.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def suppressed_addresses() -> list[MailSuppression]:
    return list(db.session.scalars(select(MailSuppression).order_by(MailSuppression.address)))


def suppress_address(address: str, reason: str) -> None:
    """Put an address on the suppression list (once)."""
    address = normalise_address(address)
    if db.session.scalar(select(MailSuppression).where(MailSuppression.address == address)):
        return
    db.session.add(MailSuppression(address=address, reason=reason[:2000]))
    db.session.flush()


def clear_suppression(address: str) -> bool:
    """Take an address off the suppression list; False when it was not on it."""
    deleted = db.session.execute(
        delete(MailSuppression).where(MailSuppression.address == normalise_address(address))
    )
    return bool(rows_changed(deleted))


def count_mail_by_state() -> dict[str, int]:
    """How many messages are in each state, for the admin page."""
    rows = db.session.execute(
        select(OutgoingMail.state, func.count()).group_by(OutgoingMail.state)
    )
    return {state: count for state, count in rows}
