"""Organisations: councils, police forces, health bodies, schools, charities, residents' groups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.database import UTCDateTime
from app.extensions import Model
from app.i18n import lazy_text as _l
from app.timeutil import utcnow

ORGANISATION_KINDS = {
    "council": _l("Council"),
    "police": _l("Police"),
    "health": _l("Health body"),
    "school": _l("School"),
    "housing": _l("Housing provider"),
    "charity": _l("Charity or voluntary organisation"),
    "residents_group": _l("Residents' group"),
    "business": _l("Business"),
    "other": _l("Other"),
}


class Organisation(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    local_authority: Mapped[str | None] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def kind_label(self) -> str:
        return ORGANISATION_KINDS.get(self.kind, self.kind)

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"
