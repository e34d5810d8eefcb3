"""Clusters: curated collections of examples, hand-picked or a saved filter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.database import UTCDateTime
from app.extensions import Model
from app.i18n import lazy_text as _l
from app.initiatives.models import Initiative
from app.timeutil import utcnow

CLUSTER_KINDS = {
    "picked": _l("Hand-picked examples, in the order you set"),
    "filter": _l("A saved filter that stays current"),
}
CLUSTER_STATES = {"draft": _l("Draft"), "published": _l("Published")}


class Cluster(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    introduction: Mapped[str] = mapped_column(Text, default="")  # Markdown
    kind: Mapped[str] = mapped_column(String(16), default="picked")  # one of CLUSTER_KINDS
    filter_query: Mapped[str] = mapped_column(Text, default="")  # canonical query string
    state: Mapped[str] = mapped_column(String(16), default="draft")  # one of CLUSTER_STATES
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()
    items: Mapped[list[ClusterItem]] = relationship(
        back_populates="cluster",
        order_by="ClusterItem.position",
        cascade="all, delete-orphan",
    )

    __table_args__ = (Index("ix_cluster_state_published", "state", "published_at"),)

    @property
    def is_published(self) -> bool:
        return self.state == "published"


class ClusterItem(Model):
    """One hand-picked initiative in a cluster, at its place in the curator's order."""

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("cluster.id", ondelete="CASCADE"))
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(Text, default="")  # the curator's note

    cluster: Mapped[Cluster] = relationship(back_populates="items")
    initiative: Mapped[Initiative] = relationship()

    __table_args__ = (
        UniqueConstraint("cluster_id", "initiative_id"),
        Index("ix_cluster_item_initiative", "initiative_id"),
    )
