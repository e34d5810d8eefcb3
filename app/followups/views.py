"""The follow-up form behind a signed link (no login), and the moderators' list of the
follow-ups nobody answered."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _

from app.extensions import db
from app.followups.forms import followup_form
from app.followups.services import (
    FollowUpAnswer,
    FollowUpLinkError,
    answer_followup,
    last_value,
    local_today,
    measured_outcomes,
    prompt_for_token,
    unanswered_prompts,
)
from app.initiatives.examples import format_quantity
from app.permissions import permission_required
from app.ratelimits import limit_posts

bp = Blueprint("followups", __name__)


@bp.route("/followups/<token>", methods=["GET", "POST"])
@limit_posts("RATELIMIT_SUBMIT")
def answer(token: str):
    """Show the last values and ask for new ones; the answer goes to moderation."""
    try:
        prompt = prompt_for_token(token)
    except FollowUpLinkError as error:
        return render_template("followups/invalid_link.html", message=str(error)), 410
    initiative = prompt.initiative
    outcomes = measured_outcomes(initiative)
    form = followup_form(
        outcomes,
        data={"status": initiative.status, "measured_on": local_today()},
    )
    if form.validate_on_submit():
        values = {
            outcome_id: field.data
            for outcome_id, field in form.value_fields()
            if field.data is not None
        }
        answer_followup(
            prompt,
            FollowUpAnswer(
                values=values,
                measured_on=form.measured_on.data or local_today(),
                status=form.status.data,
                reported_by_role=form.reported_by_role.data,
                note=form.note.data or "",
                evidence_url=form.evidence_url.data or "",
                stop=bool(form.stop.data),
            ),
        )
        db.session.commit()
        return render_template(
            "followups/thanks.html", initiative=initiative, stopped=bool(form.stop.data)
        )
    rows = []
    for outcome in outcomes:
        value, measured_on = last_value(outcome)
        shown = None if value is None else format_quantity(value, outcome.unit)
        rows.append((outcome, shown, measured_on))
    return render_template(
        "followups/answer.html", form=form, initiative=initiative, rows=rows
    ), 422 if form.errors else 200


@bp.get("/moderation/followups")
@permission_required("moderate")
def unanswered():
    """Initiatives whose latest follow-up went unanswered."""
    return render_template(
        "followups/unanswered.html",
        prompts=unanswered_prompts(),
        title=_("Unanswered follow-ups"),
    )
