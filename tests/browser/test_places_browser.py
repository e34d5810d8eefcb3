"""The resident's place journey in a real browser (issue 17): a postcode typed in any case and
spacing is found through the postcode service (a fake on loopback), the nearest neighbourhood
is chosen even over one chosen before, a point far from the neighbourhood chosen brings a
warning that does not stop saving, and the moderator's review page and the public page show
the point on a small map at its public precision, with tiles from a loopback stub (and a
plain grid with a note when they fail, as on /map). A street name goes to Nominatim (a fake on
loopback), never to the postcode service."""

from __future__ import annotations

import re

import pytest

from tests.conftest import TEST_PASSWORD
from tests.support.fake_nominatim import FakeNominatim, search_result, use_nominatim
from tests.support.fake_postcodes import FakePostcodes, use_postcodes

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the browser fixture skips these tests (or fails them when CI is set)
    Page = expect = None

TITLE = "Hawksworth Road street watch"


@pytest.fixture
def postcodes(app, monkeypatch):
    with FakePostcodes() as fake:
        use_postcodes(app, monkeypatch, fake.url)
        yield fake


@pytest.fixture
def nominatim(app, monkeypatch):
    with FakeNominatim() as fake:
        use_nominatim(app, monkeypatch, fake.domain)
        yield fake


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()


def test_resident_finds_a_postcode_gets_the_neighbourhood_and_sees_the_map_on_review(
    page: Page, console, tiles, postcodes, make_user, make_neighbourhood
):
    make_neighbourhood(name="Kirkstall", slug="kirkstall", latitude=53.8162, longitude=-1.6037)
    make_neighbourhood(name="Armley", slug="armley", latitude=53.7990, longitude=-1.5870)
    make_neighbourhood(
        name="Bethnal Green",
        slug="bethnal-green",
        local_authority="Tower Hamlets",
        latitude=51.5271,
        longitude=-0.0553,
    )
    resident = make_user()
    moderator = make_user(role="moderator")
    log_in(page, resident.email)
    page.goto("/initiatives/new")
    neighbourhood = page.get_by_label("Neighbourhood", exact=True)

    # The neighbourhood first (a guess), then the place: the place decides.
    neighbourhood.select_option(label="Armley")
    page.get_by_label("Place", exact=True).fill("ls53eh")
    page.get_by_role("button", name="Find this place").click()

    matches = page.get_by_role("group", name="Places found for “ls53eh”")
    expect(matches).to_be_visible()
    assert postcodes.paths == ["/postcodes/LS53EH"]
    matches.get_by_label(re.compile(r"^LS5 3EH \(LS5 3EH, Kirkstall, Leeds")).check()

    expect(page.get_by_label("Place", exact=True)).to_have_value("LS5 3EH")
    expect(page.get_by_label("Latitude")).to_have_value("53.8204")
    expect(page.get_by_label("Longitude")).to_have_value("-1.6087")
    expect(neighbourhood.locator("option:checked")).to_have_text("Kirkstall")
    expect(page.locator("[data-place-suggested]")).to_have_text(
        "Neighbourhood set to Kirkstall, the nearest. Change it above if it is wrong."
    )
    warning = page.locator("[data-place-warning]")
    expect(warning).to_be_empty()

    # A neighbourhood 270 km away: a warning, which does not stop anything.
    neighbourhood.select_option(label="Bethnal Green")
    expect(warning).to_contain_text("km from the centre of Bethnal Green (more than 10 km)")
    expect(warning).to_contain_text("You can still save it: a moderator will check it.")
    neighbourhood.select_option(label="Kirkstall")
    expect(warning).to_be_empty()

    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Summary", exact=True).fill("Neighbours walk the streets every week.")
    page.get_by_label("Main theme").select_option(label="Safety")
    page.get_by_role("group", name="Stages that were co-produced").get_by_label(
        "Co-delivery"
    ).check()
    participant = page.get_by_role("group", name="Participant 1")
    participant.get_by_label("Sector").select_option(label="Residents")
    participant.get_by_label("Name of the group or organisation").fill("Kirkstall Residents")
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My initiatives")
    log_out(page)

    # The moderator's review page shows the point on a small map, at street precision.
    log_in(page, moderator.email)
    page.goto("/moderation")
    page.get_by_role("table").get_by_role("link", name=TITLE).click()
    area = page.get_by_role("region", name="Map of where it is")
    expect(area).to_be_visible()
    expect(page.get_by_role("heading", name="On the map")).to_be_visible()
    expect(page.locator("#point-map-help")).to_have_text(
        "The point shown is rounded to about 100 m."
    )
    expect(area.locator(".map-marker")).to_have_count(1)
    expect(area.locator(".leaflet-tile-loaded").first).to_be_attached()
    assert tiles.requested, "the tiles come from the loopback stub"
    expect(page.locator("#point-map-status")).to_be_empty()


def test_the_small_map_fails_gracefully_without_tiles(
    page: Page, console, no_tiles, make_initiative, make_neighbourhood
):
    kirkstall = make_neighbourhood(name="Kirkstall", latitude=53.8162, longitude=-1.6037)
    initiative = make_initiative(
        neighbourhood_id=kirkstall, latitude=53.8204, longitude=-1.6087, title="Repair café"
    )
    page.goto(f"/initiatives/{initiative}")
    area = page.get_by_role("region", name="Map of where it is")
    expect(area).to_be_visible()
    expect(page.locator("#point-map-status")).to_have_text(
        "The background map could not be loaded. The place is still shown."
    )
    expect(area).to_have_class(re.compile(r"\bmap--no-tiles\b"))
    expect(area.locator(".map-marker")).to_have_count(1)


def test_resident_finds_a_street_through_nominatim_and_never_the_postcode_service(
    page: Page, console, tiles, postcodes, nominatim, make_user, make_neighbourhood
):
    make_neighbourhood(name="Kirkstall", slug="kirkstall", latitude=53.8162, longitude=-1.6037)
    make_neighbourhood(name="Armley", slug="armley", latitude=53.7990, longitude=-1.5870)
    nominatim.answers["hawksworth road"] = [
        search_result("Hawksworth Road", 53.8199, -1.6101, "Hawksworth Road, Kirkstall, Leeds")
    ]
    log_in(page, make_user().email)
    page.goto("/initiatives/new")
    page.get_by_label("Place", exact=True).fill("Hawksworth Road")
    page.get_by_role("button", name="Find this place").click()

    matches = page.get_by_role("group", name="Places found for “Hawksworth Road”")
    expect(matches).to_be_visible()
    matches.get_by_label(re.compile(r"^Hawksworth Road \(Hawksworth Road, Kirkstall")).check()
    expect(page.get_by_label("Latitude")).to_have_value("53.8199")
    expect(page.get_by_label("Longitude")).to_have_value("-1.6101")
    neighbourhood = page.get_by_label("Neighbourhood", exact=True)
    expect(neighbourhood.locator("option:checked")).to_have_text("Kirkstall")
    assert nominatim.paths() == ["/search"]
    assert postcodes.paths == []  # a street is not a postcode


def test_offline_a_postcode_typed_with_javascript_is_said_to_be_one(
    page: Page, console, tiles, make_user
):
    """No postcode service and the offline geocoder (the default): the picker says plainly
    that postcodes cannot be looked up here and offers the pin, never coordinates to type."""
    log_in(page, make_user().email)
    page.goto("/initiatives/new")
    page.get_by_label("Place", exact=True).fill("ls53eh")
    page.get_by_role("button", name="Find this place").click()
    said = page.locator("[data-place-matches] p[role=status]")
    expect(said).to_contain_text("“LS5 3EH” is a postcode, and postcodes cannot be looked up")
    expect(said).to_contain_text("Put a pin on the map")
    expect(page).to_have_url(re.compile(r"/initiatives/new$"))  # answered in place, no post
