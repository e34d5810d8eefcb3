"""Importing a council's spreadsheet of initiatives (CSV): the upload page and `import-csv`.

The page checks a file (a dry run that writes nothing) and shows what each row would do; when
no row is rejected, "Import" writes it all. The checked file waits on the server under a
random token, so what is imported is exactly what was checked.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from werkzeug.utils import secure_filename

from app.forms import add_error
from app.imports import uploads
from app.imports.forms import ConfirmImportForm, ImportForm
from app.imports.layout import documented_columns, template_csv
from app.imports.parsing import ImportFileError
from app.imports.planning import ImportReport
from app.imports.references import load_references
from app.imports.services import ImportConflict, import_initiatives
from app.initiatives.vocabulary import SECTORS, STAGES
from app.permissions import permission_required, signed_in_user
from app.ratelimits import limit_posts

bp = Blueprint("imports", __name__)

MAX_UPLOAD_BYTES = 12 * 1024 * 1024
# A check and an import each answer within one request (a server's timeout is often 30 s):
# longer files go through the import-csv command, up to IMPORT_MAX_ROWS.
PAGE_MAX_ROWS = 2000
GEOCODE_BUDGET_SECONDS = 20.0  # beyond it, places wait for the `geocode` command
MAX_ROWS_SHOWN = 500  # rows that are fine
MAX_REJECTED_SHOWN = 1000
EXPIRED = "That check has expired or was not yours: choose the file and check it again."


@bp.route("/council/import", methods=["GET", "POST"])
@permission_required("import_initiatives")
@limit_posts("RATELIMIT_IMPORT")
def upload():
    """The import page: check a CSV file and see, row by row, what importing it would do."""
    form = ImportForm()
    if request.method == "GET":
        return _page(form)
    if not form.validate():
        return _page(form, status=422)
    filename = secure_filename(form.file.data.filename or "") or "import.csv"
    data = form.file.data.stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        add_error(
            form.file,
            f"The file is larger than {MAX_UPLOAD_BYTES // 2**20} MB: split it into smaller "
            "files, or use the import-csv command.",
        )
        return _page(form, status=422)
    user = signed_in_user()
    try:
        report = import_initiatives(
            data,
            filename,
            user,
            form.state.data,
            geocode_budget=GEOCODE_BUDGET_SECONDS,
            max_rows=PAGE_MAX_ROWS,
        )
    except ImportFileError as error:
        add_error(form.file, str(error))
        return _page(form, status=422)
    confirm = None
    if report.changes and not report.rejected:
        token = uploads.store_upload(user.id, filename, report.state, data)
        confirm = ConfirmImportForm(formdata=None, token=token)
    return _page(form, report=report, confirm=confirm, status=422 if report.rejected else 200)


@bp.post("/council/import/confirm")
@permission_required("import_initiatives")
@limit_posts("RATELIMIT_IMPORT")
def confirm():
    """Import a file that was checked: all its rows, or nothing."""
    user = signed_in_user()
    token = ConfirmImportForm().token.data
    stored = uploads.load_upload(token, user.id)
    form = ImportForm(formdata=None)
    if stored is None:
        form.form_errors.append(EXPIRED)
        return _page(form, status=400)
    form.state.data = stored.state
    try:
        report = import_initiatives(
            stored.data,
            stored.filename,
            user,
            stored.state,
            commit=True,
            geocode_budget=GEOCODE_BUDGET_SECONDS,
            max_rows=PAGE_MAX_ROWS,
        )
    except ImportFileError as error:  # the file was checked, so only if the rules changed
        form.form_errors.append(str(error))
        return _page(form, status=422)
    except ImportConflict as error:
        form.form_errors.append(str(error))
        return _page(form, status=409)
    if not report.committed:
        # Something changed on the site since the check: show the new verdict.
        return _page(form, report=report, status=422)
    uploads.discard_upload(stored.token)
    flash(_done_message(report), "success")
    return redirect(url_for("imports.upload"))


@bp.get("/council/import/template.csv")
@permission_required("import_initiatives")
def template():
    """The CSV template: the header and one example row."""
    return Response(
        template_csv().encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="initiatives-template.csv"'},
    )


def _done_message(report: ImportReport) -> str:
    state = "are published" if report.state == "published" else "wait for review"
    return (
        f"Imported {report.filename}: {report.count('create')} created, "
        f"{report.count('update')} updated, {report.count('unchanged')} unchanged. "
        f"New initiatives {state}."
    )


def _shown_rows(report: ImportReport | None) -> tuple[list, int]:
    """The rows the page lists: the first rejected ones and the first others, in file order;
    and how many more there are."""
    if report is None:
        return [], 0
    shown, rejected, others = [], 0, 0
    for row in report.rows:
        if row.action == "reject" and rejected < MAX_REJECTED_SHOWN:
            rejected += 1
            shown.append(row)
        elif row.action != "reject" and others < MAX_ROWS_SHOWN:
            others += 1
            shown.append(row)
    return shown, len(report.rows) - len(shown)


def _area() -> str | None:
    """The local authority a council officer imports into (None: an admin, anywhere)."""
    user = signed_in_user()
    if user.role != "council":
        return None
    organisation = user.organisation
    return (organisation.local_authority if organisation is not None else "") or ""


def _page(form: ImportForm, report=None, confirm=None, status: int = 200):
    rows, hidden = _shown_rows(report)
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
        report=report,
        rows=rows,
        hidden=hidden,
        confirm=confirm,
        columns=documented_columns(),
        themes=references.themes,
        neighbourhoods=neighbourhoods,
        area=area,
        stages=STAGES,
        sectors=SECTORS,
        max_megabytes=MAX_UPLOAD_BYTES // 2**20,
        max_rows=PAGE_MAX_ROWS,
    )
    return page, status
