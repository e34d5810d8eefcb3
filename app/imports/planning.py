"""Deciding what each row of an import does: create, update, unchanged or reject, and why.

Nothing here writes: a dry run and a real run plan alike, and only a real run without
rejections goes on to app.imports.writing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.imports.matching import CHUNK, Match, match_rows
from app.imports.parsing import CsvFile
from app.imports.places import Answers, Progress, answer_for, place_question
from app.imports.references import NeighbourhoodChoice, References, load_references
from app.imports.rows import Problem, new_content, read_row
from app.initiatives.content import initiative_content
from app.initiatives.models import Initiative
from app.initiatives.public import PUBLISHED
from app.moderation.models import Revision
from app.permissions import in_council_area

UPDATABLE_STATES = frozenset({"pending", PUBLISHED})
# Content keys as the report names them.
CHANGE_NAMES = {
    "neighbourhood_id": "neighbourhood",
    "latitude": "place",
    "longitude": "place",
    "location_state": "place",
    "credit": "credit",
    "credit_name": "credit",
    "outcomes": "outcome",
}


@dataclass
class RowReport:
    """What one row does (or would do), and why."""

    line: int
    title: str
    action: str = "reject"  # create, update, unchanged or reject
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    initiative_id: int | None = None

    @property
    def reasons(self) -> list[str]:
        return [str(problem) for problem in self.problems] + self.notes


@dataclass
class ImportReport:
    """A run's answer: each row's action, and whether it was written."""

    filename: str
    state: str
    rows: list[RowReport]
    committed: bool = False

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def rejected(self) -> int:
        return self.count("reject")

    @property
    def changes(self) -> int:
        return self.count("create") + self.count("update")

    def summary(self) -> str:
        return (
            f"{self.count('create')} to create, {self.count('update')} to update, "
            f"{self.count('unchanged')} unchanged, {self.rejected} rejected"
        )


@dataclass
class Plan:
    report: RowReport
    match: Match
    initiative: Initiative | None = None
    content: dict[str, Any] | None = None
    pending_edit: bool = False  # an update of a published initiative kept for review
    note: str = ""  # the revision's note: where the import came from


def _neighbourhood(row, references: References, start: dict) -> NeighbourhoodChoice | None:
    if row.has("neighbourhood") and row.get("neighbourhood").strip():
        try:
            return references.neighbourhood(row.get("neighbourhood"))
        except ValueError:
            return None
    return references.by_id.get(start.get("neighbourhood_id"))


def place_questions(csv_file: CsvFile, credit: tuple[str, str]) -> list[str]:
    """What to ask the geocoder: places new to their initiative, without coordinates."""
    references = load_references()
    matches = match_rows(csv_file, references)
    ids = [match.initiative_id for match in matches if match.initiative_id is not None]
    places = {}
    for start in range(0, len(ids), CHUNK):
        query = select(Initiative.id, Initiative.place_name, Initiative.neighbourhood_id).where(
            Initiative.id.in_(ids[start : start + CHUNK])
        )
        for initiative_id, place_name, neighbourhood_id in db.session.execute(query):
            places[initiative_id] = {
                "place_name": place_name,
                "neighbourhood_id": neighbourhood_id,
            }
    questions: dict[str, None] = {}
    for row, match in zip(csv_file.rows, matches, strict=True):
        start = places.get(match.initiative_id) or new_content(*credit)
        _, query = place_question(row, start, _neighbourhood(row, references, start))
        if query:
            questions[query] = None
    return list(questions)


def _load(ids: list[int]) -> dict[int, Initiative]:
    found: dict[int, Initiative] = {}
    for start in range(0, len(ids), CHUNK):
        query = select(Initiative).where(Initiative.id.in_(ids[start : start + CHUNK]))
        found.update({initiative.id: initiative for initiative in db.session.scalars(query)})
    return found


def plan_rows(
    csv_file: CsvFile,
    importer: User,
    credit: tuple[str, str],
    answers: Answers,
    state: str,
    progress: Progress,
) -> list[Plan]:
    """What each row does, with its reasons; nothing is written."""
    references = load_references()
    matches = match_rows(csv_file, references)
    initiatives = _load([m.initiative_id for m in matches if m.initiative_id is not None])
    plans = []
    with progress("Checking rows", len(csv_file.rows)) as bar:
        for row, match in zip(csv_file.rows, matches, strict=True):
            initiative = initiatives.get(match.initiative_id)
            start = initiative_content(initiative) if initiative else new_content(*credit)
            place = answer_for(row, start, _neighbourhood(row, references, start), answers)
            outcome_ids = [outcome["id"] for outcome in start.get("outcomes", [])]
            result = read_row(row, references, start, place, outcome_ids)
            title = (result.content or {}).get("title") or row.get("title").strip()
            plan = Plan(RowReport(row.line, title or start.get("title") or ""), match)
            plan.initiative, plan.content = initiative, result.content
            plan.report.problems = match.problems + result.problems
            if result.content is not None:
                plan.report.problems += _area_problems(importer, references, start, result.content)
            if initiative is not None:
                plan.report.initiative_id = initiative.id
            if not plan.report.problems:
                _decide(plan, start, state)
                if place.note and plan.report.action != "unchanged":
                    plan.report.notes.append(place.note)
            plans.append(plan)
            bar.update(1)
    return plans


class _Placed(NamedTuple):
    """Something in a neighbourhood, as app.permissions.in_council_area reads it."""

    neighbourhood: NeighbourhoodChoice


def _area_problems(
    importer: User, references: References, start: dict[str, Any], content: dict[str, Any]
) -> list[Problem]:
    """A council officer imports into their council's area only (an admin, anywhere): the
    initiative's neighbourhood, and its neighbourhood before the update, must be in it."""
    if importer.role != "council":
        return []
    organisation = importer.organisation
    area = organisation.local_authority if organisation is not None else ""
    problems = []
    for neighbourhood_id in dict.fromkeys(
        (start.get("neighbourhood_id"), content["neighbourhood_id"])
    ):
        neighbourhood = references.by_id.get(neighbourhood_id)
        if neighbourhood is None or in_council_area(importer, _Placed(neighbourhood)):
            continue
        if not area:
            message = (
                "Your organisation has no local authority, so you have no council area to "
                "import into: ask an admin."
            )
        else:
            message = (
                f"{neighbourhood.name} is in {neighbourhood.local_authority}, outside your "
                f"council's area ({area}): ask an admin to import it."
            )
        problems.append(Problem("neighbourhood", message))
    return problems


def _decide(plan: Plan, start: dict[str, Any], state: str) -> None:
    """Create, update or unchanged; or reject an update the initiative's state forbids."""
    report, initiative, content = plan.report, plan.initiative, plan.content
    if initiative is None:
        report.action = "create"
        report.notes.append("New: published." if state == PUBLISHED else "New: waits for review.")
        return
    changed = sorted(
        {CHANGE_NAMES.get(key, key) for key in content if content[key] != start.get(key)}
    )
    new_id = plan.match.external_id and plan.match.external_id != initiative.external_id
    if not changed and not new_id:
        report.action = "unchanged"
        return
    if initiative.state not in UPDATABLE_STATES:
        report.action = "reject"
        report.problems.append(
            Problem(
                "",
                f"It would change initiative #{initiative.id}, which is "
                f"{initiative.state.replace('_', ' ')}: only pending and published initiatives "
                "can be updated by an import.",
            )
        )
        return
    plan.pending_edit = changed and initiative.state == PUBLISHED and state == "pending"
    if plan.pending_edit and _open_import(initiative, content):
        report.action = "unchanged"
        report.notes.append("The same changes already wait for review.")
        return
    report.action = "update"
    if changed:
        report.notes.append(f"Changes: {', '.join(changed)}.")
    if new_id:
        report.notes.append(f"Gets the external_id “{plan.match.external_id}”.")
    if plan.pending_edit:
        report.notes.append("The changes wait for review; the published version stays.")
    elif initiative.state == "pending" and state == PUBLISHED:
        report.notes.append("Published.")


def _open_import(initiative: Initiative, content: dict[str, Any]) -> bool:
    """Whether an import revision with this content already waits for review."""
    revision = _latest_pending(initiative)
    return revision is not None and revision.kind == "import" and revision.content == content


def _latest_pending(initiative: Initiative) -> Revision | None:
    return db.session.scalar(
        select(Revision)
        .where(Revision.initiative_id == initiative.id, Revision.state == "pending")
        .order_by(Revision.number.desc())
        .limit(1)
    )
