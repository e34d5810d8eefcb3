"""The open-data downloads: the whole published dataset as files, rebuilt by the worker.

``initiatives.csv`` and ``initiatives.geojson`` are the unfiltered exports (the same rows and
columns as ``/api/v1/initiatives.csv`` and ``.geojson``), and ``open-data.zip`` holds both
with a README. They are rebuilt only when the published data changed (the data version they
were built at is kept beside them), written to temporary files and moved into place, so a
reader never sees half a file. Web instances serve them from ``DOWNLOADS_ROOT``.

While they are current, they are also the answer to an unfiltered export: whether they are
is the API's to tell (``app.api.open_data_files``, with where they live).
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

from flask import current_app
from werkzeug.datastructures import MultiDict

from app.api.exports import csv_chunks, geojson_chunks
from app.api.open_data_files import (
    CSV_FILE,
    GEOJSON_FILE,
    MARKER_FILE,
    downloads_root,
    published_marker,
)
from app.shared_filters.parse import parse_filters
from app.timeutil import iso_time, utcnow
from app.urls import DEFAULT_SITE_URL

ZIP_FILE = "open-data.zip"
FILES = (CSV_FILE, GEOJSON_FILE, ZIP_FILE)
# Open data, readable by whoever serves it (a front web server may run as another user):
# mkstemp makes its files readable by their owner only.
PUBLIC_FILE_MODE = 0o644
README = """Coproduce open data: every published initiative of {site}

initiatives.csv      one row per initiative (UTF-8 with a byte-order mark)
initiatives.geojson  one RFC 7946 Feature per initiative at its public point

Built {built} from {count} published initiatives.
Licence: {licence} ({licence_url}).
The columns are described at {site}/api and in the documentation (Exports).
Points are public points: never more precise than each initiative's chosen precision.
"""


def _write_atomically(target: Path, chunks: Iterable[str | bytes]) -> None:
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            try:
                for chunk in chunks:
                    out.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
            finally:  # a generator's reading ends now, not when the failure is let go
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
        os.chmod(name, PUBLIC_FILE_MODE)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def rebuild_open_data(force: bool = False) -> bool:
    """Rebuild the three files if the published data changed since the last build (or
    ``force``); True when they were rebuilt."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    root = downloads_root(app)
    root.mkdir(parents=True, exist_ok=True)
    site = (app.config.get("SITE_URL") or DEFAULT_SITE_URL).rstrip("/")
    # Addresses in the files are built as a request to the public site would build them.
    with app.test_request_context("/", base_url=site):
        marker = published_marker()
        marker_path = root / MARKER_FILE
        if not force and marker_path.exists() and all((root / name).exists() for name in FILES):
            if json.loads(marker_path.read_text()) == marker:
                return False
        everything, _errors = parse_filters(MultiDict())
        # Both files and the README's count come from this one transaction (the batches are
        # read ahead in it): the zip's three parts agree.
        _write_atomically(root / CSV_FILE, csv_chunks(everything))
        _write_atomically(root / GEOJSON_FILE, geojson_chunks(everything))
    readme = README.format(
        site=site,
        built=iso_time(utcnow()),
        count=marker["count"],
        licence=app.config["DATA_LICENCE"],
        licence_url=app.config["DATA_LICENCE_URL"],
    )
    _write_zip(root, readme)
    _write_atomically(marker_path, [json.dumps(marker)])
    return True


def _write_zip(root: Path, readme: str) -> None:
    """The zip of both files and the README, written beside it and moved into place."""
    handle, name = tempfile.mkstemp(dir=root, prefix=f".{ZIP_FILE}.")
    os.close(handle)
    try:
        with zipfile.ZipFile(name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("README.txt", readme)
            archive.write(root / CSV_FILE, CSV_FILE)
            archive.write(root / GEOJSON_FILE, GEOJSON_FILE)
        os.chmod(name, PUBLIC_FILE_MODE)
        os.replace(name, root / ZIP_FILE)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
