"""The home page, and the statements every public site needs."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("pages", __name__)


@bp.route("/")
def home():
    """The home page: what co-production is and what the site does."""
    return render_template("pages/home.html")


@bp.route("/privacy")
def privacy():
    """What personal data is kept, why, and for how long."""
    return render_template("pages/privacy.html")


@bp.route("/accessibility")
def accessibility():
    """The accessibility statement."""
    return render_template("pages/accessibility.html")
