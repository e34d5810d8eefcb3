"""The queue's own housekeeping: lost jobs queued again, old ticks and heartbeats forgotten."""

from __future__ import annotations

from huey import crontab

from app.tasks.heartbeat import forget_old_heartbeats
from app.tasks.jobs import jobs_to_requeue, run_job
from app.tasks.queue import enqueue_now, periodic_task
from app.tasks.ticks import forget_old_ticks


@periodic_task(crontab(minute="*"))
def sweep_jobs() -> int:
    """Queue jobs whose task was lost, and run again those whose worker died."""
    job_ids = jobs_to_requeue()
    for job_id in job_ids:
        enqueue_now(run_job, job_id)
    return len(job_ids)


@periodic_task(crontab(minute="17", hour="3"))
def tidy_queue_records() -> dict[str, int]:
    """Forget periodic ticks and worker heartbeats older than two days."""
    return {"ticks": forget_old_ticks(), "heartbeats": forget_old_heartbeats()}
