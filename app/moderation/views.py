"""Moderation: the queue, decisions, revisions and their history, reports."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from app.accounts.models import User
from app.admin.forms import SuspendForm
from app.extensions import db, login_manager
from app.forms import SelectChoice, required_text
from app.initiatives.content import initiative_content
from app.initiatives.models import Initiative
from app.initiatives.point_map import point_map
from app.initiatives.public import is_public, public_photos
from app.initiatives.services import initiative_url
from app.initiatives.vocabulary import CREDITS, STATES
from app.moderation import services
from app.moderation.diffs import describe_content, diff_content, load_labels
from app.moderation.forms import (
    ApproveForm,
    ArchiveForm,
    RejectForm,
    RemovePhotoForm,
    ReportForm,
    RequestChangesForm,
    ResolveReportForm,
)
from app.moderation.history import (
    list_decisions,
    list_revisions,
    restore_revision,
    revision_history,
)
from app.moderation.models import (
    AUTHOR_ROLES,
    REPORT_REASONS,
    REVISION_KINDS,
    REVISION_STATES,
    Report,
)
from app.moderation.notify import queue_decision_mail
from app.moderation.queue import QUEUE_KINDS, moderation_queue
from app.moderation.reports import list_open_reports, report_initiative, resolve_report
from app.permissions import (
    can_on_initiative,
    current_visitor,
    initiative_or_abort,
    permission_required,
    signed_in_user,
)
from app.photos import services as photo_services
from app.photos.models import Photo
from app.places.agreement import PointWarning, point_warning
from app.ratelimits import limit_posts

bp = Blueprint("moderation", __name__)


@bp.context_processor
def moderation_labels():
    return {
        "author_roles": AUTHOR_ROLES,
        "report_reasons": REPORT_REASONS,
        "revision_kinds": REVISION_KINDS,
        "revision_states": REVISION_STATES,
    }


@bp.get("/moderation")
@permission_required("moderate")
def queue():
    """Everything awaiting a moderator, oldest first."""
    items = moderation_queue()
    warnings = {item.initiative.id: initiative_point_warning(item.initiative) for item in items}
    return render_template(
        "moderation/queue.html", items=items, kinds=QUEUE_KINDS, point_warnings=warnings
    )


@bp.post("/moderation/approve")
@permission_required("moderate")
def bulk_approve():
    """Approve the selected submissions and edits at once."""
    selection = _parse_selection(request.form.getlist("item"))
    if not selection:
        flash(_("Select at least one initiative to approve."), "error")
        return redirect(url_for("moderation.queue"))
    decisions, skipped = services.approve_initiatives(signed_in_user(), selection)
    _mail(decisions)
    db.session.commit()
    if decisions:
        count = len(decisions)
        flash(
            ngettext(
                "Approved and published %(num)s initiative.",
                "Approved and published %(num)s initiatives.",
                count,
            ),
            "success",
        )
    for message in skipped:
        flash(_("Not approved: %(message)s", message=message), "error")
    return redirect(url_for("moderation.queue"))


@bp.get("/moderation/initiatives/<int:initiative_id>")
@permission_required("moderate")
def review(initiative_id: int):
    """One initiative: what awaits review (content, or an edit's changes), reports, history."""
    return _render_review(db.get_or_404(Initiative, initiative_id))


@bp.post("/moderation/initiatives/<int:initiative_id>/approve")
@permission_required("moderate")
def approve(initiative_id: int):
    """Publish a pending submission, or apply a pending edit."""
    initiative = db.get_or_404(Initiative, initiative_id)
    form = ApproveForm(prefix="approve")
    return _decide(
        initiative,
        "approve_form",
        form,
        lambda: services.approve_initiative(signed_in_user(), initiative, form.revision.data),
        _("Approved and published."),
    )


@bp.post("/moderation/initiatives/<int:initiative_id>/request-changes")
@permission_required("moderate")
def request_changes(initiative_id: int):
    """Send a submission or edit back to its author with a note."""
    initiative = db.get_or_404(Initiative, initiative_id)
    form = RequestChangesForm(prefix="changes")
    return _decide(
        initiative,
        "changes_form",
        form,
        lambda: services.request_changes(
            signed_in_user(), initiative, required_text(form.note), form.revision.data
        ),
        _("Changes requested; the submitter has been told."),
    )


@bp.post("/moderation/initiatives/<int:initiative_id>/reject")
@permission_required("moderate")
def reject(initiative_id: int):
    """Refuse a submission or edit, with the reason."""
    initiative = db.get_or_404(Initiative, initiative_id)
    form = RejectForm(prefix="reject")
    return _decide(
        initiative,
        "reject_form",
        form,
        lambda: services.reject_initiative(
            signed_in_user(), initiative, required_text(form.reason), form.revision.data
        ),
        _("Rejected; the submitter has been told."),
    )


@bp.post("/moderation/initiatives/<int:initiative_id>/archive")
@permission_required("moderate")
def archive(initiative_id: int):
    """Hide an initiative from every public place."""
    initiative = db.get_or_404(Initiative, initiative_id)
    form = ArchiveForm(prefix="archive")
    return _decide(
        initiative,
        "archive_form",
        form,
        lambda: services.archive_initiative(signed_in_user(), initiative, form.reason.data or ""),
        _("Archived: it no longer appears on the site."),
        back_to_review=True,
    )


@bp.post("/moderation/photos/<int:photo_id>/remove")
@permission_required("moderate")
def remove_photo(photo_id: int):
    """Take one photo down (the rest of the initiative stays as it is); audited."""
    photo = db.get_or_404(Photo, photo_id)
    form = RemovePhotoForm(prefix=f"photo-{photo.id}")
    form.validate()
    photo_services.remove_photo(signed_in_user(), photo, form.reason.data or "")
    db.session.commit()
    flash(_("The photo is removed: it no longer appears anywhere on the site."), "success")
    return redirect(url_for("moderation.review", initiative_id=photo.initiative_id))


@bp.post("/moderation/initiatives/<int:initiative_id>/unarchive")
@permission_required("moderate")
def unarchive(initiative_id: int):
    """Publish an archived initiative again."""
    initiative = db.get_or_404(Initiative, initiative_id)
    try:
        services.unarchive_initiative(signed_in_user(), initiative)
    except services.ModerationError as error:
        return _refuse(initiative_id, error)
    db.session.commit()
    flash(_("Published again."), "success")
    return redirect(url_for("moderation.review", initiative_id=initiative_id))


@bp.post("/moderation/reports/<int:report_id>/resolve")
@permission_required("moderate")
def resolve(report_id: int):
    """Close a report, optionally archiving the initiative at the same time."""
    report = db.get_or_404(Report, report_id)
    initiative = report.initiative
    form = ResolveReportForm(prefix=f"report-{report.id}")
    if not form.validate():
        return _render_review(initiative, 422, resolve_forms={report.id: form})
    decision = None
    try:
        resolution = required_text(form.resolution)
        resolve_report(signed_in_user(), report, resolution)
        if form.archive.data and initiative.state != "archived":
            decision = services.archive_initiative(signed_in_user(), initiative, resolution)
    except services.ModerationError as error:
        return _refuse(initiative.id, error)
    _mail([decision] if decision else [])
    db.session.commit()
    flash(
        _("Report resolved. The initiative is archived.") if decision else _("Report resolved."),
        "success",
    )
    return redirect(url_for("moderation.review", initiative_id=report.initiative_id))


@bp.get("/initiatives/<int:initiative_id>/history")
def history(initiative_id: int):
    """Every revision of an initiative, and what each changed."""
    if not current_visitor().is_authenticated:
        abort(login_manager.unauthorized())
    initiative = initiative_or_abort(initiative_id, "history")
    return render_template(
        "moderation/history.html", initiative=initiative, entries=revision_history(initiative)
    )


@bp.post("/initiatives/<int:initiative_id>/history/<int:number>/restore")
@permission_required("moderate")
def restore(initiative_id: int, number: int):
    """Make an older revision current again."""
    initiative = db.get_or_404(Initiative, initiative_id)
    try:
        restored = restore_revision(signed_in_user(), initiative, number)
    except LookupError:
        abort(404)
    except services.ModerationError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("moderation.history", initiative_id=initiative_id))
    db.session.commit()
    flash(
        _(
            "Revision %(number)s restored (as revision %(restored_number)s).",
            number=number,
            restored_number=restored.number,
        ),
        "success",
    )
    return redirect(url_for("moderation.history", initiative_id=initiative_id))


@bp.route("/initiatives/<int:initiative_id>/report", methods=["GET", "POST"])
@limit_posts("RATELIMIT_REPORT")
def report(initiative_id: int):
    """Anyone may report a published initiative to the moderators."""
    initiative = db.get_or_404(Initiative, initiative_id)
    visitor = current_visitor()
    if not can_on_initiative(visitor, "report", initiative):
        abort(404)  # never reveal that an unpublished initiative exists
    photos = public_photos(initiative)
    form = ReportForm()
    form.photo.choices = [
        SelectChoice("", _("The whole initiative")),
        *(
            SelectChoice(
                str(photo.id), _("Photo %(number)s: %(alt)s", number=number, alt=photo.alt)
            )
            for number, photo in enumerate(photos, start=1)
        ),
    ]
    if request.method == "GET":
        # "Ask for this photo's removal" links here with the photo and the reason chosen.
        form.photo.data = request.args.get("photo", "")
        if request.args.get("reason") in REPORT_REASONS:
            form.reason.data = request.args["reason"]
    if form.validate_on_submit():
        reporter = visitor if isinstance(visitor, User) else None
        chosen = next((p for p in photos if str(p.id) == form.photo.data), None)
        report_initiative(
            initiative, form.reason.data, form.details.data or "", reporter, photo=chosen
        )
        db.session.commit()
        flash(_("Thank you. A moderator will look at your report."), "success")
        return redirect(initiative_url(initiative))
    status = 422 if form.errors else 200
    return render_template("moderation/report.html", initiative=initiative, form=form), status


def _parse_selection(values: list[str]) -> dict[int, int]:
    """Bulk-approve checkboxes (``<initiative id>:<revision number seen>``) as a mapping."""
    selection = {}
    for value in values:
        initiative_id, _colon, seen = value.partition(":")
        if initiative_id.isdigit() and seen.isdigit():
            selection[int(initiative_id)] = int(seen)
    return selection


def _decide(
    initiative: Initiative,
    form_name: str,
    form,
    decide: Callable[[], services.Decision],
    done: str,
    back_to_review: bool = False,
):
    if not form.validate():
        return _render_review(initiative, 422, **{form_name: form})
    try:
        decision = decide()
    except services.ModerationError as error:
        return _refuse(initiative.id, error)
    _mail([decision])
    db.session.commit()
    flash(done, "success")
    if back_to_review:
        return redirect(url_for("moderation.review", initiative_id=initiative.id))
    return redirect(url_for("moderation.queue"))


def _refuse(initiative_id: int, error: Exception):
    db.session.rollback()
    flash(str(error), "error")
    return redirect(url_for("moderation.review", initiative_id=initiative_id))


def _mail(decisions: list[services.Decision]) -> None:
    """Queue the submitters' emails in the decision's transaction: sent once it commits."""
    for decision in decisions:
        queue_decision_mail(decision)


def initiative_point_warning(initiative: Initiative) -> PointWarning | None:
    """The warning when the initiative's point is far from its neighbourhood's centre."""
    return point_warning(initiative.latitude, initiative.longitude, initiative.neighbourhood)


def _render_review(initiative: Initiative, status: int = 200, **forms):
    kind, revision = services.awaiting_review(initiative)
    seen = services.review_token(revision)
    current = initiative_content(initiative)
    proposed = revision.content if revision is not None and kind == "edit" else None
    labels = load_labels([current, proposed] if proposed else [current])
    reports = list_open_reports(initiative)
    resolve_forms = forms.pop("resolve_forms", {})
    context = {
        "initiative": initiative,
        "public": is_public(initiative),
        "point_map": point_map(initiative),
        "point_warning": initiative_point_warning(initiative),
        "kind": kind,
        "revision": revision,
        "content": describe_content(current, labels),
        "changes": diff_content(current, proposed, labels) if proposed else None,
        "reports": reports,
        "revisions": list_revisions(initiative),
        "decisions": list_decisions(initiative),
        "states": STATES,
        "credits": CREDITS,
        "approve_form": ApproveForm(formdata=None, prefix="approve", revision=seen),
        "changes_form": RequestChangesForm(formdata=None, prefix="changes", revision=seen),
        "reject_form": RejectForm(formdata=None, prefix="reject", revision=seen),
        "archive_form": ArchiveForm(formdata=None, prefix="archive"),
        "suspend_form": SuspendForm(formdata=None),
        "photos": [photo for photo in initiative.photos if photo.shown_in_content],
        "remove_photo_forms": {
            photo.id: RemovePhotoForm(formdata=None, prefix=f"photo-{photo.id}")
            for photo in initiative.photos
        },
        "resolve_forms": {
            report.id: resolve_forms.get(report.id)
            or ResolveReportForm(formdata=None, prefix=f"report-{report.id}")
            for report in reports
        },
        **forms,
    }
    context["failed_form"] = next(iter(forms.values()), None) or next(
        iter(resolve_forms.values()), None
    )
    return render_template("moderation/review.html", **context), status
