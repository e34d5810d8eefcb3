"""Mail goes through one sender: SMTP when configured, else the log and the outbox."""

from __future__ import annotations

from app.mail import send_mail


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
