"""Moderation: the queue, decisions, revisions and their history, reports."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("moderation", __name__)
