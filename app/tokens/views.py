"""Personal API tokens: the account page's token list, and ``flask --app app create-token``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("tokens", __name__, cli_group=None)
