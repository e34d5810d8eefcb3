"""Admin pages for the reference data: themes and neighbourhoods."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reference", __name__, url_prefix="/admin")
