"""The public pages: valid HTML, working navigation, the health check, local times."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import html5lib
import pytest

from app import create_app

PAGES = ["/", "/privacy", "/accessibility", "/api", "/login", "/register", "/forgot-password"]
SIGNED_IN_PAGES = ["/account", "/logout", "/admin/users", "/admin/organisations",
                   "/admin/organisations/new", "/admin/audit"]  # fmt: skip


def assert_valid_html(page: bytes, url: str) -> None:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    document = parser.parse(page)
    assert document.get("lang") == "en-GB", url
    ids = re.findall(rb'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), f"duplicate ids on {url}"
    assert len(document.findall(".//h1")) == 1, f"one h1 on {url}"
    assert document.find(".//main[@id='main']") is not None, url
    skip = document.find(".//a[@class='skip-link']")
    assert skip is not None and skip.get("href") == "#main", url
    for field in document.iter("input"):
        if field.get("type") in {"hidden", "submit"}:
            continue
        labelled = document.find(f".//label[@for='{field.get('id')}']") is not None
        assert labelled, f"unlabelled input {field.get('name')} on {url}"


@pytest.mark.parametrize("url", PAGES)
def test_public_pages_are_valid_html(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert_valid_html(response.data, url)


@pytest.mark.parametrize("url", SIGNED_IN_PAGES)
def test_signed_in_pages_are_valid_html(client, auth, make_user, url):
    auth.login(make_user(role="admin").email)
    response = client.get(url)
    assert response.status_code == 200
    assert_valid_html(response.data, url)


def test_pages_with_form_errors_are_valid_html(client):
    response = client.post("/register", data={"email": "x", "display_name": "", "password": "1"})
    assert response.status_code == 422
    assert_valid_html(response.data, "/register with errors")


@pytest.mark.parametrize("role", [None, "resident", "moderator", "council", "admin"])
def test_every_navigation_link_works(client, auth, make_user, role):
    if role:
        auth.login(make_user(role=role).email)
    page = client.get("/").get_data(as_text=True)
    navigation = re.findall(r"<nav[^>]*>(.*?)</nav>", page, re.S)
    links = {href for nav in navigation for href in re.findall(r'href="(/[^"]*)"', nav)}
    assert "/privacy" in links and "/accessibility" in links
    for href in links:
        assert client.get(href).status_code == 200, href


def test_home_page_explains_co_production(client):
    page = client.get("/").get_data(as_text=True)
    assert "co-production" in page
    assert "Skip to main content" in page


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"


def test_healthz_answers_503_when_the_database_does_not(app, tmp_path):
    broken = create_app(
        {
            "SECRET_KEY": "x",
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path}/missing/folder/db.sqlite3",
        }
    )
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"


def test_times_are_shown_in_the_site_time_zone(app):
    from app.timeutil import format_local

    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    with app.test_request_context():
        assert format_local(summer, "%H:%M") == "13:00"  # British Summer Time
        assert format_local(summer.replace(tzinfo=None), "%H:%M") == "13:00"
        app.config["TIMEZONE"] = "UTC"
        try:
            assert format_local(summer, "%H:%M") == "12:00"
        finally:
            app.config["TIMEZONE"] = "Europe/London"


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"There is nothing at this address." in response.data


def test_api_errors_are_json(client):
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response.json == {
        "ok": False,
        "error": "There is nothing at this address.",
        "errors": {},
    }


def test_wrong_method_is_405_with_allow_header(client):
    response = client.post("/privacy", data={})
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_leaflet_is_served_from_our_own_origin(client):
    for path in ("leaflet.js", "leaflet.css", "images/marker-icon.png"):
        response = client.get(f"/static/vendor/leaflet/{path}")
        assert response.status_code == 200, path
        response.close()
    assert client.get("/static/vendor/leaflet/../../app/config.py").status_code == 404


def test_the_print_stylesheet_learns_the_site_address(app, client, monkeypatch):
    """/print-origin.css gives print.css the site's address for links written out on paper:
    from SITE_URL, shared caches may keep it; from the request's host, only the browser."""
    response = client.get("/print-origin.css")
    assert response.status_code == 200
    assert response.content_type == "text/css; charset=utf-8"
    assert response.get_data(as_text=True) == ':root { --site-origin: "http://localhost"; }\n'
    assert response.headers["Cache-Control"] == "private, max-age=3600"

    monkeypatch.setitem(app.config, "SITE_URL", "https://coproduce.example.org/")
    response = client.get("/print-origin.css", headers={"Host": "evil.example"})
    assert '"https://coproduce.example.org"' in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "public, max-age=3600"
