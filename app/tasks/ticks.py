"""Each periodic task's tick runs once, however many workers' schedulers queue it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from app.database import rows_changed
from app.extensions import db
from app.tasks.models import TaskTick
from app.timeutil import utcnow

KEEP_TICKS = timedelta(days=2)


def current_tick(now: datetime | None = None) -> datetime:
    """The minute a periodic task belongs to (Huey's schedulers tick once a minute)."""
    return (now or utcnow()).replace(second=0, microsecond=0)


def claim_tick(name: str, now: datetime | None = None) -> bool:
    """Record that this worker runs ``name`` for the current minute; False if one already did."""
    db.session.add(TaskTick(name=name, tick=current_tick(now)))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def forget_old_ticks(now: datetime | None = None) -> int:
    """Delete ticks older than two days (the claims only matter within a minute)."""
    deleted = db.session.execute(
        delete(TaskTick).where(TaskTick.tick < (now or utcnow()) - KEEP_TICKS)
    )
    db.session.commit()
    return rows_changed(deleted) or 0
