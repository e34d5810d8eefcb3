"""Follow-up prompts: when a submitter was asked for new values, and whether they answered."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import UTCDateTime
from app.extensions import Model
from app.initiatives.models import Initiative
from app.timeutil import utcnow


class FollowUpPrompt(Model):
    """One prompt for one initiative on one due day: made once, mailed once, answered once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"))
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revision.id", ondelete="SET NULL"))

    initiative: Mapped[Initiative] = relationship()

    __table_args__ = (
        UniqueConstraint("initiative_id", "due_on", name="uq_follow_up_prompt_initiative_due"),
        Index("ix_follow_up_prompt_unanswered", "answered_at", "created_at"),
    )
