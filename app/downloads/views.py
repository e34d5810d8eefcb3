"""``/downloads/``: the open-data files, served as files (ETag, Content-Length, Range)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_from_directory
from flask.typing import ResponseReturnValue

from app.api.open_data_files import downloads_root
from app.downloads.files import FILES

bp = Blueprint("downloads", __name__)

MIMETYPES = {
    "initiatives.csv": "text/csv",
    "initiatives.geojson": "application/geo+json",
    "open-data.zip": "application/zip",
}
MAX_AGE = 300  # seconds: the files change at most hourly; revalidation by ETag is cheap


@bp.route("/downloads/<name>")
def download_file(name: str) -> ResponseReturnValue:
    """One open-data file; 404 until the worker has built it."""
    if name not in FILES:
        abort(404)
    root = downloads_root(current_app)
    if not (root / name).is_file():
        abort(404)
    response = send_from_directory(
        root, name, mimetype=MIMETYPES[name], conditional=True, etag=True, max_age=MAX_AGE
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
