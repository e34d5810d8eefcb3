"""The alert form: an address and how often."""

from __future__ import annotations

from wtforms import EmailField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from app.forms import Form, SelectChoice, strip_whitespace
from app.i18n import lazy_text as _l
from app.submissions.fields import RadiosField

FREQUENCY_CHOICES = [
    SelectChoice("weekly", _l("A weekly digest")),
    SelectChoice("instant", _l("As they are published (at most one mail every 15 minutes)")),
]


class AlertForm(Form):
    email = EmailField(
        _l("Email address"),
        filters=[strip_whitespace],
        validators=[
            DataRequired(message=_l("Enter your email address.")),
            Length(max=254, message=_l("An email address has at most 254 characters.")),
            Email(message=_l("Enter an email address like name@example.org.")),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )
    frequency = RadiosField(
        _l("How often"),
        choices=FREQUENCY_CHOICES,
        default="weekly",
        message=_l("Choose how often."),
    )
    submit = SubmitField(_l("Send me a confirmation link"))
