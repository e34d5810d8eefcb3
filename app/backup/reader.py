"""Reading an export piece by piece, so a file of any size is read in bounded memory.

``read_document`` walks the document's structure itself and hands each row to the caller as
soon as it is read; only one row (one JSON value) is ever held whole. Anything that is not a
complete export (wrong JSON, a file cut short, parts in the wrong place) raises DocumentError
naming the position in the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NoReturn, TextIO

from app.backup.document import DocumentError

CHUNK = 1 << 16
MAX_VALUE = 256 * 1024 * 1024  # a single row larger than this is not an export of ours
WHITESPACE = re.compile(r"[ \t\r\n]*")
TAIL = 16  # an error this close to the end of what is read may just need more text


@dataclass
class Header:
    fields: dict[str, Any]


@dataclass
class TableStart:
    name: str
    columns: object  # as the document has it: checked against the table by the loader


@dataclass
class Row:
    values: Any
    number: int  # 1 for the table's first row


class JsonReader:
    """A cursor over a JSON text stream, reading more of it only when needed."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.text = ""
        self.position = 0
        self.consumed = 0  # characters dropped from the front of ``text``
        self.finished = False
        self.decoder = json.JSONDecoder(parse_constant=self._refuse_constant)

    @staticmethod
    def _refuse_constant(name: str) -> NoReturn:
        raise ValueError(f"{name} is not JSON")

    def where(self) -> str:
        return f"character {self.consumed + self.position + 1}"

    def _read_more(self, at_least: int = CHUNK) -> bool:
        if self.finished:
            return False
        chunk = self.stream.read(at_least)
        if not chunk:
            self.finished = True
            return False
        self.text = self.text[self.position :] + chunk
        self.consumed += self.position
        self.position = 0
        return True

    def peek(self) -> str:
        """The next character that is not white space ('' at the end of the file)."""
        while True:
            self.position = _after_whitespace(self.text, self.position)
            if self.position < len(self.text):
                return self.text[self.position]
            if not self._read_more():
                return ""

    def expect(self, character: str, context: str) -> None:
        found = self.peek()
        if found != character:
            shown = repr(found) if found else "the end of the file"
            raise DocumentError(
                f"Expected {character!r} {context} at {self.where()}, found {shown}; "
                "the file is damaged or cut short."
            )
        self.position += 1

    def value(self, context: str) -> Any:
        """The next JSON value, read whole."""
        self.peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.text, self.position)
            except json.JSONDecodeError as error:
                if self._needs_more(error) and self._read_more(max(CHUNK, len(self.text))):
                    continue
                raise DocumentError(
                    f"The file is not valid JSON {context} (at character "
                    f"{self.consumed + error.pos + 1}: {error.msg}); it is damaged or cut short."
                ) from None
            except ValueError as error:
                raise DocumentError(f"The file is not valid JSON {context}: {error}.") from None
            # A number at the very end of what is read may go on in the next chunk.
            if end == len(self.text) and self._read_more():
                continue
            self.position = end
            return value

    def _needs_more(self, error: json.JSONDecodeError) -> bool:
        if len(self.text) - self.position > MAX_VALUE:
            return False
        return error.msg.startswith("Unterminated string") or error.pos >= len(self.text) - TAIL

    def key(self, context: str) -> str:
        name = self.value(context)
        if not isinstance(name, str):
            raise DocumentError(f"Expected a name {context} at {self.where()}.")
        self.expect(":", f"after {name!r}")
        return name

    def members(self, context: str) -> Iterator[str]:
        """The names of an object's members; the caller reads each member's value."""
        self.expect("{", context)
        first = True
        while True:
            if self.peek() == "}":
                self.position += 1
                return
            if not first:
                self.expect(",", f"between the members {context}")
            first = False
            yield self.key(context)

    def items(self, context: str) -> Iterator[Any]:
        """The values of an array, one at a time."""
        self.expect("[", context)
        first = True
        while True:
            if self.peek() == "]":
                self.position += 1
                return
            if not first:
                self.expect(",", f"between the values {context}")
            first = False
            yield self.value(context)

    def end(self) -> None:
        if self.peek():
            raise DocumentError(f"Unexpected text after the document at {self.where()}.")


def read_document(stream: TextIO) -> Iterator[Header | TableStart | Row]:
    """The header (everything before ``tables``), then each table's start and its rows."""
    reader = JsonReader(stream)
    first = reader.peek()
    if first != "{":
        raise DocumentError(
            "The file is empty." if not first else "This is not a Coproduce export (JSON)."
        )
    header: dict[str, Any] = {}
    seen_tables = False
    for name in reader.members("at the start of the export"):
        if name != "tables":
            header[name] = reader.value(f"in the header field {name!r}")
            continue
        if seen_tables:
            raise DocumentError("The export holds its tables twice.")
        seen_tables = True
        yield Header(header)
        yield from _tables(reader)
    reader.end()
    if not seen_tables:
        raise DocumentError("The export holds no tables.")


def _tables(reader: JsonReader) -> Iterator[TableStart | Row]:
    for table in reader.members("in the tables"):
        columns = None
        for part in reader.members(f"in table {table!r}"):
            if part == "columns":
                columns = reader.value(f"in the columns of {table!r}")
                yield TableStart(table, columns)
            elif part == "rows":
                if columns is None:
                    raise DocumentError(f"Table {table!r} lists its rows before its columns.")
                context = f"in the rows of {table!r}"
                for number, values in enumerate(reader.items(context), start=1):
                    yield Row(values, number)
            else:
                reader.value(f"in table {table!r}")  # a part this version does not use


def _after_whitespace(text: str, position: int) -> int:
    """The position of the first character at or after this one that is not white space."""
    blank = WHITESPACE.match(text, position)  # matches always: it may match nothing
    return blank.end() if blank else position
