"""Without Redis, rate-limit counters live in one SQLite file that every process on the machine
shares (issue 13, finding 5: five gunicorn workers each with its own memory allowed five times
each limit)."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from app.config import ENVIRONMENT_KEYS
from app.limit_store import SharedFileStorage, store_uri
from tests.support.apps import app_config, migrate_database
from tests.support.live_server import Browser
from tests.test_startup import free_port

ROOT = Path(__file__).resolve().parent.parent


def _hit_many(uri: str, count: int) -> None:
    storage = storage_from_string(uri)
    for _ in range(count):
        storage.incr("many", 60)


def test_two_stores_on_one_file_share_a_limit(tmp_path):
    uri = store_uri(tmp_path)
    first, second = (FixedWindowRateLimiter(storage_from_string(uri)) for _ in range(2))
    limit = parse("3 per minute")
    answers = [(first, second)[number % 2].hit(limit, "login", "1.2.3.4") for number in range(5)]
    assert answers == [True, True, True, False, False]
    assert second.hit(limit, "login", "5.6.7.8")  # another client has its own budget


def test_processes_counting_at_once_lose_no_hit(tmp_path):
    uri = store_uri(tmp_path)
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_hit_many, args=(uri, 50)) for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    assert storage_from_string(uri).get("many") == 200


def test_a_window_starts_again_once_it_expires(tmp_path, monkeypatch):
    storage = SharedFileStorage(store_uri(tmp_path))
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)
    assert [storage.incr("key", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get_expiry("key") == now + 60
    monkeypatch.setattr(time, "time", lambda: now + 61)
    assert storage.get("key") == 0
    assert storage.incr("key", 60) == 1
    assert storage.get_expiry("key") == now + 61 + 60
    storage.clear("key")
    assert storage.get("key") == 0
    assert storage.check() is True


@pytest.mark.sqlite_only
def test_gunicorn_workers_share_one_limit_without_redis(tmp_path):
    """Two workers of the shipped configuration, no REDIS_URL: the log-in limit (3 a minute)
    holds once for the whole server, not once per worker."""
    database = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    migrate_database(app_config(database, tmp_path))
    (tmp_path / "config.py").write_text(
        f"DATABASE_URL = {database!r}\nRATELIMIT_LOGIN = '3 per minute'\n"
    )
    port = free_port()
    environment = {key: value for key, value in os.environ.items() if key not in ENVIRONMENT_KEYS}
    environment.update(
        COPRODUCE_INSTANCE=str(tmp_path), WEB_CONCURRENCY="2", PORT=str(port), SECRET_KEY="k"
    )
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 20
        while True:
            try:
                browser.open_form("/login")
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        wrong = {"email": "nobody@example.org", "password": "not the right password"}
        statuses = [browser.post("/login", wrong)[0] for _ in range(10)]
        pids = {line.split("pid: ")[1].split(")")[0] for line in _booted(tmp_path)}
    finally:
        process.terminate()
        process.wait(15)
        log.close()
    assert len(pids) == 2
    # Each worker with its own memory would have allowed up to 6 before refusing.
    assert statuses == [401] * 3 + [429] * 7, statuses


def _booted(folder: Path) -> list[str]:
    return [
        line for line in (folder / "gunicorn.log").read_text().splitlines() if "Booting" in line
    ]
