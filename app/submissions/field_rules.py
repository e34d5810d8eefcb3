"""The submission form's field rules as plain data, read from the form's own declarations.

A form (app.submissions.forms, app.submissions.rows) declares each field once: its kind,
filters, validators, range and choices. ``field_rules`` reads those declarations into rules
that code can apply without building a form (an import checks thousands of rows with them:
app.imports.checking). A declaration it cannot read is an error, not a rule skipped: a new
validator must be taught here before any row is checked without the form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    HiddenField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length

from app.forms import strip_whitespace
from app.initiatives.links import contact_link, web_link
from app.submissions.fields import (
    CheckboxesField,
    ChoiceField,
    DayField,
    NumberField,
    check_contact_link,
    check_web_link,
)

LINK_CHECKS: dict[Callable[..., None], Callable[[str], str | None]] = {
    check_web_link: web_link,
    check_contact_link: contact_link,
}
DEFAULT_DATE_FORMAT = "%Y-%m-%d"  # WTForms' DateField's


@dataclass(frozen=True)
class FieldRule:
    """What a field accepts: ``kind`` is text, number, date, choice, choices or hidden."""

    kind: str
    strip: bool = False
    maximum_length: int | None = None
    link: Callable[[str], str | None] | None = None
    minimum: float | None = None
    maximum: float | None = None
    whole: bool = False
    choices: frozenset[str] | None = None  # None: set when the form is built (themes, places)
    default: Any = None
    date_format: str = DEFAULT_DATE_FORMAT


@cache
def field_rules(form_class: type) -> dict[str, FieldRule]:
    """The rules of a form class's fields (row lists and tick boxes left out), by name."""
    rules = {}
    for name in dir(form_class):
        unbound = getattr(form_class, name)
        field_class = getattr(unbound, "field_class", None)
        if field_class is None or issubclass(field_class, FieldList | BooleanField):
            continue
        rules[name] = _rule(name, field_class, unbound.kwargs)
    return rules


def _rule(name: str, field_class: type, kwargs: dict[str, Any]) -> FieldRule:
    filters = kwargs.get("filters", ())
    if any(item is not strip_whitespace for item in filters):
        raise ValueError(f"{name}: a filter field_rules cannot read")
    maximum_length, link = None, None
    for validator in kwargs.get("validators", ()):
        if isinstance(validator, Length) and validator.min == -1:
            maximum_length = validator.max
        elif validator in LINK_CHECKS:
            link = LINK_CHECKS[validator]
        else:
            raise ValueError(f"{name}: a validator field_rules cannot read: {validator!r}")
    strip = strip_whitespace in filters
    if issubclass(field_class, NumberField):
        return FieldRule(
            "number",
            minimum=kwargs.get("minimum"),
            maximum=kwargs.get("maximum"),
            whole=kwargs.get("whole", False),
        )
    if issubclass(field_class, DayField):
        return FieldRule("date")
    if issubclass(field_class, DateField):
        raise ValueError(f"{name}: a date field other than DayField")
    if issubclass(field_class, CheckboxesField):
        return FieldRule("choices", choices=_choices(kwargs))
    if issubclass(field_class, ChoiceField):
        return FieldRule("choice", choices=_choices(kwargs), default=kwargs.get("default"))
    if issubclass(field_class, HiddenField):
        return FieldRule("hidden", strip, maximum_length, link)
    if issubclass(field_class, StringField | TextAreaField):
        return FieldRule("text", strip, maximum_length, link)
    raise ValueError(f"{name}: a field kind field_rules cannot read: {field_class.__name__}")


def _choices(kwargs: dict[str, Any]) -> frozenset[str] | None:
    choices = kwargs.get("choices")
    if choices is None:
        return None
    return frozenset(
        str(choice.value if hasattr(choice, "value") else choice[0]) for choice in choices
    )
