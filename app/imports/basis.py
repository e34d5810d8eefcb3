"""What an import is planned against, read from the database in one go: the themes and
neighbourhoods, which initiative each row is, and those initiatives as plain data.

Planning then needs no database at all, so a check holds no transaction (on SQLite, no
write lock) while every row goes through the form. A real run reads the basis again inside
its write transaction and plans again only if something changed in between.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import select

from app.accounts.models import User
from app.duplicates.services import Asked, PossibleDuplicate, find_possible_duplicates_many
from app.extensions import db
from app.imports.matching import CHUNK, Match, match_rows
from app.imports.parsing import CsvFile, CsvRow
from app.imports.references import References, UnknownValue, load_references
from app.initiatives.content import initiative_content
from app.initiatives.models import Initiative
from app.moderation.models import Revision


class ImporterOrganisation(NamedTuple):
    local_authority: str


class Importer(NamedTuple):
    """The person importing, as plain data (what app.permissions.in_council_area reads)."""

    id: int
    role: str
    organisation: ImporterOrganisation | None
    credit: tuple[str, str]  # how new initiatives are credited

    @classmethod
    def anyone(cls) -> Importer:
        """A dry run from the command line without --as: checked as an admin would be."""
        return cls(0, "admin", None, ("name", ""))

    @classmethod
    def of(cls, user: User) -> Importer:
        organisation = user.organisation
        if organisation is not None and organisation.name:
            credit = ("organisation", organisation.name)
        else:
            credit = ("name", "")
        return cls(
            user.id,
            user.role,
            ImporterOrganisation(organisation.local_authority or "") if organisation else None,
            credit,
        )


@dataclass(frozen=True)
class Existing:
    """A matched initiative as the plan needs it."""

    id: int
    state: str
    external_id: str | None
    content: dict[str, Any]
    open_import: dict[str, Any] | None  # an import's content waiting for review, if newest


@dataclass(frozen=True)
class Basis:
    references: References
    matches: list[Match]
    existing: dict[int, Existing]
    # Line -> the published initiatives a new row may repeat (app.duplicates).
    duplicates: dict[int, list[PossibleDuplicate]] = field(default_factory=dict)


def read_basis(csv_file: CsvFile) -> Basis:
    """Everything the plan of this file depends on (a few queries, whatever its length, and
    one indexed query per new row for its possible duplicates)."""
    references = load_references()
    matches = match_rows(csv_file, references)
    ids = sorted({match.initiative_id for match in matches if match.initiative_id is not None})
    duplicates = _possible_duplicates(csv_file, references, matches)
    return Basis(references, matches, _existing(ids), duplicates)


def _possible_duplicates(
    csv_file: CsvFile, references: References, matches: list[Match]
) -> dict[int, list[PossibleDuplicate]]:
    """For each row that would make a new initiative: the published ones it may repeat (one
    query per batch of rows, however long the file)."""
    asked = []
    for row, match in zip(csv_file.rows, matches, strict=True):
        title = row.get("title").strip()
        if match.initiative_id is not None or not title:
            continue
        try:
            neighbourhood_id = references.neighbourhood(row.get("neighbourhood")).id
        except UnknownValue:
            neighbourhood_id = None
        asked.append(Asked(row.line, title, neighbourhood_id, _point(row)))
    return find_possible_duplicates_many(asked)


def _point(row: CsvRow) -> tuple[float, float] | None:
    """The row's latitude and longitude, when both are numbers on the globe."""
    try:
        point = float(row.get("latitude")), float(row.get("longitude"))
    except ValueError:
        return None
    if not all(math.isfinite(value) for value in point):
        return None
    return point if abs(point[0]) <= 90 and abs(point[1]) <= 180 else None


def _existing(ids: list[int]) -> dict[int, Existing]:
    waiting: dict[int, tuple[str, dict[str, Any]]] = {}
    initiatives: list[Initiative] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        initiatives += db.session.scalars(select(Initiative).where(Initiative.id.in_(chunk)))
        pending = db.session.execute(
            select(Revision.initiative_id, Revision.kind, Revision.content)
            .where(Revision.initiative_id.in_(chunk), Revision.state == "pending")
            .order_by(Revision.number)
        )
        waiting.update(
            (initiative_id, (kind, content)) for initiative_id, kind, content in pending
        )
    existing = {}
    for initiative in initiatives:
        kind, content = waiting.get(initiative.id, ("", None))
        existing[initiative.id] = Existing(
            initiative.id,
            initiative.state,
            initiative.external_id,
            initiative_content(initiative),
            content if kind == "import" else None,
        )
    return existing
