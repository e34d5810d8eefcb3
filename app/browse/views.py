"""Browsing published initiatives: the list, theme pages and neighbourhood pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("browse", __name__)
