"""``flask --app app export FILE``, ``import FILE`` and ``backup FILE``."""

from __future__ import annotations

from flask import Blueprint

# cli_group=None: the commands are top-level (``flask --app app export ...``).
bp = Blueprint("backup", __name__, cli_group=None)
