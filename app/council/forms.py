"""The council officer's verification form."""

from __future__ import annotations

from wtforms import SubmitField, TextAreaField, ValidationError

from app.council.services import NOTE_MAX, local_today
from app.forms import Form, strip_whitespace
from app.submissions.fields import DayField, length


def _not_in_future(form, field) -> None:
    if field.data is not None and field.data > local_today():
        raise ValidationError("The date of the verification cannot be in the future.")


class VerifyOutcomeForm(Form):
    note = TextAreaField(
        "Note (optional)",
        description="What you checked, for example “Matches the council's own figures for "
        f"2025.” At most {NOTE_MAX} characters; everyone can read it.",
        filters=[strip_whitespace],
        validators=[length(NOTE_MAX)],
        render_kw={"rows": 2},
    )
    verified_on = DayField(
        "Date checked",
        description="Leave empty for today.",
        validators=[_not_in_future],
    )
    submit = SubmitField("Verify this outcome")
