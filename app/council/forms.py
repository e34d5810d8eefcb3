"""The council officer's verification form."""

from __future__ import annotations

from datetime import date

from wtforms import StringField, SubmitField, TextAreaField, ValidationError
from wtforms.validators import InputRequired

from app.council.services import NOTE_MAX, local_today
from app.forms import Form, strip_whitespace
from app.i18n import lazy_text as _l
from app.initiatives.measurements import measured_on_problem
from app.submissions.fields import DayField, NumberField, check_web_link, length
from app.submissions.rows import BIGGEST_FIGURE


def _not_in_future(form, field) -> None:
    if field.data is not None and field.data > local_today():
        raise ValidationError(_l("The date of the verification cannot be in the future."))


class VerifyOutcomeForm(Form):
    note = TextAreaField(
        _l("Note (optional)"),
        description=_l(
            "What you checked, for example “Matches the council's own figures for 2025.” "
            "At most %(limit)s characters; everyone can read it.",
            limit=NOTE_MAX,
        ),
        filters=[strip_whitespace],
        validators=[length(NOTE_MAX)],
        render_kw={"rows": 2},
    )
    verified_on = DayField(
        _l("Date checked"),
        description=_l("Leave empty for today."),
        validators=[_not_in_future],
    )
    submit = SubmitField(_l("Verify this outcome"))


class MeasurementForm(Form):
    """A council officer's new value for an outcome's indicator."""

    # The latest day the outcome's values were measured: a new value may not be dated before.
    last_measured: date | None = None

    value = NumberField(
        _l("New value"),
        minimum=-BIGGEST_FIGURE,
        maximum=BIGGEST_FIGURE,
        range_message=_l("That number is too large."),
        validators=[InputRequired(message=_l("Enter the new value."))],
    )
    measured_on = DayField(
        _l("Date measured"),
        validators=[
            InputRequired(message=_l("Enter the date the value was measured.")),
        ],
    )
    note = TextAreaField(
        _l("Note (optional)"),
        filters=[strip_whitespace],
        validators=[length(500)],
        render_kw={"rows": 2},
    )
    evidence_url = StringField(
        _l("Evidence link (optional)"),
        filters=[strip_whitespace],
        validators=[length(500), check_web_link],
    )
    submit = SubmitField(_l("Add this measurement"))

    def validate_measured_on(self, field: DayField) -> None:
        """Not after today, nor before the outcome's latest value."""
        if field.data is None:  # not a date: its own message says so
            return
        problem = measured_on_problem(field.data, local_today(), self.last_measured)
        if problem:
            raise ValidationError(problem)
