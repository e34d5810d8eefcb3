"""Photos of an initiative: what was uploaded, how far it is processed, whether it is approved."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.database import UTCDateTime
from app.extensions import Model
from app.timeutil import utcnow

# Where its files stand: uploaded and waiting for the worker, processed, or unreadable.
PHOTO_STATES = ("processing", "ready", "failed")
# Where it stands in moderation: part of a revision under review, approved with it, refused
# with it, or taken down by a moderator on its own.
PHOTO_REVIEWS = ("pending", "approved", "rejected", "removed")


class Photo(Model):
    """One photo of an initiative; the files live in the media storage under ``stem``."""

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    alt: Mapped[str] = mapped_column(String(300), default="")
    caption: Mapped[str] = mapped_column(String(300), default="")
    credit: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(16), default="processing")
    review: Mapped[str] = mapped_column(String(16), default="pending")
    problem: Mapped[str] = mapped_column(Text, default="")  # why processing failed
    # The uploaded file, private, until the worker has processed it (then deleted).
    raw_key: Mapped[str | None] = mapped_column(String(200))
    source_format: Mapped[str] = mapped_column(String(16), default="")  # decided by decoding
    # HMAC(secret, id, bytes): the secret part of every processed file's name.
    stem: Mapped[str | None] = mapped_column(String(64), unique=True)
    # {"320": {"width": w, "height": h}, "640": ..., "1280": ..., "social": ...}
    sizes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Whether the public copies exist (they do only while the photo is public).
    public_copies: Mapped[bool] = mapped_column(default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_photo_initiative", "initiative_id", "position"),)

    @property
    def is_ready(self) -> bool:
        return self.state == "ready"

    @property
    def shown_in_content(self) -> bool:
        """Still part of the initiative (not refused or taken down)."""
        return self.review in ("pending", "approved")

    def __repr__(self) -> str:
        return f"<Photo {self.id} {self.state} {self.review}>"
