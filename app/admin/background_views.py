"""The admins' page of background work: workers, waiting, scheduled and failed tasks, jobs,
and the mail that could not be sent."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.audit.services import record_action
from app.extensions import db
from app.mail import services as mail
from app.permissions import permission_required, signed_in_user
from app.tasks import overview as work
from app.tasks.queue import task_queue

bp = Blueprint("background", __name__, url_prefix="/admin/background-work")


@bp.route("")
@permission_required("manage_background_work")
def overview():
    """What the workers are doing and what failed, read from the queue itself."""
    queue = task_queue()
    waiting, waiting_count = work.waiting_tasks(queue)
    scheduled, scheduled_count = work.scheduled_tasks(queue)
    return render_template(
        "admin/background.html",
        workers=work.workers_seen(),
        waiting=waiting,
        waiting_count=waiting_count,
        scheduled=scheduled,
        scheduled_count=scheduled_count,
        failed=work.failed_tasks(queue),
        jobs=work.recent_jobs(),
        mail_counts=mail.count_mail_by_state(),
        failed_mail=mail.failed_messages(),
        suppressed=mail.suppressed_addresses(),
    )


@bp.post("/failed/<task_id>/retry")
@permission_required("manage_background_work")
def retry_task(task_id: str):
    """Queue a failed task again."""
    name = work.retry_failed_task(task_queue(), task_id)
    if name is None:
        abort(404)
    record_action(signed_in_user(), "retry_task", "task", None, task=name, id=task_id)
    db.session.commit()
    flash(_("The task %(name)s is queued again.", name=name), "success")
    return redirect(url_for("background.overview"))


@bp.post("/failed/<task_id>/discard")
@permission_required("manage_background_work")
def discard_task(task_id: str):
    """Forget a failed task."""
    if not work.discard_failed_task(task_queue(), task_id):
        abort(404)
    record_action(signed_in_user(), "discard_task", "task", None, id=task_id)
    db.session.commit()
    flash(_("The failed task is discarded."), "success")
    return redirect(url_for("background.overview"))


@bp.post("/suppressed")
@permission_required("manage_background_work")
def clear_suppression():
    """Take an address off the suppression list, so it is mailed again."""
    address = request.form.get("address", "")
    if not mail.clear_suppression(address):
        abort(404)
    record_action(signed_in_user(), "clear_suppression", "mail", None, address=address)
    db.session.commit()
    flash(_("%(address)s will be mailed again.", address=address), "success")
    return redirect(url_for("background.overview"))
