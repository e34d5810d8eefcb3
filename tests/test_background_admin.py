"""Admins see the background work as the queue holds it (workers, waiting, scheduled and
failed tasks, jobs, mail) and can retry or discard a failed task and clear a suppression."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.mail.models import MailSuppression, OutgoingMail
from app.mail.services import queue_mail
from app.tasks.heartbeat import beat
from app.tasks.queue import TASK_FAILED, task_queue
from app.timeutil import utcnow
from tests.support.mail import Inbox, free_port

PAGE = "/admin/background-work"


@pytest.fixture
def admin(auth, make_user):
    user = make_user(role="admin")
    auth.login(user.email)
    return user


def failed_task_ids(app) -> list[str]:
    storage = task_queue(app).huey.storage
    return [
        key[len(TASK_FAILED) :] for key in storage.result_items() if key.startswith(TASK_FAILED)
    ]


def mail_that_fails_for_good(app, monkeypatch) -> int:
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 1)
    with app.app_context():
        mail_id = queue_mail("ann@example.org", "Minutes of the street meeting", "Body").id
        db.session.commit()
    return mail_id


def test_the_page_shows_workers_waiting_work_and_failures(
    app, client, admin, monkeypatch, paused_queue
):
    with app.app_context():
        beat("worker-host:4242", utcnow())
        queue_mail("bob@example.org", "A waiting message", "Body")
        db.session.commit()
    page = client.get(PAGE).get_data(as_text=True)
    assert "worker-host:4242" in page
    assert "Waiting (1)" in page and "deliver_mail" in page
    assert "No failed tasks." in page


def test_a_failed_task_is_listed_with_its_error_and_can_be_retried(
    app, client, admin, monkeypatch
):
    mail_id = mail_that_fails_for_good(app, monkeypatch)
    (task_id,) = failed_task_ids(app)
    page = client.get(PAGE).get_data(as_text=True)
    assert "deliver_mail" in page and "MailNotSent" in page
    assert "Minutes of the street meeting" in page  # the failed message, with its error

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    try:
        response = client.post(f"{PAGE}/failed/{task_id}/retry", data={})
        assert response.status_code == 302
    finally:
        controller.stop()
    assert [message["Subject"] for message in inbox.messages] == ["Minutes of the street meeting"]
    with app.app_context():
        assert db.session.get(OutgoingMail, mail_id).state == "sent"
        (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "retry_task"))
        assert entry.detail["task"] == "deliver_mail"
    assert failed_task_ids(app) == []


def test_a_failed_task_can_be_discarded(app, client, admin, monkeypatch):
    mail_that_fails_for_good(app, monkeypatch)
    (task_id,) = failed_task_ids(app)
    assert client.post(f"{PAGE}/failed/{task_id}/discard", data={}).status_code == 302
    assert failed_task_ids(app) == []
    assert client.post(f"{PAGE}/failed/{task_id}/discard", data={}).status_code == 404


def test_a_retry_waiting_for_its_time_is_listed_as_scheduled(app, client, admin, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    with app.app_context():
        queue_mail("ann@example.org", "Try again", "Body")
        db.session.commit()
    page = client.get(PAGE).get_data(as_text=True)
    assert "Scheduled (1)" in page


def test_a_suppressed_address_can_be_cleared(app, client, admin):
    with app.app_context():
        db.session.add(MailSuppression(address="gone@example.org", reason="550 No such user"))
        db.session.commit()
    assert "gone@example.org" in client.get(PAGE).get_data(as_text=True)
    response = client.post(f"{PAGE}/suppressed", data={"address": "gone@example.org"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(MailSuppression)) is None


def test_payloads_in_failed_work_stay_text(app, client, admin, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 1)
    with app.app_context():
        queue_mail("x@example.org", "<script>alert(1)</script>", "Body")
        db.session.commit()
    page = client.get(PAGE).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
