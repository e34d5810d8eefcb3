"""Small pieces shared by the forms of every feature."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice


def strip_whitespace(value):
    """WTForms filter: drop surrounding white space from text input."""
    return value.strip() if isinstance(value, str) else value


def select_choices(pairs) -> list[SelectChoice]:
    """WTForms select options from (value, label) pairs or a {value: label} mapping."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


class Form(FlaskForm):
    """Base of every form. CSRF is checked once for every POST by CSRFProtect, so forms carry
    no token field of their own; templates add it with the ``csrf_field()`` macro."""

    class Meta:
        csrf = False
