"""Moderators' decision forms and the public report form."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, Field, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from app.forms import Form, SelectChoice, select_choices, strip_whitespace
from app.i18n import lazy_text as _l
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
    submit = SubmitField(_l("Approve and publish"))


class RequestChangesForm(Form):
    revision = SeenRevisionField()
    note = TextAreaField(
        _l("What should change"),
        filters=[strip_whitespace],
        description=_l("The submitter reads this in an email and on “My initiatives”."),
        validators=[
            DataRequired(message=_l("Say what should change.")),
            Length(max=NOTE_MAX, message=_l("Use at most %(limit)s characters.", limit=NOTE_MAX)),
        ],
    )
    submit = SubmitField(_l("Request changes"))


class RejectForm(Form):
    revision = SeenRevisionField()
    reason = TextAreaField(
        _l("Reason"),
        filters=[strip_whitespace],
        description=_l("The submitter reads this in an email and on “My initiatives”."),
        validators=[
            DataRequired(message=_l("Give the reason for rejecting it.")),
            Length(max=NOTE_MAX, message=_l("Use at most %(limit)s characters.", limit=NOTE_MAX)),
        ],
    )
    submit = SubmitField(_l("Reject"))


class ArchiveForm(Form):
    reason = TextAreaField(
        _l("Reason (optional)"),
        filters=[strip_whitespace],
        description=_l("Sent to the submitter."),
        validators=[
            Optional(),
            Length(max=NOTE_MAX, message=_l("Use at most %(limit)s characters.", limit=NOTE_MAX)),
        ],
    )
    submit = SubmitField(_l("Archive"))


class ResolveReportForm(Form):
    resolution = TextAreaField(
        _l("What was done"),
        filters=[strip_whitespace],
        description=_l(
            "Kept with the report. If you archive the initiative, its submitter is "
            "sent this as the reason."
        ),
        validators=[
            DataRequired(message=_l("Say what was done about the report.")),
            Length(
                max=RESOLUTION_MAX,
                message=_l("Use at most %(limit)s characters.", limit=RESOLUTION_MAX),
            ),
        ],
    )
    archive = BooleanField(_l("Archive the initiative too"))
    submit = SubmitField(_l("Resolve report"))


class ReportForm(Form):
    reason = RadioField(
        _l("Why should a moderator look at it?"),
        choices=select_choices(REPORT_REASONS),
        validators=[InputRequired(message=_l("Choose a reason."))],
    )
    photo = SelectField(
        _l("What is it about?"),
        choices=[SelectChoice("", _l("The whole initiative"))],
        default="",
        validate_choice=True,
    )
    details = TextAreaField(
        _l("Details (optional)"),
        filters=[strip_whitespace],
        description=_l("What is wrong, and where on the page."),
        validators=[
            Optional(),
            Length(
                max=REPORT_DETAILS_MAX,
                message=_l("Use at most %(limit)s characters.", limit=REPORT_DETAILS_MAX),
            ),
        ],
    )
    submit = SubmitField(_l("Send report"))


class RemovePhotoForm(Form):
    reason = TextAreaField(
        _l("Why (kept in the audit log)"),
        filters=[strip_whitespace],
        validators=[
            Optional(),
            Length(max=NOTE_MAX, message=_l("Use at most %(count)s characters.", count=NOTE_MAX)),
        ],
    )
    submit = SubmitField(_l("Remove this photo"))
