"""Embeds for other sites: /embed/ pages, /embed.js and oEmbed."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("embeds", __name__)
