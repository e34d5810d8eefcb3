"""The follow-up form: a new value for each measured outcome, the status, "stop asking me"."""

from __future__ import annotations

from datetime import date
from typing import Any

from wtforms import BooleanField, Field, StringField, SubmitField, TextAreaField, ValidationError
from wtforms.validators import InputRequired

from app.followups.services import local_today
from app.forms import Form, SelectChoice, strip_whitespace
from app.i18n import lazy_text as _l
from app.initiatives.measurements import latest_measured_on, measured_on_problem
from app.initiatives.models import Outcome
from app.submissions.fields import (
    ChoiceField,
    DayField,
    NumberField,
    check_web_link,
    length,
)
from app.submissions.rows import BIGGEST_FIGURE

STATUS_CHOICES = [
    SelectChoice("planned", _l("Planned: it has not started yet")),
    SelectChoice("active", _l("Active: it is still running")),
    SelectChoice("completed", _l("Completed: it did what it set out to do")),
    SelectChoice("ended", _l("Ended: it stopped")),
]
REPORTER_CHOICES = [
    SelectChoice("submitter", _l("I recorded this initiative")),
    SelectChoice("group_member", _l("I am another member of the group")),
]


class FollowUpForm(Form):
    """The fixed part; ``followup_form`` adds one value field per outcome."""

    # The latest day each outcome's values were measured (by outcome id): a new value may
    # not be dated before it.
    last_measured: dict[int, date | None] = {}

    measured_on = DayField(
        _l("Date measured"),
        description=_l("The day the new values were counted."),
        validators=[InputRequired(message=_l("Enter the date the values were measured."))],
    )
    status = ChoiceField(
        _l("Is the initiative still running?"),
        choices=STATUS_CHOICES,
        message=_l("Choose one from the list."),
    )
    reported_by_role = ChoiceField(
        _l("Who is answering?"), choices=REPORTER_CHOICES, message=_l("Choose one from the list.")
    )
    note = TextAreaField(
        _l("Note"),
        description=_l("Optional: anything that explains the new values."),
        filters=[strip_whitespace],
        validators=[length(500)],
        render_kw={"rows": 3},
    )
    evidence_url = StringField(
        _l("Evidence link"),
        description=_l("Optional: a web page that shows the figures, starting with https://."),
        filters=[strip_whitespace],
        validators=[length(500), check_web_link],
    )
    stop = BooleanField(_l("Stop asking me about this initiative"))
    submit = SubmitField(_l("Send my answer"))

    def validate_measured_on(self, field: Field) -> None:
        """Not after today, nor before the latest value of an outcome given a new one."""
        if field.data is None:  # not a date: its own message says so
            return
        answered = [
            self.last_measured.get(outcome_id)
            for outcome_id, value in self.value_fields()
            if value.data is not None
        ]
        latest = max((day for day in answered if day is not None), default=None)
        problem = measured_on_problem(field.data, local_today(), latest)
        if problem:
            raise ValidationError(problem)

    def value_fields(self) -> list[tuple[int, Field]]:
        """(outcome id, its new-value field), in the outcomes' order."""
        return [
            (int(name.removeprefix("value_")), field)
            for name, field in self._fields.items()
            if name.startswith("value_")
        ]


def followup_form(outcomes: list[Outcome], **kwargs: Any) -> FollowUpForm:
    """The form for these outcomes: one optional new value each."""

    class OutcomesForm(FollowUpForm):
        last_measured = {outcome.id: latest_measured_on([outcome]) for outcome in outcomes}

    for outcome in outcomes:
        label = outcome.indicator or outcome.description[:80] or _l("Value")
        setattr(
            OutcomesForm,
            f"value_{outcome.id}",
            NumberField(
                label,
                minimum=-BIGGEST_FIGURE,
                maximum=BIGGEST_FIGURE,
                range_message=_l("That number is too large."),
                description=_l("Optional: the new value. Leave empty if you did not count."),
            ),
        )
    return OutcomesForm(**kwargs)
