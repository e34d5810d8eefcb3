"""Residents' submissions: new initiatives, drafts, edits, withdrawal, "My initiatives"."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("submissions", __name__)
