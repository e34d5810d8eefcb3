"""Idempotency keys older than a day are deleted every hour."""

from __future__ import annotations

from huey import crontab

from app.idempotency.services import forget_expired_keys
from app.tasks.queue import periodic_task


@periodic_task(crontab(minute="41"))
def tidy_idempotency_keys() -> int:
    """Delete idempotency keys older than a day."""
    return forget_expired_keys()
