"""The one way mail leaves the site: SMTP when ``MAIL_SERVER`` is set, else log and outbox."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

from app.timeutil import utcnow


def send_mail(to: str, subject: str, body: str) -> EmailMessage:
    """Send a plain-text message; without a mail server, write it to the log and the outbox."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="coproduce")
    message.set_content(body)
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            smtp.send_message(message)
    else:
        _write_to_outbox(message)
    return message


def _write_to_outbox(message: EmailMessage) -> None:
    outbox = current_app.config.get("OUTBOX_PATH") or f"{current_app.instance_path}/outbox"
    from pathlib import Path

    folder = Path(outbox)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}.eml"
    path.write_bytes(message.as_bytes())
    current_app.logger.info(
        "Mail to %s (no MAIL_SERVER, written to %s):\nSubject: %s\n\n%s",
        message["To"],
        path,
        message["Subject"],
        message.get_content(),
    )
