"""The submission form's place picker in a real browser: "Find this place" lists the matches
in place, choosing one fills in the point, and an unavailable geocoder still saves the draft;
the map picker fills the point from a click or a dragged pin, and follows typed coordinates.
Map tiles come from a loopback stub (never the internet)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.initiatives.models import Initiative
from tests.conftest import TEST_PASSWORD
from tests.support.fake_nominatim import FakeNominatim, use_nominatim
from tests.support.mail import free_port

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests (or fails them when CI is set)
    expect = None


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
    page.get_by_label("Title", exact=True).fill("Repair café")
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
    expect(page.get_by_label("Title", exact=True)).to_have_value("Repair café")


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
        page.get_by_label("Title", exact=True).fill("Street watch")
        page.get_by_label("Place", exact=True).fill("Hawksworth Road")

        page.get_by_role("button", name="Find this place").click()

        expect(page.get_by_role("alert")).to_contain_text(
            "We could not look up this place just now; your initiative is saved"
        )
    # The form's own post, which saved the draft and redirected to it (POST/redirect/GET).
    expect(page).to_have_url(re.compile(r"/initiatives/\d+/edit$"))
    expect(page.get_by_label("Place", exact=True)).to_have_value("Hawksworth Road")
    with app.app_context():
        initiative = db.session.scalars(select(Initiative)).one()
        assert (initiative.title, initiative.location_state) == ("Street watch", "pending")


# The map picker: a click or a dragged pin fills the point; typed coordinates move the pin.


@pytest.fixture
def nominatim(app, monkeypatch):
    """A fake Nominatim that must not be asked: the neighbourhood suggestion is ours."""
    with FakeNominatim() as fake:
        use_nominatim(app, monkeypatch, fake.domain)
        yield fake


def point_of(page) -> tuple[float, float]:
    return (
        float(page.get_by_label("Latitude").input_value()),
        float(page.get_by_label("Longitude").input_value()),
    )


def look_at(page, neighbourhood_id: int) -> None:
    """Centre the map on a neighbourhood (choosing it), then leave the choice empty again."""
    choice = page.get_by_label("Neighbourhood", exact=True)
    choice.select_option(str(neighbourhood_id))
    choice.select_option("")


def pin_tip(page) -> tuple[float, float]:
    """Where the pin points on the screen: the middle of its icon's bottom edge."""
    box = page.locator("#place-map .leaflet-marker-icon").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"]


def map_centre(page) -> tuple[float, float]:
    box = page.locator("#place-map").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_clicking_the_map_fills_the_point_and_suggests_the_neighbourhood(
    form_page, console, tiles, nominatim, make_neighbourhood
):
    kirkstall = make_neighbourhood(name="Kirkstall", latitude=53.8162, longitude=-1.6037)
    page = form_page
    page.reload()
    area = page.get_by_role("region", name="Map for choosing the place")
    expect(area).to_be_visible()
    look_at(page, kirkstall)

    area.click()  # the middle of the map: Kirkstall's centre

    latitude, longitude = point_of(page)
    assert abs(latitude - 53.8162) < 0.001 and abs(longitude + 1.6037) < 0.001
    assert re.fullmatch(r"-?\d+(\.\d{1,6})?", page.get_by_label("Latitude").input_value())
    expect(page.get_by_label("Neighbourhood", exact=True)).to_have_value(str(kirkstall))
    expect(page.locator("#place-map .leaflet-marker-icon")).to_have_count(1)
    assert [url for url in page.lookups if "/places/neighbourhood?" in url]
    assert not [url for url in page.lookups if "/places/reverse" in url]
    assert nominatim.requests == []  # the suggestion cost the geocoder nothing
    assert tiles.requested


def test_dragging_the_pin_moves_the_point_and_asks_once(
    form_page, console, tiles, make_neighbourhood
):
    kirkstall = make_neighbourhood(name="Kirkstall", latitude=53.8162, longitude=-1.6037)
    page = form_page
    page.reload()
    look_at(page, kirkstall)
    page.get_by_role("region", name="Map for choosing the place").click()
    expect(page.get_by_label("Neighbourhood", exact=True)).to_have_value(str(kirkstall))
    before = point_of(page)
    page.get_by_label("Neighbourhood", exact=True).select_option("")  # to be suggested again
    asked = len(page.lookups)

    icon = page.locator("#place-map .leaflet-marker-icon").bounding_box()
    x, y = icon["x"] + icon["width"] / 2, icon["y"] + icon["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):  # a drag of many small moves
        page.mouse.move(x + 8 * step, y + 6 * step)
    page.mouse.up()

    expect(page.get_by_label("Latitude")).not_to_have_value(str(before[0]))
    latitude, longitude = point_of(page)
    assert latitude < before[0] and longitude > before[1]  # down and to the right
    expect(page.get_by_label("Neighbourhood", exact=True)).to_have_value(str(kirkstall))
    assert len(page.lookups) == asked + 1  # one suggestion for the whole drag, at its end


def test_typed_coordinates_move_the_pin(form_page, console, tiles, make_neighbourhood):
    kirkstall = make_neighbourhood(name="Kirkstall", latitude=53.8162, longitude=-1.6037)
    page = form_page
    page.reload()
    look_at(page, kirkstall)
    expect(page.locator("#place-map .leaflet-marker-icon")).to_have_count(0)

    page.get_by_label("Latitude").fill("51.5271")  # Bethnal Green, far from the view
    page.get_by_label("Longitude").fill("-0.0553")
    page.get_by_label("Longitude").blur()

    expect(page.locator("#place-map .leaflet-marker-icon")).to_have_count(1)
    tip, centre = pin_tip(page), map_centre(page)
    assert abs(tip[0] - centre[0]) < 3 and abs(tip[1] - centre[1]) < 3  # the map went there

    page.get_by_label("Latitude").fill("51.5281")  # about 110 m north
    page.get_by_label("Latitude").blur()
    page.wait_for_function(
        "y => document.querySelector('#place-map .leaflet-marker-icon')"
        ".getBoundingClientRect().bottom < y - 4",
        arg=tip[1],
    )
    moved = pin_tip(page)
    assert abs(moved[0] - tip[0]) < 1 and 4 < tip[1] - moved[1] < 20


def test_the_pin_works_when_the_tiles_do_not(form_page, console, app, monkeypatch):
    monkeypatch.setitem(
        app.config, "TILE_URL", f"http://127.0.0.1:{free_port()}/{{z}}/{{x}}/{{y}}.png"
    )
    page = form_page
    page.reload()
    expect(page.locator("#place-map-status")).to_contain_text("could not be loaded")
    page.get_by_role("region", name="Map for choosing the place").click()
    latitude, longitude = point_of(page)
    assert 49 < latitude < 60 and -8 < longitude < 2  # somewhere in Great Britain
    expect(page.locator("#place-map .leaflet-marker-icon")).to_have_count(1)
