"""An email alert end to end: subscribe from a neighbourhood page, confirm from the mail,
publish a matching initiative, run the alert task, read the mail, then unsubscribe."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import func, select

from app.accounts.models import User
from app.alerts.models import AlertSubscription
from app.alerts.tasks import send_instant_alerts
from app.extensions import db
from app.initiatives.models import Initiative
from app.moderation.services import approve_initiative
from tests.factories import create_test_initiative, create_test_neighbourhood, create_test_user

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the browser fixture skips these tests (or fails them when CI is set)
    Page = expect = None


def test_subscribe_confirm_receive_and_unsubscribe(page: Page, app, live_server, outbox):
    with app.app_context():
        neighbourhood_id = create_test_neighbourhood(name="Kirkstall", slug="kirkstall")
        moderator_id = create_test_user(role="moderator").id

    page.goto("/neighbourhoods/kirkstall")
    page.get_by_role("link", name="Get email alerts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Email alerts")
    expect(page.get_by_text("Initiatives: in Kirkstall")).to_be_visible()
    page.get_by_label("Email address").fill("reader@example.org")
    page.get_by_label("As they are published").check()
    page.get_by_role("button", name="Send me a confirmation link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    [confirmation] = outbox()
    assert confirmation["Subject"] == "Confirm your email alert: Initiatives: in Kirkstall"
    link = re.search(r"http://\S+/alerts/confirm/\S+", confirmation.get_content()).group(0)
    page.goto(link)
    page.get_by_role("button", name="Start the alert").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your alert is on")

    with app.app_context():
        initiative_id = create_test_initiative(
            state="pending", title="Kirkstall repair café", neighbourhood_id=neighbourhood_id
        )
        approve_initiative(
            db.session.get(User, moderator_id), db.session.get(Initiative, initiative_id)
        )
        db.session.commit()
    later = datetime.now(UTC) + timedelta(minutes=26)  # its quarter hour, settled
    with app.app_context(), time_machine.travel(later, tick=False):
        assert send_instant_alerts.call_local() == 1

    [alert] = [mail for mail in outbox() if "List-Unsubscribe" in mail]
    assert alert["Subject"] == "1 new initiative: Initiatives: in Kirkstall"
    text = alert.get_content()
    assert "Kirkstall repair café" in text
    assert f"/initiatives/{initiative_id}-kirkstall-repair-cafe" in text

    leave = alert["List-Unsubscribe"].strip("<>")
    page.goto(live_server + re.sub(r"^https?://[^/]+", "", leave))
    page.get_by_role("button", name="Stop the alert").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alert stopped")
    with app.app_context():
        assert db.session.scalar(select(func.count(AlertSubscription.id))) == 0
