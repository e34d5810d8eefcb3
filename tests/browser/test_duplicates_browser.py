"""Possible duplicates in a real browser (issue 17): a resident submits an initiative much
like a published one nearby, is asked "Is it one of these?" with a link to it, goes on and
submits anyway; a moderator then sees the submission flagged in the queue."""

from __future__ import annotations

from tests.browser.test_initiatives_browser import log_in, log_out

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the browser fixture skips these tests (or fails them when CI is set)
    Page = expect = None

PUBLISHED = "Kirkstall street watch"
SUBMITTED = "Kirkstall Street Watch group"


def test_resident_is_shown_a_possible_duplicate_goes_on_and_the_moderator_sees_the_flag(
    page: Page, console, make_user, make_neighbourhood, make_initiative
):
    kirkstall = make_neighbourhood(name="Kirkstall", latitude=53.8162, longitude=-1.6037)
    published = make_initiative(title=PUBLISHED, neighbourhood_id=kirkstall)
    resident = make_user()
    page.goto("/login")
    log_in(page, resident)

    page.goto("/initiatives/new")
    page.get_by_label("Title", exact=True).fill(SUBMITTED)
    page.get_by_label("Summary", exact=True).fill("Neighbours walk the streets on Friday nights.")
    page.get_by_label("Main theme").select_option(label="Safety")
    page.get_by_label("Neighbourhood", exact=True).select_option(label="Kirkstall")
    page.get_by_role("group", name="Participant 1").get_by_label("Sector").select_option(
        label="Residents"
    )
    page.get_by_label("I agree that this initiative is published").check()
    page.get_by_role("button", name="Submit for review").click()

    # Kept as a draft and asked, with the focus on the question and a link to the other one.
    panel = page.get_by_role("region", name="Is it one of these?")
    expect(panel).to_be_visible()
    expect(panel).to_be_focused()
    link = panel.get_by_role("link", name=PUBLISHED)
    expect(link).to_have_attribute("href", f"/initiatives/{published}-kirkstall-street-watch")
    expect(page.get_by_label("Title", exact=True)).to_have_value(SUBMITTED)
    expect(page.get_by_label("I agree that this initiative is published")).to_be_checked()

    panel.get_by_role("button", name="It is a different one: submit for review").click()
    expect(page.get_by_role("status").first).to_contain_text("is waiting for a moderator's review")
    log_out(page)

    page.goto("/login")
    log_in(page, make_user(role="moderator"))
    page.goto("/moderation")
    row = page.get_by_role("row").filter(has_text=SUBMITTED)
    expect(row).to_contain_text("Possible duplicate of")
    row.get_by_role("link", name=f"#{published}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PUBLISHED)
