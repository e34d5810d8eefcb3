"""Importing a council's CSV of initiatives: check it row by row, then write it all or nothing.

``import_initiatives`` runs in steps:
1. read the file, and what the rows refer to and match (app.imports.basis: a short read);
2. look up the places that need the geocoder (outside any transaction: the seam keeps its
   own short ones);
3. check every row with the submission form and decide what it does (create, update,
   unchanged or reject), with no transaction open;
4. only when committing and nothing is rejected: in one write transaction, read the basis
   again (and check again if the site changed meanwhile), write every row, each with a
   revision, and one audit entry. Any rejected row or any error rolls the whole file back.
5. after the commit, a ``rebuild_derived`` job (recorded in the same transaction) rebuilds
   the search index and the map on the worker.
A check writes nothing (the geocoder may still cache its answers, as for any search).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.audit.services import record_action
from app.backup.rebuild import REBUILD_DERIVED
from app.extensions import db
from app.imports.basis import Importer, read_basis
from app.imports.parsing import read_csv
from app.imports.places import Progress, look_up_places
from app.imports.planning import ImportReport, place_questions, plan_rows
from app.imports.writing import stamp_commit_time, write_plans
from app.pacing import fewer_collections
from app.permissions import can
from app.tasks.jobs import start_job
from app.timeutil import utcnow

IMPORT_STATES = ("pending", "published")


class _Bar:
    def update(self, steps: int, item: Any = None) -> None:
        """No progress to show."""


def no_progress(step: str, total: int) -> AbstractContextManager[_Bar]:
    """A progress display that shows nothing (the upload page)."""
    return nullcontext(_Bar())


class ImportNotAllowed(Exception):
    """The person may not import initiatives."""


class ImportConflict(Exception):
    """Someone else changed the same initiatives at the same moment; nothing was imported."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "The same initiatives changed on the site while importing: nothing was "
                "imported. Check the file again."
            )
        )


@fewer_collections()
def import_initiatives(
    data: bytes,
    filename: str,
    user: User | None,
    state: str,
    commit: bool = False,
    progress: Progress = no_progress,
    geocode_budget: float | None = None,
    before_commit: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Check (and with ``commit``, import) a CSV file; raises ImportFileError for a bad file.

    At most IMPORT_MAX_ROWS rows; ``geocode_budget`` is how many seconds to spend looking up
    places (None: as long as it takes). Without a ``user`` (a dry run from the command line)
    rows are checked as an admin's would be; writing needs one. ``before_commit`` is called
    with the report inside the import's transaction, to record what must commit with it.
    """
    if state not in IMPORT_STATES:
        raise ValueError(f"Imported initiatives are pending or published, not {state!r}.")
    if user is None and commit:
        raise ImportNotAllowed("Say who imports (a council officer or admin) to write.")
    if user is not None and (not can(user, "import_initiatives") or not user.is_active):
        raise ImportNotAllowed(f"{user.email} may not import initiatives.")
    csv_file = read_csv(data, current_app.config["IMPORT_MAX_ROWS"])
    importer = Importer.of(user) if user is not None else Importer.anyone()
    basis = read_basis(csv_file)
    db.session.rollback()  # plain data from here: no transaction open while the rows are checked
    answers = look_up_places(place_questions(csv_file, basis, importer), progress, geocode_budget)
    plans = plan_rows(csv_file, basis, importer, answers, state, progress)
    report = ImportReport(filename, state, [plan.report for plan in plans])
    if not commit or report.rejected:
        return report
    try:
        again = read_basis(csv_file)  # in the write transaction, which now begins
        if again != basis:  # the site changed since the rows were checked: check them again
            plans = plan_rows(csv_file, again, importer, answers, state, no_progress)
            report.rows = [plan.report for plan in plans]
            if report.rejected:
                db.session.rollback()
                return report
        for plan in plans:
            plan.note = f"Imported from {filename}, line {plan.report.line}."
        author = db.session.get(User, importer.id)
        if author is None:  # deleted while the rows were checked
            raise ImportNotAllowed(_("The account importing no longer exists."))
        stamped = write_plans(plans, author, state, progress)
        if report.changes:  # a run that changes nothing writes nothing, not even this
            record_action(
                author,
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
            report.rebuild_job_id = start_job(REBUILD_DERIVED, owner_id=author.id).id
        if before_commit is not None:
            before_commit(report)
        stamp_commit_time(plans, stamped, utcnow())
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
