"""The follow-up form: a new value for each measured outcome, the status, "stop asking me"."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, Field, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired

from app.forms import Form, SelectChoice, strip_whitespace
from app.i18n import lazy_text as _l
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
        pass

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
