"""The task queue: Huey, on an embedded SQLite file by default and on Redis with ``REDIS_URL``.

Work that must not run in a request (mail, geocoding, imports, rebuilds) is a *task*: a plain
function declared with ``background_task`` (or ``periodic_task``) and queued with
``enqueue_after_commit`` once the transaction that asked for it has committed, so a worker
never looks for rows that are not there yet. What the work is about lives in the database (a
mail's row, an import's job), so a task that is lost (Redis down when it was queued, a worker
killed while running it) is found again by a periodic sweep: the queue carries work, the
database remembers it.

Each app gets its own Huey instance (``task_queue()``), built from its configuration with
every declared task registered on it; every task runs in an app context of its own, with its
own database session. Under ``TASKS_EAGER`` (the tests) tasks run at once, in the process
that queues them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import redis
from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, signals
from huey.api import TaskWrapper
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db

log = logging.getLogger(__name__)

QUEUE_NAME = "coproduce"
TASK_FAILED = "failed:"  # key prefix of a task that failed for good, in the queue's own store
EXTENSION = "task_queue"
_AFTER_COMMIT = "tasks_after_commit"
_OUTAGE_LOG_SECONDS = 60.0
_last_outage_log = 0.0


@dataclass(frozen=True)
class Task:
    """A declared task: what to run, how to retry it, and (if periodic) when."""

    name: str
    function: Callable[..., Any]
    options: dict[str, Any] = field(default_factory=dict)
    schedule: Callable[..., Any] | None = None

    def call_local(self, *args: Any) -> Any:
        """Run the task here and now, in an app context of its own (tests, commands); a
        periodic task run this way claims no tick."""
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        with app.app_context():
            try:
                return self.function(*args)
            finally:
                db.session.remove()


DECLARED: dict[str, Task] = {}
# What to do to a task's record before an admin retries it (a failed mail back to queued).
BEFORE_RETRY: dict[str, Callable[[tuple[Any, ...]], object]] = {}


def before_retry(task: Task) -> Callable[[Callable[..., object]], Callable[..., object]]:
    """Declare what an admin's retry of a failed ``task`` resets first (its args given)."""

    def register(function: Callable[..., object]) -> Callable[..., object]:
        BEFORE_RETRY[task.name] = lambda args: function(*args)
        return function

    return register


def background_task(
    name: str | None = None, **options: Any
) -> Callable[[Callable[..., Any]], Task]:
    """Declare a task (named after its function unless ``name`` says otherwise), retried as
    ``options`` say (Huey's retries, retry_delay, retry_backoff)."""

    def declare(function: Callable[..., Any]) -> Task:
        return _declare(Task(name or function.__name__, function, options))

    return declare


def _declare(task: Task) -> Task:
    if task.name in DECLARED and DECLARED[task.name].function is not task.function:
        raise ValueError(f"Two tasks are called {task.name}")
    DECLARED[task.name] = task
    return task


def periodic_task(schedule: Callable[..., Any]) -> Callable[[Callable[..., Any]], Task]:
    """Declare a periodic task; each tick runs once however many workers there are."""

    def declare(function: Callable[..., Any]) -> Task:
        return _declare(Task(function.__name__, function, {}, schedule))

    return declare


class TaskQueue:
    """One app's queue: its Huey instance, with every declared task registered on it."""

    def __init__(self, app: Flask):
        self.app = app
        self.huey = _build_huey(app)
        self.wrappers: dict[str, TaskWrapper] = {}
        for task in DECLARED.values():
            self.register(task)
        self.huey.signal(signals.SIGNAL_ERROR)(self._remember_final_failure)

    def register(self, task: Task) -> None:
        run = self._in_app_context(task)
        if task.schedule is not None:
            wrapper = self.huey.periodic_task(task.schedule, name=task.name)(run)
        else:
            wrapper = self.huey.task(name=task.name, **task.options)(run)
        self.wrappers[task.name] = wrapper

    def _in_app_context(self, task: Task) -> Callable[..., Any]:
        app = self.app

        def run(*args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                try:
                    if task.schedule is not None and not _claim_tick(task.name):
                        log.info("periodic task %s: this tick already ran elsewhere", task.name)
                        return None
                    return task.function(*args, **kwargs)
                finally:
                    db.session.remove()

        run.__name__ = task.name
        run.__module__ = task.function.__module__  # the name Huey logs: app.mail.tasks.x
        return run

    def enqueue(self, task: Task, *args: Any) -> None:
        self.wrappers[task.name](*args)

    def schedule(self, task: Task, args: tuple[Any, ...], eta: datetime) -> None:
        self.wrappers[task.name].schedule(args=args, eta=eta)

    def _remember_final_failure(self, signal: str, task: Any, error: Any = None) -> None:
        """A task out of retries is kept in the queue's store, for admins to retry or discard."""
        if task.retries:
            return
        record = {
            "task": self.huey.serialize_task(task),
            "name": task.name,
            "args": repr(task.args)[:500],
            "error": repr(error)[:2000],
            "failed_at": time.time(),
        }
        self.huey.storage.put_data(TASK_FAILED + task.id, self.huey.serializer.serialize(record))
        log.warning("task %s %s failed for good: %r", task.name, task.id, error)


def _build_huey(app: Flask) -> Huey:
    name = app.config.get("TASKS_QUEUE_NAME") or QUEUE_NAME
    if app.config.get("TASKS_EAGER"):
        return MemoryHuey(name, immediate=True)
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        # Short socket timeouts: a Redis that is away fails an enqueue at once, and the sweep
        # finds the work later; the worker's blocking reads wait one second at a time.
        pool = redis.ConnectionPool.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
        return RedisHuey(name, connection_pool=pool)
    path = app.config.get("TASKS_DATABASE") or str(Path(app.instance_path) / "tasks.sqlite3")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=path)


def configure_queue(app: Flask) -> None:
    """Give the app its queue (every task module must be imported before this)."""
    app.extensions[EXTENSION] = TaskQueue(app)


def task_queue(app: Flask | None = None) -> TaskQueue:
    """The current (or given) app's queue."""
    owner = app or current_app._get_current_object()  # type: ignore[attr-defined]
    queue: TaskQueue = owner.extensions[EXTENSION]
    return queue


def _claim_tick(name: str) -> bool:
    from app.tasks.ticks import claim_tick

    return claim_tick(name)


def enqueue_after_commit(task: Task, *args: Any, session: Session | None = None) -> None:
    """Queue ``task(*args)`` once the transaction of ``session`` (the app's, by default)
    commits; at once if none is open.

    A queue that cannot be reached is logged, not raised: the work stays recorded in the
    database and the periodic sweep queues it later.
    """
    session = session or db.session()
    if session.in_transaction():
        session.info.setdefault(_AFTER_COMMIT, []).append((task_queue(), task, args))
    else:
        enqueue_now(task, *args)


def enqueue_now(task: Task, *args: Any, queue: TaskQueue | None = None) -> bool:
    """Queue a task now; False (and one warning a minute) when the queue is unreachable."""
    global _last_outage_log
    try:
        (queue or task_queue()).enqueue(task, *args)
    except Exception as error:  # Redis down, SQLite file unwritable: the sweep will retry
        now = time.monotonic()
        if now - _last_outage_log > _OUTAGE_LOG_SECONDS:
            _last_outage_log = now
            log.warning(
                "task queue unavailable (%s: %s): %s kept in the database for the sweep",
                type(error).__name__,
                error,
                task.name,
            )
        return False
    return True


def schedule_now(task: Task, args: tuple[Any, ...], eta: datetime) -> bool:
    """Queue a task to run at ``eta``; False when the queue is unreachable (the sweep will
    find the work when it is due)."""
    try:
        task_queue().schedule(task, args, eta)
    except Exception as error:
        log.warning("task queue unavailable (%s): %s not scheduled", error, task.name)
        return False
    return True


@event.listens_for(Session, "after_commit")
def _enqueue_committed(session: Session) -> None:
    for queue, task, args in session.info.pop(_AFTER_COMMIT, []):
        enqueue_now(task, *args, queue=queue)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)
