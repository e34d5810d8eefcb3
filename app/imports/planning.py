"""Deciding what each row of an import does: create, update, unchanged or reject, and why.

Planning reads no database (app.imports.basis has read what it needs) and writes nothing: a
check and a real run plan alike, and only a real run without rejections goes on to
app.imports.writing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from flask_babel import gettext as _

from app.duplicates.services import PossibleDuplicate
from app.imports.basis import Basis, Existing, Importer
from app.imports.matching import Match
from app.imports.parsing import CsvFile, CsvRow
from app.imports.places import Answers, Progress, answer_for, place_question
from app.imports.references import NeighbourhoodChoice, References
from app.imports.rows import Problem, new_content, read_row
from app.initiatives.public import PUBLISHED
from app.permissions import in_council_area
from app.places.agreement import point_warning

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
    warnings: list[str] = field(default_factory=list)  # imported all the same: worth a look

    @property
    def reasons(self) -> list[str]:
        return [str(problem) for problem in self.problems] + self.warnings + self.notes


@dataclass
class ImportReport:
    """A run's answer: each row's action, and whether it was written."""

    filename: str
    state: str
    rows: list[RowReport]
    committed: bool = False
    rebuild_job_id: int | None = None  # the search index and map, rebuilt after writing

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def rejected(self) -> int:
        return self.count("reject")

    @property
    def changes(self) -> int:
        return self.count("create") + self.count("update")

    def summary(self) -> str:
        return _(
            "%(create)s to create, %(update)s to update, %(unchanged)s unchanged, "
            "%(rejected)s rejected",
            create=self.count("create"),
            update=self.count("update"),
            unchanged=self.count("unchanged"),
            rejected=self.rejected,
        )


@dataclass
class Plan:
    report: RowReport
    match: Match
    existing: Existing | None = None  # the initiative the row updates
    content: dict[str, Any] | None = None
    pending_edit: bool = False  # an update of a published initiative kept for review
    note: str = ""  # the revision's note: where the import came from
    # Published initiatives a new row may repeat: flagged to moderators as a submission's are.
    possible_duplicate_ids: list[int] = field(default_factory=list)

    @property
    def written(self) -> dict[str, Any]:
        """The content the row writes (a row with problems has none and writes nothing)."""
        if self.content is None:
            raise ValueError(
                _("Line %(line)s has problems: it writes nothing.", line=self.report.line)
            )
        return self.content


def _neighbourhood(
    row: CsvRow, references: References, start: dict[str, Any]
) -> NeighbourhoodChoice | None:
    if row.has("neighbourhood") and row.get("neighbourhood").strip():
        try:
            return references.neighbourhood(row.get("neighbourhood"))
        except ValueError:
            return None
    neighbourhood_id = start.get("neighbourhood_id")
    return references.by_id.get(neighbourhood_id) if neighbourhood_id is not None else None


def _existing(basis: Basis, initiative_id: int | None) -> Existing | None:
    """The initiative a row matched, as the plan needs it (None: a new one)."""
    return basis.existing.get(initiative_id) if initiative_id is not None else None


def _start(existing: Existing | None, importer: Importer) -> dict[str, Any]:
    """What a row is read on top of: its initiative's content, or a new one's."""
    return existing.content if existing is not None else new_content(*importer.credit)


def place_questions(csv_file: CsvFile, basis: Basis, importer: Importer) -> list[str]:
    """What to ask the geocoder: places new to their initiative, without coordinates."""
    questions: dict[str, None] = {}
    for row, match in zip(csv_file.rows, basis.matches, strict=True):
        start = _start(_existing(basis, match.initiative_id), importer)
        _place, query = place_question(row, start, _neighbourhood(row, basis.references, start))
        if query:
            questions[query] = None
    return list(questions)


def plan_rows(
    csv_file: CsvFile,
    basis: Basis,
    importer: Importer,
    answers: Answers,
    state: str,
    progress: Progress,
) -> list[Plan]:
    """What each row does, with its reasons."""
    references = basis.references
    # Every new row's note: translated once, not once per row.
    new_note = _("New: published.") if state == PUBLISHED else _("New: waits for review.")
    said: dict[tuple[str, str, str], str] = {}
    plans = []
    with progress("checked", len(csv_file.rows)) as bar:
        for row, match in zip(csv_file.rows, basis.matches, strict=True):
            existing = _existing(basis, match.initiative_id)
            start = _start(existing, importer)
            place = answer_for(row, start, _neighbourhood(row, references, start), answers)
            outcome_ids = [outcome["id"] for outcome in start.get("outcomes", [])]
            result = read_row(row, references, start, place, outcome_ids)
            title = (result.content or {}).get("title") or row.get("title").strip()
            plan = Plan(RowReport(row.line, title or start.get("title") or ""), match)
            plan.existing, plan.content = existing, result.content
            plan.report.problems = match.problems + result.problems
            if result.content is not None:
                plan.report.problems += _area_problems(importer, references, start, result.content)
            if existing is not None:
                plan.report.initiative_id = existing.id
            if not plan.report.problems:
                _decide(plan, start, state, new_note)
                if place.note and plan.report.action != "unchanged":
                    plan.report.notes.append(place.note)
                if plan.report.action in ("create", "update"):
                    plan.report.warnings += _point_warnings(references, result.content or {}, said)
                if plan.report.action == "create":
                    duplicates = basis.duplicates.get(row.line, [])
                    plan.report.notes += _duplicate_notes(duplicates)
                    plan.possible_duplicate_ids = [duplicate.id for duplicate in duplicates]
            plans.append(plan)
            bar.update(1, plan.report)
    return plans


def _point_warnings(
    references: References, content: dict[str, Any], said: dict[tuple[str, str, str], str]
) -> list[str]:
    """A warning when the row's point is far from its neighbourhood's centre (never a
    rejection: moderators see it too). ``said`` keeps the messages already put together
    in this import, by their wording: many rows share one."""
    neighbourhood_id = content.get("neighbourhood_id")
    neighbourhood = references.by_id.get(neighbourhood_id) if neighbourhood_id else None
    warning = point_warning(content.get("latitude"), content.get("longitude"), neighbourhood)
    if warning is None:
        return []
    if warning.wording not in said:
        said[warning.wording] = _("Warning: %(message)s", message=warning.message)
    return [said[warning.wording]]


def _duplicate_notes(duplicates: list[PossibleDuplicate]) -> list[str]:
    """A warning for each published initiative a new row may repeat (it is imported anyway)."""
    return [
        _(
            "Possibly the same as #%(id)s “%(title)s”, a very similar title nearby: check "
            "it is not already on the site.",
            id=duplicate.id,
            title=duplicate.title,
        )
        for duplicate in duplicates
    ]


class _Placed(NamedTuple):
    """Something in a neighbourhood, as app.permissions.in_council_area reads it."""

    neighbourhood: NeighbourhoodChoice


def _area_problems(
    importer: Importer, references: References, start: dict[str, Any], content: dict[str, Any]
) -> list[Problem]:
    """A council officer imports into their council's area only (an admin, anywhere): the
    initiative's neighbourhood, and its neighbourhood before the update, must be in it."""
    if importer.role != "council":
        return []
    area = importer.organisation.local_authority if importer.organisation else ""
    problems = []
    for neighbourhood_id in dict.fromkeys(
        (start.get("neighbourhood_id"), content["neighbourhood_id"])
    ):
        neighbourhood = references.by_id.get(neighbourhood_id)
        if neighbourhood is None or in_council_area(importer, _Placed(neighbourhood)):
            continue
        if not area:
            message = _(
                "Your organisation has no local authority, so you have no council area to "
                "import into: ask an admin."
            )
        else:
            message = _(
                "%(neighbourhood_name)s is in %(local_authority)s, outside your council's "
                "area (%(area)s): ask an admin to import it.",
                neighbourhood_name=neighbourhood.name,
                local_authority=neighbourhood.local_authority,
                area=area,
            )
        problems.append(Problem("neighbourhood", message))
    return problems


def _decide(plan: Plan, start: dict[str, Any], state: str, new_note: str) -> None:
    """Create, update or unchanged; or reject an update the initiative's state forbids."""
    report, existing, content = plan.report, plan.existing, plan.written
    if existing is None:
        report.action = "create"
        report.notes.append(new_note)
        return
    changed = sorted(
        {CHANGE_NAMES.get(key, key) for key in content if content[key] != start.get(key)}
    )
    new_id = plan.match.external_id and plan.match.external_id != existing.external_id
    if not changed and not new_id:
        report.action = "unchanged"
        return
    if existing.state not in UPDATABLE_STATES:
        report.action = "reject"
        report.problems.append(
            Problem(
                "",
                _(
                    "It would change initiative #%(id)s, which is %(state)s: only pending "
                    "and published initiatives can be updated by an import.",
                    id=existing.id,
                    state=existing.state.replace("_", " "),
                ),
            )
        )
        return
    plan.pending_edit = bool(changed) and existing.state == PUBLISHED and state == "pending"
    if plan.pending_edit and existing.open_import == content:
        report.action = "unchanged"
        report.notes.append(_("The same changes already wait for review."))
        return
    report.action = "update"
    if changed:
        report.notes.append(f"Changes: {', '.join(changed)}.")
    if new_id:
        report.notes.append(
            _("Gets the external_id “%(external_id)s”.", external_id=plan.match.external_id)
        )
    if plan.pending_edit:
        report.notes.append(_("The changes wait for review; the published version stays."))
    elif existing.state == "pending" and state == PUBLISHED:
        report.notes.append(_("Published."))
