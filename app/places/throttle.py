"""A throttle for outside services, shared by every worker and instance through the database.

Each call reserves the next free moment in a short transaction of its own: the row of the
service is locked (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the transaction's first
statement is a write, which takes the database's single write lock), ``next_at`` moves to
max(now, next_at) + interval, and the caller sleeps until its moment. So however many
processes ask at once, their calls start at least ``interval`` seconds apart. A caller that
would wait longer than it may is refused at once, without taking a moment from the others.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.places.models import Throttle
from app.timeutil import utcnow

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


class ThrottleBusy(Exception):
    """The next free moment is further away than the caller may wait."""

    def __init__(self, wait: float):
        super().__init__(f"the next free moment is {wait:.1f} s away")
        self.wait = wait


def reserve_moment(name: str, interval: float, max_wait: float) -> float:
    """Reserve the next moment the service may be called; return the seconds until it."""
    with db.engine.begin() as connection:
        _ensure_row(connection, name)
        next_at = connection.scalar(
            select(Throttle.next_at).where(Throttle.name == name).with_for_update()
        )
        now = utcnow()
        start = now if next_at is None else max(now, next_at)
        wait = (start - now).total_seconds()
        if wait > max_wait:
            raise ThrottleBusy(wait)  # leaves the transaction, reserving nothing
        connection.execute(
            update(Throttle)
            .where(Throttle.name == name)
            .values(next_at=start + timedelta(seconds=interval))
        )
    return wait


def wait_for_moment(name: str, interval: float, max_wait: float) -> None:
    """Block until this process may call the service (at most ``max_wait`` seconds)."""
    wait = reserve_moment(name, interval, max_wait)
    if wait > 0:
        time.sleep(wait)


def postpone(name: str, seconds: float) -> None:
    """Nobody calls the service for the next ``seconds`` (it asked us to back off)."""
    with db.engine.begin() as connection:
        _ensure_row(connection, name)
        later = utcnow() + timedelta(seconds=seconds)
        connection.execute(
            update(Throttle)
            .where(Throttle.name == name, Throttle.next_at < later)
            .values(next_at=later)
        )


def _ensure_row(connection: Connection, name: str) -> None:
    """Create the service's row unless it exists; racing creators both succeed."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(
        dialect.insert(Throttle).values(name=name, next_at=LONG_AGO).on_conflict_do_nothing()
    )
