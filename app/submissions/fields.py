"""Form fields for the submission page: numbers, dates, choices and links people type.

Each keeps exactly what was typed when it cannot be read, so the page can show it again
beside a message saying what to change.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from flask_babel import gettext as _
from wtforms import DateField, Field, SelectField, SelectMultipleField, ValidationError
from wtforms.form import BaseForm
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget, RadioInput, TextInput

from app.forms import add_error, remove_control_characters
from app.i18n import lazy_text as _l
from app.initiatives.links import contact_link, web_link

NUMBER_MESSAGE = "Enter a number, like 12 or 3.5."
WHOLE_NUMBER_MESSAGE = _l("Enter a whole number, like 12.")
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100


def _number_text(value: float | int) -> str:
    """12.0 reads as "12"; 3.5 stays "3.5"."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


class NumberField(Field):
    """A number typed as text ("12", "3.5", "1,200"), optionally whole and within a range."""

    widget = TextInput()
    data: float | int | None

    def __init__(
        self,
        label: str,
        minimum: float | None = None,
        maximum: float | None = None,
        whole: bool = False,
        range_message: str = "",
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "numeric" if whole else "decimal"})
        super().__init__(label, **kwargs)
        self.minimum, self.maximum, self.whole = minimum, maximum, whole
        self.range_message = range_message

    def process_data(self, value: float | int | None) -> None:
        self.data = value

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        text = valuelist[0].strip().replace(",", "") if valuelist else ""
        if not text:
            return
        message = WHOLE_NUMBER_MESSAGE if self.whole else NUMBER_MESSAGE
        try:
            value = float(text)
        except ValueError as error:
            raise ValueError(message) from error
        if not math.isfinite(value) or (self.whole and not value.is_integer()):
            raise ValueError(message)
        self.data = int(value) if self.whole else value

    def pre_validate(self, form: BaseForm) -> None:
        if self.data is None:
            return
        too_small = self.minimum is not None and self.data < self.minimum
        too_big = self.maximum is not None and self.data > self.maximum
        if too_small or too_big:
            raise ValidationError(self.range_message)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else _number_text(self.data)


class DayField(DateField):
    """A date from a date input; empty means none."""

    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(
            label,
            # types-WTForms describes WTForms 3.2; 3.3 added invalid_value_message.
            invalid_value_message=_l("Enter a real date, like 2024-03-31."),  # type: ignore[call-arg]
            **kwargs,
        )

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if valuelist and valuelist[0].strip():
            super().process_formdata([valuelist[0].strip()])

    def pre_validate(self, form: BaseForm) -> None:
        if isinstance(self.data, date) and not EARLIEST_YEAR <= self.data.year <= LATEST_YEAR:
            raise ValidationError(
                _(
                    "Enter a date between %(earliest_year)s and %(latest_year)s, like 2024-03-31.",
                    earliest_year=EARLIEST_YEAR,
                    latest_year=LATEST_YEAR,
                )
            )


class ChoiceField(SelectField):
    """A select (or radios) whose unknown values get a message of our own."""

    def __init__(
        self, label: str, message: str = _l("Choose one from the list."), **kwargs: Any
    ) -> None:
        super().__init__(label, validate_choice=False, **kwargs)
        self.message = message

    def pre_validate(self, form: BaseForm) -> None:
        if self.data in (None, ""):
            return
        if self.data not in _choice_values(self):
            raise ValidationError(self.message)


class RadiosField(ChoiceField):
    """A choice shown as radio buttons."""

    widget = ListWidget(prefix_label=False)
    option_widget = RadioInput()


class CheckboxesField(SelectMultipleField):
    """Several choices shown as checkboxes; unknown values get a message of our own."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(label, validate_choice=False, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = list(dict.fromkeys(valuelist))

    def pre_validate(self, form: BaseForm) -> None:
        known = _choice_values(self)
        chosen = self.data or []
        if any(value not in known for value in chosen):
            self.data = [value for value in chosen if value in known]
            raise ValidationError(_("Choose from the list."))


def _choice_values(field: SelectField | SelectMultipleField) -> set[object]:
    """The values a select offers (each choice is a (value, label, selected, attributes))."""
    return {value for value, _label, _selected, _attributes in field.iter_choices()}


def check_web_link(form: BaseForm, field: Field) -> None:
    """WTForms validator: empty, or an http/https address."""
    if field.data and web_link(field.data) is None:
        raise ValidationError(_("Enter a web address starting with https:// or http://."))


def check_contact_link(form: BaseForm, field: Field) -> None:
    """WTForms validator: empty, a website address or an email address."""
    if field.data and contact_link(field.data) is None:
        raise ValidationError(
            _(
                "Enter a website address starting with https:// or an email address "
                "like name@example.org."
            )
        )


def length(maximum: int) -> Length:
    """WTForms validator: at most this many characters."""
    return Length(
        max=maximum, message=_l("Use at most %(limit)s characters.", limit=format(maximum, ","))
    )


def typed(field: Field) -> bool:
    """Whether anything was typed or chosen in this field (control characters, which every
    form drops, are nothing: a title of "\\x01" is no title)."""
    raw = field.raw_data
    if raw:
        return any(remove_control_characters(str(value)).strip() for value in raw)
    return field.data not in (None, "", [])


def parsed(field: Field, empty: Any = None) -> Any:
    """The field's value, or ``empty`` when what was typed could not be accepted."""
    if field.errors or field.data in (None, ""):
        return empty
    return field.data


def text_value(field: Field, maximum: int) -> str:
    """Text is kept even when too long (cut to what the database holds) so drafts lose little."""
    return (field.data or "")[:maximum]


def iso_date(value: date | None) -> str | None:
    """A date as content stores it."""
    return value.isoformat() if value else None


def require(field: Field, message: Any) -> None:
    """Add the message unless something was typed (or the field already has a problem). A
    lazy message is only translated when it is added."""
    if not field.errors and not typed(field):
        add_error(field, str(message))
