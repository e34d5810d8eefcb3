"""The background work's speed with a real worker process: queue round trip and mail.

Run with `make bench-background` (or `python bench/background_work.py --redis URL`). It
starts `flask --app app worker` (2 threads) as a process of its own on a temporary SQLite
database and prints two tables:

- **queue round trip**: the time from enqueueing a task to the worker starting it, over 200
  tasks queued 20 ms apart (50th and 95th percentile), on the SQLite queue and, with
  `--redis`, on Redis (its own queue name, so nothing else on that Redis is touched);
- **mail**: 1,000 messages queued in one transaction, delivered to a fake SMTP server on
  loopback (aiosmtpd), in messages per second from the commit to the last one sent.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.tasks.queue import background_task, enqueue_now, task_queue  # noqa: E402

CONFIG_VARIABLE = "COPRODUCE_BENCH_CONFIG"
PINGS = 200
PING_GAP = 0.02
MAILS = 1000
STARTED = "bench-ping:"


@background_task(name="bench_ping")
def bench_ping(number: int) -> None:
    """Record when a worker started this task, in the queue's own store."""
    huey = task_queue().huey
    huey.storage.put_data(f"{STARTED}{number}", str(time.time()).encode())


def make_app(config: dict):
    from app import create_app

    return create_app(config)


def run_worker() -> None:
    """The worker process (this script with --worker): the app's own worker command."""
    from flask.cli import ScriptInfo

    from app.tasks.cli import worker_command

    app = make_app(json.loads(os.environ[CONFIG_VARIABLE]))
    worker_command.main(
        args=["--threads", "2", "--no-periodic"],
        standalone_mode=True,
        obj=ScriptInfo(create_app=lambda: app),
    )


class Worker:
    def __init__(self, config: dict):
        self.config = config
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Worker:
        environment = {**os.environ, CONFIG_VARIABLE: json.dumps(self.config)}
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker"],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(3)  # started and polling
        return self

    def __exit__(self, *_: object) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(30)


def base_config(folder: Path, **extra) -> dict:
    return {
        "SECRET_KEY": "bench",
        "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
        "TASKS_DATABASE": str(folder / "tasks.sqlite3"),
        "TASKS_QUEUE_NAME": f"bench-{uuid.uuid4().hex[:8]}",
        "RATELIMIT_ENABLED": False,
        "SITE_URL": "http://localhost",
        **extra,
    }


def prepare(config: dict):
    from flask_migrate import upgrade

    app = make_app(config)
    with app.app_context():
        upgrade()
    return app


def round_trip(name: str, config: dict) -> tuple[str, int, float, float, float]:
    app = prepare(config)
    with Worker(config), app.app_context():
        huey = task_queue().huey
        sent = {}
        for number in range(PINGS):
            sent[number] = time.time()
            enqueue_now(bench_ping, number)
            time.sleep(PING_GAP)
        waits = []
        deadline = time.monotonic() + 60
        for number in range(PINGS):
            while (raw := huey.storage.pop_data(f"{STARTED}{number}")) is huey_empty():
                if time.monotonic() > deadline:
                    raise SystemExit(f"{name}: task {number} never started")
                time.sleep(0.01)
            waits.append((float(raw) - sent[number]) * 1000)
    waits.sort()
    p95 = waits[int(len(waits) * 0.95) - 1]
    return name, len(waits), statistics.median(waits), p95, max(waits)


def huey_empty():
    from huey.constants import EmptyData

    return EmptyData


def mail(name: str, config: dict) -> tuple[str, int, float, float]:
    from aiosmtpd.controller import Controller
    from sqlalchemy import func, select

    from app.extensions import db
    from app.mail.models import OutgoingMail
    from app.mail.services import queue_mail
    from tests.support.mail import Inbox, free_port

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    config = {**config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port}
    app = prepare(config)
    try:
        with Worker(config), app.app_context():
            for number in range(MAILS):
                queue_mail(f"person{number}@example.org", f"Message {number}", "Hello.")
            start = time.perf_counter()
            db.session.commit()
            deadline = time.monotonic() + 600
            while True:
                sent = db.session.scalar(select(func.count()).where(OutgoingMail.state == "sent"))
                db.session.commit()
                if sent == MAILS:
                    break
                if time.monotonic() > deadline:
                    raise SystemExit(f"{name}: only {sent} of {MAILS} sent")
                time.sleep(0.05)
            elapsed = time.perf_counter() - start
    finally:
        controller.stop()
    assert len(inbox.messages) == MAILS, len(inbox.messages)
    return name, MAILS, elapsed, MAILS / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", help="a Redis URL for the Redis rows")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker()
        return
    queues = [("SQLite", {})]
    if args.redis:
        queues.append(("Redis", {"REDIS_URL": args.redis}))
    trips, mails = [], []
    for name, extra in queues:
        trips.append(round_trip(name, base_config(Path(tempfile.mkdtemp()), **extra)))
        mails.append(mail(name, base_config(Path(tempfile.mkdtemp()), **extra)))
    print("Queue round trip: enqueue to start, a real worker process (2 threads)")
    print(f"{'queue':<8} {'tasks':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    print("-" * 42)
    for name, count, p50, p95, worst in trips:
        print(f"{name:<8} {count:>6} {p50:>8.1f} {p95:>8.1f} {worst:>8.1f}")
    print()
    print("Mail: messages queued at once, sent to a fake SMTP server on loopback")
    print(f"{'queue':<8} {'messages':>9} {'seconds':>8} {'msgs/s':>8}")
    print("-" * 36)
    for name, count, elapsed, rate in mails:
        print(f"{name:<8} {count:>9} {elapsed:>8.1f} {rate:>8.1f}")


if __name__ == "__main__":
    main()
