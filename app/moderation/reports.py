"""Reports: anyone may tell the moderators that a published initiative needs a look."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.audit.services import record_action
from app.extensions import db
from app.initiatives.models import Initiative
from app.initiatives.public import is_public, public_photos
from app.moderation.models import PRIORITY_REASONS, REPORT_REASONS, Report
from app.moderation.services import ModerationError
from app.photos.models import Photo
from app.timeutil import utcnow


def report_initiative(
    initiative: Initiative,
    reason: str,
    details: str,
    reporter: User | None,
    photo: Photo | None = None,
) -> Report:
    """Record a report of a published initiative (or one of its public photos); it lands in
    the moderation queue, first when someone asks to be taken out of a photo."""
    if not is_public(initiative):
        raise ModerationError(_("Only a published initiative can be reported."))
    if reason not in REPORT_REASONS:
        raise ModerationError(_("Choose a reason from the list."))
    if photo is not None and photo not in public_photos(initiative):
        raise ModerationError(_("Choose a photo of this initiative."))
    report = Report(
        initiative=initiative,
        reason=reason,
        details=details,
        reporter=reporter,
        photo=photo,
        priority=reason in PRIORITY_REASONS,
    )
    db.session.add(report)
    db.session.flush()
    return report


def list_open_reports(initiative: Initiative) -> list[Report]:
    """The initiative's unresolved reports, oldest first."""
    return list(
        db.session.scalars(
            select(Report)
            .where(Report.initiative_id == initiative.id, Report.resolved_at.is_(None))
            .options(joinedload(Report.reporter))
            .order_by(Report.created_at, Report.id)
        )
    )


def resolve_report(moderator: User, report: Report, resolution: str) -> Report:
    """Close a report, saying what was done about it."""
    if report.resolved_at is not None:
        raise ModerationError(_("This report has already been resolved."))
    report.resolved_at = utcnow()
    report.resolved_by = moderator
    report.resolution = resolution
    db.session.flush()
    record_action(
        moderator,
        "resolve_report",
        "report",
        report.id,
        initiative=report.initiative_id,
        resolution=resolution,
    )
    return report
