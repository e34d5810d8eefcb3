"""``flask --app app worker``: run the task queue's consumer and scheduler."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db
from app.startup import freeze_start_up_objects, report_database_problem
from app.tasks.heartbeat import Heartbeat, last_worker_seen
from app.tasks.jobs import run_job
from app.tasks.models import Job
from app.tasks.queue import task_queue
from app.timeutil import utcnow

WAIT_SECONDS = 1.0


@click.command("worker")
@with_appcontext
@click.option(
    "--threads",
    type=click.IntRange(min=1, max=64),
    help="Tasks run at once by this process (default: TASKS_WORKERS).",
)
@click.option(
    "--no-periodic",
    is_flag=True,
    help="Do not schedule periodic tasks here (they are locked per tick anyway).",
)
def worker_command(threads: int | None, no_periodic: bool):
    """Run background work (mail, geocoding, imports, rebuilds) until stopped; run N of these."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("TASKS_EAGER"):
        raise click.ClickException("TASKS_EAGER is set: tasks run where they are queued.")
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    report_database_problem(app.config["DATABASE_URL"], app.logger.error)
    if not app.config.get("SITE_URL"):
        app.logger.warning("SITE_URL is not set: links in mail made here use %s", "localhost")
    freeze_start_up_objects()  # the open-data files it builds are exports of every row
    heartbeat = Heartbeat(app)
    heartbeat.start()
    consumer = task_queue(app).huey.create_consumer(
        workers=threads or app.config["TASKS_WORKERS"],
        worker_type="thread",
        periodic=not no_periodic,
        check_worker_health=True,
    )
    where = app.config.get("REDIS_URL") and "Redis" or "SQLite"
    app.logger.info("worker %s started on the %s queue", heartbeat.name_of_worker, where)
    try:
        consumer.run()
    finally:
        heartbeat.stop()


def finish_job(job_id: int, label: str, err: bool = False) -> dict[str, Any]:
    """Wait for a job a command queued, showing its progress (on standard error with
    ``err``): on a worker if one runs, else here (an operator's command must not hang for
    want of a worker). Returns its result."""
    seen = last_worker_seen()
    fresh = timedelta(seconds=current_app.config["WORKER_STALE_SECONDS"])
    job = db.session.get(Job, job_id)
    assert job is not None
    if job.state == "queued" and (seen is None or utcnow() - seen > fresh):
        db.session.commit()
        click.echo(f"{label} here (no worker is running)…", err=err)
        run_job.call_local(job_id)
    elif job.state in ("queued", "running"):
        click.echo(f"{label} on a worker (job {job_id})…", err=err)
    while True:
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        assert job is not None
        db.session.commit()
        if job.state == "done":
            return dict(job.result or {})
        if job.state == "failed":
            raise click.ClickException(f"Job {job_id} failed: {job.error}")
        time.sleep(WAIT_SECONDS)


commands = (worker_command,)
