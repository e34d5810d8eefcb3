"""CSV cells that spreadsheet programs cannot mistake for formulas.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be run as a
formula by Excel, LibreOffice or Google Sheets (CSV injection); such text gets a leading
apostrophe, which spreadsheets show as plain text. Numbers are written as numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BYTE_ORDER_MARK = "\ufeff"  # so spreadsheet programs read UTF-8 (Welsh, accents) correctly


def safe_cell(value: object) -> str | int | float:
    """One value ready for csv.writer: text guarded, numbers kept, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_text(text: str) -> str:
    """A text cell guarded as ``safe_cell`` does, for callers that know it is text (exports
    of a million rows call this for their text columns only)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_row(values: Iterable[object]) -> list[str | int | float]:
    return [safe_cell(value) for value in values]
