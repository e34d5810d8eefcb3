"""Mail goes through one sender: SMTP when configured, else the log and the outbox."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from app.mail import send_mail
from tests.support.mail import free_port
from tests.test_accounts import assert_reset_request_reveals_nothing

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
    with app.test_request_context():
        send_mail("ann@example.org", "Hello", "Body text")
    (message,) = outbox()
    assert message["Subject"] == "Hello"
    (record,) = [record for record in caplog.records if "Body text" in record.getMessage()]
    assert record.name == app.logger.name


def test_a_production_app_writes_mail_to_its_log(tmp_path):
    """As under `make run` or gunicorn: a fresh process, no test logging, no TESTING flag."""
    script = textwrap.dedent(
        """
        from app import create_app
        from app.mail import send_mail

        app = create_app()
        with app.test_request_context():
            send_mail("ann@example.org", "Hello from production", "The body of the mail")
        """
    )
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"MAIL_SERVER", "FLASK_DEBUG", "DATABASE_URL", "REDIS_URL"}
    }
    environment |= {
        "SECRET_KEY": "a key for this test",
        "COPRODUCE_INSTANCE": str(tmp_path),
    }
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


class Refusing:
    """aiosmtpd handler of a mail server that turns every message away."""

    async def handle_DATA(self, server, session, envelope):
        return "554 Transaction failed"


@pytest.fixture(params=["stopped", "refusing"])
def broken_smtp_server(request, app, monkeypatch):
    """A mail server that is down (nothing listens) or answers every message with 554."""
    port = free_port()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    if request.param == "stopped":
        yield
        return
    controller = Controller(Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    yield
    controller.stop()


def test_a_failing_mail_server_keeps_the_mail_and_logs_it(app, broken_smtp_server, outbox, caplog):
    with app.test_request_context(), pytest.raises(OSError):
        send_mail("ann@example.org", "Hello", "Body text")
    (message,) = outbox()
    assert message["To"] == "ann@example.org"
    errors = [record for record in caplog.records if record.levelname == "ERROR"]
    assert any("ann@example.org" in record.getMessage() for record in errors)


def test_a_failing_mail_server_does_not_reveal_which_accounts_exist(
    client, broken_smtp_server, make_user, outbox
):
    assert_reset_request_reveals_nothing(client, make_user(), outbox)  # the mail kept, too


def test_a_failing_mail_server_answers_registration_of_a_taken_email_the_same(
    client, broken_smtp_server, make_user, outbox
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
    assert sorted(mail["To"] for mail in outbox()) == ["new@example.org", owner.email]
