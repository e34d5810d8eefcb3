"""The worker's open-data work: rebuild the downloads at most hourly, when data changed."""

from __future__ import annotations

from huey import crontab

from app.downloads.files import rebuild_open_data
from app.tasks.queue import periodic_task


@periodic_task(crontab(minute="23"))
def rebuild_downloads() -> bool:
    """Rebuild /downloads/ once an hour if the published initiatives changed."""
    return rebuild_open_data()
