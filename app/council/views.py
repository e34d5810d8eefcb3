"""Council officers' tools: the dashboard and outcome verification."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("council", __name__)
