"""Clusters of examples: the public pages and the moderators' editor."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("clusters", __name__)
