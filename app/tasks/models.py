"""What the background work remembers in the database: jobs, periodic ticks, workers seen."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.database import UTCDateTime
from app.extensions import Model
from app.timeutil import utcnow

JOB_STATES = ("queued", "running", "done", "failed")


class Job(Model):
    """A long piece of work with progress (an import, a rebuild), run by a worker.

    The row is the truth: a job whose task was lost (queue down) or whose worker died (no
    heartbeat) is queued again by the sweep, and the work itself is idempotent.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # import_csv, rebuild_derived, ...
    state: Mapped[str] = mapped_column(String(16), default="queued")
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_job_state_created_at", "state", "created_at"),)


class TaskTick(Model):
    """One periodic task's tick, claimed by the first worker to run it."""

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    tick: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkerHeartbeat(Model):
    """A worker process's last sign of life, for /readyz and the admin page."""

    name: Mapped[str] = mapped_column(String(200), primary_key=True)  # host:pid
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
