"""The worker's follow-up work: each day, the prompts that fall due."""

from __future__ import annotations

from huey import crontab

from app.followups.services import send_followup_prompts
from app.tasks.queue import periodic_task


@periodic_task(crontab(minute="5", hour="9"))
def send_followups() -> int:
    """Make and mail the follow-up prompts due today (each once)."""
    return send_followup_prompts()
