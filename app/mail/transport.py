"""How a message leaves: SMTP (plain, STARTTLS or TLS, with a login) or, with no mail server,
the log and ``instance/outbox/``."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from flask import current_app

from app.mail.models import OutgoingMail
from app.timeutil import utcnow


class TemporaryFailure(Exception):
    """The message may go through later: server down, timeout, a 4xx, a refused login."""


class AddressRefused(Exception):
    """The server refused the recipient for good (a 5xx for the address)."""


def build_message(mail: OutgoingMail) -> EmailMessage:
    """The message as it goes out, the same on every attempt (its Message-ID included)."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.created_at)
    message["Message-ID"] = make_msgid(idstring=f"mail{mail.id}", domain="coproduce")
    for name, value in (mail.headers or {}).items():
        message[name] = value
    message.set_content(mail.body)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    return message


def transmit(message: EmailMessage) -> str:
    """Hand the message on; returns where it went. Raises TemporaryFailure or AddressRefused."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        path = write_to_outbox(message)
        current_app.logger.info(
            "Mail to %s (no MAIL_SERVER, written to %s):\nSubject: %s\n\n%s",
            message["To"],
            path,
            message["Subject"],
            _text_of(message),
        )
        return str(path)
    try:
        with _connect(config) as smtp:
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _text in error.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            raise AddressRefused(_reason(error.recipients)) from error
        raise TemporaryFailure(_reason(error.recipients)) from error
    except (OSError, smtplib.SMTPException) as error:
        raise TemporaryFailure(f"{type(error).__name__}: {error}") from error
    return f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}"


def _connect(config: dict[str, Any]) -> smtplib.SMTP:
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    timeout = config["MAIL_TIMEOUT"]
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if config.get("MAIL_USE_SSL"):
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            smtp.starttls(context=context)
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _reason(recipients: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{address}: {code} {text.decode(errors='replace')}"
        for address, (code, text) in recipients.items()
    )


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def write_to_outbox(message: EmailMessage) -> Path:
    """Keep a message as an .eml file in the outbox (the no-server default)."""
    outbox = current_app.config.get("OUTBOX_PATH") or f"{current_app.instance_path}/outbox"
    folder = Path(outbox)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    for number in range(1000):  # two messages in the same microsecond keep both
        path = folder / (f"{stamp}.eml" if not number else f"{stamp}-{number}.eml")
        try:
            with path.open("xb") as handle:
                handle.write(message.as_bytes())
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"No free file name for {stamp} in {folder}")
