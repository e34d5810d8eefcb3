"""The account page's form for a new API token."""

from __future__ import annotations

from wtforms import StringField

from app.forms import Form, strip_whitespace
from app.i18n import lazy_text as _l
from app.submissions.fields import length
from app.tokens.services import MAX_NAME_LENGTH


class TokenForm(Form):
    name = StringField(
        _l("Name of the new token"),
        description=_l(
            "Optional: what it is for, like “Ward map script”, so you can tell your tokens apart."
        ),
        filters=[strip_whitespace],
        validators=[length(MAX_NAME_LENGTH)],
    )
