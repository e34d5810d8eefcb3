"""What admins see of the background work, read from the queue itself (Huey's storage, on
SQLite or Redis) and from the records the work keeps: waiting, scheduled and failed tasks,
workers, jobs; and their actions: retry or discard a failed task."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from huey.constants import EmptyData
from sqlalchemy import select

from app.extensions import db
from app.tasks.models import Job, WorkerHeartbeat
from app.tasks.queue import BEFORE_RETRY, DECLARED, TASK_FAILED, TaskQueue

SHOWN = 100


@dataclass(frozen=True)
class QueuedTask:
    id: str
    name: str
    args: str
    eta: datetime | None = None
    retries: int = 0


@dataclass(frozen=True)
class FailedTask:
    id: str
    name: str
    args: str
    error: str
    failed_at: datetime


def _queued(task: Any) -> QueuedTask:
    eta = task.eta.replace(tzinfo=UTC) if task.eta is not None else None
    return QueuedTask(task.id, task.name, repr(task.args)[:200], eta, task.retries)


def waiting_tasks(queue: TaskQueue) -> tuple[list[QueuedTask], int]:
    """Tasks waiting for a worker (the first SHOWN), and how many there are."""
    huey = queue.huey
    return [_queued(task) for task in huey.pending(SHOWN)], huey.pending_count()


def scheduled_tasks(queue: TaskQueue) -> tuple[list[QueuedTask], int]:
    """Tasks waiting for their time (retries with backoff, among others)."""
    huey = queue.huey
    return [_queued(task) for task in huey.scheduled(SHOWN)], huey.scheduled_count()


def failed_tasks(queue: TaskQueue) -> list[FailedTask]:
    """Tasks out of retries, newest first, with their errors."""
    failed = []
    huey = queue.huey
    for key, value in huey.storage.result_items().items():
        if not key.startswith(TASK_FAILED):
            continue
        record = huey.serializer.deserialize(value)
        failed.append(
            FailedTask(
                key[len(TASK_FAILED) :],
                record["name"],
                record["args"],
                record["error"],
                datetime.fromtimestamp(record["failed_at"], UTC),
            )
        )
    return sorted(failed, key=lambda task: task.failed_at, reverse=True)


def retry_failed_task(queue: TaskQueue, task_id: str) -> str | None:
    """Queue a failed task again (its record reset first); its name, or None if unknown."""
    huey = queue.huey
    raw = huey.storage.peek_data(TASK_FAILED + task_id)
    if raw is EmptyData:
        return None
    record = huey.serializer.deserialize(raw)
    task = huey.deserialize_task(record["task"])
    declared = DECLARED.get(task.name)
    task.retries = declared.options.get("retries", 0) if declared else 0
    if task.name in BEFORE_RETRY:
        BEFORE_RETRY[task.name](tuple(task.args))
        db.session.commit()
    huey.enqueue(task)
    huey.storage.delete_data(TASK_FAILED + task_id)
    return str(task.name)


def discard_failed_task(queue: TaskQueue, task_id: str) -> bool:
    """Forget a failed task; False if there was none."""
    return bool(queue.huey.storage.delete_data(TASK_FAILED + task_id))


def workers_seen() -> list[WorkerHeartbeat]:
    return list(
        db.session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.last_seen.desc()))
    )


def recent_jobs(limit: int = 50) -> list[Job]:
    return list(db.session.scalars(select(Job).order_by(Job.id.desc()).limit(limit)))
