"""The council dashboard and outcome verification in a real browser: charts that are named
images beside their tables, the area switched from the keyboard, and the verified badge."""

from __future__ import annotations

import re

from tests.factories import create_test_organisation

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the browser fixture skips these tests (or fails them when CI is set)
    Page = expect = None

# The chart's accessible name -> (the heading of the table beside it, a text the chart shows)
CHARTS = {
    "Initiatives by theme": ("Initiatives by theme", "Safety"),
    "Initiatives by stage": ("Initiatives by stage", "Co-delivery"),
    "Initiatives started and published per month": ("Over time", "Started"),
    "The co-production balance": ("The co-production balance", "Residents and volunteers"),
    "Outcomes verified": ("Outcomes verified", "Not verified"),
}
MEASURED = {
    "description": "Fewer burglaries.",
    "indicator": "burglaries",
    "baseline": 31,
    "result": 22,
}


def log_in(page: Page, user) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(user.password)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text("Log out")


def council_officer(app, make_user, make_neighbourhood, make_initiative):
    with app.app_context():
        leeds = create_test_organisation(
            "Leeds City Council", local_authority="Leeds City Council"
        )
    kirkstall = make_neighbourhood(name="Kirkstall", local_authority="Leeds City Council")
    hulme = make_neighbourhood(name="Hulme", local_authority="Manchester City Council")
    participants = [
        {"sector": "residents", "name": "Residents", "roles": [], "people": 40, "hours": 1200},
        {"sector": "police", "name": "Police", "roles": [], "people": 3, "hours": 150},
    ]
    make_initiative(
        title="Kirkstall street watch",
        neighbourhood_id=kirkstall,
        participants=participants,
        outcomes=[MEASURED],
    )
    make_initiative(title="Hulme garden", neighbourhood_id=hulme, themes=["sustainability"])
    make_initiative(title="Hulme walk", neighbourhood_id=hulme, themes=["health"])
    return make_user(role="council", organisation_id=leeds)


def tab_to(page: Page, locator, presses: int = 60) -> None:
    """Press Tab until the locator has the focus, as a keyboard user would."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError("The keyboard never reached the element")


def test_officer_reads_the_charts_and_switches_the_area(
    app, page: Page, make_user, make_neighbourhood, make_initiative
):
    officer = council_officer(app, make_user, make_neighbourhood, make_initiative)
    log_in(page, officer)

    page.goto("/council")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Leeds City Council")
    expect(page.locator(".lead")).to_contain_text("1 published initiative in Leeds City Council")
    for name, (heading, text) in CHARTS.items():
        chart = page.get_by_role("img", name=name, exact=True)
        expect(chart).to_be_visible()
        assert chart.evaluate("element => element.tagName") == "svg"
        expect(chart).to_contain_text(text)  # values and labels are text, not only colour
        expect(page.get_by_role("table", name=f"{heading}: the figures")).to_be_visible()
    balance = page.get_by_role("table", name="The co-production balance: the figures")
    expect(balance.get_by_role("row", name=re.compile("^Residents"))).to_contain_text("1,200")
    description = page.locator("#chart-sectors-desc")
    expect(description).to_contain_text("Residents and volunteers: 89% (1,200 hours)")

    # The keyboard reaches the area form; the officer picks Manchester.
    page.locator("body").focus()
    area = page.get_by_label("Local authority")
    tab_to(page, area)
    area.select_option(label="Manchester City Council")
    page.keyboard.press("Tab")  # the theme
    page.keyboard.press("Tab")  # the button
    expect(page.get_by_role("button", name="Show", exact=True)).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"local_authority=Manchester\+City\+Council"))
    expect(page.locator(".lead")).to_contain_text(
        "2 published initiatives in Manchester City Council"
    )
    expect(
        page.get_by_role("table", name="Initiatives by theme: the figures").get_by_role(
            "row", name=re.compile("^Sustainability")
        )
    ).to_contain_text("1")

    # Or chosen neighbourhoods.
    page.get_by_text("Or choose neighbourhoods").click()
    page.get_by_label("Kirkstall").check()
    page.get_by_label("Hulme").check()
    page.get_by_role("button", name="Show these neighbourhoods").click()
    expect(page.locator(".lead")).to_contain_text("3 published initiatives in Hulme, Kirkstall")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download “Initiatives by theme” as CSV").click()
    assert download.value.suggested_filename == "coproduce-themes-neighbourhoods.csv"


def test_officer_verifies_an_outcome_and_the_badge_appears(
    app, page: Page, make_user, make_neighbourhood, make_initiative, tiles
):
    officer = council_officer(app, make_user, make_neighbourhood, make_initiative)
    log_in(page, officer)
    page.goto("/initiatives?q=Kirkstall")
    page.get_by_role("link", name="Kirkstall street watch").first.click()

    page.get_by_text("Verify this outcome").first.click()
    page.get_by_label("Note (optional)").fill("Matches our own figures.")
    page.get_by_role("button", name="Verify this outcome").click()

    # The page's small map has a status line of its own: the flash is the one saying this.
    expect(page.get_by_role("status").filter(has_text="Outcome verified")).to_be_visible()
    badge = page.locator(".badge--verified")
    expect(badge).to_contain_text("Verified by Leeds City Council on")
    expect(page.get_by_text("Matches our own figures.")).to_be_visible()

    page.get_by_role("button", name=re.compile("^Remove the verification")).click()
    expect(
        page.get_by_role("status").filter(has_text="The verification is removed.")
    ).to_be_visible()
    expect(page.locator(".badge--verified")).to_have_count(0)
