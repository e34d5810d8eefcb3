""" "Near a place" without JavaScript: the list and the map take ``near_place=<text>``, look it
up on the server (the offline gazetteer here) and redirect to their canonical address with
``near=lat,lon``; a place that is not found, or a geocoder that is down, is said beside the
field with the text kept (QUALITY.md: bad input loses nothing, never a 500)."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from tests.support.fake_nominatim import FakeNominatim, use_nominatim

BETHNAL_GREEN = "51.52718,-0.06109"
NEWPORT_WALES, NEWPORT_WIGHT = "51.58774,-2.99835", "50.70146,-1.29124"
PAGES = ["/initiatives", "/map", "/themes/safety"]


@pytest.fixture
def nominatim(app, monkeypatch):
    with FakeNominatim() as fake:
        use_nominatim(app, monkeypatch, fake.domain)
        yield fake


@pytest.mark.parametrize("path", ["/initiatives", "/themes/safety"])
def test_a_place_name_redirects_to_the_canonical_address_near_it(client, path):
    response = client.get(f"{path}?near_place=Bethnal+Green&radius_km=2&status=active")
    assert response.status_code == 302
    assert response.location == f"{path}?status=active&near={BETHNAL_GREEN}&radius_km=2"


def test_on_the_map_the_place_name_stays_as_a_label_beside_the_point(client):
    response = client.get("/map?near_place=bethnal%20green&radius_km=2&status=active")
    assert (
        response.location
        == f"/map?status=active&near={BETHNAL_GREEN}&radius_km=2&place=bethnal+green"
    )
    page = client.get(response.location)
    assert page.status_code == 200
    assert (
        'name="near_place" type="search" autocomplete="off" value="bethnal green"'
        in page.get_data(as_text=True)
    )


def test_the_list_keeps_its_order_and_page_size_but_starts_on_the_first_page(client):
    response = client.get(
        "/initiatives?near_place=bethnal%20green&sort=distance&per_page=50&page=3"
    )
    assert response.location == f"/initiatives?near={BETHNAL_GREEN}&sort=distance&per_page=50"


def test_on_the_map_a_new_place_starts_a_new_view(client):
    response = client.get("/map?near_place=Bethnal+Green&zoom=9&lat=53.8&lon=-1.5&theme=safety")
    assert response.location == f"/map?theme=safety&near={BETHNAL_GREEN}&place=Bethnal+Green"


def test_the_redirect_shows_initiatives_near_the_place(
    client, make_initiative, make_neighbourhood
):
    east = make_neighbourhood(name="Bethnal Green estate", latitude=51.527, longitude=-0.061)
    make_initiative(
        title="Repair café", latitude=51.5275, longitude=-0.0605, neighbourhood_id=east
    )
    make_initiative(title="Leeds walks", latitude=53.8, longitude=-1.55)

    response = client.get("/initiatives?near_place=Bethnal+Green", follow_redirects=True)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Repair café" in page and "Leeds walks" not in page


def test_a_point_chosen_among_the_matches_is_kept(client):
    # The map's script lists every Newport; the one chosen comes with the name.
    response = client.get(f"/map?near_place=Newport&near={NEWPORT_WIGHT}")
    assert response.location == f"/map?near={NEWPORT_WIGHT}&place=Newport"


def test_an_older_point_gives_way_to_a_new_place_name(client):
    response = client.get(f"/initiatives?near_place=Newport&near={BETHNAL_GREEN}")
    assert response.location == f"/initiatives?near={NEWPORT_WALES}"


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("text", ["Hawksworth Road", "<script>alert(1)</script>"])
def test_a_place_not_found_is_said_beside_the_field_and_kept(client, make_initiative, path, text):
    make_initiative(title="Leeds walks", latitude=53.8, longitude=-1.55)

    response = client.get(path, query_string={"near_place": text})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f"No place called “{escape(text)}” was found." in page
    assert re.search(r'id="near_place-error"', page)
    assert f'value="{escape(text)}"' in page
    assert "<script>alert(1)" not in page
    if path != "/map":  # the map's own list is filled in by the browser's view
        assert "Leeds walks" in page  # the other filters still apply


@pytest.mark.parametrize("path", PAGES)
def test_an_unavailable_geocoder_is_said_beside_the_field(client, nominatim, path):
    nominatim.mode = "server_error"
    response = client.get(f"{path}?near_place=Hawksworth+Road&radius_km=2&near=53.8,-1.5")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "The place search is not available just now." in page
    assert 'value="Hawksworth Road"' in page
    # A failed geocoder is rarely back at once (the rate limiter may name a later moment).
    assert int(response.headers["Retry-After"]) >= 30


@pytest.mark.parametrize("path", PAGES)
def test_the_page_itself_says_when_to_try_again(client, nominatim, monkeypatch, path):
    # Not only the rate limiter's header (it adds Retry-After to every limited page).
    from app.extensions import limiter

    monkeypatch.setattr(limiter, "_headers_enabled", False)
    nominatim.mode = "server_error"
    response = client.get(f"{path}?near_place=Hawksworth+Road")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"


@pytest.mark.parametrize("path", PAGES)
def test_a_busy_place_search_says_when_to_try_again(client, monkeypatch, path):
    from app.browse import nearplace
    from app.places.lookups import GeocoderBusy

    def busy(text):
        raise GeocoderBusy()

    monkeypatch.setattr(nearplace, "geocode_place", busy)
    response = client.get(f"{path}?near_place=Hawksworth+Road")
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 2
    assert "Many place searches are running just now." in response.get_data(as_text=True)


def test_an_overlong_place_name_is_a_400_with_the_text_kept(client):
    text = "x" * 201
    response = client.get(f"/initiatives?near_place={text}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Use at most 200 characters." in page
    assert f'value="{text}"' in page


@pytest.mark.parametrize("query", ["near_place=", "near_place=%20%20", "near_place=%00"])
def test_an_empty_place_name_is_ignored(client, query):
    # (an empty one is first redirected away: canonical addresses carry no empty parameters)
    assert client.get(f"/initiatives?{query}", follow_redirects=True).status_code == 200
    assert client.get(f"/map?{query}", follow_redirects=True).status_code == 200


@pytest.mark.parametrize("path", ["/initiatives", "/map"])
def test_the_place_box_is_there_without_javascript(client, path):
    page = client.get(path).get_data(as_text=True)
    field = re.search(r'<input id="(\w+)" name="near_place" type="search"', page)
    assert field, "a near_place box"
    label = re.search(rf'<label for="{field.group(1)}">([^<]+)</label>', page)
    assert label and label.group(1)
    # Nothing around the box is hidden: only the script's Search button waits for map.js.
    before = page[page.index("</legend>", page.index(label.group(0)) - 600) : field.start()]
    assert " hidden" not in before


def test_place_names_share_the_place_search_budget_and_plain_pages_spend_none(
    held_minute, app, client, monkeypatch
):
    monkeypatch.setitem(app.config, "RATELIMIT_GEOCODE", "3 per minute")
    for _ in range(5):  # pages without a place name never count
        assert client.get("/initiatives?theme=safety").status_code == 200
    assert client.get("/initiatives?near_place=Bethnal+Green").status_code == 302
    assert client.get("/map?near_place=Leeds").status_code == 302
    assert client.get("/places/search?q=York").status_code == 200
    refused = client.get("/themes/safety?near_place=Armley")  # one budget for all of them
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert client.get("/initiatives?theme=safety").status_code == 200
