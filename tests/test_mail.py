"""Mail goes through one sender: SMTP when configured, else the log and the outbox."""

from __future__ import annotations

import socket
from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtpd.controller import Controller

from app.mail import send_mail


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app, monkeypatch):
    """A fake SMTP server on loopback; the app sends its mail there during the test."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    yield inbox
    controller.stop()


def test_password_reset_mail_goes_through_smtp(client, smtp_server, make_user, outbox):
    user = make_user()
    client.post("/forgot-password", data={"email": user.email})
    (message,) = smtp_server.messages
    assert message["To"] == user.email
    assert message["Subject"] == "Reset your Coproduce password"
    assert "/reset-password/" in message.get_content()
    assert outbox() == []


def test_without_a_mail_server_mail_goes_to_the_outbox_and_log(app, outbox, caplog):
    with app.test_request_context(), caplog.at_level("INFO"):
        send_mail("ann@example.org", "Hello", "Body text")
    (message,) = outbox()
    assert message["Subject"] == "Hello"
    assert "Body text" in caplog.text
