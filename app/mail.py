"""The one way mail leaves the site: SMTP when ``MAIL_SERVER`` is set, else log and outbox."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app

from app.timeutil import utcnow

# What a mail server that is down, refusing or misconfigured raises.
SEND_ERRORS = (OSError, smtplib.SMTPException)


def send_mail(to: str, subject: str, body: str) -> EmailMessage:
    """Send a plain-text message; without a mail server, write it to the log and the outbox.

    When the mail server fails the message is still kept in the outbox and logged, and the
    error is raised for the caller to decide what the person is told.
    """
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="coproduce")
    message.set_content(body)
    if not config.get("MAIL_SERVER"):
        path = _write_to_outbox(message)
        current_app.logger.info(
            "Mail to %s (no MAIL_SERVER, written to %s):\nSubject: %s\n\n%s",
            message["To"],
            path,
            message["Subject"],
            message.get_content(),
        )
        return message
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            smtp.send_message(message)
    except SEND_ERRORS as error:
        path = _write_to_outbox(message)
        # No body here: a reset link in a production log would outlive its purpose.
        current_app.logger.error(
            "Mail to %s could not be sent (%r); kept in %s. Subject: %s",
            message["To"],
            error,
            path,
            message["Subject"],
        )
        raise
    return message


def _write_to_outbox(message: EmailMessage) -> Path:
    outbox = current_app.config.get("OUTBOX_PATH") or f"{current_app.instance_path}/outbox"
    folder = Path(outbox)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}.eml"
    path.write_bytes(message.as_bytes())
    return path
