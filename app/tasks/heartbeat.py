"""Workers' heartbeats: each worker process says it is alive every few seconds, in the
database, so /readyz and the admin page can tell whether anyone runs the queue."""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import delete, func, select
from sqlalchemy.exc import SQLAlchemyError

from app.database import rows_changed
from app.extensions import db
from app.tasks.models import WorkerHeartbeat
from app.timeutil import utcnow

log = logging.getLogger(__name__)

BEAT_SECONDS = 15.0
KEEP_HEARTBEATS = timedelta(days=2)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(name: str, started_at: datetime) -> None:
    """Record that the worker ``name`` is alive now."""
    row = db.session.get(WorkerHeartbeat, name)
    if row is None:
        db.session.add(WorkerHeartbeat(name=name, started_at=started_at, last_seen=utcnow()))
    else:
        row.last_seen = utcnow()
    db.session.commit()


def last_worker_seen() -> datetime | None:
    """When any worker last said it was alive (None: never)."""
    return db.session.scalar(select(func.max(WorkerHeartbeat.last_seen)))


def forget_old_heartbeats(now: datetime | None = None) -> int:
    deleted = db.session.execute(
        delete(WorkerHeartbeat).where(
            WorkerHeartbeat.last_seen < (now or utcnow()) - KEEP_HEARTBEATS
        )
    )
    db.session.commit()
    return rows_changed(deleted) or 0


class Heartbeat(threading.Thread):
    """A daemon thread beating for this worker process until stopped."""

    def __init__(self, app: Flask):
        super().__init__(name="heartbeat", daemon=True)
        self.app = app
        self.name_of_worker = worker_name()
        self.started_at = utcnow()
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            with self.app.app_context():
                try:
                    beat(self.name_of_worker, self.started_at)
                except SQLAlchemyError as error:  # the database is away: try again later
                    db.session.rollback()
                    log.warning("worker heartbeat not recorded: %s", error)
                finally:
                    db.session.remove()
            self.stopped.wait(BEAT_SECONDS)

    def stop(self) -> None:
        self.stopped.set()
