"""Real worker processes: a task queued by the site is run by `flask --app app worker` on the
SQLite queue and on Redis; two workers share a queue with each effect once and each periodic
tick once; a killed worker's job runs again without writing twice; Redis going away loses
nothing."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
import time_machine
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.mail.models import OutgoingMail
from app.mail.services import queue_mail
from app.mail.tasks import sweep_mail
from app.organisations.models import Organisation
from app.tasks.jobs import start_job
from app.tasks.maintenance import sweep_jobs
from app.tasks.models import Job, TaskTick, WorkerHeartbeat
from app.timeutil import utcnow
from tests.support.apps import app_config, migrate_database
from tests.support.run_worker import (
    CLOCK_VARIABLE,
    SLOW_JOB_STEPS,
    SLOW_JOB_VARIABLE,
    declare_slow_job,
)
from tests.support.serve_app import CONFIG_VARIABLE

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.sqlite_only  # the queue is what is tested; its database is a file


def wait_until(
    check: Callable[[], bool], seconds: float = 30, what: Callable[[], str] | None = None
) -> None:
    """Poll ``check``; on timeout, fail with ``what()`` (the workers' logs as they are then)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what() if what else check}"
        time.sleep(0.1)


class Worker:
    """A `flask --app app worker` process of the test's own, with its log kept."""

    def __init__(
        self,
        config: dict,
        folder: Path,
        name: str,
        slow_job: bool = False,
        clock: datetime | None = None,
    ):
        self.log_path = folder / f"{name}.log"
        environment = {**os.environ, CONFIG_VARIABLE: json.dumps(config)}
        if slow_job:
            environment[SLOW_JOB_VARIABLE] = "1"
        if clock is not None:
            environment[CLOCK_VARIABLE] = clock.isoformat()
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.run_worker", "--threads", "2"],
            cwd=ROOT,
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def text(self) -> str:
        self.log.flush()
        return self.log_path.read_text()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # Huey's graceful stop
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()


@pytest.fixture
def site(tmp_path):
    """A migrated SQLite site whose queue is real (not eager), and a way to start workers."""
    config = app_config(
        f"sqlite:///{tmp_path / 'site.sqlite3'}",
        tmp_path,
        TASKS_EAGER=False,
        TASKS_DATABASE=str(tmp_path / "tasks.sqlite3"),
        TASKS_STALE_SECONDS=3,
    )
    migrate_database(config)
    workers: list[Worker] = []

    @contextmanager
    def app_for(extra: dict | None = None) -> Iterator:
        app = create_app({**config, **(extra or {})})
        try:
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()

    def start_worker(
        extra: dict | None = None, slow_job: bool = False, clock: datetime | None = None
    ) -> Worker:
        name = f"worker{len(workers)}"
        worker = Worker({**config, **(extra or {})}, tmp_path, name, slow_job, clock)
        workers.append(worker)
        return worker

    yield config, app_for, start_worker
    for worker in workers:
        worker.stop()


def mail_states(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(OutgoingMail.state).order_by(OutgoingMail.id)))


def queue_messages(app, count: int) -> None:
    with app.app_context():
        for number in range(count):
            queue_mail(f"person{number}@example.org", f"Message {number}", "Hello")
        db.session.commit()


def outbox_files(config: dict) -> list[Path]:
    return sorted(Path(config["OUTBOX_PATH"]).glob("*.eml"))


def test_a_worker_sends_what_the_site_queued_on_sqlite(site):
    config, app_for, start_worker = site
    with app_for() as app:
        queue_messages(app, 3)
        assert mail_states(app) == ["queued"] * 3  # nothing runs in the request
        worker = start_worker()
        wait_until(lambda: mail_states(app) == ["sent"] * 3, what=worker.text)
        assert len(outbox_files(config)) == 3
        with app.app_context():
            (heartbeat,) = db.session.scalars(select(WorkerHeartbeat))
            assert heartbeat.name.endswith(f":{worker.process.pid}")
        assert app.test_client().get("/readyz").json["checks"]["worker"]["ok"] is True


def test_a_worker_sends_what_the_site_queued_on_redis(site, redis_server):
    config, app_for, start_worker = site
    redis_config = {"REDIS_URL": redis_server.url}
    with app_for(redis_config) as app:
        queue_messages(app, 3)
        assert mail_states(app) == ["queued"] * 3
        worker = start_worker(redis_config)
        wait_until(lambda: mail_states(app) == ["sent"] * 3, what=worker.text)
        assert len(outbox_files(config)) == 3
        keys = redis.Redis.from_url(redis_server.url).keys("huey*")
        assert keys, "the queue lives in Redis"


def shared_minute_start() -> datetime:
    """A wall-clock start for workers, no earlier than now (the site's queued mail is due) and
    at most 40 s ahead, at most 20 s into a minute: workers started from it within the next
    40 s all read the same minute while they start."""
    now = datetime.now(UTC)
    if now.second <= 20:
        return now
    return now.replace(second=1, microsecond=0) + timedelta(minutes=1)


def test_two_workers_send_each_message_once_and_run_each_tick_once(site):
    config, app_for, start_worker = site
    with app_for() as app:
        queue_messages(app, 40)
        # Each scheduler queues the periodic sweeps as it starts (and every 60 s of its own
        # after): with their clocks in one minute, both queue that minute's sweep_mail, and
        # one of the two runs it.
        start = shared_minute_start()
        first, second = start_worker(clock=start), start_worker(clock=start)
        wait_until(
            lambda: mail_states(app) == ["sent"] * 40, what=lambda: first.text() + second.text()
        )
        assert len(outbox_files(config)) == 40  # each message written once
        with app.app_context():
            assert db.session.scalar(select(func.sum(OutgoingMail.attempts))) == 40
        # (Out of the app context: outside a request a session begins IMMEDIATE, and an open
        # one would hold SQLite's write lock while the workers wait to claim their ticks.)
        wait_until(
            lambda: "sweep_mail: this tick already ran elsewhere" in first.text() + second.text(),
            what=lambda: first.text() + second.text(),
        )
        with app.app_context():
            ticks = db.session.scalars(
                select(TaskTick.tick).where(TaskTick.name == "sweep_mail")
            ).all()
        logs = first.text() + second.text()
        ran = logs.count("sweep_mail") - logs.count("sweep_mail: this tick already ran")
        assert len(ticks) == len(set(ticks)) >= 1
        assert logs.count("periodic task sweep_mail: this tick already ran elsewhere") >= 1
        assert ran >= len(ticks)


def test_a_killed_worker_s_job_runs_again_and_writes_nothing_twice(site):
    config, app_for, start_worker = site
    declare_slow_job()
    with app_for() as app:
        with app.app_context():
            job_id = start_job("test_slow_job").id
            db.session.commit()

        def steps() -> int:
            with app.app_context():
                job = db.session.get(Job, job_id)
                return (job.progress or {}).get("steps", 0)

        first = start_worker(slow_job=True)
        wait_until(lambda: steps() >= 2, what=first.text)
        first.kill()  # kill -9, mid-job
        with app.app_context():
            assert db.session.get(Job, job_id).state == "running"
        second = start_worker(slow_job=True)
        # The periodic sweep, run now, by a clock past the point where the killed worker's
        # heartbeat went stale (rather than waiting for it to).
        stale = utcnow() + timedelta(seconds=config["TASKS_STALE_SECONDS"] + 0.5)
        with time_machine.travel(stale, tick=False), app.app_context():
            assert sweep_jobs.call_local() == 1
        wait_until(lambda: job_state(app, job_id) == "done", seconds=40, what=second.text)
        with app.app_context():
            job = db.session.get(Job, job_id)
            assert job.attempts == 2
            assert job.result == {"steps": SLOW_JOB_STEPS}
            names = db.session.scalars(
                select(Organisation.name).where(Organisation.name.like("Slow job step %"))
            ).all()
        assert sorted(names) == [f"Slow job step {step}" for step in range(SLOW_JOB_STEPS)]


def job_state(app, job_id: int) -> str:
    with app.app_context():
        return db.session.get(Job, job_id).state


def test_redis_going_away_loses_nothing_and_work_resumes(site, redis_server, caplog):
    config, app_for, start_worker = site
    redis_config = {"REDIS_URL": redis_server.url}
    with app_for(redis_config) as app:
        client = app.test_client()
        redis_server.stop()
        with caplog.at_level(logging.WARNING, logger="app.tasks.queue"):
            queue_messages(app, 2)  # as a request would: the commit stands
        assert mail_states(app) == ["queued", "queued"]
        assert any("task queue unavailable" in r.getMessage() for r in caplog.records)
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").json["checks"]["redis"] == {"ok": False}

        redis_server.start()
        worker = start_worker(redis_config)
        with time_machine.travel(utcnow() + timedelta(minutes=2)), app.app_context():
            assert sweep_mail.call_local() == 2  # the periodic sweep, once the grace is over
        wait_until(lambda: mail_states(app) == ["sent", "sent"], what=worker.text)
        assert len(outbox_files(config)) == 2
