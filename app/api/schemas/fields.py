"""marshmallow fields for the API's shapes: stored values written as the API writes them.

Each field says its OpenAPI type to apispec (through the field class it extends), so the
document and the answer come from the same line of a schema.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from app.timeutil import iso_time


class Day(fields.Date):
    """A calendar day as ``YYYY-MM-DD``, or null."""

    def __init__(self, **kwargs: Any):
        super().__init__(allow_none=True, required=True, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return value.isoformat() if value else None


class Time(fields.DateTime):
    """A stored time in UTC, ``2025-03-31T09:30:00Z``, or null."""

    def __init__(self, **kwargs: Any):
        super().__init__(allow_none=True, required=True, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return iso_time(value)


class Figure(fields.Float):
    """A stored number as it is (12 stays 12, 3.5 stays 3.5), or null."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("allow_none", True)
        super().__init__(required=True, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class Count(fields.Integer):
    """A whole number as stored, or null when ``allow_none``."""

    def __init__(self, **kwargs: Any):
        super().__init__(required=True, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return value
