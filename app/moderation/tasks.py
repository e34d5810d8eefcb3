"""The worker's moderation work: the daily digest of the queue."""

from __future__ import annotations

from huey import crontab

from app.moderation.digest import send_queue_digests
from app.tasks.queue import periodic_task


@periodic_task(crontab(minute="7"))
def send_queue_digest() -> int:
    """Mail moderators the day's digest of their queue once its hour in TIMEZONE passed."""
    return send_queue_digests()
