"""Moderators' decision forms and the public report form."""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.forms import Form, select_choices, strip_whitespace
from app.moderation.models import REPORT_REASONS

NOTE_MAX = 2000
RESOLUTION_MAX = 500  # Report.resolution's length
REPORT_DETAILS_MAX = 2000


def _seen_revision(value):
    """The revision number a decision form carries (None when absent; anything odd matches no
    revision, so the decision is refused rather than applied to something unseen)."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


class ApproveForm(Form):
    revision = HiddenField(filters=[_seen_revision])
    submit = SubmitField("Approve and publish")


class RequestChangesForm(Form):
    revision = HiddenField(filters=[_seen_revision])
    note = TextAreaField(
        "What should change",
        filters=[strip_whitespace],
        description="The submitter reads this in an email and on “My initiatives”.",
        validators=[
            DataRequired(message="Say what should change."),
            Length(max=NOTE_MAX, message=f"Use at most {NOTE_MAX} characters."),
        ],
    )
    submit = SubmitField("Request changes")


class RejectForm(Form):
    revision = HiddenField(filters=[_seen_revision])
    reason = TextAreaField(
        "Reason",
        filters=[strip_whitespace],
        description="The submitter reads this in an email and on “My initiatives”.",
        validators=[
            DataRequired(message="Give the reason for rejecting it."),
            Length(max=NOTE_MAX, message=f"Use at most {NOTE_MAX} characters."),
        ],
    )
    submit = SubmitField("Reject")


class ArchiveForm(Form):
    reason = TextAreaField(
        "Reason (optional)",
        filters=[strip_whitespace],
        description="Sent to the submitter.",
        validators=[
            Optional(),
            Length(max=NOTE_MAX, message=f"Use at most {NOTE_MAX} characters."),
        ],
    )
    submit = SubmitField("Archive")


class ResolveReportForm(Form):
    resolution = TextAreaField(
        "What was done",
        filters=[strip_whitespace],
        description="Kept with the report. If you archive the initiative, its submitter is "
        "sent this as the reason.",
        validators=[
            DataRequired(message="Say what was done about the report."),
            Length(max=RESOLUTION_MAX, message=f"Use at most {RESOLUTION_MAX} characters."),
        ],
    )
    archive = BooleanField("Archive the initiative too")
    submit = SubmitField("Resolve report")


class ReportForm(Form):
    reason = RadioField(
        "Why should a moderator look at it?",
        choices=select_choices(REPORT_REASONS),
        validators=[InputRequired(message="Choose a reason.")],
    )
    details = TextAreaField(
        "Details (optional)",
        filters=[strip_whitespace],
        description="What is wrong, and where on the page.",
        validators=[
            Optional(),
            Length(
                max=REPORT_DETAILS_MAX, message=f"Use at most {REPORT_DETAILS_MAX} characters."
            ),
        ],
    )
    submit = SubmitField("Send report")
