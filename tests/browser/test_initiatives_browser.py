"""Initiatives end to end in a real browser: a resident submits, a moderator approves, everyone
reads the example; participant rows without JavaScript; user text that stays text; filters
used from the keyboard alone."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from app.accounts.models import User
from app.extensions import db
from app.initiatives.models import Initiative
from app.moderation.reports import report_initiative
from app.moderation.services import add_revision
from tests.browser.conftest import DEFAULT_TIMEOUT_MS, dialogs_key

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the browser fixture skips these tests (or fails them when CI is set)
    Page = expect = None

TITLE = "Kirkstall street watch"
EXAMPLE = (
    "In Kirkstall, 40 residents and West Yorkshire Police run “Kirkstall street watch”; "
    "reported burglaries fell from 31 to 22 a year."
)


def log_in(page: Page, user) -> None:
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(user.password)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text("Log out")


def log_out(page: Page) -> None:
    page.get_by_role("navigation", name="Account").get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_contain_text("You are logged out.")


def main_nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def fill_participant(row, sector: str, name: str, stage: str, people: str, hours: str) -> None:
    row.get_by_label("Sector").select_option(label=sector)
    row.get_by_label("Name of the group or organisation").fill(name)
    row.get_by_role("group", name="Roles by stage").get_by_label(stage).check()
    row.get_by_label("People").fill(people)
    row.get_by_label("Hours").fill(hours)


def test_resident_submits_moderator_approves_and_everyone_reads_the_example(
    page: Page, make_user, make_neighbourhood, outbox
):
    make_neighbourhood(name="Kirkstall")
    resident = make_user(email="ada@example.org", display_name="Ada Resident")
    moderator = make_user(role="moderator")
    posts: list[str] = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))

    # The resident fills in the form; JavaScript adds the second participant in place.
    page.goto("/login")
    log_in(page, resident)
    main_nav(page).get_by_role("link", name="Submit an initiative").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Submit an initiative")
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Summary", exact=True).fill(
        "Residents and the police walk the streets together every week."
    )
    page.get_by_label("Main theme").select_option(label="Safety")
    page.get_by_role("group", name="Other themes").get_by_label("Health").check()
    stages = page.get_by_role("group", name="Stages that were co-produced")
    stages.get_by_label("Co-design").check()
    stages.get_by_label("Co-delivery").check()
    page.get_by_label("Neighbourhood", exact=True).select_option(label="Kirkstall")

    participant = re.compile(r"^Participant \d+$")
    expect(page.get_by_role("group", name=participant)).to_have_count(1)
    fill_participant(
        page.get_by_role("group", name="Participant 1"),
        "Residents",
        "Kirkstall Residents' Association",
        "Co-delivery",
        "40",
        "600",
    )
    posts.clear()
    page.get_by_role("button", name="Add another participant").click()
    second = page.get_by_role("group", name="Participant 2")
    expect(second.get_by_label("Sector")).to_be_focused()
    expect(page.get_by_role("group", name=participant)).to_have_count(2)
    assert posts == [], "the row is added in place, without posting the form"
    fill_participant(second, "Police", "West Yorkshire Police", "Co-design", "3", "120")

    outcome = page.get_by_role("group", name="Outcome 1")
    outcome.get_by_label("What changed").fill("Fewer burglaries, and neighbours know each other.")
    outcome.get_by_label("Indicator").fill("reported burglaries")
    outcome.get_by_label("Before").fill("31")
    outcome.get_by_label("After").fill("22")
    outcome.get_by_label("Unit").fill("a year")
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Submit for review").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("My initiatives")
    expect(page.get_by_role("status")).to_contain_text(f"“{TITLE}” is waiting for a moderator")
    mine = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=TITLE))
    expect(mine).to_contain_text("Awaiting review")
    log_out(page)

    # A moderator finds it in the queue and approves it.
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Log in").click()
    log_in(page, moderator)
    main_nav(page).get_by_role("link", name="Moderation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderation queue")
    page.get_by_role("table").get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(page.get_by_role("heading", name="New initiative awaiting review")).to_be_visible()
    expect(page.locator("dl.details").first).to_contain_text("ada@example.org")
    page.get_by_role("button", name="Approve and publish", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Approved and published.")
    expect(page.get_by_text("Nothing is waiting for a moderator.")).to_be_visible()
    decided = [mail for mail in outbox() if mail["To"] == resident.email]
    assert len(decided) == 1, [(mail["To"], mail["Subject"]) for mail in outbox()]
    log_out(page)

    # Anyone now finds it in the list, and its page tells the example.
    main_nav(page).get_by_role("link", name="Initiatives").click()
    results = page.locator(".result-list")
    expect(results.get_by_role("listitem")).to_have_count(1)
    expect(results.locator(".example")).to_have_text(EXAMPLE)
    results.get_by_role("link", name=TITLE, exact=True).click()

    expect(page).to_have_url(re.compile(r"/initiatives/\d+-kirkstall-street-watch$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    example = page.locator(".example")
    expect(example).to_have_text(EXAMPLE)
    expect(example).to_contain_text("In Kirkstall,")
    participants = page.get_by_role("table").filter(has_text="Group or organisation")
    expect(participants.get_by_role("row")).to_have_count(3)  # the header and two groups
    expect(participants).to_contain_text("Kirkstall Residents' Association")
    expect(participants).to_contain_text("West Yorkshire Police")
    expect(page.locator(".outcome__figures")).to_have_text("reported burglaries: 31 → 22 a year")
    expect(page.locator(".credit")).to_contain_text("Submitted by Ada Resident")


def test_without_javascript_add_participant_posts_back_and_keeps_what_was_typed(
    browser, live_server, make_user
):
    resident = make_user()
    context = browser.new_context(base_url=live_server, locale="en-GB", java_script_enabled=False)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto("/login")
        log_in(page, resident)
        page.goto("/initiatives/new")
        page.get_by_label("Title", exact=True).fill("Repair café")
        fill_participant(
            page.get_by_role("group", name="Participant 1"),
            "Volunteers",
            "Bramley Menders",
            "Co-delivery",
            "12",
            "300",
        )

        with page.expect_response(re.compile(r"/initiatives/new$")) as posted:
            page.get_by_role("button", name="Add another participant").click()
        assert posted.value.request.method == "POST"
        assert posted.value.status == 303  # saved, then shown: a reload never posts again
        expect(page).to_have_url(re.compile(r"/initiatives/\d+/edit#participants-1-sector$"))

        expect(page.get_by_role("group", name=re.compile(r"^Participant \d+$"))).to_have_count(2)
        first = page.get_by_role("group", name="Participant 1")
        expect(first.get_by_label("Sector")).to_have_value("volunteers")
        expect(first.get_by_label("Name of the group or organisation")).to_have_value(
            "Bramley Menders"
        )
        expect(first.get_by_label("Co-delivery")).to_be_checked()
        expect(first.get_by_label("People")).to_have_value("12")
        expect(first.get_by_label("Hours")).to_have_value("300")
        second = page.get_by_role("group", name="Participant 2")
        expect(second.get_by_label("Sector")).to_have_value("")
        expect(second.get_by_label("Sector")).to_be_focused()  # autofocus: no script needed
        expect(page.get_by_label("Title", exact=True)).to_have_value("Repair café")
        expect(page.get_by_role("status")).to_contain_text("Your draft is saved")
    finally:
        context.close()


# Each payload sits in a field shown on the public pages and the moderators' pages.
XSS = {
    "title": "<img src=x onerror=alert('title')>",
    "summary": '"><script>alert("summary")</script>',
    "participant": "<svg onload=alert('participant')>",
    "outcome": "<img src=x onerror=alert('outcome')>",
    "indicator": '"><svg onload=alert("indicator")>',
    "place": "<svg onload=alert('place')>",
    "credit": "</p><script>alert('credit')</script>",
    "neighbourhood": '<img src=x onerror=alert("neighbourhood")>',
    "report": "<script>alert('report')</script>",
}
MARKDOWN_PAYLOAD = (
    "[a link](javascript:alert('markdown'))\n\n"
    "<script>alert('raw html')</script> <img src=x onerror=alert('raw img')>"
)
# Selectors for what a payload would create if it were parsed as HTML.
INJECTED = (
    "img[src='x']",
    "[onerror]",
    "[onload]",
    # Data blocks (JSON-LD, the page's translated script text) are never run.
    "script:not([src]):not([type='application/ld+json']):not([type='application/json'])",
    "a[href^='javascript:' i]",
)


@pytest.fixture
def page_without_csp(request, browser, live_server):
    """A page with the content security policy switched off and the dialog guard on.

    The CSP would block an injected inline handler anyway; without it, a dialog opens (and
    the test fails) whenever escaping fails, which is what these tests check.
    """
    context = browser.new_context(base_url=live_server, locale="en-GB", bypass_csp=True)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    dialogs: list[tuple[str, str, str]] = []
    request.node.stash[dialogs_key] = dialogs
    page = context.new_page()

    def on_dialog(dialog) -> None:
        dialogs.append((dialog.type, dialog.message, page.url))
        dialog.dismiss()

    page.on("dialog", on_dialog)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def hostile_initiative(app, make_user, make_neighbourhood, make_initiative) -> int:
    """A published initiative with a payload in every text field, a kept revision of it and
    an open report, so the queue, review and history pages all show its text."""
    submitter = make_user(display_name="<b>Sub</b>mitter")
    neighbourhood_id = make_neighbourhood(name=XSS["neighbourhood"], slug="hostile-town")
    initiative_id = make_initiative(
        submitter_id=submitter.id,
        neighbourhood_id=neighbourhood_id,
        title=XSS["title"],
        summary=XSS["summary"],
        description=MARKDOWN_PAYLOAD,
        place_name=XSS["place"],
        contact_url="javascript:alert('contact')",
        credit="organisation",
        credit_name=XSS["credit"],
        participants=[
            {"sector": "residents", "name": XSS["participant"], "roles": ["co-delivery"]}
        ],
        outcomes=[
            {
                "description": XSS["outcome"],
                "indicator": XSS["indicator"],
                "baseline": 31,
                "result": 22,
                "unit": "",
            }
        ],
    )
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        author = db.session.get(User, submitter.id)
        add_revision(initiative, "submission", author, "approved")
        report_initiative(initiative, "other", XSS["report"], None)
        db.session.commit()
    return initiative_id


def assert_text_stays_text(page: Page, *payloads: str) -> None:
    for selector in INJECTED:
        expect(page.locator(selector), selector).to_have_count(0)
    main = page.locator("main")
    for payload in payloads:
        expect(main.get_by_text(payload, exact=False).first, payload).to_be_visible()


def test_payloads_in_every_field_stay_text_on_public_and_moderation_pages(
    page_without_csp: Page, hostile_initiative, make_user
):
    page = page_without_csp
    page.goto("/initiatives")
    # Proof that the page runs inline script: an escaping slip would open a dialog.
    page.evaluate(
        "() => { const script = document.createElement('script');"
        " script.textContent = 'window.inlineScriptRan = true';"
        " document.body.append(script); script.remove(); }"
    )
    assert page.evaluate("() => window.inlineScriptRan === true")

    result = page.locator(".result-list .result")
    expect(result.get_by_role("heading").get_by_role("link")).to_have_text(XSS["title"])
    assert_text_stays_text(page, XSS["title"], XSS["participant"], XSS["neighbourhood"])

    result.get_by_role("link", name=XSS["title"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(XSS["title"])
    expect(page).to_have_title(re.compile(re.escape(XSS["title"])))
    expect(page.locator(".example")).to_contain_text(f"In {XSS['neighbourhood']},")
    expect(page.locator(".facts")).not_to_contain_text("Contact")  # not a link we can show
    prose = page.locator(".prose")
    expect(prose).to_contain_text("<script>alert('raw html')</script>")
    expect(prose.get_by_role("link")).to_have_count(0)
    assert_text_stays_text(
        page,
        XSS["title"],
        XSS["summary"],
        XSS["participant"],
        XSS["outcome"],
        XSS["indicator"],
        XSS["place"],
        XSS["credit"],
    )

    page.goto("/login")
    log_in(page, make_user(role="moderator"))
    page.goto("/moderation")
    page.get_by_role("table").get_by_role("link", name=XSS["title"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(XSS["title"])
    assert_text_stays_text(
        page,
        XSS["title"],
        XSS["summary"],
        XSS["participant"],
        XSS["outcome"],
        XSS["place"],
        XSS["report"],
        "<b>Sub</b>mitter",
    )

    page.get_by_role("link", name="History of revisions").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(XSS["title"])
    expect(page.get_by_role("heading", name="Revision 1: Submission")).to_be_visible()
    assert_text_stays_text(page, XSS["title"], XSS["summary"], XSS["participant"])


def test_filters_work_from_the_keyboard_alone(page: Page, make_initiative):
    make_initiative(title="Street watch", themes=["safety"])
    make_initiative(title="Walking for health", themes=["health"])
    page.goto("/initiatives")
    count = page.locator("#result-count")
    expect(count).to_have_text("2 initiatives")

    # Tab from the top of the page to the first theme, tick it with Space, send with Enter.
    first_theme = page.get_by_role("group", name="Theme", exact=True).get_by_role("checkbox").first
    for _ in range(30):
        page.keyboard.press("Tab")
        if first_theme.evaluate("box => box === document.activeElement"):
            break
    expect(first_theme).to_be_focused()
    theme = first_theme.get_attribute("value")
    page.keyboard.press("Space")
    expect(first_theme).to_be_checked()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert parse_qs(urlsplit(page.url).query)["theme"] == [theme]
    expect(count).to_have_text("1 initiative")
    expected = {"safety": "Street watch", "health": "Walking for health"}[theme]
    titles = page.locator(".result-list").get_by_role("heading").get_by_role("link")
    expect(titles).to_have_text([expected])
    expect(first_theme).to_be_checked()  # the form shows the filter the address holds
