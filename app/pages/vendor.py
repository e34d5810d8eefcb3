"""Third-party browser assets served from our own origin, straight from their packages."""

from __future__ import annotations

import xstatic.pkg.leaflet
from flask import Blueprint, Response, send_from_directory

bp = Blueprint("vendor", __name__, url_prefix="/static/vendor")

ONE_WEEK = 7 * 24 * 3600


@bp.route("/leaflet/<path:filename>")
def leaflet(filename: str) -> Response:
    """Leaflet's JavaScript, CSS and images, from the xstatic-leaflet package."""
    return send_from_directory(xstatic.pkg.leaflet.BASE_DIR, filename, max_age=ONE_WEEK)
