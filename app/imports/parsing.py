"""Reading an import file: UTF-8 text (a byte-order mark is fine), a header row, commas.

Problems with the file as a whole (not UTF-8, not CSV, no rows, unknown columns, too many
rows) raise ImportFileError with a message for the person who made the file; problems with
one row are the planner's business.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext

from app.imports.layout import COLUMN_ALIASES, known_column, normalise_header

MAX_CELL_CHARACTERS = 100_000


class ImportFileError(Exception):
    """The file cannot be imported at all; the message says why and what to do."""


@dataclass(frozen=True)
class CsvRow:
    line: int  # the line of the file where the row starts (the header is line 1)
    values: dict[str, str]  # column -> cell, for the columns the file has

    def get(self, column: str) -> str:
        return self.values.get(column, "")

    def has(self, column: str) -> bool:
        return column in self.values


@dataclass(frozen=True)
class CsvFile:
    columns: tuple[str, ...]
    rows: list[CsvRow]

    def has(self, column: str) -> bool:
        return column in self.columns


def read_csv(data: bytes, max_rows: int) -> CsvFile:
    """The header and rows of an import file; blank rows are skipped."""
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    previous_end = 0
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise ImportFileError(
                _(
                    "The file is empty: it needs a header row naming the columns, then one row "
                    "per initiative."
                )
            )
        columns = _read_header(header)
        rows: list[CsvRow] = []
        previous_end = reader.line_num
        for cells in reader:
            line, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == max_rows:
                raise ImportFileError(
                    ngettext(
                        "The file has more than %(limit)s row: split it into smaller files.",
                        "The file has more than %(limit)s rows: split it into smaller files.",
                        max_rows,
                        limit=format(max_rows, ","),
                    )
                )
            rows.append(_row(line, columns, cells))
    except csv.Error as error:
        raise ImportFileError(
            _(
                "Line %(previous_end)s is not valid CSV (%(error)s). Save the file from your "
                "spreadsheet as “CSV UTF-8 (comma delimited)”.",
                previous_end=previous_end + 1,
                error=error,
            )
        ) from error
    if not rows:
        raise ImportFileError(_("The file has a header but no rows to import."))
    return CsvFile(columns, rows)


def _decode(data: bytes) -> str:
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if b"\x00" in data:
        raise ImportFileError(
            _(
                "This is not a CSV text file (it holds binary data). Save the spreadsheet as "
                "“CSV UTF-8 (comma delimited)”."
            )
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFileError(
            _(
                "The file is not UTF-8 text (the first problem is on line %(line)s). Save it "
                "from your spreadsheet as “CSV UTF-8 (comma delimited)”.",
                line=line,
            )
        ) from error


def _read_header(header: list[str]) -> tuple[str, ...]:
    named = tuple(normalise_header(cell) for cell in header)
    # The export's own names (place, lat, lon, precision) read as the import's.
    columns = tuple(COLUMN_ALIASES.get(column, column) for column in named)
    if len(columns) == 1 and (";" in header[0] or "\t" in header[0]):
        raise ImportFileError(
            _(
                "The header has a single column: the file seems to use semicolons or tabs. "
                "Separate the columns with commas."
            )
        )
    unknown = [column or "(empty)" for column in named if not known_column(column)]
    if unknown:
        raise ImportFileError(
            ngettext(
                "Unknown column in the header: %(columns)s. Use the column names of the template.",
                "Unknown columns in the header: %(columns)s. Use the column names of the "
                "template.",
                len(unknown),
                columns=", ".join(unknown),
            )
        )
    repeated = sorted({column for column in columns if columns.count(column) > 1})
    if repeated:
        raise ImportFileError(
            _("Columns named more than once: %(columns)s.", columns=", ".join(repeated))
        )
    if "external_id" not in columns and not {"title", "neighbourhood"} <= set(columns):
        raise ImportFileError(
            _(
                "The header needs an external_id column, or both title and neighbourhood, "
                "so that each row can be matched to an initiative."
            )
        )
    return columns


def _row(line: int, columns: tuple[str, ...], cells: list[str]) -> CsvRow:
    if len(cells) > len(columns):
        extra = cells[len(columns) :]
        if any(cell.strip() for cell in extra):
            raise ImportFileError(
                _(
                    "Line %(line)s has %(cells)s cells but the header names %(columns)s columns.",
                    line=line,
                    cells=len(cells),
                    columns=len(columns),
                )
            )
    if any(len(cell) > MAX_CELL_CHARACTERS for cell in cells):
        raise ImportFileError(
            _(
                "Line %(line)s has a cell longer than %(limit)s.",
                line=line,
                limit=format(MAX_CELL_CHARACTERS, ","),
            )
        )
    padded = [*cells[: len(columns)], *[""] * (len(columns) - len(cells))]
    return CsvRow(line, dict(zip(columns, padded, strict=True)))
