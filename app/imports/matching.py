"""Which initiative each row is: by its external_id, else by title and neighbourhood.

A row whose external_id is new may still match, by title and neighbourhood, an initiative
that has no external_id yet (it then gets the row's), so adding ids to a sheet that was
imported before does not duplicate it. Two rows may not be the same initiative.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from app.extensions import db
from app.imports.parsing import CsvFile, CsvRow
from app.imports.references import References, UnknownValue
from app.imports.rows import Problem
from app.initiatives.models import Initiative

EXTERNAL_ID_LENGTH = 120
CHUNK = 500  # values per IN (...) list


@dataclass
class Match:
    initiative_id: int | None = None
    external_id: str | None = None  # to store on the initiative (new, or adopted)
    problems: list[Problem] = field(default_factory=list)


def title_key(title: str) -> str:
    """Titles match ignoring case and runs of spaces."""
    return " ".join(title.split()).casefold()


def _chunks(values: list) -> list[list]:
    return [values[start : start + CHUNK] for start in range(0, len(values), CHUNK)]


def _external_ids(external_ids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(external_ids):
        query = select(Initiative.external_id, Initiative.id).where(
            Initiative.external_id.in_(chunk)
        )
        found.update(
            (external_id, initiative_id)
            for external_id, initiative_id in db.session.execute(query)
            if external_id is not None  # never: the query asks for these ids
        )
    return found


def _titled(neighbourhood_ids: list[int]) -> dict[tuple[str, int], list[tuple[int, str | None]]]:
    """(title key, neighbourhood id) -> [(initiative id, external id)] in those neighbourhoods."""
    titled: dict[tuple[str, int], list[tuple[int, str | None]]] = {}
    for chunk in _chunks(neighbourhood_ids):
        query = (
            select(Initiative.id, Initiative.title, Initiative.neighbourhood_id)
            .add_columns(Initiative.external_id)
            .where(Initiative.neighbourhood_id.in_(chunk))
            .order_by(Initiative.id)
        )
        for initiative_id, title, neighbourhood_id, external_id in db.session.execute(query):
            titled.setdefault((title_key(title), neighbourhood_id), []).append(
                (initiative_id, external_id)
            )
    return titled


def _neighbourhood_id(row: CsvRow, references: References) -> int | None:
    try:
        return references.neighbourhood(row.get("neighbourhood")).id
    except UnknownValue:
        return None  # the row's own validation says so


def match_rows(csv_file: CsvFile, references: References) -> list[Match]:
    """Each row's initiative (None: a new one), with problems of identity."""
    neighbourhoods = [_neighbourhood_id(row, references) for row in csv_file.rows]
    wanted = sorted({row.get("external_id").strip() for row in csv_file.rows} - {""})
    by_external_id = _external_ids(wanted)
    titled = _titled(sorted({n for n in neighbourhoods if n is not None}))
    lines_by_external_id: dict[str, int] = {}
    lines_by_title: dict[tuple[str, int], int] = {}
    lines_by_initiative: dict[int, int] = {}
    matches = []
    for row, neighbourhood_id in zip(csv_file.rows, neighbourhoods, strict=True):
        match = Match()
        external_id = row.get("external_id").strip()
        title = title_key(row.get("title"))
        # Rows are matched by title within their neighbourhood, so only when they have both.
        key = (title, neighbourhood_id) if title and neighbourhood_id is not None else None
        if external_id:
            _check_external_id(row, external_id, lines_by_external_id, match)
            match.initiative_id = by_external_id.get(external_id)
        elif key is not None:
            if key in lines_by_title:
                match.problems.append(
                    Problem(
                        "title",
                        f"Line {lines_by_title[key]} has the same title and "
                        "neighbourhood (give the rows an external_id to tell them apart).",
                    )
                )
            lines_by_title.setdefault(key, row.line)
        if match.initiative_id is None and key is not None:
            _match_title(titled.get(key, []), external_id, match)
        if match.initiative_id is not None:
            earlier = lines_by_initiative.setdefault(match.initiative_id, row.line)
            if earlier != row.line:
                match.problems.append(
                    Problem("", f"Line {earlier} is the same initiative (#{match.initiative_id}).")
                )
        matches.append(match)
    return matches


def _check_external_id(row: CsvRow, external_id: str, lines: dict[str, int], match: Match) -> None:
    if len(external_id) > EXTERNAL_ID_LENGTH:
        match.problems.append(
            Problem("external_id", f"Use at most {EXTERNAL_ID_LENGTH} characters.")
        )
    elif not external_id.isprintable():
        match.problems.append(Problem("external_id", "Remove the control characters."))
    if external_id in lines:
        match.problems.append(
            Problem("external_id", f"“{external_id}” is also on line {lines[external_id]}.")
        )
    lines.setdefault(external_id, row.line)
    match.external_id = external_id


def _match_title(candidates: list[tuple[int, str | None]], external_id: str, match: Match) -> None:
    if external_id:
        # A row with its own id only adopts an initiative that has none yet.
        candidates = [candidate for candidate in candidates if candidate[1] is None]
    if len(candidates) == 1:
        match.initiative_id = candidates[0][0]
    elif len(candidates) > 1:
        numbers = ", ".join(f"#{initiative_id}" for initiative_id, _ in candidates)
        match.problems.append(
            Problem(
                "title",
                f"Several initiatives in this neighbourhood have this title ({numbers}): "
                "give the row the external_id of one of them, or change the title.",
            )
        )
