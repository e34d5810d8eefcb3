"""A fake SMTP server on loopback, for tests of mail that leaves the app."""

from __future__ import annotations

import asyncio
import socket
from email import message_from_bytes
from email.policy import default

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


class Inbox:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SlowSMTP(SMTP):
    """An SMTP server that takes ``delay`` seconds over every reply (a distant relay)."""

    delay = 0.03

    async def push(self, status):
        await asyncio.sleep(self.delay)
        await super().push(status)


class SlowController(Controller):
    """aiosmtpd's controller for SlowSMTP: every reply, greeting included, comes late."""

    def factory(self):
        return SlowSMTP(self.handler, **self.SMTP_kwargs)
