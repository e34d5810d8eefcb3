"""The moderation queue: pending submissions, pending edits and open reports, oldest first
(urgent reports, from people shown in a photo, before everything).

Three queries whatever the length of the queue; nothing is loaded per item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Load, joinedload
from sqlalchemy.orm.strategy_options import _AbstractLoad

from app.accounts.models import User
from app.extensions import db
from app.i18n import lazy_text as _l
from app.initiatives.models import Initiative
from app.initiatives.public import is_public
from app.moderation.models import Report, Revision

QUEUE_KINDS = {"submission": _l("New initiative"), "edit": _l("Edit"), "report": _l("Report")}


@dataclass(frozen=True)
class QueueItem:
    """One thing awaiting a moderator."""

    kind: str  # submission, edit or report
    initiative: Initiative
    submitter: User | None
    since: datetime
    revision: Revision | None = None
    report: Report | None = None

    @property
    def urgent(self) -> bool:
        return self.report is not None and self.report.priority

    @property
    def new_photos(self) -> int:
        """Photos awaiting review with this item."""
        if self.kind == "report":
            return 0
        return sum(1 for photo in self.initiative.photos if photo.review == "pending")

    @property
    def token(self) -> str | None:
        """The bulk-approve checkbox value: ``<initiative id>:<revision number seen>``."""
        if self.kind == "report":
            return None
        return f"{self.initiative.id}:{self.revision.number if self.revision else 0}"


def _summary_options(path: Load | _AbstractLoad) -> tuple[_AbstractLoad, ...]:
    """Load an initiative with its neighbourhood and submitter, and none of its collections."""
    return (
        path.joinedload(Initiative.submitter),
        path.lazyload(Initiative.theme_links),
        path.lazyload(Initiative.stage_links),
        path.lazyload(Initiative.participants),
        path.lazyload(Initiative.outcomes),
    )


def moderation_queue() -> list[QueueItem]:
    """Everything awaiting a moderator, oldest first."""
    pending = db.session.scalars(
        select(Initiative)
        .where(Initiative.state == "pending")
        .options(*_summary_options(Load(Initiative)))
    ).all()
    latest: dict[int, Revision] = {}
    first_seen: dict[int, datetime] = {}
    revisions = db.session.scalars(
        select(Revision)
        .where(Revision.state == "pending")
        .options(joinedload(Revision.author), *_summary_options(joinedload(Revision.initiative)))
        .order_by(Revision.number)
    )
    for revision in revisions:
        latest[revision.initiative_id] = revision
        first_seen.setdefault(revision.initiative_id, revision.created_at)

    items = [
        QueueItem(
            "submission",
            initiative,
            initiative.submitter,
            initiative.submitted_at or initiative.updated_at,
            revision=latest.get(initiative.id),
        )
        for initiative in pending
    ]
    items += [
        QueueItem(
            "edit",
            revision.initiative,
            revision.author or revision.initiative.submitter,
            first_seen[initiative_id],
            revision=revision,
        )
        for initiative_id, revision in latest.items()
        if is_public(revision.initiative)
    ]
    reports = db.session.scalars(
        select(Report)
        .where(Report.resolved_at.is_(None))
        .options(*_summary_options(joinedload(Report.initiative)))
    )
    items += [
        QueueItem(
            "report",
            report.initiative,
            report.initiative.submitter,
            report.created_at,
            report=report,
        )
        for report in reports
    ]
    # Someone asking to be taken out of a photo comes first; then the oldest.
    return sorted(items, key=lambda item: (not item.urgent, item.since, item.initiative.id))
