"""What every answer schema shares: the ``ok`` flag, text that is always there, and reading
values through the public rules instead of plain attributes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import EXCLUDE, Schema, fields


class AnswerSchema(Schema):
    """A shape the API answers with. Open to new keys: clients must ignore what they do not
    know, so adding a field later is not a breaking change."""

    class Meta:
        unknown = EXCLUDE  # apispec then leaves additionalProperties open


class ReadingSchema(AnswerSchema):
    """A schema that reads some of its fields through functions of the dumped object."""

    READERS: dict[str, Callable[[Any], Any]] = {}

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        reader = self.READERS.get(attr)
        return reader(obj) if reader else super().get_attribute(obj, attr, default)


def text(**kwargs: Any) -> fields.String:
    """A string every answer carries (nullable when ``allow_none``)."""
    return fields.String(required=True, **kwargs)


def ok(value: bool) -> fields.Boolean:
    """The envelope's ``ok``: always true in answers, false in errors."""
    return fields.Boolean(required=True, metadata={"enum": [value]})


def enum(values) -> dict[str, Any]:
    """Field metadata: one of these values."""
    return {"enum": list(values)}
