"""Moderators' daily digest of their queue (they may turn it off on /account): follow-up
answers make the queue grow, and nobody should have to poll it."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from flask import current_app, render_template
from flask_babel import ngettext
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.languages import written_in
from app.mail.services import queue_mail
from app.moderation.queue import QueueItem, moderation_queue
from app.permissions import MODERATORS
from app.timeutil import to_local, utcnow
from app.urls import site_url


def digest_recipients() -> list[User]:
    """Moderators and admins who want the digest and can sign in."""
    query = (
        select(User)
        .where(
            User.role.in_(MODERATORS),
            User.queue_digest.is_(True),
            User.is_suspended.is_(False),
            User.email_confirmed_at.is_not(None),
        )
        .order_by(User.id)
    )
    return list(db.session.scalars(query))


def send_queue_digests(now: datetime | None = None) -> int:
    """Once a day, from QUEUE_DIGEST_HOUR in TIMEZONE: mail each moderator what waits (when
    anything does). Returns how many digests were queued (each day's once, by its key)."""
    local = to_local(now or utcnow())
    if local.hour < current_app.config["QUEUE_DIGEST_HOUR"]:
        return 0
    items = moderation_queue()
    if not items:
        return 0
    counts = Counter(item.kind for item in items)
    oldest = min(items, key=lambda item: item.since)
    sent = 0
    for user in digest_recipients():
        queue_digest_mail(user, items, counts, oldest, local.date().isoformat())
        sent += 1
    db.session.commit()
    return sent


def queue_digest_mail(
    user: User, items: list[QueueItem], counts: Counter[str], oldest: QueueItem, day: str
) -> None:
    with written_in(user.locale):
        subject = ngettext(
            "%(num)s item waits in the moderation queue",
            "%(num)s items wait in the moderation queue",
            len(items),
        )
        body = render_template(
            "moderation/mail/queue_digest.txt",
            name=user.display_name,
            items=items[:20],
            total=len(items),
            counts=counts,
            oldest=oldest,
            queue_url=site_url("moderation.queue"),
            followups_url=site_url("followups.unanswered"),
            account_url=site_url("accounts.account"),
        )
    queue_mail(user.email, subject, body, key=f"queue-digest:{user.id}:{day}")
