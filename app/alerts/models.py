"""Email alerts: someone's subscription to a filtered list or a cluster."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clusters.models import Cluster
from app.database import UTCDateTime
from app.extensions import Model
from app.timeutil import utcnow

FREQUENCIES = ("instant", "weekly")


class AlertSubscription(Model):
    """An address that asked to hear about new initiatives matching a filter (its canonical
    query string) or in a cluster; mailed only once confirmed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))  # normalised: trimmed, lower-case
    filter_query: Mapped[str] = mapped_column(String(2000), default="")
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id", ondelete="CASCADE"))
    frequency: Mapped[str] = mapped_column(String(16), default="weekly")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    locale: Mapped[str | None] = mapped_column(String(16))
    # In every link of this subscription (signed with SECRET_KEY, readable, not a secret):
    # a subscription made again never honours the links of an earlier one.
    nonce: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The end of the last window mailed (windows are half-open: [start, end) in UTC).
    sent_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cluster: Mapped[Cluster | None] = relationship()

    __table_args__ = (
        Index("ix_alert_subscription_email", "email"),
        Index("ix_alert_subscription_due", "frequency", "confirmed_at", "sent_until"),
        Index("ix_alert_subscription_created", "confirmed_at", "created_at"),
    )
