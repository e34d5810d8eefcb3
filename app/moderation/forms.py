"""Moderators' decision forms and the public report form."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, Field, RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from app.forms import Form, select_choices, strip_whitespace
from app.moderation.models import REPORT_REASONS

NOTE_MAX = 2000
RESOLUTION_MAX = 500  # Report.resolution's length
REPORT_DETAILS_MAX = 2000


class SeenRevisionField(Field):
    """The revision number a decision form carries (None when absent; anything odd matches no
    revision, so the decision is refused rather than applied to something unseen)."""

    widget = HiddenInput()
    data: int | None

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or valuelist[0] in (None, ""):
            self.data = None
            return
        try:
            self.data = int(valuelist[0])
        except (TypeError, ValueError):
            self.data = -1

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)


class ApproveForm(Form):
    revision = SeenRevisionField()
    submit = SubmitField("Approve and publish")


class RequestChangesForm(Form):
    revision = SeenRevisionField()
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
    revision = SeenRevisionField()
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
