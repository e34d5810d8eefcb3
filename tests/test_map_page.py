"""The map page and the maps on neighbourhood pages, as the server renders them.

What the browser does with them (clusters, popups, moving the map) is in
tests/browser/test_map_browser.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import html5lib
import pytest

from app.maps import services
from tests.support.queries import count_queries
from tests.test_browse import XSS_PAYLOADS
from tests.test_pages import assert_valid_html

LEEDS = {"lat": 53.8008, "lon": -1.5491}
LEEDS_VIEW = "zoom=12&lat=53.8008&lon=-1.5491"
MANCHESTER = {"lat": 53.4808, "lon": -2.2426}
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def parse(response):
    return html5lib.parse(response.data, namespaceHTMLElements=False)


def by_id(document, element_id: str):
    found = document.find(f".//*[@id='{element_id}']")
    assert found is not None, element_id
    return found


def listed_titles(document) -> list[str]:
    return [link.text for link in by_id(document, "map-list-items").iter("a")]


def count_text(document) -> str:
    return by_id(document, "map-list-count").text


@pytest.fixture
def place_in(make_initiative, make_neighbourhood):
    """Make a published initiative at an exact point; returns its id."""
    neighbourhood_id = make_neighbourhood(latitude=LEEDS["lat"], longitude=LEEDS["lon"])

    def make(point: dict, **content) -> int:
        content.setdefault("neighbourhood_id", neighbourhood_id)
        content.setdefault("location_precision", "exact")
        return make_initiative(latitude=point["lat"], longitude=point["lon"], **content)

    return make


def test_map_page_is_valid_html_with_leaflet_from_our_origin(client):
    response = client.get("/map")
    assert response.status_code == 200
    assert_valid_html(response.data, "/map")
    page = response.get_data(as_text=True)
    assert '<script src="/static/vendor/leaflet/leaflet.js" defer></script>' in page
    assert '<link rel="stylesheet" href="/static/vendor/leaflet/leaflet.css">' in page
    assert "unpkg" not in page and "cdn" not in page.lower()
    assert "<script>" not in page  # the content security policy forbids inline scripts


def test_map_element_carries_tile_settings_and_has_an_accessible_name(app, client):
    document = parse(client.get("/map"))
    element = by_id(document, "map")
    assert element.get("data-tile-url") == app.config["TILE_URL"]
    assert element.get("data-tile-attribution") == app.config["TILE_ATTRIBUTION"]
    assert element.get("role") == "region" and element.get("aria-label") == "Map of initiatives"
    instructions = by_id(document, element.get("aria-describedby"))
    assert "arrow keys" in instructions.text and "list below" in instructions.text
    assert element.get("data-clusters-url") == "/api/v1/map/clusters"
    # Without JavaScript the map stays hidden: the list and the form are the page. The place
    # box is there (the server looks the place up); only the script's Search button waits.
    assert by_id(document, "map-area").get("hidden") is not None
    assert by_id(document, "place-search").get("hidden") is not None
    assert by_id(document, "place").get("name") == "near_place"


def test_content_security_policy_follows_a_loopback_tile_url(app, client, monkeypatch):
    tile_url = "http://127.0.0.1:8765/{z}/{x}/{y}.png"
    monkeypatch.setitem(app.config, "TILE_URL", tile_url)
    response = client.get("/map")
    csp = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data: http://127.0.0.1:8765;" in csp
    assert "script-src 'self';" in csp and "style-src 'self';" in csp
    assert by_id(parse(response), "map").get("data-tile-url") == tile_url


def test_default_view_is_great_britain(client):
    element = by_id(parse(client.get("/map")), "map")
    assert element.get("data-bounds") == ",".join(str(edge) for edge in services.GREAT_BRITAIN)
    assert element.get("data-lat") is None and element.get("data-zoom") is None


def test_default_view_of_a_neighbourhood_is_around_its_centre(client, make_neighbourhood):
    make_neighbourhood(slug="kirkstall", latitude=53.817, longitude=-1.603)
    element = by_id(parse(client.get("/map?neighbourhood=kirkstall")), "map")
    west, south, east, north = map(float, element.get("data-bounds").split(","))
    assert west < -1.603 < east and south < 53.817 < north
    assert east - west < 0.2 and north - south < 0.1


def test_bbox_in_the_address_is_where_the_map_looks_first(client):
    element = by_id(parse(client.get("/map?bbox=-1.7,53.7,-1.4,53.9")), "map")
    assert element.get("data-bounds") == "-1.7,53.7,-1.4,53.9"
    assert element.get("data-filters") == ""  # the view bounds the map, not a filter


def test_centre_and_zoom_in_the_address_set_the_view(client):
    document = parse(client.get(f"/map?{LEEDS_VIEW}&theme=health"))
    element = by_id(document, "map")
    assert (element.get("data-lat"), element.get("data-lon")) == ("53.8008", "-1.5491")
    assert element.get("data-zoom") == "12"
    assert element.get("data-filters") == "theme=health"
    kept = {field.get("name"): field.get("value") for field in document.iter("input")
            if field.get("data-view") is not None}  # fmt: skip
    assert kept == {"zoom": "12", "lat": "53.8008", "lon": "-1.5491"}


def test_filters_are_kept_in_the_form(client, make_neighbourhood):
    make_neighbourhood(slug="kirkstall")
    url = (
        "/map?q=walking&theme=health&theme=safety&stage=co-design&sector=police"
        "&status=active&neighbourhood=kirkstall&verified=1&near=53.8,-1.55&radius_km=10"
        "&place=Leeds"
    )
    response = client.get(url)
    assert response.status_code == 200
    document = parse(response)
    assert by_id(document, "q").get("value") == "walking"
    assert by_id(document, "place").get("value") == "Leeds"  # what "near" is near
    assert by_id(document, "near").get("value") == "53.8,-1.55"
    ticked = {
        (field.get("name"), field.get("value"))
        for field in document.iter("input")
        if field.get("type") == "checkbox" and field.get("checked") is not None
    }
    assert ticked == {
        ("theme", "health"),
        ("theme", "safety"),
        ("stage", "co-design"),
        ("sector", "police"),
        ("status", "active"),
        ("neighbourhood", "kirkstall"),
        ("verified", "1"),
    }
    selected = [option.text for option in by_id(document, "radius_km").iter("option")
                if option.get("selected") is not None]  # fmt: skip
    assert selected == ["10 km"]
    assert by_id(document, "map").get("data-filters") == (
        "q=walking&theme=health&theme=safety&stage=co-design&sector=police"
        "&neighbourhood=kirkstall&status=active&verified=1&near=53.8,-1.55&radius_km=10"
    )


def test_radius_offers_the_usual_choices_and_the_default_sends_nothing(client):
    options = by_id(parse(client.get("/map")), "radius_km").iter("option")
    choices = [(option.get("value"), option.text) for option in options]
    assert choices == [("1", "1 km"), ("2", "2 km"), ("", "5 km"), ("10", "10 km"),
                       ("25", "25 km")]  # fmt: skip
    response = client.get("/map?radius_km=")
    assert (response.status_code, response.headers["Location"]) == (302, "/map")


def test_list_alternative_lists_only_published_initiatives_in_the_view(client, place_in):
    place_in(LEEDS, title="Leeds street watch")
    place_in(MANCHESTER, title="Manchester walking group")
    for state in ["draft", "pending", "changes_requested", "rejected", "archived"]:
        place_in(LEEDS, title=f"Leeds {state}", state=state)

    document = parse(client.get(f"/map?{LEEDS_VIEW}"))
    assert listed_titles(document) == ["Leeds street watch"]
    assert count_text(document) == "1 initiative in this view."
    assert by_id(document, "map-list-count").get("aria-live") == "polite"
    link = by_id(document, "map-list-link")
    assert link.text == "Show these as a list"
    parts = urlsplit(link.get("href"))
    assert parts.path == "/initiatives"
    west, south, east, north = map(float, parse_qs(parts.query)["bbox"][0].split(","))
    assert west < LEEDS["lon"] < east and south < LEEDS["lat"] < north
    assert not west < MANCHESTER["lon"] < east

    everything = parse(client.get("/map"))
    assert listed_titles(everything) == ["Leeds street watch", "Manchester walking group"]


def test_list_follows_the_filters(client, place_in):
    place_in(LEEDS, title="Street watch", themes=["safety"])
    place_in(LEEDS, title="Walking group", themes=["health"])
    document = parse(client.get(f"/map?{LEEDS_VIEW}&theme=health"))
    assert listed_titles(document) == ["Walking group"]
    assert "theme=health" in by_id(document, "map-list-link").get("href")


def test_list_reads_the_public_point_only(client, make_neighbourhood, make_initiative):
    centre = make_neighbourhood(latitude=MANCHESTER["lat"], longitude=MANCHESTER["lon"])
    # The exact point is in Leeds, but the public point is the neighbourhood's centre.
    make_initiative(
        title="Kept private",
        latitude=LEEDS["lat"],
        longitude=LEEDS["lon"],
        location_precision="neighbourhood",
        neighbourhood_id=centre,
    )
    assert listed_titles(parse(client.get(f"/map?{LEEDS_VIEW}"))) == []
    manchester = f"zoom=12&lat={MANCHESTER['lat']}&lon={MANCHESTER['lon']}"
    page = client.get(f"/map?{manchester}").get_data(as_text=True)
    assert "Kept private" in page
    assert str(LEEDS["lat"]) not in page


def test_near_a_place_sorts_the_list_by_distance(client, place_in):
    place_in({"lat": 53.83, "lon": -1.55}, title="Far")
    place_in({"lat": 53.801, "lon": -1.549}, title="Near")
    place_in({"lat": 53.81, "lon": -1.55}, title="Middle")
    place_in(MANCHESTER, title="Out of range")
    response = client.get("/map?near=53.8008,-1.5491&radius_km=10")
    document = parse(response)
    assert listed_titles(document) == ["Near", "Middle", "Far"]
    assert "0.0 km away" in response.get_data(as_text=True)
    link = by_id(document, "map-list-link").get("href")
    assert "near=53.8008,-1.5491&radius_km=10" in link and link.endswith("&sort=distance")
    element = by_id(document, "map")
    assert (
        element.get("data-near") == "53.8008,-1.5491" and element.get("data-radius-km") == "10.0"
    )


def test_long_lists_say_how_many_are_shown(client, place_in, monkeypatch):
    monkeypatch.setattr(services, "LIST_LIMIT", 2)
    for title in ["A", "B", "C"]:
        place_in(LEEDS, title=title)
    document = parse(client.get(f"/map?{LEEDS_VIEW}"))
    assert listed_titles(document) == ["A", "B"]
    assert count_text(document) == "3 initiatives in this view. The first 2 are listed here."


def test_map_page_queries_do_not_grow_with_initiatives(app, client, place_in):
    place_in(LEEDS)
    client.get(f"/map?{LEEDS_VIEW}")  # reads the facet bitmaps, once
    with count_queries(app) as few:
        client.get(f"/map?{LEEDS_VIEW}")
    for _ in range(8):
        place_in(LEEDS, themes=["health", "safety"])
    client.get(f"/map?{LEEDS_VIEW}")  # reads the changed initiatives into the bitmaps, once
    with count_queries(app) as many:
        client.get(f"/map?{LEEDS_VIEW}")
    assert len(many) == len(few)


BAD_VALUES = [
    ("theme=nope", "Unknown theme: nope"),
    ("stage=co-dancing", "Unknown stage: co-dancing"),
    ("sector=aliens", "Unknown sector: aliens"),
    ("status=asleep", "Unknown status: asleep"),
    ("neighbourhood=nowhere", "Unknown neighbourhood: nowhere"),
    ("verified=yes", "verified must be 1"),
    ("near=here", "near needs 2 numbers"),
    ("near=91,0", "near: latitude must be between -90 and 90."),
    ("radius_km=10", "radius_km works only together with near"),
    ("near=53.8,-1.5&radius_km=0", "radius_km must be more than 0"),
    ("q=" + "x" * 201, "The search text is too long"),
    ("zoom=near", "zoom must be a whole number from 0 to 18."),
    ("zoom=19", "zoom must be a whole number from 0 to 18."),
    ("zoom=1e3", "zoom must be a whole number from 0 to 18."),
    ("lat=95&lon=0", "lat must be a latitude: a number from -90 to 90."),
    ("lat=53&lon=nan", "lon must be a longitude: a number from -180 to 180."),
    ("lat=53.8", "Give the map&#39;s centre as both lat and lon, or neither."),
    ("bbox=1,2,3", "bbox needs 4 numbers"),
]


@pytest.mark.parametrize(("query", "message"), BAD_VALUES)
def test_bad_values_give_400_with_a_message_and_keep_the_form(client, query, message):
    searching = query.startswith("q=")
    response = client.get(f"/map?{query}" + ("" if searching else "&q=kept"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="error-summary" role="alert"' in page
    assert message in page
    assert_valid_html(response.data, f"/map?{query}")
    if not searching:
        assert by_id(parse(response), "q").get("value") == "kept"
    assert 'id="map"' not in page


@pytest.mark.parametrize("query", ["bbox=1,2,3", "bbox=3,2,1,0", "theme=nope", "near=x"])
def test_list_json_rejects_bad_filters_with_the_api_error_shape(client, query):
    response = client.get(f"/map/initiatives.json?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and body["error"] and body["errors"]


def test_list_json_gives_the_published_initiatives_in_a_view(client, place_in):
    initiative_id = place_in(LEEDS, title="Street watch", themes=["safety"])
    place_in(MANCHESTER, title="Elsewhere")
    place_in(LEEDS, title="Not yet", state="pending")
    response = client.get("/map/initiatives.json?bbox=-1.6,53.7,-1.5,53.9&theme=safety")
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 1
    (item,) = body["items"]
    assert item["id"] == initiative_id and item["title"] == "Street watch"
    assert item["url"] == f"/initiatives/{initiative_id}-street-watch"
    assert item["theme_name"] == "Safety" and item["colour"] == "#1d4e89"
    assert "latitude" not in item and "longitude" not in item
    assert body["list_url"] == "/initiatives?theme=safety&bbox=-1.6,53.7,-1.5,53.9"


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_in_titles_are_escaped_in_the_list(client, place_in, payload):
    place_in(LEEDS, title=payload, summary=payload)
    for url in [f"/map?{LEEDS_VIEW}", "/map", f"/map?q={payload}"]:
        page = client.get(url).get_data(as_text=True)
        assert payload not in page or payload == "javascript:alert(1)", url
    items = client.get("/map/initiatives.json?bbox=-2,53,-1,54").get_json()["items"]
    assert items[0]["title"] == payload  # data, for map.js to put in text nodes


def test_map_templates_never_mark_text_safe():
    templates = [
        *TEMPLATES.joinpath("maps").glob("*.html"),
        TEMPLATES / "browse/neighbourhood.html",
    ]
    for template in templates:
        assert not re.search(r"\|\s*safe", template.read_text()), template


def test_map_is_in_the_main_navigation(client):
    page = client.get("/").get_data(as_text=True)
    assert '<a href="/map">Map</a>' in page
    assert '<a href="/map" aria-current="page">Map</a>' in client.get("/map").get_data(True)


# Neighbourhood pages


@pytest.fixture
def kirkstall(make_neighbourhood):
    make_neighbourhood(name="Kirkstall", slug="kirkstall", latitude=53.817, longitude=-1.603)
    return "kirkstall"


def test_neighbourhood_page_has_a_small_map_of_its_initiatives(client, kirkstall):
    response = client.get("/neighbourhoods/kirkstall")
    assert response.status_code == 200
    assert_valid_html(response.data, "/neighbourhoods/kirkstall")
    document = parse(response)
    element = by_id(document, "map")
    assert element.get("data-mode") == "mini"
    assert element.get("data-filters") == "neighbourhood=kirkstall"
    assert (element.get("data-lat"), element.get("data-lon")) == ("53.817", "-1.603")
    assert element.get("aria-label") == "Map of initiatives in Kirkstall"
    page = response.get_data(as_text=True)
    assert '<a href="/map?neighbourhood=kirkstall">Open the map of Kirkstall</a>' in page
    assert '<script src="/static/js/map.js" defer></script>' in page


def test_neighbourhood_page_counts_initiatives_by_theme(client, kirkstall, make_initiative, app):
    from app.extensions import db
    from app.neighbourhoods.models import Neighbourhood

    with app.app_context():
        place = db.session.query(Neighbourhood).filter_by(slug=kirkstall).one().id
    make_initiative(neighbourhood_id=place, themes=["safety"])
    make_initiative(neighbourhood_id=place, themes=["safety", "health"])
    make_initiative(neighbourhood_id=place, themes=["health"], state="pending")
    make_initiative(themes=["education"])  # elsewhere

    document = parse(client.get("/neighbourhoods/kirkstall"))
    table = document.find(".//table")
    assert table.find("caption").text == "Initiatives by theme"
    rows = [
        ("".join(row.find("th").itertext()).strip(), row.find("td").text)
        for row in table.find("tbody").iter("tr")
    ]
    assert rows == [("Safety", "2"), ("Health", "1")]
    link = table.find(".//tbody//a").get("href")
    assert link == "/neighbourhoods/kirkstall?theme=safety"

    filtered = parse(client.get("/neighbourhoods/kirkstall?status=planned"))
    assert filtered.find(".//table") is None  # nothing matches: no empty table


def test_neighbourhood_without_initiatives_has_a_map_but_no_table(client, kirkstall):
    document = parse(client.get("/neighbourhoods/kirkstall"))
    assert document.find(".//table") is None
    assert by_id(document, "map") is not None
