"""The layout on a phone, by keyboard, and when the server fails.

At 375×740 CSS pixels (a small phone) no page scrolls sideways (every page the demo data
makes, signed out and as each role: each initiative, cluster, theme and neighbourhood page
among them), and the navigation can be reached and followed with the keyboard alone. An
unexpected error shows the site's friendly page (or the API's JSON error), never a stack trace.
"""

from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests (or fails them when CI is set)
    expect = None

from app.clusters.models import Cluster
from app.extensions import db
from app.initiatives.public import published_initiatives
from app.initiatives.services import initiative_url
from app.languages import has_welsh_twin
from app.neighbourhoods.models import Neighbourhood
from app.themes.models import Theme
from tests.factories import TEST_PASSWORD

PHONE = {"width": 375, "height": 740}
LONG_WORDS = "Neighbourhood-improvement-partnership-programme " * 4


@pytest.fixture
def phone(browser, live_server):
    """A page in a fresh phone-sized browser context."""
    context = browser.new_context(base_url=live_server, locale="en-GB", viewport=PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def resident(make_user, make_initiative, make_neighbourhood):
    """A resident with a long name and long-titled initiatives, published and draft."""
    user = make_user(display_name="Rosalind " + "Featherstonehaugh-" * 3 + "Smith")
    neighbourhood = make_neighbourhood(name="Kirkstall and Bramley Fall Woods")
    for state in ("published", "published", "draft"):
        make_initiative(
            state=state,
            submitter_id=user.id,
            neighbourhood_id=neighbourhood,
            title=LONG_WORDS.strip()[:190],
            summary=LONG_WORDS,
        )
    return user


def log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )


@pytest.mark.parametrize("path", ["/", "/initiatives"])
def test_public_pages_fit_a_phone(phone, resident, path):
    phone.goto(path)
    assert horizontal_overflow(phone) <= 0


def sideways_scroll(page) -> int:
    """How far the page itself scrolls sideways (0: not at all)."""
    return page.evaluate(
        "document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    )


def every_page(app, with_demo_pages: bool = True) -> list[str]:
    """Every HTML page without arguments, and each page of the demo's initiatives, clusters,
    themes and neighbourhoods."""
    with app.test_request_context():
        paths = sorted(
            rule.rule
            for rule in app.url_map.iter_rules()
            if not rule.arguments
            and "GET" in (rule.methods or ())
            and has_welsh_twin(rule.endpoint)
            and not rule.rule.startswith(("/logout", "/cy/"))
        )
        if not with_demo_pages:
            return paths
        paths += [initiative_url(item) for item in db.session.scalars(published_initiatives())]
        for model, prefix in ((Cluster, "/clusters/"), (Theme, "/themes/")):
            paths += [prefix + slug for slug in db.session.scalars(db.select(model.slug))]
        neighbourhoods = db.session.scalars(db.select(Neighbourhood.slug))
        paths += ["/neighbourhoods/" + slug for slug in neighbourhoods]
    return paths


@pytest.mark.parametrize("role", [None, "resident", "moderator", "council", "admin"])
def test_no_page_scrolls_sideways_on_a_phone(app, phone, demo, no_tiles, role):
    if role:
        log_in(phone, f"{role}@example.org")
    too_wide = {}
    visited = 0
    for path in every_page(app, with_demo_pages=role is None):  # the same pages for everyone
        response = phone.goto(path)
        if response is None or response.status >= 400 or "/login" in phone.url and role:
            continue
        visited += 1
        if (overflow := sideways_scroll(phone)) > 0:
            too_wide[path] = overflow
    assert visited > (10 if role else demo)  # signed out: every initiative page, and more
    assert too_wide == {}


def pages_of_each_item(app) -> dict[str, list[str]]:
    """The signed-in pages about one item, for a few of the demo's items of each kind: the
    edit, history, review and report pages of initiatives, their outcomes' verify and
    measurement pages, clusters' curation pages, and the admin's edit pages."""
    from app.initiatives.models import Initiative, Outcome
    from app.organisations.models import Organisation

    with app.test_request_context():
        initiatives = db.session.scalars(
            db.select(Initiative.id).order_by(Initiative.id.desc()).limit(3)
        ).all()
        outcomes = db.session.execute(
            db.select(Outcome.initiative_id, Outcome.id).order_by(Outcome.id).limit(2)
        ).all()
        clusters = db.session.scalars(db.select(Cluster.id).limit(2)).all()
        themes = db.session.scalars(db.select(Theme.id).limit(2)).all()
        neighbourhoods = db.session.scalars(db.select(Neighbourhood.id).limit(2)).all()
        organisations = db.session.scalars(db.select(Organisation.id).limit(2)).all()
    return {
        "moderator": [
            path
            for number in initiatives
            for path in (
                f"/initiatives/{number}/edit",
                f"/initiatives/{number}/history",
                f"/moderation/initiatives/{number}",
                f"/initiatives/{number}/report",
            )
        ]
        + [f"/clusters/manage/{number}" for number in clusters],
        "council": [
            path
            for initiative, outcome in outcomes
            for path in (
                f"/initiatives/{initiative}/outcomes/{outcome}/verify",
                f"/initiatives/{initiative}/outcomes/{outcome}/measurements",
            )
        ],
        "admin": [f"/admin/themes/{number}" for number in themes]
        + [f"/admin/neighbourhoods/{number}" for number in neighbourhoods]
        + [f"/admin/organisations/{number}" for number in organisations],
    }


@pytest.mark.parametrize("role", ["moderator", "council", "admin"])
def test_no_page_about_one_item_scrolls_sideways_on_a_phone(app, phone, demo, no_tiles, role):
    log_in(phone, f"{role}@example.org")
    too_wide, visited = {}, 0
    for path in pages_of_each_item(app)[role]:
        response = phone.goto(path)
        if response is None or response.status >= 400:
            continue
        visited += 1
        if (overflow := sideways_scroll(phone)) > 0:
            too_wide[path] = overflow
    assert visited >= 4
    assert too_wide == {}


def test_the_overflow_measure_sees_a_too_wide_element(phone):
    phone.goto("/")
    phone.evaluate(  # through the CSSOM: the CSP refuses inline style attributes
        "const wide = document.createElement('div'); wide.style.width = '600px';"
        " wide.style.height = '1px'; document.querySelector('main').append(wide);"
    )
    assert horizontal_overflow(phone) > 0
    assert sideways_scroll(phone) > 0


@pytest.mark.parametrize("path", ["/account", "/account/initiatives", "/initiatives/new"])
def test_account_pages_fit_a_phone(phone, resident, path):
    log_in(phone, resident.email)
    phone.goto(path)
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    assert horizontal_overflow(phone) <= 0


def test_navigation_works_by_keyboard_on_a_phone(phone, resident):
    phone.goto("/")
    reached = []
    for _ in range(12):
        phone.keyboard.press("Tab")
        focused = phone.evaluate(
            "(() => { const e = document.activeElement; const r = e.getBoundingClientRect();"
            " return {text: e.textContent.trim(), left: r.left, right: r.right,"
            " width: r.width, height: r.height}; })()"
        )
        if focused["text"] in ("Skip to main content", "Coproduce"):
            continue
        assert focused["width"] > 0 and focused["height"] > 0, focused
        assert 0 <= focused["left"] and focused["right"] <= PHONE["width"], focused
        reached.append(focused["text"])
        if focused["text"] == "Register":
            break
    assert reached[:4] == ["Home", "Initiatives", "Map", "Clusters"]
    assert reached[-2:] == ["Log in", "Register"]
    for _ in range(len(reached) - 1 - reached.index("Initiatives")):
        phone.keyboard.press("Shift+Tab")
    expect(phone.locator(":focus")).to_have_text("Initiatives")
    phone.keyboard.press("Enter")
    expect(phone).to_have_url(re.compile(r"/initiatives$"))
    expect(phone.get_by_role("link", name="Initiatives", exact=True)).to_have_attribute(
        "aria-current", "page"
    )


def test_skip_link_moves_focus_to_the_content(phone):
    phone.goto("/")
    phone.keyboard.press("Tab")
    expect(phone.locator(":focus")).to_have_text("Skip to main content")
    phone.keyboard.press("Enter")
    expect(phone.locator(":focus")).to_have_attribute("id", "main")


def _raise_an_error(*args, **kwargs):
    raise RuntimeError("a bug in the view")


@pytest.fixture
def failing_views(app, monkeypatch):
    """The home page and the API's list raise, with exceptions not propagated (production)."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    for endpoint in ("pages.home", "api.list_initiatives"):
        assert endpoint in app.view_functions
        monkeypatch.setitem(app.view_functions, endpoint, _raise_an_error)


def test_an_unexpected_error_shows_the_friendly_page(phone, failing_views):
    response = phone.goto("/")
    assert response.status == 500
    expect(phone.get_by_role("main")).to_contain_text("Something went wrong on our side.")
    expect(phone.get_by_role("navigation", name="Main")).to_be_visible()  # the site's layout
    assert "RuntimeError" not in phone.content() and "Traceback" not in phone.content()
    assert horizontal_overflow(phone) <= 0


def test_an_unexpected_api_error_is_json(client, failing_views, caplog):
    response = client.get("/api/v1/initiatives")
    assert response.status_code == 500
    assert response.json == {
        "ok": False,
        "error": "Something went wrong on our side. It has been logged.",
        "errors": {},
    }
    assert any("a bug in the view" in str(record.exc_info) for record in caplog.records)
