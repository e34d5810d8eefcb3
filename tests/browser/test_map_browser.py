"""The map in a real browser: clusters from the server, zooming, popups, the list beneath.

Map tiles come from a stub tile server on loopback (never the internet); the content security
policy follows TILE_URL, and no test may see a CSP violation in the console.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the browser fixture skips these tests (or fails them when CI is set)
    Page = expect = None

XSS_TITLE = "<img src=x onerror=alert(1)>"
XSS_TITLES = (
    XSS_TITLE,
    "<svg onload=alert(1)>",
    "</script><script>alert(1)</script>",
    "javascript:alert(1)",
    "\"'><b onmouseover=alert(1)>quotes",
)
ACTIVE = "img, svg:not(.swatch), script, b, [onerror], [onload], [onmouseover]"
LEEDS = (53.8008, -1.5491)
MANCHESTER = (53.4808, -2.2426)


@pytest.fixture
def place(make_initiative, make_neighbourhood):
    """Make a published initiative at an exact point; returns its id."""
    neighbourhood_id = make_neighbourhood(
        name="Leeds centre", latitude=LEEDS[0], longitude=LEEDS[1]
    )

    def make(point: tuple[float, float], **content) -> int:
        content.setdefault("location_precision", "exact")
        return make_initiative(
            latitude=point[0], longitude=point[1], neighbourhood_id=neighbourhood_id, **content
        )

    return make


SHOWN_ON_MAP = """() => [...document.querySelectorAll('.map-cluster__count')]
                           .reduce((sum, label) => sum + Number(label.textContent), 0)
                         + document.querySelectorAll('.map-marker').length"""


def view_of(page: Page) -> dict[str, str]:
    query = parse_qs(urlsplit(page.url).query)
    return {name: query[name][0] for name in ("zoom", "lat", "lon") if name in query}


def zoom_of(page: Page) -> int:
    return int(view_of(page).get("zoom", -1))


def wait_for_zoom_above(page: Page, zoom: int) -> None:
    page.wait_for_function(
        "zoom => Number(new URLSearchParams(location.search).get('zoom')) > zoom", arg=zoom
    )


def shown_on_map(page: Page) -> int:
    """How many initiatives the map shows: the clusters' counts plus the single markers."""
    return page.evaluate(SHOWN_ON_MAP)


def test_map_shows_clusters_of_the_demo_data_and_a_click_zooms_in(page, console, tiles, demo):
    page.goto("/map")
    expect(page.locator(".map-cluster").first).to_be_visible()
    expect(page.locator("#map-list-count")).to_have_text(f"{demo} initiatives in this view.")
    assert shown_on_map(page) == demo
    expect(page).to_have_url(re.compile(r"[?&]zoom=\d+&lat=[-\d.]+&lon=[-\d.]+$"))
    assert tiles.requested, "the map asked the tile stub for its background"

    before = zoom_of(page)
    biggest = page.locator(".map-cluster").evaluate_all(
        """clusters => {
             const counts = clusters.map(cluster => Number(cluster.textContent));
             return counts.indexOf(Math.max(...counts));
           }"""
    )
    page.locator(".map-cluster").nth(biggest).click()
    wait_for_zoom_above(page, before)
    assert zoom_of(page) > before
    expect(page.locator(".map-cluster, .map-marker").first).to_be_visible()


def test_a_cluster_zooms_in_from_the_keyboard(page, console, tiles, demo):
    page.goto("/map")
    cluster = page.locator(".map-cluster").first
    expect(cluster).to_be_visible()
    expect(cluster).to_have_attribute("role", "button")
    expect(cluster).to_have_attribute(
        "aria-label", re.compile(r"^\d+ initiatives here\. Zoom in$")
    )
    before = zoom_of(page)
    cluster.focus()
    page.keyboard.press("Enter")
    wait_for_zoom_above(page, before)


def test_marker_popup_shows_the_title_and_links_to_the_page(page, console, tiles, place):
    initiative_id = place(LEEDS, title="Kirkstall repair café", themes=["sustainability"])
    page.goto(f"/map?zoom=15&lat={LEEDS[0]}&lon={LEEDS[1]}")
    marker = page.locator(".map-marker")
    expect(marker).to_have_count(1)
    expect(marker).to_have_attribute("title", "Kirkstall repair café")
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Sustainability")
    link = popup.get_by_role("link", name="Kirkstall repair café")
    expect(link).to_have_attribute(
        "href", re.compile(rf"/initiatives/{initiative_id}-kirkstall-repair-cafe$")
    )
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kirkstall repair café")


def test_escape_closes_a_popup_opened_by_a_click_and_focuses_its_marker(
    page, console, tiles, place
):
    place((LEEDS[0] + 0.003, LEEDS[1]), title="Kirkstall repair café")
    # Both shown at their neighbourhood's centre (in Leeds): one cluster that opens a popup.
    place(MANCHESTER, title="Lunch club", location_precision="neighbourhood")
    place(MANCHESTER, title="Reading club", location_precision="neighbourhood")
    page.goto(f"/map?zoom=15&lat={LEEDS[0]}&lon={LEEDS[1]}")
    marker = page.locator(".map-marker")
    marker.click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text("Kirkstall repair café")
    page.keyboard.press("Escape")
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    expect(marker).to_be_focused()

    # The same for the popup listing initiatives that share a point, focus anywhere on the map.
    cluster = page.locator(".map-cluster")
    cluster.click()
    expect(page.locator(".leaflet-popup-content p")).to_have_text("2 initiatives here")
    page.locator("#map").focus()
    page.keyboard.press("Escape")
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    expect(cluster).to_be_focused()


@pytest.mark.parametrize("title", XSS_TITLES)
def test_xss_in_a_title_is_text_in_the_popup_and_the_list(page, console, tiles, place, title):
    initiative_id = place(LEEDS, title=title)
    page.goto(f"/map?zoom=15&lat={LEEDS[0]}&lon={LEEDS[1]}")
    page.locator(".map-marker").click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup.get_by_role("link")).to_have_text(title)
    expect(popup.get_by_role("link")).to_have_attribute(
        "href", re.compile(rf"/initiatives/{initiative_id}(-[a-z0-9-]*)?$")
    )
    expect(popup.locator(ACTIVE)).to_have_count(0)
    expect(page.locator("#map-list-items a")).to_have_text([title])
    expect(page.locator("#map-list-items").locator(ACTIVE)).to_have_count(0)
    expect(page.locator(".map-marker")).to_have_attribute("title", title)
    # The dialog guard in conftest fails this test if alert(1) ever runs.


def test_initiatives_sharing_a_point_are_listed_in_a_popup(page, console, tiles, place):
    # At neighbourhood precision both show at their neighbourhood's centre (in Leeds), wherever
    # they really are: zooming cannot part them.
    place(MANCHESTER, title="Lunch club", location_precision="neighbourhood")
    place(MANCHESTER, title=XSS_TITLE, location_precision="neighbourhood")
    page.goto(f"/map?zoom=15&lat={LEEDS[0]}&lon={LEEDS[1]}")
    cluster = page.locator(".map-cluster")
    expect(cluster).to_have_text("2")
    cluster.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup.locator("p")).to_have_text("2 initiatives here")
    expect(popup.get_by_role("link")).to_have_text([XSS_TITLE, "Lunch club"])  # by title
    expect(popup.locator("img")).to_have_count(0)
    assert zoom_of(page) == 15


def test_list_beneath_the_map_follows_a_move(page, console, tiles, place):
    place(LEEDS, title="Leeds street watch")
    place(MANCHESTER, title="Manchester walking group")
    page.goto(f"/map?zoom=12&lat={LEEDS[0]}&lon={LEEDS[1]}")
    count = page.locator("#map-list-count")
    expect(count).to_have_text("1 initiative in this view.")
    expect(page.locator("#map-list-items a")).to_have_text(["Leeds street watch"])

    zoom_out = page.get_by_role("button", name="Zoom out")
    for _ in range(4):
        zoom_out.click()
        page.wait_for_timeout(300)  # let each zoom animation finish
    expect(count).to_have_text("2 initiatives in this view.")
    expect(page.locator("#map-list-items a")).to_have_text(
        ["Leeds street watch", "Manchester walking group"]
    )
    # The address follows the map after the last zoom settles (debounced), so wait for it.
    expect(page).to_have_url(re.compile(r"[?&]zoom=8(&|$)"))
    link = page.get_by_role("link", name="Show these as a list")
    expect(link).to_have_attribute("href", re.compile(r"/initiatives\?bbox=[-\d.]+,"))

    # Dragging the map is a move too.
    box = page.locator("#map").bounding_box()
    centre_x, centre_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(centre_x, centre_y)
    page.mouse.down()
    page.mouse.move(centre_x + 500, centre_y, steps=10)
    page.mouse.up()
    expect(count).to_have_text("0 initiatives in this view.")
    expect(page.locator("#map-list-items li")).to_have_count(0)


def test_clusters_still_show_when_tiles_cannot_load(page, console, no_tiles, demo):
    page.goto("/map")
    expect(page.locator(".map-cluster").first).to_be_visible()
    assert shown_on_map(page) == demo
    expect(page.locator("#map-status")).to_have_text(
        "The background map could not be loaded. The initiatives are still shown."
    )


def test_filters_narrow_the_map_and_the_address_keeps_them(page, console, tiles, demo):
    page.goto("/map")
    expect(page.locator(".map-cluster").first).to_be_visible()
    themes = page.get_by_role("group", name="Theme")
    themes.get_by_label(re.compile(r"Health \(\d+\)$")).check()
    page.get_by_role("button", name="Show on the map").click()
    expect(page).to_have_url(re.compile(r"/map\?theme=health&zoom="))
    count = page.locator("#map-list-count")
    expect(count).to_have_text(re.compile(r"^\d+ initiatives? in this view\.$"))
    health = int(count.text_content().split()[0])
    assert 0 < health < demo
    expect(page.locator(".map-cluster, .map-marker").first).to_be_visible()
    page.wait_for_function(f"() => ({SHOWN_ON_MAP})() === {health}")
    # The shared address opens the same view with the same filters.
    shared = page.url
    page.goto(shared)
    expect(themes.get_by_label(re.compile(r"Health \(\d+\)$"))).to_be_checked()
    expect(count).to_have_text(f"{health} initiative{'' if health == 1 else 's'} in this view.")


def test_near_a_place_searches_on_request_and_sorts_by_distance(page, console, tiles, demo):
    searches: list[str] = []
    page.on(
        "request",
        lambda request: searches.append(request.url) if "/places/" in request.url else None,
    )
    page.goto("/map")
    expect(page.locator(".map-cluster").first).to_be_visible()
    page.get_by_label("Town or neighbourhood").fill("Bethnal Green")
    page.get_by_label("Within").select_option("2 km")
    assert searches == []  # never as-you-type
    page.get_by_role("button", name="Search", exact=True).click()
    choice = page.get_by_role("button", name="Bethnal Green, London Borough of Tower Hamlets")
    expect(choice).to_be_focused()
    assert len(searches) == 1
    choice.click()

    expect(page).to_have_url(re.compile(r"near=51\.5271,-0\.0553&radius_km=2&place=Bethnal"))
    expect(page.get_by_label("Near a point")).to_have_value("51.5271,-0.0553")
    expect(page.get_by_label("Town or neighbourhood")).to_have_value("Bethnal Green")
    items = page.locator("#map-list-items li")
    expect(items.first).to_contain_text("km away")
    distances = [float(re.search(r"([\d.]+) km away", text).group(1))
                 for text in items.all_text_contents()]  # fmt: skip
    assert distances and distances == sorted(distances) and max(distances) <= 2
    expect(page.get_by_role("link", name="Show these as a list")).to_have_attribute(
        "href", re.compile(r"near=51\.5271,-0\.0553&radius_km=2.*&sort=distance$")
    )


def test_a_place_typed_and_sent_with_the_filters_keeps_its_radius(page, console, tiles, demo):
    page.goto("/map")
    expect(page.locator(".map-cluster").first).to_be_visible()
    page.get_by_label("Town or neighbourhood").fill("Bethnal Green")
    page.get_by_label("Within").select_option("2 km")
    page.get_by_role("button", name="Show on the map").click()  # not Search: the server looks

    expect(page).to_have_url(re.compile(r"near=51\.5271,-0\.0553&radius_km=2&place=Bethnal"))
    expect(page.get_by_label("Within")).to_have_value("2")


def test_neighbourhood_page_shows_its_initiatives_on_a_small_map(page, console, tiles, demo):
    page.goto("/neighbourhoods/kirkstall")
    region = page.get_by_role("region", name="Map of initiatives in Kirkstall")
    expect(region).to_be_visible()
    expect(region.locator(".map-cluster, .map-marker").first).to_be_visible()
    table = page.get_by_role("table", name="Initiatives by theme")
    expect(table).to_be_visible()
