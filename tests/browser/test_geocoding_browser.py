"""The submission form's place picker in a real browser: "Find this place" lists the matches
in place, choosing one fills in the point, and an unavailable geocoder still saves the draft."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.initiatives.models import Initiative
from tests.conftest import TEST_PASSWORD
from tests.support.fake_nominatim import FakeNominatim, use_nominatim

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests (or fails them when CI is set)
    expect = None


@pytest.fixture
def console(page):
    """Every console message and page error; none may be a CSP violation or a script error."""
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.on("pageerror", lambda error: messages.append(f"page error: {error}"))
    yield messages
    assert [text for text in messages if "Content Security Policy" in text] == []
    assert [text for text in messages if text.startswith("page error")] == []


@pytest.fixture
def form_page(page, make_user):
    """The submission form, open for a signed-in resident; records requests to /places/."""
    resident = make_user()
    page.goto("/login")
    page.get_by_label("Email address").fill(resident.email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.goto("/initiatives/new")
    page.lookups = []
    page.on("request", lambda r: page.lookups.append(r.url) if "/places/" in r.url else None)
    return page


def test_find_this_place_lists_matches_in_place_and_fills_the_point(
    form_page, console, make_neighbourhood
):
    make_neighbourhood(name="Bethnal Green", latitude=51.5271, longitude=-0.0553, slug="bg")
    page = form_page
    page.reload()  # with the neighbourhood to choose
    page.get_by_label("Title").fill("Repair café")
    page.get_by_label("Place", exact=True).fill("Bethnal")
    assert page.lookups == []  # never as-you-type

    page.get_by_role("button", name="Find this place").click()

    matches = page.get_by_role("group", name="Places found for “Bethnal”")
    expect(matches).to_be_visible()
    assert page.url.endswith("/initiatives/new")  # nothing was posted
    assert len(page.lookups) == 1
    expect(matches.get_by_role("radio")).to_have_count(2)  # the neighbourhood and the town
    expect(matches.get_by_role("radio").first).to_be_focused()
    matches.get_by_label(re.compile(r"^Bethnal Green \(Bethnal Green, England")).check()

    expect(page.get_by_label("Latitude")).to_have_value("51.52718")
    expect(page.get_by_label("Longitude")).to_have_value("-0.06109")
    expect(page.get_by_label("Neighbourhood", exact=True)).to_have_value(re.compile(r"^\d+$"))
    expect(page.locator("#place-status")).to_contain_text("Neighbourhood set to Bethnal Green")
    expect(page.get_by_label("Title")).to_have_value("Repair café")


def test_enter_in_the_place_box_searches(form_page, console):
    page = form_page
    page.get_by_label("Place", exact=True).fill("Leeds")
    page.get_by_label("Place", exact=True).press("Enter")
    expect(page.get_by_role("group", name="Places found for “Leeds”")).to_be_visible()
    assert page.url.endswith("/initiatives/new")


def test_typed_coordinates_suggest_the_neighbourhood(form_page, console, make_neighbourhood):
    kirkstall = make_neighbourhood(name="Kirkstall", latitude=53.8162, longitude=-1.6037)
    page = form_page
    page.reload()
    page.get_by_label("Latitude").fill("53.8170")
    page.get_by_label("Longitude").fill("-1.6020")
    page.get_by_label("Longitude").blur()
    expect(page.get_by_label("Neighbourhood", exact=True)).to_have_value(str(kirkstall))


def test_unavailable_geocoder_posts_the_form_which_saves_it_pending(
    app, form_page, console, monkeypatch
):
    with FakeNominatim(mode="server_error") as nominatim:
        use_nominatim(app, monkeypatch, nominatim.domain)
        page = form_page
        page.get_by_label("Title").fill("Street watch")
        page.get_by_label("Place", exact=True).fill("Hawksworth Road")

        page.get_by_role("button", name="Find this place").click()

        expect(page.get_by_role("alert")).to_contain_text(
            "We could not look up this place just now; your initiative is saved"
        )
    expect(page).to_have_url(re.compile(r"/initiatives/new$"))  # the form's own post
    expect(page.get_by_label("Place", exact=True)).to_have_value("Hawksworth Road")
    with app.app_context():
        initiative = db.session.scalars(select(Initiative)).one()
        assert (initiative.title, initiative.location_state) == ("Street watch", "pending")
