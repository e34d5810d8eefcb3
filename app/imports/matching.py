"""Which initiative each row is: by its external_id, else by title and neighbourhood.

A row whose external_id is new may still match, by title and neighbourhood, an initiative
that has no external_id yet (it then gets the row's), so adding ids to a sheet that was
imported before does not duplicate it. Two rows may not be the same initiative.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from app.database import in_ids
from app.extensions import db
from app.imports.parsing import CsvFile, CsvRow
from app.imports.references import References, UnknownValue
from app.imports.rows import Problem
from app.initiatives.models import Initiative

EXTERNAL_ID_LENGTH = 120
CHUNK = 500  # values per IN (...) list
KEYS_CHUNK = 10_000  # values per array (app.database.in_ids)


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
    dialect = db.session.get_bind().dialect
    # The ids in one parameter, many thousands a statement: a list of placeholders per 500
    # ids cost more to render and plan than the look-up did.
    for start in range(0, len(external_ids), KEYS_CHUNK):
        chunk = external_ids[start : start + KEYS_CHUNK]
        query = select(Initiative.external_id, Initiative.id).where(
            in_ids(Initiative.external_id, chunk, dialect)
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
                        _(
                            "Line %(line)s has the same title and neighbourhood (give the rows "
                            "an external_id to tell them apart).",
                            line=lines_by_title[key],
                        ),
                    )
                )
            lines_by_title.setdefault(key, row.line)
        if match.initiative_id is None and key is not None:
            _match_title(titled.get(key, []), external_id, match)
        if match.initiative_id is not None:
            earlier = lines_by_initiative.setdefault(match.initiative_id, row.line)
            if earlier != row.line:
                match.problems.append(
                    Problem(
                        "",
                        _(
                            "Line %(earlier)s is the same initiative (#%(initiative_id)s).",
                            earlier=earlier,
                            initiative_id=match.initiative_id,
                        ),
                    )
                )
        matches.append(match)
    return matches


def _check_external_id(row: CsvRow, external_id: str, lines: dict[str, int], match: Match) -> None:
    if len(external_id) > EXTERNAL_ID_LENGTH:
        match.problems.append(
            Problem(
                "external_id",
                _(
                    "Use at most %(external_id_length)s characters.",
                    external_id_length=EXTERNAL_ID_LENGTH,
                ),
            )
        )
    elif not external_id.isprintable():
        match.problems.append(Problem("external_id", _("Remove the control characters.")))
    if external_id in lines:
        match.problems.append(
            Problem(
                "external_id",
                _(
                    "“%(external_id)s” is also on line %(line)s.",
                    external_id=external_id,
                    line=lines[external_id],
                ),
            )
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
        match.problems.append(Problem("title", _several_titled(candidates, external_id)))


def _several_titled(candidates: list[tuple[int, str | None]], external_id: str) -> str:
    """Advice that can be followed: a row names an initiative only by an external_id it
    already has, so those without one are told apart by their titles."""
    if external_id:  # every candidate lacks an external_id (see _match_title)
        return _(
            "Several initiatives in this neighbourhood have this title and no external_id "
            "(%(numbers)s), so the row's external_id cannot say which one it is: give all but "
            "one of them another title on the site, or change the row's title to add a new "
            "initiative.",
            numbers=", ".join(f"#{initiative_id}" for initiative_id, _id in candidates),
        )
    numbers = ", ".join(
        f"#{initiative_id} (external_id “{other_id}”)" if other_id else f"#{initiative_id}"
        for initiative_id, other_id in candidates
    )
    return _(
        "Several initiatives in this neighbourhood have this title (%(numbers)s). To update "
        "one that has an external_id, put it in the row's external_id column; to add a new "
        "initiative, change the row's title.",
        numbers=numbers,
    )
