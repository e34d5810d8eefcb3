"""The council officer's journey in a real browser: the dashboard for last financial year,
the downloads of exactly what it counts, a bad date kept as typed, the dashboard and a cluster
printed to A4 for a committee paper, and the map by keyboard alone."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from pypdf import PdfReader

from app.council.periods import financial_year, financial_year_of
from tests.browser.test_council_browser import log_in
from tests.browser.test_map_browser import LEEDS
from tests.factories import create_test_organisation
from tests.test_clusters import create_cluster

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the browser fixture skips these tests (or fails them when CI is set)
    Page = expect = None

A4_POINTS = (595.3, 841.9)  # 210 x 297 mm
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
# Every piece of text in the charts shown: its font size as drawn (the SVG's scale applied),
# its box's height, and whether it lies inside its chart (nothing cut off).
CHART_TEXT = """() => [...document.querySelectorAll('.council-chart svg')]
  .filter(svg => svg.getClientRects().length)
  .flatMap(svg => [...svg.querySelectorAll('text')].map(text => {
    const box = text.getBoundingClientRect();
    const frame = svg.getBoundingClientRect();
    return {
      chart: svg.id,
      text: text.textContent,
      px: parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a,
      height: box.height,
      inside: box.left >= frame.left - 0.5 && box.right <= frame.right + 0.5
        && box.top >= frame.top - 0.5 && box.bottom <= frame.bottom + 0.5,
    };
  }))"""
NAVIGATION = ("Skip to main content", "Privacy", "API for developers", "Choose the area")


def last_financial_year():
    return financial_year(financial_year_of(date.today()).start.year - 1)


def officer_with_three_initiatives(app, make_user, make_neighbourhood, make_initiative):
    """Kirkstall (Leeds): one initiative that ran last financial year, one that ended before
    it and one that started after it."""
    year = last_financial_year()
    with app.app_context():
        leeds = create_test_organisation(
            "Leeds City Council", local_authority="Leeds City Council"
        )
    kirkstall = make_neighbourhood(
        name="Kirkstall",
        local_authority="Leeds City Council",
        latitude=LEEDS[0],
        longitude=LEEDS[1],
    )
    participants = [
        {"sector": "residents", "name": "Residents", "roles": [], "people": 40, "hours": 1200},
        {"sector": "police", "name": "Police", "roles": [], "people": 3, "hours": 150},
    ]
    ran = make_initiative(
        title="Kirkstall street watch",
        neighbourhood_id=kirkstall,
        participants=participants,
        started_on=(year.start + timedelta(days=40)).isoformat(),
    )
    make_initiative(
        title="Kirkstall reading club",
        neighbourhood_id=kirkstall,
        themes=["education"],
        started_on=(year.start - timedelta(days=800)).isoformat(),
        ended_on=(year.start - timedelta(days=30)).isoformat(),
        status="ended",
    )
    make_initiative(
        title="Kirkstall repair café",
        neighbourhood_id=kirkstall,
        themes=["sustainability"],
        started_on=(year.end + timedelta(days=10)).isoformat(),
    )
    return make_user(role="council", organisation_id=leeds), ran


def is_a4(size: tuple[float, float]) -> bool:
    """A4 portrait, give or take the point Chromium rounds page sizes by."""
    return all(abs(given - a4) <= 1.5 for given, a4 in zip(size, A4_POINTS, strict=True))


def pdf_text(pdf: bytes) -> tuple[str, list[tuple[int, int]]]:
    reader = PdfReader(io.BytesIO(pdf))
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    text = "\n".join(page.extract_text() for page in reader.pages)
    return unicodedata.normalize("NFKC", text), sizes  # "ﬁ" ligatures back to "fi"


def test_council_officer_reports_a_financial_year_prints_it_and_uses_the_map_by_keyboard(
    app, page: Page, console, tiles, make_user, make_neighbourhood, make_initiative
):
    officer, _ran = officer_with_three_initiatives(
        app, make_user, make_neighbourhood, make_initiative
    )
    year = last_financial_year()
    log_in(page, officer)

    # The dashboard, then last financial year from its preset link (no JavaScript needed).
    page.goto("/council")
    expect(page.locator(".lead")).to_contain_text("3 published initiatives in Leeds City Council")
    page.get_by_role("link", name=year.label, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"financial year {year.label}")
    expect(page.locator(".lead")).to_contain_text("1 published initiative in Leeds City Council")
    expect(page.get_by_role("link", name=year.label, exact=True)).to_have_attribute(
        "aria-current", "true"
    )
    expect(page.get_by_label("Start date")).to_have_value(year.start.isoformat())
    expect(page.get_by_label("End date")).to_have_value(year.end.isoformat())

    # Every section follows the period: the stages, the balance, the twelve months.
    stages = page.locator("#stages table")
    expect(stages.locator("tr", has_text="Co-delivery")).to_contain_text("1")
    months = page.locator("#months table tbody tr")
    expect(months).to_have_count(13)  # April to March, then when it was published (today)
    expect(months.first).to_contain_text(f"{year.start:%Y-%m}")
    expect(page.locator("#sectors table")).to_contain_text("1,200")

    # The over-time chart starts at the period's first month, its labels at least 12 px.
    ticks = page.locator("#chart-months .chart-tick")
    expect(ticks.first).to_have_text(f"Apr {year.start.year}")
    smallest = page.evaluate(
        """() => Math.min(...[...document.querySelectorAll('#chart-months .chart-tick')]
              .map(tick => tick.getBoundingClientRect().height))"""
    )
    font_px = page.evaluate(
        """() => {
          const tick = document.querySelector('#chart-months .chart-tick');
          return Number(tick.getAttribute('font-size')) * tick.getScreenCTM().a;
        }"""
    )
    assert font_px >= 12 and smallest >= 12, (font_px, smallest)

    # The downloads hold exactly what the dashboard counts.
    download = page.locator(".council-downloads").get_by_role("link", name="Download CSV")
    href = download.get_attribute("href")
    query = parse_qs(urlsplit(href).query)
    assert query["active_from"] == [year.start.isoformat()]
    assert query["active_to"] == [year.end.isoformat()]
    rows = list(csv.DictReader(io.StringIO(page.request.get(href).text().lstrip("\ufeff"))))
    assert [row["title"] for row in rows] == ["Kirkstall street watch"]
    geojson = page.locator(".council-downloads").get_by_role("link", name="Download GeoJSON")
    features = json.loads(page.request.get(geojson.get_attribute("href")).text())["features"]
    assert [feature["properties"]["title"] for feature in features] == ["Kirkstall street watch"]
    # ... and so do the list's (the same filters, carried over).
    page.get_by_role("link", name="in the list").click()
    expect(page.locator("h1")).to_be_visible()
    list_csv = page.get_by_role("link", name="Download CSV").get_attribute("href")
    assert parse_qs(urlsplit(list_csv).query)["active_to"] == [year.end.isoformat()]
    expect(page.get_by_text("Kirkstall street watch").first).to_be_visible()
    expect(page.get_by_text("Kirkstall repair café")).to_have_count(0)

    # A date that does not exist: said beside the field, nothing typed lost, no 500.
    response = page.goto(f"/council?active_from=2025-02-30&active_to={year.end}")
    assert response is not None and response.status == 400
    expect(page.locator(".error-summary")).to_contain_text("2025-02-30 is not a real date")
    expect(page.get_by_label("Start date")).to_have_value("2025-02-30")
    expect(page.get_by_label("End date")).to_have_value(year.end.isoformat())

    # Printed to A4 for a committee paper: the tables, no navigation or filters, link URLs.
    page.goto(f"/council?active_from={year.start}&active_to={year.end}")
    text, sizes = pdf_text(page.pdf(format="A4", print_background=False))
    assert all(is_a4(size) for size in sizes), sizes
    for expected in (
        "Initiatives by theme: the figures",
        "Over time: the figures",
        "Co-delivery",
        "Residents and volunteers",
        f"financial year {year.label}",
        "/initiatives?",
    ):
        assert expected in text, expected
    for hidden in NAVIGATION:
        assert hidden not in text, hidden
    # Each chart is kept on one page with its table (as the browser prints it).
    page.emulate_media(media="print")
    kept = page.locator(".council-figure").evaluate_all(
        "figures => figures.map(f => getComputedStyle(f).breakInside)"
    )
    page.emulate_media(media="null")  # back to the page's own media
    assert kept and set(kept) == {"avoid"}, kept

    # A cluster page prints the same way.
    create_cluster(app, [_ran], slug="kirkstall-safety", title="Kirkstall safety")
    page.goto("/clusters/kirkstall-safety")
    text, sizes = pdf_text(page.pdf(format="A4"))
    assert all(is_a4(size) for size in sizes), sizes
    assert "Kirkstall safety" in text and "Kirkstall street watch" in text
    assert "/initiatives/" in text  # the example's link, written out
    # ... in full, for a reader of the paper: the site's own address before the path.
    here = urlsplit(page.url)
    unbroken = "".join(text.split())  # an address may wrap across lines on paper
    assert f"({here.scheme}://{here.netloc}/initiatives/" in unbroken
    for hidden in ("Skip to main content", "Privacy", "Follow and share"):
        assert hidden not in text, hidden


def test_the_map_by_keyboard_alone(
    page: Page, console, tiles, make_neighbourhood, make_initiative
):
    kirkstall = make_neighbourhood(name="Kirkstall", latitude=LEEDS[0], longitude=LEEDS[1])
    for title, point in (
        ("Kirkstall street watch", LEEDS),
        ("Kirkstall repair café", (LEEDS[0] + 0.01, LEEDS[1] + 0.01)),
    ):
        make_initiative(
            title=title,
            neighbourhood_id=kirkstall,
            latitude=point[0],
            longitude=point[1],
            location_precision="exact",
        )
    page.goto(f"/map?zoom=9&lat={LEEDS[0]}&lon={LEEDS[1]}")
    cluster = page.locator(".map-cluster")
    expect(cluster).to_have_count(1)

    # The skip links come straight after "Skip to main content".
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the map")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the list of initiatives")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#map")).to_be_focused()

    # Enter on the cluster zooms in, and the focus stays on the map.
    page.keyboard.press("Tab")
    expect(cluster).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_function("() => Number(new URLSearchParams(location.search).get('zoom')) > 9")
    expect(page.locator("#map")).to_be_focused()
    expect(page.locator(".map-marker")).to_have_count(2)

    # Enter on a dot opens its popup with the focus in it; Escape closes it and goes back.
    page.keyboard.press("Tab")
    dot = page.locator(".map-marker:focus")
    expect(dot).to_have_count(1)
    title = dot.get_attribute("title")
    page.keyboard.press("Enter")
    link = page.locator(".leaflet-popup-content").get_by_role("link", name=title)
    expect(link).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    expect(
        page.locator(f".map-marker[title={json.dumps(title, ensure_ascii=False)}]")
    ).to_be_focused()

    # The other skip link goes to the list beneath the map.
    page.goto(f"/map?zoom=9&lat={LEEDS[0]}&lon={LEEDS[1]}")
    expect(cluster).to_have_count(1)
    for _press in range(3):
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#map-list")).to_be_focused()


@pytest.mark.parametrize(
    ("size", "variant"), [(PHONE, "-narrow"), (DESKTOP, "")], ids=["phone", "desktop"]
)
def test_every_chart_label_is_at_least_12_px_on_a_phone_and_a_desktop(
    app, browser, live_server, make_user, make_neighbourhood, make_initiative, size, variant
):
    officer, _ran = officer_with_three_initiatives(
        app, make_user, make_neighbourhood, make_initiative
    )
    context = browser.new_context(base_url=live_server, locale="en-GB", viewport=size)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        log_in(page, officer)
        page.goto("/council")
        expect(page.locator("#chart-months" + variant)).to_be_visible()

        labels = page.evaluate(CHART_TEXT)
        charts = sorted({label["chart"] for label in labels})
        assert charts == sorted(
            f"chart-{name}{variant}"
            for name in ("themes", "stages", "months", "sectors", "outcomes")
        )  # one drawing of each chart, the one made for this width
        small = [label for label in labels if label["px"] < 12 or label["height"] < 12]
        assert small == [], small
        cut = [label for label in labels if not label["inside"]]
        assert cut == [], cut
        smallest = min(label["px"] for label in labels)
        print(f"{size['width']} px: {len(labels)} chart labels, the smallest {smallest:.1f} px")
        overflow = page.evaluate(
            "() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
        )
        assert overflow <= 0
    finally:
        context.close()
