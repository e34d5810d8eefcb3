"""Importing a council's CSV of initiatives: check it row by row, then write it all or nothing.

``import_initiatives`` runs in three steps:
1. read the file and work out which places need the geocoder (a short read);
2. look those places up (outside any transaction: the seam keeps its own short ones);
3. in one transaction, validate every row with the submission form, decide what it does
   (create, update, unchanged or reject) and — only when committing and nothing is rejected —
   write it all, with a revision per initiative and one audit entry. Any rejected row or any
   error rolls the whole file back. A dry run writes nothing (the geocoder may still cache
   its answers, as it does for any search).
"""

from __future__ import annotations

import hashlib
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.audit.services import record_action
from app.extensions import db
from app.imports.matching import CHUNK, Match, match_rows
from app.imports.parsing import CsvFile, read_csv
from app.imports.places import Progress, answer_for, look_up_places, place_question
from app.imports.references import NeighbourhoodChoice, References, load_references
from app.imports.rows import Problem, new_content, read_row
from app.initiatives.content import apply_content, initiative_content
from app.initiatives.models import Initiative
from app.initiatives.public import PUBLISHED
from app.moderation.models import Revision
from app.moderation.services import add_revision
from app.permissions import can
from app.search.services import reindex_initiative
from app.timeutil import utcnow

IMPORT_STATES = ("pending", "published")
UPDATABLE_STATES = frozenset({"pending", PUBLISHED})
ACTIONS = ("create", "update", "unchanged", "reject")
# New initiatives are written in batches: fewer round trips than one by one, and flush hooks
# that look at every new object stay cheap.
FLUSH_EVERY = 100
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


class _Bar:
    def update(self, steps: int) -> None:
        """No progress to show."""


def no_progress(label: str, total: int):
    """A progress display that shows nothing (the upload page)."""
    return nullcontext(_Bar())


@dataclass
class RowReport:
    """What one row does (or would do), and why."""

    line: int
    title: str
    action: str = "reject"
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
class _Plan:
    report: RowReport
    match: Match
    initiative: Initiative | None = None
    content: dict[str, Any] | None = None
    pending_edit: bool = False  # an update of a published initiative kept for review
    note: str = ""  # the revision's note: where the import came from


class ImportNotAllowed(Exception):
    """The person may not import initiatives."""


class ImportConflict(Exception):
    """Someone else changed the same initiatives at the same moment; nothing was imported."""

    def __init__(self) -> None:
        super().__init__(
            "The same initiatives changed on the site while importing: nothing was imported. "
            "Check the file again."
        )


def import_initiatives(
    data: bytes,
    filename: str,
    importer: User,
    state: str,
    commit: bool = False,
    progress: Progress = no_progress,
    geocode_budget: float | None = None,
) -> ImportReport:
    """Check (and with ``commit``, import) a CSV file; raises ImportFileError for a bad file."""
    if state not in IMPORT_STATES:
        raise ValueError(f"Imported initiatives are pending or published, not {state!r}.")
    if not can(importer, "import_initiatives") or not importer.is_active:
        raise ImportNotAllowed(f"{importer.email} may not import initiatives.")
    csv_file = read_csv(data, current_app.config["IMPORT_MAX_ROWS"])
    importer_id = importer.id
    credit = _default_credit(importer)
    questions = _place_questions(csv_file, credit)
    db.session.rollback()  # no transaction open while the geocoder works
    answers = look_up_places(questions, progress, geocode_budget)
    try:
        importer = db.session.get(User, importer_id)
        report = ImportReport(filename, state, [])
        plans = _plan(csv_file, credit, answers, state, progress)
        report.rows = [plan.report for plan in plans]
        if not commit or report.rejected:
            db.session.rollback()
            return report
        for plan in plans:
            plan.note = f"Imported from {filename}, line {plan.report.line}."
        _apply(plans, importer, state, progress)
        if report.changes:  # a run that changes nothing writes nothing, not even this
            record_action(
                importer,
                "import_initiatives",
                "import",
                None,
                file=filename,
                sha256=hashlib.sha256(data).hexdigest(),
                state=state,
                rows=len(plans),
                created=report.count("create"),
                updated=report.count("update"),
                unchanged=report.count("unchanged"),
            )
        db.session.commit()
    except IntegrityError as error:
        # Two imports of the same new external_id at once: the database keeps them unique.
        db.session.rollback()
        raise ImportConflict() from error
    except BaseException:
        db.session.rollback()
        raise
    report.committed = True
    return report


def _default_credit(importer: User) -> tuple[str, str]:
    """A new initiative is credited to the importer's organisation, else to them by name."""
    organisation = importer.organisation
    if organisation is not None and organisation.name:
        return "organisation", organisation.name
    return "name", ""


def _neighbourhood(row, references: References, start: dict) -> NeighbourhoodChoice | None:
    if row.has("neighbourhood") and row.get("neighbourhood").strip():
        try:
            return references.neighbourhood(row.get("neighbourhood"))
        except ValueError:
            return None
    return references.by_id.get(start.get("neighbourhood_id"))


def _place_questions(csv_file: CsvFile, credit: tuple[str, str]) -> list[str]:
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


def _plan(
    csv_file: CsvFile, credit: tuple[str, str], answers: dict, state: str, progress: Progress
) -> list[_Plan]:
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
            plan = _Plan(RowReport(row.line, title or start.get("title") or ""), match)
            plan.initiative, plan.content = initiative, result.content
            plan.report.problems = match.problems + result.problems
            if initiative is not None:
                plan.report.initiative_id = initiative.id
            if not plan.report.problems:
                _decide(plan, start, state)
                if place.note and plan.report.action != "unchanged":
                    plan.report.notes.append(place.note)
            plans.append(plan)
            bar.update(1)
    return plans


def _decide(plan: _Plan, start: dict[str, Any], state: str) -> None:
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


def _apply(plans: list[_Plan], importer: User, state: str, progress: Progress) -> None:
    now = utcnow()
    changing = [plan for plan in plans if plan.report.action in ("create", "update")]
    created = []
    with progress("Importing", len(changing)) as bar:
        for plan in changing:
            if plan.initiative is None:
                created.append(_create(plan, importer, state, now))
                if len(created) % FLUSH_EVERY == 0:
                    db.session.flush()
            else:
                _update(plan, importer, state, now)
            bar.update(1)
    db.session.flush()  # new initiatives and their outcomes get their ids
    approved = state == PUBLISHED
    with db.session.no_autoflush:  # one flush for them all, not one per row
        for plan in created:
            # A new initiative's first revision, exactly what was imported (add_revision
            # would ask the database for its number, one query per row).
            db.session.add(
                Revision(
                    initiative=plan.initiative,
                    number=1,
                    author=importer,
                    kind="import",
                    state="approved" if approved else "pending",
                    content=initiative_content(plan.initiative),
                    note=plan.note,
                    **_decided(importer, now, approved),
                )
            )
            plan.report.initiative_id = plan.initiative.id
    db.session.flush()
    for plan in created:
        reindex_initiative(plan.initiative)


def _decided(importer: User, now, approved: bool) -> dict[str, Any]:
    return {"decided_by": importer, "decided_at": now} if approved else {}


def _create(plan: _Plan, importer: User, state: str, now) -> _Plan:
    """A new initiative; written with the others at the next flush."""
    initiative = Initiative(
        title=plan.content["title"],
        state=state,
        submitter=importer,
        external_id=plan.match.external_id or None,
        # Empty collections: a new initiative has nothing to load.
        theme_links=[],
        stage_links=[],
        participants=[],
        outcomes=[],
    )
    with db.session.no_autoflush:
        apply_content(initiative, plan.content)
    initiative.created_at = initiative.updated_at = now
    initiative.submitted_at = initiative.consented_at = now
    if state == PUBLISHED:
        initiative.published_at = now
    db.session.add(initiative)
    plan.initiative = initiative
    return plan


def _update(plan: _Plan, importer: User, state: str, now) -> None:
    initiative = plan.initiative
    if plan.match.external_id:
        initiative.external_id = plan.match.external_id
    if plan.content == initiative_content(initiative):
        db.session.flush()  # only the external_id was new
        return
    if plan.pending_edit:
        _withdraw_pending(initiative, kinds=("import",))
        add_revision(
            initiative, "import", importer, "pending", content=plan.content, note=plan.note
        )
        return
    was_pending = initiative.state == "pending"
    apply_content(initiative, plan.content)
    initiative.updated_at = now
    if was_pending and state == PUBLISHED:
        initiative.state = PUBLISHED
        initiative.published_at = initiative.published_at or now
    db.session.flush()
    if was_pending:
        # What waited for review is replaced by what the import brings.
        _withdraw_pending(initiative)
    approved = initiative.state == PUBLISHED
    add_revision(
        initiative,
        "import",
        importer,
        "approved" if approved else "pending",
        note=plan.note,
        **_decided(importer, now, approved),
    )
    reindex_initiative(initiative)


def _withdraw_pending(initiative: Initiative, kinds: tuple[str, ...] | None = None) -> None:
    query = select(Revision).where(
        Revision.initiative_id == initiative.id, Revision.state == "pending"
    )
    if kinds is not None:
        query = query.where(Revision.kind.in_(kinds))
    for revision in db.session.scalars(query):
        revision.state = "withdrawn"
        revision.note = "Replaced by an import."
