"""Response headers and cookie rules that hold on every page."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask.wrappers import Response

HOST_PREFIX = "__Host-"


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over https, and then also
    carries the ``__Host-`` prefix: browsers keep such a cookie only when it is Secure, for the
    whole site and for this host alone, so no subdomain or plain-http page can plant one."""

    def get_cookie_name(self, app: Flask) -> str:
        name = super().get_cookie_name(app)
        return f"{HOST_PREFIX}{name}" if request.is_secure else name

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        super().save_session(app, session, response)
        # Flask-Login reads the session on every request, which makes Flask add
        # "Vary: Cookie"; outputs that are the same for everyone should not make shared caches
        # keep a copy per visitor.
        if is_same_for_everyone(request.path) and "Set-Cookie" not in response.headers:
            # (Lower case: Werkzeug's HeaderSet.remove matches the header list case-sensitively
            # against the name as given, so "Cookie" would stay beside "Accept-Encoding".)
            response.vary.discard("cookie")


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


def media_origin(app: Flask) -> str:
    """The origin public photos come from when ``MEDIA_URL`` is on another host."""
    parts = urlsplit(app.config.get("MEDIA_URL") or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy(app: Flask, framable: bool) -> str:
    """The CSP for a response; only embeds may be framed by other sites."""
    sources = ["'self'", "data:", tile_origin(app.config["TILE_URL"]), media_origin(app)]
    images = " ".join(dict.fromkeys(filter(None, sources)))
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
    if is_for_a_signed_in_user() and "Cache-Control" not in response.headers:
        # What a signed-in person sees may hold their own or unpublished data: no cache, in the
        # browser or between, keeps a copy (a shared computer's back button, a proxy).
        response.headers["Cache-Control"] = "private, no-store"
    if request.is_secure and current_app.config["HSTS_MAX_AGE"] > 0:
        response.headers["Strict-Transport-Security"] = strict_transport_security(current_app)
    return response


def is_for_a_signed_in_user() -> bool:
    """Whether this answer was made for a signed-in user: one the view (or its page) loaded.
    Static files and other answers that never ask who is there are not, nor are the outputs
    that are the same for everyone."""
    user = g.get("_login_user")  # Flask-Login's cache of the request's user
    return bool(user is not None and user.is_authenticated) and not is_same_for_everyone(
        request.path
    )


def strict_transport_security(app: Flask) -> str:
    """The HSTS policy sent with answers over https."""
    policy = f"max-age={int(app.config['HSTS_MAX_AGE'])}"
    return f"{policy}; includeSubDomains" if app.config["HSTS_INCLUDE_SUBDOMAINS"] else policy


def init_security(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.after_request(set_security_headers)
