"""Jobs: long work with progress (an import, a rebuild), recorded in the database and run by a
worker. The row is the truth; the queue only carries the job's id.

A feature declares a kind of job with ``@job_kind("name")`` on a function taking the job and
a ``JobProgress``; ``start_job`` records a job and queues it once the transaction commits. A
job whose task was lost is queued again by the sweep; one whose worker died (its heartbeat
stopped) is run again, so job functions must be idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import or_, select, update

from app.database import rows_changed
from app.extensions import db
from app.tasks.models import Job
from app.tasks.queue import background_task, before_retry, enqueue_after_commit
from app.timeutil import utcnow

log = logging.getLogger(__name__)

JobFunction = Callable[[Job, "JobProgress"], dict[str, Any]]
JOB_KINDS: dict[str, JobFunction] = {}
MAX_ATTEMPTS = 3
SWEEP_GRACE = timedelta(minutes=1)  # queued this long and not started: its task was lost
HEARTBEAT_EVERY = timedelta(seconds=5)


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
    show it while the job's own transaction is still open."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.values: dict[str, Any] = {}
        self._written_at = utcnow() - HEARTBEAT_EVERY

    def update(self, force: bool = False, **values: Any) -> None:
        """Record counters (rows checked, written, ...); written at most every few seconds."""
        self.values.update(values)
        now = utcnow()
        if force or now - self._written_at >= HEARTBEAT_EVERY:
            self._written_at = now
            with db.engine.begin() as connection:
                connection.execute(
                    update(Job)
                    .where(Job.id == self.job_id)
                    .values(progress=dict(self.values), heartbeat_at=now)
                )


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
