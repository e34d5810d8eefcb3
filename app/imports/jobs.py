"""Checking and importing a CSV file as a job on the worker, with its progress.

A check and an import are each a job (kind ``import_csv``) naming an upload kept in the
database (app.imports.uploads). Its progress counts the places looked up, the rows checked,
rejected and written; its result is the report the page shows, kept short (the counts, and
the first rows as the page lists them). An import is all or nothing, and its result is
written in the import's own transaction, so a worker that dies after the commit leaves a job
that is done, not one that runs again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import update

from app.accounts.models import User
from app.extensions import db
from app.i18n import recipient_locale
from app.imports.models import ImportUpload
from app.imports.parsing import ImportFileError
from app.imports.places import Progress
from app.imports.planning import ImportReport, RowReport
from app.imports.services import ImportConflict, ImportNotAllowed, import_initiatives
from app.imports.uploads import discard_upload, load_upload
from app.tasks.jobs import JobProgress, job_kind, start_job
from app.tasks.models import Job

IMPORT_CSV = "import_csv"
GEOCODE_BUDGET_SECONDS = 120.0  # beyond it, places wait for the places sweep
MAX_ROWS_SHOWN = 500  # rows that are fine
MAX_REJECTED_SHOWN = 1000
ACTIONS = ("create", "update", "unchanged", "reject")


def start_import_job(upload: ImportUpload, commit: bool) -> Job:
    """Queue the check (or, with ``commit``, the import) of an upload, for its owner."""
    return start_job(
        IMPORT_CSV,
        owner_id=upload.owner_id,
        upload_id=upload.id,
        filename=upload.filename,
        commit=commit,
    )


class _JobBar:
    """One step's counter, as click's progress bar is used (``update(steps, item)``)."""

    def __init__(self, progress: JobProgress, counter: str, total: int):
        self.progress, self.counter = progress, counter
        progress.update(force=True, step=counter, **{counter: 0, f"{counter}_total": total})

    def update(self, steps: int, item: Any = None) -> None:
        values = self.progress.values
        changes = {self.counter: values.get(self.counter, 0) + steps}
        if isinstance(item, RowReport) and item.action == "reject":
            changes["rejected"] = values.get("rejected", 0) + 1
        self.progress.update(**changes)


def job_bars(progress: JobProgress) -> Progress:
    """import_initiatives' progress display, writing the job's counters."""

    @contextmanager
    def bar(counter: str, total: int) -> Iterator[_JobBar]:
        # The step's stable name (app.imports.places.STEPS) is the counter's, in any language.
        if counter == "written":  # inside the import's write transaction
            with progress.while_writing():
                yield _JobBar(progress, counter, total)
                progress.update(force=True)
        else:
            yield _JobBar(progress, counter, total)
            progress.update(force=True)

    return bar


@job_kind(IMPORT_CSV)
def import_csv(job: Job, progress: JobProgress) -> dict[str, Any]:
    """Check or import an uploaded file; the report (or the file's problem) is the result."""
    payload = job.payload
    owner = db.session.get(User, job.owner_id) if job.owner_id is not None else None
    upload = load_upload(payload["upload_id"], owner.id) if owner is not None else None
    if owner is None or upload is None:
        return {"problem": "expired"}
    data, filename, state = upload.data, upload.filename, upload.state
    upload_id, commit, job_id = upload.id, bool(payload.get("commit")), job.id
    language = owner.locale
    db.session.rollback()  # nothing held while the rows are checked
    progress.values = {"rejected": 0}

    def record(report: ImportReport) -> None:
        # In the import's transaction: the upload goes, and the job is done, with the rows.
        discard_upload(upload_id)
        db.session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(state="done", result=report_result(report), progress=progress.values)
        )

    try:
        # The worker has no request to take a language from: the report's messages are
        # written in the language of the person who uploaded the file.
        with recipient_locale(language):
            report = import_initiatives(
                data,
                filename,
                owner,
                state,
                commit=commit,
                progress=job_bars(progress),
                geocode_budget=GEOCODE_BUDGET_SECONDS,
                before_commit=record if commit else None,
            )
    except ImportFileError as error:
        return {"problem": "file", "message": str(error), "filename": filename}
    except ImportConflict as error:
        return {"problem": "conflict", "message": str(error), "filename": filename}
    except ImportNotAllowed as error:
        return {"problem": "not_allowed", "message": str(error), "filename": filename}
    finally:
        db.session.rollback()  # nothing left open (the job's row is written by another)
    return report_result(report)


def report_result(report: ImportReport) -> dict[str, Any]:
    """A report as a job keeps it: counts, and the rows the page lists."""
    shown, rejected, others = [], 0, 0
    for row in report.rows:
        if row.action == "reject" and rejected < MAX_REJECTED_SHOWN:
            rejected += 1
        elif row.action != "reject" and others < MAX_ROWS_SHOWN:
            others += 1
        else:
            continue
        shown.append(
            {
                "line": row.line,
                "action": row.action,
                "title": row.title,
                "reasons": row.reasons,
                "initiative_id": row.initiative_id,
            }
        )
    return {
        "filename": report.filename,
        "state": report.state,
        "committed": report.committed,
        "counts": {action: report.count(action) for action in ACTIONS},
        "rows": shown,
        "hidden": len(report.rows) - len(shown),
        "rebuild_job_id": report.rebuild_job_id,
    }
