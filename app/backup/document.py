"""The export document: its header, which tables and columns it holds, and how values are written.

Values are written so that any database reads them back exactly: datetimes in ISO 8601 with
their UTC offset, dates in ISO 8601, floats as JSON numbers (Python writes the shortest text
that reads back to the same float; the non-finite ones as the strings ``"NaN"``,
``"Infinity"`` and ``"-Infinity"``), JSON columns as JSON, bytes in base64, decimals as text.
"""

from __future__ import annotations

import base64
import math
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import JSON, Column, Table
from sqlalchemy.types import TypeDecorator

from app.accounts.models import new_session_token
from app.extensions import db

FORMAT = "coproduce-export"
VERSION = 1

# Columns written only with --with-secrets. A test fails when a column whose name says it is a
# secret (password, token, hash, secret) is missing here.
SECRET_COLUMNS: dict[str, frozenset[str]] = {
    "user": frozenset({"password_hash", "session_token"}),
    "api_token": frozenset({"token_hash"}),
}

# Tables computed from the others: not exported, rebuilt by the import (as is the search
# index, which lives outside the models: an FTS5 table on SQLite, a column on PostgreSQL).
DERIVED_TABLES = frozenset({"map_point", "map_cell"})
# The machine's working state, not the site's data: jobs under way, import files waiting,
# periodic ticks, workers' heartbeats, the mail queue (whose messages may hold reset links),
# the API's idempotency keys and log-in failure counts (both forgotten within a day), the data
# version (a counter the restore bumps) and the log of changes the facet bitmaps follow. A
# restored site starts with none; the suppression list, which is data, is exported.
WORKING_TABLES = frozenset(
    {
        "import_upload",
        "job",
        "task_tick",
        "worker_heartbeat",
        "outgoing_mail",
        "idempotency_key",
        "login_failure",
        "data_version",
        "facet_change",
        "facet_version",
    }
)

# What a withheld password hash becomes: never the output of a hash function, so no password
# matches it (werkzeug's check_password_hash answers False); the person resets their password.
UNUSABLE_PASSWORD = "!"
UNUSABLE_TOKEN_PREFIX = "!withheld:"

NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class DocumentError(Exception):
    """The file is not a complete export this site can read; the message says where and why."""


def exported_tables() -> list[Table]:
    """The tables an export holds, parents before children (foreign-key order)."""
    left_out = DERIVED_TABLES | WORKING_TABLES
    return [table for table in db.metadata.sorted_tables if table.name not in left_out]


def ordered_by_key(table: Table) -> list[Column]:
    """The columns that order a table's rows: its primary key."""
    return list(table.primary_key.columns) or list(table.columns)


def _kind(column: Column) -> type:
    column_type = column.type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance  # e.g. UTCDateTime: a DateTime underneath
    if isinstance(column_type, JSON):
        return JSON
    try:
        return column_type.python_type
    except NotImplementedError as error:
        raise TypeError(f"No way to export {column.table.name}.{column.name}.") from error


def encoder_for(column: Column) -> Callable[[Any], Any]:
    """A function turning one of this column's values into a JSON value."""
    kind = _kind(column)
    if kind is datetime:
        return lambda value: value.astimezone(UTC).isoformat()
    if kind is date:
        return date.isoformat
    if kind is float:
        return _write_float
    if kind is bytes:
        return lambda value: base64.b64encode(value).decode("ascii")
    if kind is Decimal:
        return str
    return lambda value: value


def decoder_for(column: Column) -> Callable[[Any], Any]:
    """A function turning a JSON value back into this column's value; ValueError if it is wrong."""
    kind = _kind(column)
    if kind is JSON:
        return lambda value: value
    readers = {
        datetime: _read_datetime,
        date: _read_date,
        float: _read_float,
        int: _read_int,
        bool: _read_bool,
        str: _read_text,
        bytes: _read_bytes,
        Decimal: _read_decimal,
    }
    if kind not in readers:
        raise TypeError(f"No way to import {column.table.name}.{column.name}.")
    length = getattr(column.type, "length", None)
    if kind is str and length:
        return lambda value: _read_short_text(value, length)
    return readers[kind]


def _write_float(value: float) -> float | str:
    value = float(value)
    if math.isfinite(value):
        return value
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def _read_datetime(value: Any) -> datetime:
    moment = datetime.fromisoformat(_read_text(value))
    if moment.tzinfo is None:
        raise ValueError("a date and time needs its UTC offset")
    return moment.astimezone(UTC)


def _read_date(value: Any) -> date:
    text = _read_text(value)
    if len(text) != 10:
        raise ValueError("expected a date (YYYY-MM-DD)")
    return date.fromisoformat(text)


def _read_float(value: Any) -> float:
    if isinstance(value, str) and value in NON_FINITE:
        return NON_FINITE[value]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected a number")
    return float(value)


def _read_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("expected a whole number")
    return value


def _read_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _read_text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected text")
    return value


def _read_short_text(value: Any, length: int) -> str:
    # SQLite keeps longer text than a column declares; PostgreSQL would refuse it.
    text = _read_text(value)
    if len(text) > length:
        raise ValueError(f"longer than the column's {length} characters")
    return text


def _read_bytes(value: Any) -> bytes:
    try:
        return base64.b64decode(_read_text(value), validate=True)
    except ValueError as error:
        raise ValueError("expected base64") from error


def _read_decimal(value: Any) -> Decimal:
    try:
        return Decimal(_read_text(value))
    except InvalidOperation as error:
        raise ValueError("expected a decimal number written as text") from error


def fill_withheld(table: str, row: dict[str, Any], imported_at: datetime) -> None:
    """Give the secrets an export left out values that let nobody in.

    Users keep their accounts but no password (they use "Forgotten your password?") and get a
    fresh session token; API tokens stay listed, revoked at the import, and match no token.
    """
    if table == "user":
        if row.get("password_hash") is None:
            row["password_hash"] = UNUSABLE_PASSWORD
        if row.get("session_token") is None:
            row["session_token"] = new_session_token()
    elif table == "api_token" and row.get("token_hash") is None:
        row["token_hash"] = UNUSABLE_TOKEN_PREFIX + secrets.token_hex(16)
        if row.get("revoked_at") is None:
            row["revoked_at"] = imported_at
