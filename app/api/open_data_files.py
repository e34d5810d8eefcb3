"""Whether the open-data files are current: what they were built at and for.

Beside the files lies ``version.json``: the data version they were built at and what else
their bytes depend on (``made_for``). While it matches, a file holds byte for byte what the
unfiltered export would send, and the export sends the file instead (a million rows made
afresh cost more than a minute of a core; the file, a second).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Flask, current_app, request
from sqlalchemy import func, select

from app.api.export_csv import csv_header
from app.data_version import current_data_version
from app.extensions import db
from app.initiatives.models import Initiative
from app.initiatives.public import published_only
from app.languages import current_language

CSV_FILE = "initiatives.csv"  # the unfiltered exports, as files
GEOJSON_FILE = "initiatives.geojson"
MARKER_FILE = "version.json"
# Raise when what a row or a feature says changes without a change of columns (a sentence
# worded anew), so that the files are built again after an upgrade: see ``made_for``.
ROWS_FORMAT = 1


def downloads_root(app: Flask) -> Path:
    """Where the files live: DOWNLOADS_ROOT, else instance/downloads."""
    return Path(app.config.get("DOWNLOADS_ROOT") or Path(app.instance_path) / "downloads")


def made_for() -> dict[str, object]:
    """What the files' bytes depend on besides the data, as this request would see it: the
    site's address (each row's link), the language (each example sentence), the licence and
    the layout of the rows (their columns, and ``ROWS_FORMAT``)."""
    layout = hashlib.sha256(f"{ROWS_FORMAT}:{','.join(csv_header())}".encode()).hexdigest()
    return {
        "site": request.url_root.rstrip("/"),
        "language": current_language(),
        "licence": current_app.config["DATA_LICENCE"],
        "layout": layout[:16],
    }


def published_marker() -> dict[str, object]:
    """What changes whenever the files would: the data version's stamp (any public change, a
    photo approved or a place renamed as much as a new initiative), what they were made for
    (``made_for``, read in a request) and how many are published (for the README)."""
    count = db.session.scalar(published_only(select(func.count(Initiative.id))))
    return {"data_version": current_data_version().stamp, "count": count, **made_for()}


def current_open_data_file(name: str) -> Path | None:
    """The file, when it holds byte for byte what an unfiltered export would send this request
    now: built at the current data version, for this request's address and language, by this
    code's layout. Otherwise None, and the export is made afresh."""
    root = downloads_root(current_app)
    try:
        built = json.loads((root / MARKER_FILE).read_text())
    except (OSError, ValueError):
        return None
    wanted = {"data_version": current_data_version().stamp, **made_for()}
    if not isinstance(built, dict) or any(built.get(key) != wanted[key] for key in wanted):
        return None
    path = root / name
    return path if path.is_file() else None
