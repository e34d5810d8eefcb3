"""Moderators' daily digest of the queue: once a day from its local hour, only when something
waits, and not to those who turned it off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from app.accounts.models import User
from app.extensions import db
from app.moderation.digest import send_queue_digests
from tests.factories import create_test_initiative

MORNING = datetime(2026, 3, 2, 8, 7, tzinfo=UTC)  # 08:07 in London in winter


def test_moderators_get_one_digest_a_day_when_something_waits(app, make_user, outbox):
    moderator = make_user(role="moderator")
    quiet = make_user(role="moderator")
    make_user(role="resident")
    with app.app_context():
        db.session.get(User, quiet.id).queue_digest = False
        db.session.commit()
        assert send_queue_digests(MORNING) == 0  # nothing waits
        with time_machine.travel(MORNING - timedelta(days=1), tick=False):
            create_test_initiative(state="pending", title="Waiting street watch")
        assert send_queue_digests(MORNING - timedelta(hours=2)) == 0  # before its hour
        assert send_queue_digests(MORNING) == 1
        assert send_queue_digests(MORNING + timedelta(hours=1)) == 1  # same day: same key
    mails = outbox()
    assert [mail["To"] for mail in mails] == [moderator.email]
    text = mails[0].get_content()
    assert "Waiting street watch" in text and "/moderation" in text
    assert mails[0]["Subject"] == "1 item waits in the moderation queue"


def test_a_moderator_turns_the_digest_off_on_the_account_page(app, client, auth, make_user):
    moderator = make_user(role="moderator")
    auth.login(moderator.email)
    page = client.get("/account").get_data(as_text=True)
    assert "Moderation queue digest" in page
    client.post("/account/queue-digest", data={})
    with app.app_context():
        assert db.session.get(User, moderator.id).queue_digest is False
    client.post("/account/queue-digest", data={"queue_digest": "on"})
    with app.app_context():
        assert db.session.get(User, moderator.id).queue_digest is True
    resident = make_user(role="resident")
    auth.logout()
    auth.login(resident.email)
    assert "Moderation queue digest" not in client.get("/account").get_data(as_text=True)
    assert client.post("/account/queue-digest", data={}).status_code in (403, 404)


def test_a_welsh_speaking_moderator_gets_the_digest_in_welsh(app, make_user, outbox):
    moderator = make_user(role="moderator")
    with app.app_context():
        db.session.get(User, moderator.id).locale = "cy"
        db.session.commit()
        with time_machine.travel(MORNING - timedelta(days=1), tick=False):
            create_test_initiative(state="pending", title="Waiting street watch")
        assert send_queue_digests(MORNING) == 1
    (mail,) = outbox()
    assert mail["Subject"] == "Mae 1 eitem yn aros yn y ciw cymedroli"
    assert "/cy/moderation" in mail.get_content()
