"""Idempotency keys: the first answer to an API write, kept so that a retry gets it again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.database import UTCDateTime
from app.extensions import Model
from app.timeutil import utcnow


class IdempotencyKey(Model):
    """One ``Idempotency-Key`` a token sent: claimed while its request runs, then the answer."""

    __table_args__ = (
        UniqueConstraint("token_id", "key"),
        Index("ix_idempotency_key_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    # SHA-256 of the method, path and body: the same key with another body is refused.
    request_digest: Mapped[str] = mapped_column(String(64))
    # A random value per run: only the request that claimed the key may record its answer.
    claim: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Null while the first request runs.
    status: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(2000))
