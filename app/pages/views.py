"""The home page, and the statements every public site needs."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, render_template

from app.urls import site_url

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


@bp.get("/print-origin.css")
def print_origin():
    """The site's own address, for the print stylesheet: it writes a link's full address after
    its text on paper, and CSS cannot make a relative address absolute by itself."""
    address = urlsplit(site_url("pages.home"))
    origin = f"{address.scheme}://{address.netloc}"
    # Without SITE_URL the address is the request's own host, which a shared cache may not key
    # on (X-Forwarded-Host): then only the browser may keep it.
    shared = bool(current_app.config.get("SITE_URL"))
    return (
        f':root {{ --site-origin: "{_css_string(origin)}"; }}\n',
        200,
        {
            "Content-Type": "text/css; charset=utf-8",
            "Cache-Control": "public, max-age=3600" if shared else "private, max-age=3600",
        },
    )


def _css_string(text: str) -> str:
    """Text safe inside a double-quoted CSS string (quotes, backslashes and controls escaped)."""
    return "".join(
        f"\\{ord(char):x} " if char in '"\\<>' or not char.isprintable() else char for char in text
    )
