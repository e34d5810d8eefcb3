"""The public page of one initiative."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("initiatives", __name__)
