"""marshmallow fields that load a JSON body's values for the submission form, and the rules
the form holds, written as OpenAPI for the document.

Loading checks types only and keeps values as sent (null stays null); a wrong type is a 400
with these messages. The ``openapi`` metadata says what the form then accepts: apispec writes
it over what it reads from the field (see ``app/api/openapi.py``).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields
from wtforms.validators import Length

from app.forms import CONTROL_CHARACTERS
from app.i18n import N_
from app.shared_filters.parse import WHITE_SPACE_CLASS

# What the form counts as typed in a text field: anything but white space (Python's, spelled
# out character by character: ECMA-262's \s, which validators use, is another set) and the
# control characters text fields drop (``\x1a`` alone is nothing typed). Both sets are written
# in escapes that Python and ECMA-262 read alike. A blank date or number is white space only:
# those fields read control characters as a wrong value.
SOMETHING_TYPED = f"[^{WHITE_SPACE_CLASS[1:-1]}{CONTROL_CHARACTERS.pattern[1:-1]}]"
NOTHING_TYPED = f"^{WHITE_SPACE_CLASS}*$"
NOT_TEXT = N_("Must be a string.")
NOT_UNICODE = N_("Must be valid Unicode text.")


def _unicode(value: str) -> str:
    """JSON may escape lone surrogates ("\\ud800") that no database can store."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(_(NOT_UNICODE)) from None
    return value


class Unicode(fields.String):
    """A string (or null), valid Unicode."""

    default_error_messages = {"invalid": NOT_TEXT}

    def __init__(self, **kwargs: Any):
        super().__init__(allow_none=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError(_(NOT_TEXT))
        return _unicode(value)


class Value(fields.Float):
    """A JSON number (or null), kept as sent: the form reads it as if typed."""

    def __init__(self, **kwargs: Any):
        super().__init__(allow_none=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError(_("Must be a number (or null)."))
        return value


class TextList(fields.List):
    """A list of strings (or null)."""

    def __init__(self, **kwargs: Any):
        super().__init__(fields.String(), allow_none=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValidationError(_("Must be a list of strings."))
        return [_unicode(item) for item in value]


class Consent(fields.Boolean):
    """true or false (or null)."""

    def __init__(self, **kwargs: Any):
        super().__init__(allow_none=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError(_("Must be true or false."))
        return value


class Rows(fields.List):
    """Rows of the form (participants, outcomes): a list of objects, at most ``maximum``."""

    def __init__(
        self,
        row: type[Schema],
        name: str,
        maximum: int,
        contains: dict[str, Any] | None = None,
        description: str | None = None,
        **kwargs: Any,
    ):
        """``contains``: a row the list must hold (then the list is needed)."""
        schema: dict[str, Any] = {"type": ["array", "null"], "maxItems": maximum}
        if contains is not None:
            schema = {"type": "array", "maxItems": maximum, "minItems": 1, "contains": contains}
        metadata: dict[str, Any] = {"openapi": schema, "needed": contains is not None}
        if description:
            metadata["description"] = description
        super().__init__(fields.Nested(row), allow_none=True, metadata=metadata, **kwargs)
        self.name, self.maximum = name, maximum

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise ValidationError(_("Must be a list of objects."))
        if len(value) > self.maximum:
            raise ValidationError(
                _("At most %(maximum)s %(name)s.", maximum=self.maximum, name=self.name)
            )
        return super()._deserialize(value, attr, data, **kwargs)


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """The same OpenAPI schema, also allowing null (which the form reads as empty)."""
    return {**schema, "type": [schema["type"], "null"]}


def form_rules(
    needed: bool = False,
    description: str | None = None,
    enum: list[str] | None = None,
    openapi: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Field metadata: what the form accepts. A needed field must be there and not null; an
    optional choice may also be empty."""
    schema: dict[str, Any] = dict(openapi or {})
    schema.setdefault("type", "string")
    if enum is not None:
        schema["enum"] = enum if needed else [*enum, "", None]
    if not needed and isinstance(schema["type"], str):
        schema = nullable(schema)
    metadata: dict[str, Any] = {"openapi": schema, "needed": needed}
    if description:
        metadata["description"] = description
    return metadata


def _length(unbound) -> int:
    return next(v.max for v in unbound.kwargs.get("validators", ()) if isinstance(v, Length))


def text_rules(unbound, needed: bool = False, **extra: Any) -> dict[str, Any]:
    """Field metadata for a text field of the form: its length, and something typed if needed."""
    description = extra.pop("description", None)
    schema: dict[str, Any] = {"type": "string", "maxLength": _length(unbound), **extra}
    if needed:
        schema["pattern"] = SOMETHING_TYPED
    return form_rules(needed, description, openapi=schema)


def number_rules(unbound, kind: str = "number") -> dict[str, Any]:
    """Field metadata for a number field of the form: its range."""
    options = unbound.kwargs
    schema = {"type": kind, "minimum": options["minimum"], "maximum": options["maximum"]}
    return form_rules(openapi=schema)


def row_schema(schema: Schema, name: str) -> Schema:
    """The schema of each row of a list of nested rows (``participants``, ``outcomes``)."""
    rows = schema.fields[name]
    if not isinstance(rows, fields.List) or not isinstance(rows.inner, fields.Nested):
        raise TypeError(f"{name} is not a list of nested rows")
    nested = rows.inner.schema
    assert isinstance(nested, Schema)
    return nested
