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

from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.audit.services import record_action
from app.extensions import db
from app.imports.parsing import read_csv
from app.imports.places import Progress, look_up_places
from app.imports.planning import ImportReport, place_questions, plan_rows
from app.imports.writing import write_plans
from app.permissions import can

IMPORT_STATES = ("pending", "published")


class _Bar:
    def update(self, steps: int) -> None:
        """No progress to show."""


def no_progress(label: str, total: int):
    """A progress display that shows nothing (the upload page)."""
    return nullcontext(_Bar())


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
    questions = place_questions(csv_file, credit)
    db.session.rollback()  # no transaction open while the geocoder works
    answers = look_up_places(questions, progress, geocode_budget)
    try:
        importer = db.session.get(User, importer_id)
        report = ImportReport(filename, state, [])
        plans = plan_rows(csv_file, importer, credit, answers, state, progress)
        report.rows = [plan.report for plan in plans]
        if not commit or report.rejected:
            db.session.rollback()
            return report
        for plan in plans:
            plan.note = f"Imported from {filename}, line {plan.report.line}."
        write_plans(plans, importer, state, progress)
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
