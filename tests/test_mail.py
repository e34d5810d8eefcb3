"""Mail goes through one sender: recorded, queued, and sent by the worker over SMTP (plain,
STARTTLS or TLS, with a login) or, with no mail server, written to the log and the outbox.
Failures are retried with backoff; refused addresses are suppressed; nothing is lost."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import textwrap
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from app.extensions import db
from app.mail.models import MailSuppression, OutgoingMail
from app.mail.services import (
    MailNotSent,
    clear_suppression,
    deliver,
    queue_mail,
    retry_delay,
)
from app.mail.tasks import sweep_mail
from app.tasks.queue import TASK_FAILED, task_queue
from app.timeutil import utcnow
from tests.support.mail import Inbox, free_port
from tests.support.pages import page_without
from tests.test_accounts import assert_reset_request_reveals_nothing

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def queued(app, to="ann@example.org", subject="Hello", body="Body text", **options) -> int:
    """Queue one message and commit (the eager queue then delivers it); returns its id."""
    with app.app_context():
        mail = queue_mail(to, subject, body, **options)
        db.session.commit()
        return mail.id


def mail_row(app, mail_id: int) -> OutgoingMail:
    with app.app_context():
        mail = db.session.get(OutgoingMail, mail_id)
        db.session.expunge(mail)
        return mail


def test_password_reset_mail_goes_through_smtp(client, smtp_server, make_user, outbox):
    user = make_user()
    client.post("/forgot-password", data={"email": user.email})
    (message,) = smtp_server.messages
    assert message["To"] == user.email
    assert message["Subject"] == "Reset your Coproduce password"
    assert "/reset-password/" in message.get_content()
    assert outbox() == []


def test_without_a_mail_server_mail_goes_to_the_outbox_and_log(app, outbox, caplog):
    """The level is not forced here: the app's own logger passes INFO records on."""
    mail_id = queued(app)
    (message,) = outbox()
    assert message["Subject"] == "Hello"
    (record,) = [record for record in caplog.records if "Body text" in record.getMessage()]
    assert record.name == app.logger.name
    assert mail_row(app, mail_id).state == "sent"


def test_a_production_app_writes_mail_to_its_log(tmp_path):
    """As under `make run` or the worker: a fresh process, no test logging, no TESTING flag."""
    script = textwrap.dedent(
        """
        from email.message import EmailMessage
        from app import create_app
        from app.mail.transport import transmit

        app = create_app()
        message = EmailMessage()
        message["To"], message["Subject"] = "ann@example.org", "Hello from production"
        message.set_content("The body of the mail")
        with app.app_context():
            transmit(message)
        """
    )
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"MAIL_SERVER", "FLASK_DEBUG", "DATABASE_URL", "REDIS_URL"}
    }
    environment |= {"SECRET_KEY": "a key for this test", "COPRODUCE_INSTANCE": str(tmp_path)}
    finished = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 0, finished.stderr
    assert "Mail to ann@example.org" in finished.stderr
    assert "The body of the mail" in finished.stderr
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_a_message_is_recorded_before_it_is_sent_and_sent_once(app, smtp_server):
    mail_id = queued(app, key="welcome:ann")
    with app.app_context():
        again = queue_mail("ann@example.org", "Hello", "Body text", key="welcome:ann")
        db.session.commit()
        assert again.id == mail_id  # the same key: the same message, not a second one
        assert deliver(mail_id) == "not due"  # a second task, or a second worker
    assert len(smtp_server.messages) == 1
    row = mail_row(app, mail_id)
    assert (row.state, row.attempts) == ("sent", 1)
    assert row.sent_at is not None


def test_nothing_is_queued_when_the_transaction_rolls_back(app, outbox):
    with app.app_context():
        queue_mail("ann@example.org", "Hello", "Body text")
        db.session.rollback()
        assert db.session.scalar(select(OutgoingMail.id)) is None
    assert outbox() == []


class Refusing:
    """aiosmtpd handler of a mail server that turns every message away for now (a 451)."""

    async def handle_DATA(self, server, session, envelope):
        return "451 Try again later"


class RefusingRecipient:
    """A mail server that refuses one address for good (a 550 at RCPT)."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == "gone@example.org":
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        return "250 Message accepted"


class Dropping:
    """A mail server that accepts the connection and closes it at once."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            connection.close()

    def stop(self):
        self.server.close()


class Silent:
    """A mail server that accepts the connection and never says a word (a timeout)."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.port = self.server.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._hold, daemon=True).start()

    def _hold(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.held.append(connection)

    def stop(self):
        for connection in self.held:
            connection.close()
        self.server.close()


@pytest.fixture(params=["stopped", "refusing", "dropping", "silent"])
def broken_smtp_server(request, app, monkeypatch):
    """A mail server that is down, refuses for now, drops the connection, or never answers."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 0.5)
    if request.param == "stopped":
        monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
        yield request.param
        return
    if request.param == "refusing":
        controller = Controller(Refusing(), hostname="127.0.0.1", port=free_port())
        controller.start()
        monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
        yield request.param
        controller.stop()
        return
    server = Dropping() if request.param == "dropping" else Silent()
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    yield request.param
    server.stop()


def test_a_failing_mail_server_keeps_the_message_and_retries_until_it_is_back(
    app, broken_smtp_server, outbox, caplog, monkeypatch
):
    mail_id = queued(app)
    row = mail_row(app, mail_id)
    assert (row.state, row.attempts) == ("queued", 1)
    assert row.next_attempt_at > utcnow() + timedelta(seconds=retry_delay(1) - 5)
    assert row.last_error
    assert any(
        "ann@example.org" in r.getMessage() for r in caplog.records if r.levelname == "WARNING"
    )
    assert outbox() == []  # kept in the database, not lost, and not in the outbox either
    scheduled = [task for task in task_queue(app).huey.scheduled() if task.args == (mail_id,)]
    assert scheduled, "the next attempt is scheduled in the queue"

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    try:
        with time_machine.travel(utcnow() + timedelta(minutes=5)), app.app_context():
            assert sweep_mail.call_local() == 1  # due, its task lost: the sweep queues it
        (message,) = inbox.messages
        assert message["To"] == "ann@example.org"
    finally:
        controller.stop()
    assert (mail_row(app, mail_id).state, mail_row(app, mail_id).attempts) == ("sent", 2)


def test_a_message_out_of_attempts_is_failed_and_visible_in_the_queue(
    app, broken_smtp_server, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    mail_id = queued(app)
    with time_machine.travel(utcnow() + timedelta(hours=1)), app.app_context():
        with pytest.raises(MailNotSent):
            deliver(mail_id)
    assert mail_row(app, mail_id).state == "failed"
    queued_again = queued(app, to="bob@example.org")
    with time_machine.travel(utcnow() + timedelta(hours=1)), app.app_context():
        sweep_mail.call_local()  # the task fails for good and the queue remembers it
    huey = task_queue(app).huey
    failures = {
        key: huey.serializer.deserialize(value)
        for key, value in huey.storage.result_items().items()
        if key.startswith(TASK_FAILED)
    }
    assert any(
        record["name"] == "deliver_mail" and f"mail {queued_again}" in record["error"]
        for record in failures.values()
    )


def test_an_address_refused_for_good_is_suppressed_until_cleared(app, monkeypatch):
    controller = Controller(RefusingRecipient(), hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    try:
        first = queued(app, to="gone@example.org")
        assert mail_row(app, first).state == "suppressed"
        second = queued(app, to="Gone@Example.org ")
        assert mail_row(app, second).state == "suppressed"
        assert mail_row(app, second).attempts == 1  # never handed to the server
        with app.app_context():
            (suppressed,) = db.session.scalars(select(MailSuppression))
            assert suppressed.address == "gone@example.org"
            assert "550" in suppressed.reason
            assert clear_suppression("gone@example.org")
            db.session.commit()
        assert mail_row(app, queued(app, to="ann@example.org")).state == "sent"
    finally:
        controller.stop()


def test_starttls_and_login_reach_a_port_587_relay(app, monkeypatch, tmp_path):
    import trustme

    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(server_context)
    logins: list[tuple[bytes, bytes]] = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"relay secret")

    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=server_context,
        require_starttls=True,
        authenticator=authenticate,
        auth_required=True,
    )
    controller.start()
    trusting = ssl.create_default_context()
    authority.configure_trust(trusting)
    monkeypatch.setattr("app.mail.transport.ssl.create_default_context", lambda: trusting)
    for key, value in {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": controller.port,
        "MAIL_USE_TLS": True,
        "MAIL_USERNAME": "coproduce",
        "MAIL_PASSWORD": "relay secret",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    try:
        mail_id = queued(app)
        assert mail_row(app, mail_id).state == "sent"
        assert [message["To"] for message in inbox.messages] == ["ann@example.org"]
        assert logins == [(b"coproduce", b"relay secret")]
        monkeypatch.setitem(app.config, "MAIL_PASSWORD", "wrong")
        monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 2.0)
        refused = queued(app)
        assert mail_row(app, refused).state == "queued"  # a refused login: tried again later
        assert mail_row(app, refused).last_error
        assert len(inbox.messages) == 1
    finally:
        controller.stop()


def test_a_failing_mail_server_does_not_reveal_which_accounts_exist(
    app, client, broken_smtp_server, make_user, outbox
):
    user = make_user()
    known = client.post("/forgot-password", data={"email": user.email})
    unknown = client.post("/forgot-password", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert page_without(known, user.email) == page_without(unknown, "nobody@example.org")
    with app.app_context():
        assert db.session.scalars(select(OutgoingMail.to)).all() == [user.email]


def test_without_a_mail_server_the_reset_request_reveals_nothing(client, make_user, outbox):
    assert_reset_request_reveals_nothing(client, make_user(), outbox)


def test_a_failing_mail_server_answers_registration_of_a_taken_email_the_same(
    app, client, broken_smtp_server, make_user
):
    owner = make_user(email="owner@example.org")
    taken = client.post(
        "/register",
        data={"email": owner.email, "display_name": "Someone", "password": "a long passphrase"},
    )
    fresh = client.post(
        "/register",
        data={"email": "new@example.org", "display_name": "Someone", "password": "a long pass"},
    )
    assert taken.status_code == fresh.status_code == 302
    assert taken.headers["Location"] == fresh.headers["Location"]
    with app.app_context():
        kept = sorted(db.session.scalars(select(OutgoingMail.to)))
    assert kept == ["new@example.org", owner.email]


def test_links_in_mail_use_site_url_whatever_the_host_header(
    app, client, make_user, outbox, monkeypatch
):
    monkeypatch.setitem(app.config, "SITE_URL", "https://coproduce.example.org/")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)  # no session cookie for that host
    user = make_user()
    answer = client.post(
        "/forgot-password", data={"email": user.email}, headers={"Host": "evil.example.net"}
    )
    assert answer.status_code == 200
    (message,) = outbox()
    assert "https://coproduce.example.org/reset-password/" in message.get_content()
    assert "evil.example.net" not in message.get_content()


def test_the_mail_log_is_personal_data_kept_a_month(app, client, auth, make_user):
    from app.mail.services import forget_old_mail

    user = make_user(email="Rosa@Example.org")
    queued(app, to="rosa@example.org", subject="Your street watch", body="A secret link")
    auth.login(user.email)
    download = client.get("/account/data.json").get_json()
    (sent,) = download["mail"]
    assert (sent["subject"], sent["state"]) == ("Your street watch", "sent")
    assert "A secret link" not in client.get("/account/data.json").get_data(as_text=True)
    with time_machine.travel(utcnow() + timedelta(days=app.config["MAIL_KEEP_DAYS"] + 1)):
        with app.app_context():
            assert forget_old_mail() == 1
            assert db.session.scalar(select(OutgoingMail.id)) is None


def test_account_deletion_removes_the_mail_sent_to_the_person(app, client, auth, make_user):
    from tests.conftest import TEST_PASSWORD

    user = make_user()
    queued(app, to=user.email)
    queued(app, to="someone.else@example.org")
    auth.login(user.email)
    response = client.post(
        "/account/delete", data={"delete-current_password": TEST_PASSWORD, "delete-confirm": "y"}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(OutgoingMail.to)).all() == ["someone.else@example.org"]
