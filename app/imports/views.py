"""Importing a council's spreadsheet of initiatives (CSV): the upload page and `import-csv`."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("imports", __name__)
