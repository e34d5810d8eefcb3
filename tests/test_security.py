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
}
# Values for the rules' arguments; the CSRF check answers before any record is looked up.
RULE_VALUES = {"token": "not-a-real-token", "chart": "themes"}
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
        assert b"This form has expired" in response.data, url


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


def test_session_cookie_is_secure_over_https(client, make_user):
    user = make_user()
    response = client.post(
        "/login",
        data={"email": user.email, "password": "correct horse battery staple"},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
    )
    assert "Secure" in response.headers["Set-Cookie"]


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
