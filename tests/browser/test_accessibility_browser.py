"""Automated WCAG 2.2 AA checks with axe-core on the main pages, with the demo data loaded.

axe-core comes bundled in the ``axe-playwright-python`` package and is injected into the page
by Playwright (nothing is fetched from a CDN). Map tiles come from the loopback tile stub.
Each page is its own test, so a failure names the page; its message lists every violation with
its impact, help text and the selectors of the failing elements.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app.clusters.models import Cluster
from app.demo.seed import DEMO_ACCOUNTS
from app.extensions import db
from app.initiatives.models import Initiative
from app.initiatives.public import published_initiatives
from app.neighbourhoods.models import Neighbourhood
from app.themes.models import Theme
from tests.factories import TEST_PASSWORD

try:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Page, expect
except ImportError:  # the browser fixture skips these tests (or fails them when CI is set)
    Axe = Page = expect = None

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Dots of initiatives standing close together overlap on a Leaflet map, and axe reports them
# under target size (WCAG 2.5.8). We lean on that criterion's "equivalent" exception: each such
# map sits beside links to the same initiatives (the listing, the cluster's examples, the list
# beneath /map). So only target size, and only inside the marker pane, is left out; every
# other rule checks the markers, and test_every_map_dot_is_a_24_pixel_target their size.
MAP_MARKERS = ".leaflet-marker-pane"
EVERY_RULE_BUT_TARGET_SIZE = {
    "runOnly": {"type": "tag", "values": WCAG_AA},
    "rules": {"target-size": {"enabled": False}},
    "resultTypes": ["violations"],
}
TARGET_SIZE = {
    "runOnly": {"type": "rule", "values": ["target-size"]},
    "resultTypes": ["violations"],
}
PHONE = {"width": 360, "height": 740}
DEMO_EMAIL = {role: email for role, email, _name, _organisation in DEMO_ACCOUNTS}


@dataclass(frozen=True)
class Check:
    """One page to check: who is signed in, and its path (``{name}`` filled from the demo)."""

    path: str
    role: str | None = None


CHECKS = {
    "home": Check("/"),
    "initiatives": Check("/initiatives"),
    "initiatives-filtered": Check("/initiatives?theme=safety&status=active&sort=title"),
    "initiative": Check("/initiatives/{initiative}"),
    "initiative-gallery": Check("/initiatives/{gallery}"),
    "edit-with-photos": Check("/initiatives/{gallery_id}/edit", "moderator"),
    "theme": Check("/themes/{theme}"),
    "neighbourhood": Check("/neighbourhoods/{neighbourhood}"),
    "map": Check("/map"),
    "clusters": Check("/clusters"),
    "cluster": Check("/clusters/{cluster}"),
    "api": Check("/api"),
    "privacy": Check("/privacy"),
    "accessibility": Check("/accessibility"),
    "login": Check("/login"),
    "register": Check("/register"),
    "forgot-password": Check("/forgot-password"),
    "account": Check("/account", "resident"),
    "my-initiatives": Check("/account/initiatives", "resident"),
    "new-initiative": Check("/initiatives/new", "resident"),
    "moderation": Check("/moderation", "moderator"),
    "moderation-review": Check("/moderation/initiatives/{pending}", "moderator"),
    "council": Check("/council", "council"),
    "council-import": Check("/council/import", "council"),
    "admin-users": Check("/admin/users", "admin"),
    "embed-cards": Check("/embed/initiatives?layout=cards"),
    "alerts-new": Check("/alerts/new?neighbourhood={neighbourhood}"),
    "moderation-followups": Check("/moderation/followups", "moderator"),
    # The Welsh pages (DESIGN.md, "Languages"): the same checks under /cy/ and lang=cy.
    "cy-home": Check("/cy/"),
    "cy-initiatives": Check("/cy/initiatives?theme=safety"),
    "cy-initiative": Check("/cy/initiatives/{initiative}"),
    "cy-neighbourhood": Check("/cy/neighbourhoods/splott"),
    "cy-map": Check("/cy/map"),
    "cy-new-initiative": Check("/cy/initiatives/new", "resident"),
    "cy-embed-cards": Check("/embed/initiatives?layout=cards&lang=cy"),
}


def demo_names(app) -> dict[str, str]:
    """The demo's parts the checked paths name: an initiative, theme, neighbourhood, ..."""
    with app.app_context():
        initiative = db.session.scalars(
            published_initiatives().where(Initiative.outcomes.any())
        ).first()
        pending = db.session.scalars(
            select(Initiative).where(Initiative.state == "pending").order_by(Initiative.id)
        ).first()
        gallery = db.session.scalars(
            published_initiatives().where(Initiative.photos.any()).order_by(Initiative.id)
        ).first()
        return {
            "initiative": initiative.path_slug,
            "gallery": gallery.path_slug,
            "gallery_id": str(gallery.id),
            "pending": str(pending.id),
            "theme": db.session.scalars(select(Theme.slug).order_by(Theme.id)).first(),
            "neighbourhood": db.session.scalars(
                select(Neighbourhood.slug).order_by(Neighbourhood.id)
            ).first(),
            "cluster": db.session.scalars(select(Cluster.slug).order_by(Cluster.id)).first(),
        }


def log_in(page: Page, role: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(DEMO_EMAIL[role])
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text("Log out")


def describe(violations: list[dict]) -> str:
    """Each violation's rule, impact and help, then the selectors of its failing elements."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {' > '.join(map(str, node['target']))}")
            lines.append(f"      {node['failureSummary'].replace(chr(10), ' ')}")
    return "\n".join(lines)


def settle(tab: Page) -> None:
    """Wait for the page to load and, where map.js draws a map, for its clusters and list.

    map.js asks for them a moment after the map first moves, so only there is it worth
    waiting for the network to go quiet.
    """
    tab.wait_for_load_state("load")
    if tab.locator("[data-clusters-url]").count():
        tab.wait_for_load_state("networkidle")
        expect(tab.locator("[data-clusters-url] .leaflet-marker-icon").first).to_be_visible()


def violations_on(page: Page) -> list[dict]:
    """axe-core's WCAG 2.2 A and AA violations on the page as it stands."""
    axe = Axe()
    every_rule = axe.run(page, options=EVERY_RULE_BUT_TARGET_SIZE)
    target_size = axe.run(page, context={"exclude": [MAP_MARKERS]}, options=TARGET_SIZE)
    return every_rule.response["violations"] + target_size.response["violations"]


def assert_accessible(page: Page, open_page: Callable[[Page], None]) -> None:
    """Open the page wide (Playwright's 1280 × 720) and on a phone; fail with every violation.

    The phone gets its own tab in the same context (signed in alike), so it is checked after a
    fresh load rather than while the map redraws after a resize.
    """
    phone = page.context.new_page()
    phone.set_viewport_size(PHONE)
    found = []
    for width, tab in (("wide", page), ("phone", phone)):
        open_page(tab)
        settle(tab)
        if violations := violations_on(tab):
            found.append(f"{width}, {tab.url}:\n{describe(violations)}")
    assert not found, "axe found violations\n" + "\n".join(found)


def test_followup_form_has_no_wcag_violations(app, page, tiles, demo):
    from datetime import date

    from app.followups.models import FollowUpPrompt
    from app.followups.services import make_followup_token

    with app.app_context():
        initiative = db.session.scalars(
            published_initiatives().where(Initiative.outcomes.any())
        ).first()
        prompt = FollowUpPrompt(initiative_id=initiative.id, due_on=date.today())
        db.session.add(prompt)
        db.session.commit()
        token = make_followup_token(prompt)
    page.goto(f"/followups/{token}")
    assert "How is" in page.locator("h1").inner_text()  # the form, not a refusal
    assert_accessible(page, lambda tab: tab.goto(f"/followups/{token}"))


@pytest.mark.parametrize("name", list(CHECKS))
def test_page_has_no_wcag_violations(app, page, tiles, demo, name):
    check = CHECKS[name]
    if check.role:
        log_in(page, check.role)
    path = check.path.format(**demo_names(app))
    assert_accessible(page, lambda tab: tab.goto(path))


def test_submission_with_errors_has_no_wcag_violations(page, tiles, demo):
    def submit_empty(tab: Page) -> None:
        tab.goto("/initiatives/new")
        tab.get_by_role("button", name="Submit for review").click()
        expect(tab.locator(".error-summary")).to_be_focused()

    log_in(page, "resident")
    assert_accessible(page, submit_empty)


@pytest.mark.parametrize("where", ["neighbourhood", "cluster"])
def test_every_map_dot_is_a_24_pixel_target(app, page, tiles, demo, where):
    # The marker pane is left out of the target-size rule above (see MAP_MARKERS), and axe
    # lets a lone small target pass on its spacing; the dots themselves are 24 × 24 boxes.
    page.goto(CHECKS[where].path.format(**demo_names(app)))
    dots = page.locator(".leaflet-marker-icon.map-marker")
    expect(dots.first).to_be_visible()
    sizes = dots.evaluate_all("dots => dots.map(dot => [dot.offsetWidth, dot.offsetHeight])")
    assert sizes
    assert all(width >= 24 and height >= 24 for width, height in sizes), sizes
