"""The moderator's journey in a real browser (issue 17): the queue points out what to check (a
possible duplicate of a published initiative, a point far from its neighbourhood), the review
page shows the warning and the point on a small map, and approving publishes the initiative,
which the public list then shows."""

from __future__ import annotations

import pytest

from app.duplicates.services import flag_possible_duplicates
from app.extensions import db
from app.initiatives.models import Initiative
from tests.conftest import TEST_PASSWORD

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the browser fixture skips these tests (or fails them when CI is set)
    Page = expect = None

PUBLISHED = "Kirkstall street watch"
PENDING = "Kirkstall Street Watch group"


@pytest.fixture
def queue(app, make_user, make_neighbourhood, make_initiative):
    """A published street watch, and a pending one much like it whose point is in London."""
    kirkstall = make_neighbourhood(
        name="Kirkstall", slug="kirkstall", latitude=53.8162, longitude=-1.6037
    )
    published = make_initiative(
        title=PUBLISHED, neighbourhood_id=kirkstall, latitude=53.8200, longitude=-1.6000
    )
    pending = make_initiative(
        title=PENDING,
        state="pending",
        neighbourhood_id=kirkstall,
        latitude=51.5271,
        longitude=-0.0553,
        submitter_id=make_user().id,
    )
    with app.app_context():
        found = flag_possible_duplicates(db.session.get(Initiative, pending))
        db.session.commit()
    assert [duplicate.id for duplicate in found] == [published]
    return published, pending


def test_moderator_sees_what_to_check_reviews_on_the_map_and_publishes(
    page: Page, console, tiles, make_user, queue
):
    published, pending = queue
    moderator = make_user(role="moderator")
    page.goto("/login")
    page.get_by_label("Email address").fill(moderator.email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()

    page.goto("/moderation")
    row = page.get_by_role("row").filter(has_text=PENDING)
    expect(row).to_contain_text("Possible duplicate of")
    expect(row.get_by_role("link", name=f"#{published}")).to_be_visible()
    expect(row).to_contain_text("Check the place:")
    expect(row).to_contain_text("km from the centre of Kirkstall")

    row.get_by_role("link", name=PENDING).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(PENDING)
    expect(page.locator(".flash--warning")).to_contain_text("Check the place:")
    area = page.get_by_role("region", name="Map of where it is")
    expect(area).to_be_visible()
    expect(area.locator(".map-marker")).to_have_count(1)

    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_role("status").first).to_be_visible()
    page.goto("/initiatives?q=street+watch")
    results = page.get_by_role("main")
    expect(results.get_by_role("link", name=PENDING, exact=True)).to_be_visible()
    expect(results.get_by_role("link", name=PUBLISHED, exact=True)).to_be_visible()
