"""Headers, framing, CSRF and cookies on every route."""

from __future__ import annotations

import re

import pytest

from app import create_app


def public_get_urls(app) -> list[str]:
    """Every GET route that takes no arguments, from the URL map."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            if not rule.rule.startswith("/embed/"):  # frameable: tests/test_framing.py
                urls.append(rule.rule)
    return sorted(urls)


def test_every_route_sends_security_headers_and_refuses_framing(app, client):
    urls = public_get_urls(app) + ["/static/css/site.css", "/no-such-page"]
    assert "/" in urls and "/healthz" in urls
    for url in urls:
        response = client.get(url)
        response.close()
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'self'" in csp, url
        assert "object-src 'none'" in csp and "base-uri 'none'" in csp, url
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", url
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN", url


def test_only_embed_routes_may_be_framed(app):
    from app.security import content_security_policy, is_embed_path

    framable = [rule.rule for rule in app.url_map.iter_rules() if is_embed_path(rule.rule)]
    assert all(rule.startswith("/embed/") for rule in framable)
    assert "frame-ancestors *" in content_security_policy(app, framable=True)


def test_csp_allows_images_from_the_tile_server(app):
    from app.security import content_security_policy

    config = {**app.config, "TILE_URL": "http://127.0.0.1:8089/tiles/{z}/{x}/{y}.png"}
    fake = type("App", (), {"config": config})()
    assert "img-src 'self' data: http://127.0.0.1:8089" in content_security_policy(fake, False)


# POST routes that take no CSRF token, and why.
CSRF_EXEMPT = {
    # Authenticated by a bearer API token, never by the session cookie (QUALITY.md).
    "api.create_initiative": "API write with Authorization: Bearer",
    # Authorised by the signed link itself, never by a session: RFC 8058 one-click
    # unsubscribe posts without cookies, and confirming is the same kind of link.
    "alerts.confirm": "a signed, expiring link; no session involved",
    "alerts.unsubscribe": "RFC 8058 one-click unsubscribe (posted without cookies)",
}
# Values for the rules' arguments; the CSRF check answers before any record is looked up.
RULE_VALUES = {"token": "not-a-real-token", "chart": "themes", "lang": "cy"}
# What a valid form might carry: the refusal must not depend on the form being wrong.
FORM = {
    "email": "a@example.org",
    "password": "a long passphrase",
    "display_name": "A",
    "name": "Org",
    "kind": "council",
    "title": "Street watch",
    "reason": "spam",
}


def csrf_protected_posts(app) -> list[tuple[str, str]]:
    """(endpoint, url) of every POST rule in the URL map but the exempt ones."""
    posts = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in CSRF_EXEMPT:
            continue
        url = re.sub(
            r"<(?:[^:<>]+:)?([^<>]+)>", lambda match: str(RULE_VALUES.get(match[1], 1)), rule.rule
        )
        posts.append((rule.endpoint, url))
    return sorted(posts)


@pytest.mark.parametrize("role", [None, "admin"])
def test_every_post_without_csrf_token_is_refused(app, client, auth, make_user, role):
    if role:
        auth.login(make_user(role=role).email)
    posts = csrf_protected_posts(app)
    assert ("accounts.login", "/login") in posts and len(posts) > 40
    for endpoint, url in posts:
        response = client.post(url, data=FORM, csrf=False)
        assert response.status_code == 400, (endpoint, url, response.status_code)
        expired = "ffurflen hon wedi dod i ben" if url.startswith("/cy/") else "This form"
        assert expired.encode() in response.data, url


def test_csrf_exempt_routes_exist(app):
    """The exempt list names real endpoints, so it cannot silently cover a renamed one."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert set(CSRF_EXEMPT) <= endpoints


def test_get_requests_change_nothing(app, client, auth, make_user):
    """GET on a state-changing URL never acts: logout and confirmation ask first."""
    user = make_user()
    auth.login(user.email)
    client.get("/logout")
    assert client.get("/account").status_code == 200


def test_session_cookie_is_httponly_and_lax(client, auth, make_user):
    user = make_user()
    response = auth.login(user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


HTTPS = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/login"}}


def log_in_over_https(client, email: str):
    """Log in as a browser would over https: the form (and its CSRF token) over https too."""
    form = client.get("/login", **HTTPS).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)[1]
    data = {"email": email, "password": "correct horse battery staple", "csrf_token": token}
    return client.post("/login", data=data, **HTTPS)


def test_session_cookie_is_secure_over_https(client, make_user):
    response = log_in_over_https(client, make_user().email)
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]


def test_session_cookie_over_https_has_the_host_prefix_and_works(client, make_user):
    response = log_in_over_https(client, make_user().email)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    assert client.get("/account", **HTTPS).status_code == 200
    assert client.get("/account").status_code == 302  # no prefixed cookie over plain http


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, "max-age=31536000; includeSubDomains"),
        ({"HSTS_MAX_AGE": 600, "HSTS_INCLUDE_SUBDOMAINS": False}, "max-age=600"),
        ({"HSTS_MAX_AGE": 0}, None),
    ],
)
def test_https_answers_behind_a_proxy_send_hsts(app, settings, expected):
    from app.extensions import db

    proxied = create_app({**_config(app), "PROXY_COUNT": 1, **settings})
    client = proxied.test_client()
    try:
        for url in ["/", "/healthz", "/embed/initiatives", "/no-such-page"]:
            over_https = client.get(url, headers={"X-Forwarded-Proto": "https"})
            assert over_https.headers.get("Strict-Transport-Security") == expected, url
            assert "Strict-Transport-Security" not in client.get(url).headers, url
            forged = client.get(url, headers={"X-Forwarded-Proto": "https, http"})
            assert "Strict-Transport-Security" not in forged.headers, url
    finally:
        with proxied.app_context():
            db.session.remove()
            db.engine.dispose()  # its own connections, closed now rather than by the collector
    direct = app.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in direct.headers  # no proxy is trusted


def test_proxy_count_trusts_forwarded_headers(app):
    proxied = create_app({**_config(app), "PROXY_COUNT": 1})

    @proxied.route("/whoami")
    def whoami():
        from flask import request

        return {"addr": request.remote_addr, "secure": request.is_secure}

    client = proxied.test_client()
    answer = client.get(
        "/whoami", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    ).json
    assert answer == {"addr": "203.0.113.7", "secure": True}
    direct = app.test_client()
    assert "X-Forwarded-For" not in str(direct.get("/healthz").headers)


def _config(app) -> dict:
    keys = ["SECRET_KEY", "DATABASE_URL", "SQLALCHEMY_DATABASE_URI", "PASSWORD_HASH_METHOD"]
    return {key: app.config[key] for key in keys} | {"TESTING": True}


def test_no_user_text_marked_safe_in_templates():
    """Templates never use |safe (user text must stay escaped)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "templates"
    offenders = [
        str(path) for path in root.rglob("*.html") if re.search(r"\|\s*safe\b", path.read_text())
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("url", "varies"),
    [
        ("/embed/initiatives", False),
        ("/feeds/initiatives.atom", False),
        ("/embed.js", False),
        ("/initiatives", True),
    ],
)
def test_outputs_that_are_the_same_for_everyone_do_not_vary_by_cookie(
    client, auth, make_user, url, varies
):
    auth.login(make_user().email)
    response = client.get(url)
    assert response.status_code == 200
    assert ("Cookie" in response.vary) is varies


@pytest.mark.parametrize(
    ("url", "signed_in", "no_store"),
    [
        ("/account", True, True),
        ("/initiatives", True, True),
        ("/account/initiatives", True, True),
        ("/initiatives", False, False),
        ("/feeds/initiatives.atom", True, False),
        ("/embed/initiatives", True, False),
        ("/static/css/site.css", True, False),
    ],
)
def test_answers_to_a_signed_in_user_are_not_kept_by_caches(
    client, auth, make_user, url, signed_in, no_store
):
    if signed_in:
        auth.login(make_user().email)
    response = client.get(url)
    response.close()
    assert response.status_code == 200, url
    assert ("no-store" in response.headers.get("Cache-Control", "")) is no_store, url
    if no_store:
        assert response.headers["Cache-Control"] == "private, no-store"


def test_a_log_in_lasts_session_max_age_however_busy(app, client, auth, make_user):
    import time_machine

    from app.timeutil import utcnow

    start = utcnow()
    with time_machine.travel(start, tick=False) as traveller:
        auth.login(make_user().email)
        for _day in range(6):
            traveller.shift(24 * 3600)
            assert client.get("/account").status_code == 200
        traveller.shift(app.config["SESSION_MAX_AGE"] - 6 * 24 * 3600 - 1)
        assert client.get("/account").status_code == 200
        traveller.shift(1)
        response = client.get("/account")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


def test_a_session_from_before_the_clock_counts_as_ended(client, auth, make_user):
    auth.login(make_user().email)
    with client.session_transaction() as session:
        del session["signed_in_at"]
    assert client.get("/account").status_code == 302
