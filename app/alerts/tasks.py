"""The worker's alert work: instant alerts each quarter hour, weekly digests once their
local hour has passed, and unconfirmed alerts forgotten after a week."""

from __future__ import annotations

from huey import crontab

from app.alerts.digests import send_alerts
from app.alerts.services import forget_unconfirmed_alerts
from app.tasks.queue import periodic_task


@periodic_task(crontab(minute="*/15"))
def send_instant_alerts() -> int:
    """Mail instant alerts for the latest quarter hour that has settled
    (ALERT_SETTLE_MINUTES)."""
    return send_alerts("instant")


@periodic_task(crontab(minute="*/15"))
def send_weekly_alerts() -> int:
    """Mail weekly digests once the weekly hour in TIMEZONE has passed and settled (checked
    each quarter hour, so the hour stays local across summer time and a missed tick is made
    up)."""
    return send_alerts("weekly")


@periodic_task(crontab(minute="41", hour="4"))
def forget_unconfirmed() -> int:
    """Delete alerts that were never confirmed within a week."""
    return forget_unconfirmed_alerts()
