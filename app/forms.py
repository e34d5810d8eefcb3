"""Small pieces shared by the forms of every feature."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any, TypeVar, overload

import wtforms
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_translations

# types-WTForms describes WTForms 3.2, which had no SelectChoice (3.3 prefers it to tuples).
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.fields.core import UnboundField

FieldT = TypeVar("FieldT", bound=wtforms.Field)

# Control characters other than tab and line breaks: PostgreSQL refuses NUL in text, and
# none of them means anything in what people type.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def refuse_control_characters(form: wtforms.Form, message: Any) -> None:
    """Mark every field (rows included) whose typed text held control characters: the filter
    drops them before validation, so each would otherwise go without a word. (A lazy message
    is translated only for a field that needs it.)"""
    for field in form:
        if isinstance(field, wtforms.FieldList):
            for entry in field.entries:
                if isinstance(entry, wtforms.FormField):
                    refuse_control_characters(entry.form, message)
        elif any(
            isinstance(raw, str) and CONTROL_CHARACTERS.search(raw) for raw in field.raw_data or ()
        ):
            add_error(field, str(message))


def strip_whitespace(value: object) -> object:
    """WTForms filter: drop surrounding white space from text input."""
    return value.strip() if isinstance(value, str) else value


@overload
def remove_control_characters(value: str) -> str: ...
@overload
def remove_control_characters(value: object) -> object: ...
def remove_control_characters(value: object) -> object:
    """WTForms filter, applied to every field of every form: drop control characters."""
    return CONTROL_CHARACTERS.sub("", value) if isinstance(value, str) else value


class CleanTextMeta(wtforms.meta.DefaultMeta):
    """Every bound field filters out control characters before its own filters run, and
    WTForms' own messages ("Not a valid choice.") come in the request's language: WTForms
    ships their catalogues, Welsh included, and Flask-WTF reads Flask-Babel's locale."""

    def get_translations(self, form: wtforms.form.BaseForm) -> Any:
        return wtforms_translations

    def bind_field(
        self,
        form: wtforms.form.BaseForm,
        unbound_field: UnboundField[FieldT],
        options: MutableMapping[str, Any],
    ) -> FieldT:
        field = super().bind_field(form, unbound_field, options)
        field.filters = (remove_control_characters, *field.filters)
        return field


class RowForm(wtforms.Form):
    """Base of the sub-forms repeated inside a form (participants, outcomes)."""

    Meta = CleanTextMeta


def select_choices(pairs: Mapping[Any, str] | Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """WTForms select options from (value, label) pairs or a {value: label} mapping."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


def required_text(field: wtforms.StringField) -> str:
    """The text of a field that its validators require, read once its form is valid."""
    if field.data is None:
        raise LookupError(f"{field.name} is required, but its form was not validated")
    return field.data


def add_error(field: wtforms.Field, message: str) -> None:
    """Mark a field with a problem found outside its validators (a slug taken while saving).

    A field holds a tuple of errors until it is validated, a list after: a new list suits both.
    """
    field.errors = [*field.errors, message]


class Form(FlaskForm):
    """Base of every form. CSRF is checked once for every POST by CSRFProtect, so forms carry
    no token field of their own; templates add it with the ``csrf_field()`` macro."""

    class Meta(CleanTextMeta):
        csrf = False
