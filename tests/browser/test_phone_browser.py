"""A phone (375 × 740) and a wide screen: the filters fold behind "Filter (n active)" so the
first result or the map is on the first screen; a search ranks by best match; addresses carry
no empty parameters, with or without JavaScript."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect

PHONE = {"width": 375, "height": 740}
WIDE = {"width": 1280, "height": 900}
# The page and what comes first on it: its first result, or the map.
FOLDED_PAGES = [
    ("/initiatives", ".result"),
    ("/themes/health", ".result"),
    ("/neighbourhoods/kirkstall", "#map-area"),  # its small map comes first
    ("/map", "#map-frame"),
]


@pytest.fixture
def screen(browser, live_server, request):
    """A page in a fresh browser context of the size asked for (``PHONE`` unless told)."""
    size, javascript = getattr(request, "param", (PHONE, True))
    context = browser.new_context(
        base_url=live_server, locale="en-GB", viewport=size, java_script_enabled=javascript
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize(("path", "first"), FOLDED_PAGES)
def test_filters_fold_away_on_a_phone_so_the_first_result_shows(
    screen, demo, no_tiles, path, first
):
    screen.goto(path)
    control = screen.locator(".filter-panel__control")
    expect(control).to_have_text("Filter")
    expect(screen.get_by_label("Search", exact=True)).to_be_hidden()
    top = screen.locator(first).first.evaluate("e => e.getBoundingClientRect().top")
    assert top < PHONE["height"], f"{first} starts at {top}px"
    control.click()
    expect(screen.get_by_label("Search", exact=True)).to_be_visible()


def test_the_control_counts_the_active_filters(screen, demo):
    screen.goto("/initiatives?q=walk&theme=health&theme=safety&verified=1")
    expect(screen.locator(".filter-panel__control")).to_have_text("Filter (4 active)")
    screen.goto("/themes/health?stage=co-design")  # the theme is the page's, not a choice
    expect(screen.locator(".filter-panel__control")).to_have_text("Filter (1 active)")


def test_the_filters_work_by_keyboard_and_without_javascript(browser, live_server, demo):
    context = browser.new_context(
        base_url=live_server, locale="en-GB", viewport=PHONE, java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto("/initiatives")
        page.locator(".filter-panel__control").focus()
        page.keyboard.press("Enter")
        page.get_by_label("Search", exact=True).fill("street watch")
        page.get_by_role("button", name="Show initiatives").click()
        # The form sent its blank fields; the server answered with the canonical address.
        assert urlsplit(page.url).query == "q=street+watch"
        expect(page.locator(".result").first).to_be_visible()
        expect(page.locator("#sort option:checked")).to_have_text("Best match")
    finally:
        context.close()


@pytest.mark.parametrize("screen", [(WIDE, True)], indirect=True)
@pytest.mark.parametrize(
    ("path", "first"),
    [(path, "#map-frame" if path == "/map" else ".result") for path, _first in FOLDED_PAGES],
)
def test_wide_screens_show_the_filters_beside_the_results(screen, demo, no_tiles, path, first):
    screen.goto(path)
    expect(screen.get_by_label("Search", exact=True)).to_be_visible()
    expect(screen.locator(".filter-panel__control")).to_be_hidden()
    filters = screen.locator("form.filters").bounding_box()
    results = screen.locator(first).first.bounding_box()
    assert filters["x"] + filters["width"] <= results["x"]  # beside, not above


def test_a_search_from_the_list_ranks_by_best_match_and_sends_no_blanks(screen, demo):
    screen.goto("/initiatives")
    screen.locator(".filter-panel__control").click()
    screen.get_by_label("Search", exact=True).fill("street watch")
    screen.get_by_role("button", name="Show initiatives").click()
    screen.wait_for_url("**/initiatives?q=*")
    assert parse_qsl(urlsplit(screen.url).query, keep_blank_values=True) == [("q", "street watch")]
    expect(screen.locator("#sort option:checked")).to_have_text("Best match")
    # A chosen order is kept for the next search.
    screen.locator(".filter-panel__control").click()
    screen.get_by_label("Order").select_option("title")
    screen.get_by_role("button", name="Show initiatives").click()
    screen.wait_for_url("**sort=title*")
    assert parse_qsl(urlsplit(screen.url).query, keep_blank_values=True) == [
        ("q", "street watch"),
        ("sort", "title"),
    ]


def swipe_up(page, x: float, y: float, distance: float) -> None:
    """One finger from (x, y) upwards by ``distance`` CSS pixels, as a touch screen sends it."""
    cdp = page.context.new_cdp_session(page)
    steps = 10

    def touch(kind: str, at_y: float) -> None:
        points = [] if kind == "touchEnd" else [{"x": x, "y": at_y}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", y)
    for step in range(1, steps + 1):
        touch("touchMove", y - distance * step / steps)
    touch("touchEnd", y - distance)
    cdp.detach()


def test_a_swipe_on_the_forms_map_scrolls_the_page_until_the_map_is_tapped(
    browser, live_server, make_user, tiles
):
    user = make_user()
    context = browser.new_context(
        base_url=live_server, locale="en-GB", viewport=PHONE, has_touch=True, is_mobile=True
    )
    try:
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Email address").fill(user.email)
        page.get_by_label("Password", exact=True).fill(user.password)
        page.get_by_role("button", name="Log in", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
        page.goto("/initiatives/new")
        map_box = page.locator("#place-map")
        expect(map_box).to_be_visible()
        map_box.scroll_into_view_if_needed()
        box = map_box.bounding_box()
        before = page.evaluate("window.scrollY")
        swipe_up(page, box["x"] + box["width"] / 2, box["y"] + box["height"] - 10, 150)
        for _attempt in range(20):  # the page scrolls (its CSP forbids wait_for_function)
            if page.evaluate("window.scrollY") > before + 50:
                break
            page.wait_for_timeout(50)
        else:
            pytest.fail("a swipe starting on the map did not scroll the page")
        assert map_box.evaluate("m => getComputedStyle(m).touchAction") != "none"
        # A tap gives the map the finger: now a swipe on it moves the map, not the page.
        map_box.tap()
        assert map_box.evaluate("m => getComputedStyle(m).touchAction") == "none"
    finally:
        context.close()
