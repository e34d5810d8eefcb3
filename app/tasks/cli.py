"""``flask --app app worker``: run the task queue's consumer and scheduler."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext

from app.tasks.heartbeat import Heartbeat
from app.tasks.queue import task_queue


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
    if not app.config.get("SITE_URL"):
        app.logger.warning("SITE_URL is not set: links in mail made here use %s", "localhost")
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


commands = (worker_command,)
