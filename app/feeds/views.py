"""Atom and RSS feeds of clusters and filtered lists (feedgen)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("feeds", __name__)
