"""Mail the site sends, recorded before it is sent; and addresses not to mail again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.database import UTCDateTime
from app.extensions import Model
from app.timeutil import utcnow

# queued: waiting for (another) attempt; sending: a worker claimed it; sent; failed: out of
# attempts (an admin can retry it); suppressed: the address is on the suppression list.
MAIL_STATES = ("queued", "sending", "sent", "failed", "suppressed")


class OutgoingMail(Model):
    """One message, under a unique key, so that whoever queues or delivers it twice sends it
    once (a retried task, a second worker, a sweep)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    to: Mapped[str] = mapped_column(String(320), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_outgoing_mail_state_next_attempt_at", "state", "next_attempt_at"),)

    def describe(self) -> dict[str, Any]:
        """What the admin page shows of a message (never its body: it may hold a link)."""
        return {"id": self.id, "to": self.to, "subject": self.subject, "state": self.state}


class MailSuppression(Model):
    """An address the mail server refused for good (a 5xx for the recipient): not mailed
    again until an admin clears it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(320), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
