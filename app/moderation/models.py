"""Revisions of initiatives and reports of published ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.database import UTCDateTime
from app.extensions import Model
from app.i18n import lazy_text as _l
from app.initiatives.models import Initiative
from app.photos.models import Photo
from app.timeutil import utcnow

REVISION_STATES = {
    "draft": _l("Draft, not sent"),  # a resident's unsent edit: never public, never reviewed
    "pending": _l("Awaiting review"),
    "changes_requested": _l("Changes requested"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
}

REVISION_KINDS = {
    "submission": _l("Submission"),
    "edit": _l("Edit"),
    "moderator_edit": _l("Moderator's edit"),
    "restore": _l("Restore"),
    "import": _l("Import"),
    "followup": _l("Follow-up answer"),
    "council_measurement": _l("Council officer's measurement"),
}

# How someone else's part in an initiative's history reads to a submitter: their role, never
# their name (moderators see names).
AUTHOR_ROLES = {
    "resident": "A resident",
    "moderator": "A moderator",
    "admin": _l("An administrator"),
    "council": _l("A council officer"),
}

REPORT_REASONS = {
    "personal_data": _l("It shows personal information about someone"),
    "offensive": _l("It is offensive or abusive"),
    "inaccurate": _l("It is inaccurate or misleading"),
    "spam": _l("It is spam or advertising"),
    "shown_in_photo": _l("I am shown in a photo and want it removed"),
    "other": _l("Something else"),
}
PRIORITY_REASONS = ("shown_in_photo",)


class Revision(Model):
    """One version of an initiative's content, kept forever: who, when, what."""

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"))
    number: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(24))  # one of REVISION_KINDS
    state: Mapped[str] = mapped_column(String(24), default="pending")
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    initiative: Mapped[Initiative] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (
        UniqueConstraint("initiative_id", "number", name="uq_revision_initiative_number"),
        Index("ix_revision_state_created", "state", "created_at"),
    )


class Report(Model):
    """Someone's report that a published initiative needs a moderator's look."""

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiative.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(24))
    # The one photo the report is about, if it names one.
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photo.id", ondelete="SET NULL"))
    # A request from someone shown in a photo: the queue puts it first.
    priority: Mapped[bool] = mapped_column(default=False)
    details: Mapped[str] = mapped_column(Text, default="")
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    resolution: Mapped[str] = mapped_column(String(500), default="")

    initiative: Mapped[Initiative] = relationship()
    photo: Mapped[Photo | None] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])

    __table_args__ = (Index("ix_report_open", "resolved_at", "created_at"),)
