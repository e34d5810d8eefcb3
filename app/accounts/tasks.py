"""Log-in failure counts with nothing left to slow down are deleted every hour."""

from __future__ import annotations

from huey import crontab

from app.accounts.login_limits import forget_old_login_failures
from app.tasks.queue import periodic_task


@periodic_task(crontab(minute="47"))
def tidy_login_failures() -> int:
    """Delete log-in failure counts a day old with no wait left."""
    return forget_old_login_failures()
