"""Jobs: long work with progress (an import, a rebuild), recorded in the database and run by a
worker. The row is the truth; the queue only carries the job's id.

A feature declares a kind of job with ``@job_kind("name")`` on a function taking the job and
a ``JobProgress``; ``start_job`` records a job and queues it once the transaction commits. A
job whose task was lost is queued again by the sweep; one whose worker died (its heartbeat
stopped) is run again, so job functions must be idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from flask import current_app
from huey.constants import EmptyData
from sqlalchemy import or_, select, update

from app.database import rows_changed
from app.extensions import db
from app.tasks.models import Job
from app.tasks.queue import background_task, before_retry, enqueue_after_commit, task_queue
from app.timeutil import utcnow

log = logging.getLogger(__name__)

JobFunction = Callable[[Job, "JobProgress"], dict[str, Any]]
JOB_KINDS: dict[str, JobFunction] = {}
MAX_ATTEMPTS = 3
SWEEP_GRACE = timedelta(minutes=1)  # queued this long and not started: its task was lost
HEARTBEAT_EVERY = timedelta(seconds=5)
LIVE_PROGRESS = "job-progress:"  # key prefix of counters kept in the queue's store meanwhile


class JobFailed(Exception):
    """A job that raised: recorded as failed on its row, and in the queue for admins."""


def job_kind(name: str) -> Callable[[JobFunction], JobFunction]:
    """Declare the function that does one kind of job."""

    def register(function: JobFunction) -> JobFunction:
        JOB_KINDS[name] = function
        return function

    return register


def start_job(kind: str, owner_id: int | None = None, **payload: Any) -> Job:
    """Record a job (flushed with the caller's transaction) and queue it after the commit."""
    if kind not in JOB_KINDS:
        raise KeyError(f"Unknown kind of job {kind!r}")
    job = Job(kind=kind, owner_id=owner_id, payload=payload, progress={})
    db.session.add(job)
    db.session.flush()
    enqueue_after_commit(run_job, job.id)
    return job


class JobProgress:
    """How far a job has got, written in short transactions of their own so that a page can
    show it while the job's own transaction is still open.

    While a job holds a write transaction (``with progress.while_writing():``) on SQLite,
    which has one writer at a time, no other connection can write the job's row: the counters
    then go to the queue's own store (its SQLite file, or Redis), where ``job_progress``
    finds them, until the transaction ends.
    """

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.values: dict[str, Any] = {}
        self._written_at = utcnow() - HEARTBEAT_EVERY
        self._live = False

    def update(self, force: bool = False, **values: Any) -> None:
        """Record counters (rows checked, written, ...); written at most every few seconds."""
        self.values.update(values)
        now = utcnow()
        if not force and now - self._written_at < HEARTBEAT_EVERY:
            return
        self._written_at = now
        if self._live:
            _put_live(self.job_id, self.values)
            return
        with db.engine.begin() as connection:
            connection.execute(
                update(Job)
                .where(Job.id == self.job_id)
                .values(progress=dict(self.values), heartbeat_at=now)
            )

    @contextmanager
    def while_writing(self) -> Iterator[None]:
        """Counters written while the job's own write transaction is open."""
        self._live = db.engine.dialect.name == "sqlite"
        try:
            yield
        finally:
            if self._live:
                self._live = False
                _put_live(self.job_id, None)


def _put_live(job_id: int, values: dict[str, Any] | None) -> None:
    """Keep (or with None, forget) a job's counters in the queue's store."""
    huey = task_queue().huey
    key = f"{LIVE_PROGRESS}{job_id}"
    try:
        if values is None:
            huey.storage.pop_data(key)
        else:
            huey.storage.put_data(key, huey.serializer.serialize(dict(values)))
    except Exception as error:  # progress is a courtesy: the job goes on without it
        log.warning("job %s: progress not kept (%s)", job_id, error)


def job_progress(job: Job) -> dict[str, Any]:
    """A job's counters as far as anyone knows: its row's, or newer ones kept meanwhile."""
    values = dict(job.progress or {})
    if job.state != "running":
        return values
    huey = task_queue().huey
    try:
        live = huey.storage.peek_data(f"{LIVE_PROGRESS}{job.id}")
    except Exception:  # the queue is away: the row's counters are all there is
        return values
    if live is not EmptyData:
        values.update(huey.serializer.deserialize(live))
    return values


@background_task()
def run_job(job_id: int) -> str:
    """Run one job if it is still queued (a second worker, or a second task, finds it taken)."""
    now = utcnow()
    claimed = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == "queued")
        .values(state="running", started_at=now, heartbeat_at=now, attempts=Job.attempts + 1)
    )
    db.session.commit()
    if rows_changed(claimed) != 1:
        return "not queued"
    job = db.session.get(Job, job_id)
    assert job is not None
    progress = JobProgress(job_id)
    progress.values = dict(job.progress or {})
    try:
        result = JOB_KINDS[job.kind](job, progress)
    except Exception as error:
        db.session.rollback()
        _finish(job_id, "failed", error=f"{type(error).__name__}: {error}")
        log.exception("job %s (%s) failed", job_id, job.kind)
        raise JobFailed(f"job {job_id} ({job.kind}): {error}") from error
    _finish(job_id, "done", result=result, progress=progress.values)
    log.info("job %s (%s) done: %s", job_id, job.kind, result)
    return "done"


def reset_failed_job(job_id: int) -> bool:
    """A failed job queued again, for an admin's retry; False if it is not failed."""
    changed = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == "failed")
        .values(state="queued", error=None, finished_at=None, attempts=0)
    )
    return rows_changed(changed) == 1


before_retry(run_job)(reset_failed_job)


def _finish(job_id: int, state: str, **values: Any) -> None:
    with db.engine.begin() as connection:
        connection.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(state=state, finished_at=utcnow(), heartbeat_at=utcnow(), **values)
        )


def jobs_to_requeue() -> list[int]:
    """Jobs whose task was lost or whose worker died, for the sweep to queue again."""
    now = utcnow()
    stale = now - timedelta(seconds=current_app.config["TASKS_STALE_SECONDS"])
    silent = or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < stale)
    dead = db.session.scalars(
        select(Job).where(Job.state == "running", silent).with_for_update()
    ).all()
    for job in dead:
        if job.attempts >= MAX_ATTEMPTS:
            job.state, job.finished_at = "failed", now
            job.error = f"Its worker stopped {job.attempts} times while running it."
            log.warning("job %s (%s) failed: %s", job.id, job.kind, job.error)
        else:
            job.state = "queued"
            log.warning("job %s (%s): its worker stopped; queued again", job.id, job.kind)
    db.session.commit()
    job_ids = list(
        db.session.scalars(
            select(Job.id).where(
                Job.state == "queued",
                or_(Job.created_at < now - SWEEP_GRACE, Job.attempts > 0),
            )
        )
    )
    db.session.commit()  # nothing held while the jobs are queued
    return job_ids
