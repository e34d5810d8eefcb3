"""Importing a council's spreadsheet of initiatives (CSV): the upload page and its jobs.

The page keeps the uploaded file in the database and queues its check on the worker; the
job's page shows the progress, then what each row would do. When no row is rejected,
"Import" queues the import of that same file (all or nothing), and its page shows what it did.
Only the person who uploaded a file sees its jobs.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename

from app.extensions import db
from app.imports.forms import ConfirmImportForm, ImportForm
from app.imports.jobs import IMPORT_CSV, start_import_job
from app.imports.layout import documented_columns, template_csv
from app.imports.references import load_references
from app.imports.uploads import load_upload, store_upload
from app.initiatives.vocabulary import SECTORS, STAGES
from app.permissions import can, current_visitor, permission_required, signed_in_user
from app.ratelimits import limit_posts
from app.tasks.jobs import job_progress
from app.tasks.models import Job

bp = Blueprint("imports", __name__)

REFRESH_SECONDS = 2  # the page without JavaScript reloads itself this often while it waits


@bp.url_value_preprocessor
def _allow_large_files(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """The upload alone accepts files up to IMPORT_MAX_BYTES, and only from someone who may
    import (the site-wide MAX_CONTENT_LENGTH stays small). Runs before the CSRF check reads
    the body."""
    if endpoint == "imports.upload" and can(current_visitor(), "import_initiatives"):
        request.max_content_length = _max_bytes()


def _max_bytes() -> int:
    return int(current_app.config["IMPORT_MAX_BYTES"])


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge):
    """A file over the limit: the upload page again, saying what the limit is."""
    if not can(current_visitor(), "import_initiatives"):
        return render_template("errors/error.html", status=413, message=error.description), 413
    form = ImportForm(formdata=None)
    form.file.errors = [
        _(
            "The file is larger than %(megabytes)s MB: split it into smaller files, or ask an "
            "admin to use the import-csv command.",
            megabytes=_megabytes(),
        )
    ]
    return _page(form, status=413)


def _megabytes() -> str:
    return f"{_max_bytes() / 2**20:g}"


@bp.route("/council/import", methods=["GET", "POST"])
@permission_required("import_initiatives")
@limit_posts("RATELIMIT_IMPORT")
def upload():
    """The import page: upload a CSV file, whose check runs on the worker."""
    form = ImportForm()
    if request.method == "GET":
        return _page(form)
    if not form.validate():
        return _page(form, status=422)
    filename = secure_filename(form.file.data.filename or "") or "import.csv"
    data = form.file.data.stream.read()
    user = signed_in_user()
    upload = store_upload(user.id, filename, form.state.data, data)
    job = start_import_job(upload, commit=False)
    db.session.commit()
    return redirect(url_for("imports.job", job_id=job.id), code=303)


@bp.get("/council/import/jobs/<int:job_id>")
@permission_required("import_initiatives")
def job(job_id: int):
    """A check or an import: its progress while it runs, then its report."""
    found = _own_job(job_id)
    result = found.result or {}
    report = ImportResult(result) if "counts" in result else None
    confirm = None
    if (
        report is not None
        and not found.payload.get("commit")
        and report.changes
        and not report.rejected
        and load_upload(found.payload.get("upload_id"), signed_in_user().id) is not None
    ):
        confirm = ConfirmImportForm(formdata=None)
    rebuild = _rebuild_job(result.get("rebuild_job_id"))
    status = 422 if result.get("problem") or (report is not None and report.rejected) else 200
    page = render_template(
        "imports/job.html",
        job=found,
        commit=bool(found.payload.get("commit")),
        finished=found.state in ("done", "failed"),
        progress=job_progress(found),
        report=report,
        problem=result.get("problem"),
        message=result.get("message", ""),
        confirm=confirm,
        rebuild=rebuild,
        refresh_seconds=REFRESH_SECONDS,
    )
    return page, status


@bp.get("/council/import/jobs/<int:job_id>.json")
@permission_required("import_initiatives")
def job_status(job_id: int):
    """How far a check or an import has got, for the page's script."""
    found = _own_job(job_id)
    return {
        "id": found.id,
        "state": found.state,
        "finished": found.state in ("done", "failed"),
        "commit": bool(found.payload.get("commit")),
        "progress": job_progress(found),
        "url": url_for("imports.job", job_id=found.id),
    }


@bp.post("/council/import/jobs/<int:job_id>/import")
@permission_required("import_initiatives")
@limit_posts("RATELIMIT_IMPORT")
def confirm(job_id: int):
    """Import the file a finished check found fine: all its rows, or nothing."""
    checked = _own_job(job_id)
    report = ImportResult(checked.result or {}) if checked.result else None
    if report is None or not report.is_check or checked.payload.get("commit"):
        abort(400)
    if report.rejected or not report.changes:
        abort(400)
    user = signed_in_user()
    upload = load_upload(checked.payload.get("upload_id"), user.id)
    if upload is None:
        form = ImportForm(formdata=None)
        form.form_errors.append(
            _("That check has expired or was not yours: choose the file and check it again.")
        )
        return _page(form, status=400)
    started = start_import_job(upload, commit=True)
    db.session.commit()
    return redirect(url_for("imports.job", job_id=started.id), code=303)


@bp.get("/council/import/template.csv")
@permission_required("import_initiatives")
def template():
    """The CSV template: the header and one example row."""
    return Response(
        template_csv().encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="initiatives-template.csv"'},
    )


class ImportResult:
    """A job's report as the page reads it (the same questions as an ImportReport)."""

    def __init__(self, result: dict[str, Any]):
        self.filename: str = result.get("filename", "")
        self.state: str = result.get("state", "pending")
        self.committed: bool = bool(result.get("committed"))
        self.counts: dict[str, int] = result.get("counts", {})
        self.rows: list[dict[str, Any]] = result.get("rows", [])
        self.hidden: int = result.get("hidden", 0)
        self.is_check = "counts" in result and not self.committed

    def count(self, action: str) -> int:
        return self.counts.get(action, 0)

    @property
    def rejected(self) -> int:
        return self.count("reject")

    @property
    def changes(self) -> int:
        return self.count("create") + self.count("update")


def _own_job(job_id: int) -> Job:
    """The signed-in user's import job (404 for anyone else's: it says nothing about it)."""
    found = db.session.get(Job, job_id)
    if found is None or found.kind != IMPORT_CSV or found.owner_id != signed_in_user().id:
        abort(404)
    return found


def _rebuild_job(job_id: int | None) -> Job | None:
    return db.session.get(Job, job_id) if job_id is not None else None


def _area() -> str | None:
    """The local authority a council officer imports into (None: an admin, anywhere)."""
    user = signed_in_user()
    if user.role != "council":
        return None
    organisation = user.organisation
    return (organisation.local_authority if organisation is not None else "") or ""


def _page(form: ImportForm, status: int = 200):
    max_rows = current_app.config["IMPORT_MAX_ROWS"]
    form.file.description = _(
        "UTF-8 CSV with a header row, like the template: at most %(rows)s rows and "
        "%(megabytes)s MB.",
        rows=f"{max_rows:,}",
        megabytes=_megabytes(),
    )
    references = load_references()
    area = _area()
    neighbourhoods = [
        neighbourhood
        for neighbourhood in references.neighbourhoods
        if area is None or neighbourhood.local_authority == area
    ]
    page = render_template(
        "imports/upload.html",
        form=form,
        columns=documented_columns(),
        themes=references.themes,
        neighbourhoods=neighbourhoods,
        area=area,
        stages=STAGES,
        sectors=SECTORS,
    )
    return page, status
