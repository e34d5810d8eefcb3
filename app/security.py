"""Response headers and cookie rules that hold on every page."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask.wrappers import Response


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        super().save_session(app, session, response)
        # Flask-Login reads the session on every request, which makes Flask add
        # "Vary: Cookie"; outputs that are the same for everyone should not make shared caches
        # keep a copy per visitor.
        if is_same_for_everyone(request.path) and "Set-Cookie" not in response.headers:
            response.vary.discard("Cookie")


SAME_FOR_EVERYONE = re.compile(r"/(embed/.*|embed\.js|oembed|feeds/.*|clusters/[^/]+\.(atom|rss))")


def is_same_for_everyone(path: str) -> bool:
    """Embeds, feeds and oEmbed answers: public, and never about who asks."""
    return SAME_FOR_EVERYONE.fullmatch(path) is not None


def tile_origin(tile_url: str) -> str:
    """The origin of the map tile server, for the content security policy's img-src."""
    parts = urlsplit(tile_url.replace("{s}", "a"))
    host = parts.netloc
    if "{s}." in tile_url:
        host = "*." + host.split(".", 1)[1]
    return f"{parts.scheme}://{host}" if parts.scheme and host else ""


def content_security_policy(app: Flask, framable: bool) -> str:
    """The CSP for a response; only embeds may be framed by other sites."""
    images = " ".join(filter(None, ["'self'", "data:", tile_origin(app.config["TILE_URL"])]))
    directives = [
        "default-src 'self'",
        f"img-src {images}",
        "style-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors *" if framable else "frame-ancestors 'self'",
    ]
    return "; ".join(directives)


def is_embed_path(path: str) -> bool:
    return path.startswith("/embed/")


def set_security_headers(response: Response) -> Response:
    framable = is_embed_path(request.path)
    response.headers["Content-Security-Policy"] = content_security_policy(current_app, framable)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    if not framable:
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def init_security(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.after_request(set_security_headers)
