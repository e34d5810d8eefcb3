"""Starting with a bad DATABASE_URL: one clear line naming the setting and what to do."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from flask_migrate import upgrade

from app import create_app
from app.config import ENVIRONMENT_KEYS, load_settings
from app.extensions import db
from app.health.checks import head_revision
from app.startup import database_problem, geocode_concurrency_problem, rate_limit_problem
from tests.support.apps import app_config

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+psycopg"])
def test_postgres_urls_as_hosts_write_them_get_the_installed_driver(tmp_path, monkeypatch, scheme):
    monkeypatch.setenv("DATABASE_URL", f"{scheme}://user:secret@db.internal:5432/coproduce")
    settings = load_settings(tmp_path)
    expected = "postgresql+psycopg://user:secret@db.internal:5432/coproduce"
    assert settings["DATABASE_URL"] == settings["SQLALCHEMY_DATABASE_URI"] == expected


@pytest.mark.parametrize("url", ["mysql://user@db/coproduce", "db.internal:5432/coproduce"])
def test_a_database_coproduce_does_not_run_on_stops_it_with_one_line(tmp_path, monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(SystemExit) as stopped:
        load_settings(tmp_path)
    message = str(stopped.value.code)
    assert "\n" not in message
    assert message.startswith("Coproduce: DATABASE_URL")
    assert "postgresql+psycopg://" in message  # what to write instead


def test_an_unreachable_database_is_named_with_what_to_do():
    url = f"postgresql+psycopg://coproduce:secret@127.0.0.1:{free_port()}/coproduce"
    problem = database_problem(url, head_revision())
    assert problem is not None
    assert problem.startswith("cannot reach the database at DATABASE_URL=")
    assert "secret" not in problem and "***" in problem  # the password is hidden
    assert "Check DATABASE_URL" in problem


def test_a_database_without_tables_says_to_upgrade(tmp_path):
    problem = database_problem(f"sqlite:///{tmp_path / 'new.sqlite3'}", head_revision())
    assert problem is not None
    assert "has no tables yet" in problem
    assert "flask --app app db upgrade" in problem


def test_a_migrated_database_has_no_problem(app, database_url):
    assert database_problem(database_url, head_revision()) is None
    problem = database_problem(database_url, "a-newer-revision")
    assert problem is not None and "expects a-newer-revision" in problem


def _gunicorn(tmp_path: Path, **env: str) -> subprocess.Popen:
    environment = {key: value for key, value in os.environ.items() if key not in ENVIRONMENT_KEYS}
    environment.update(
        COPRODUCE_INSTANCE=str(tmp_path),
        WEB_CONCURRENCY="1",
        SECRET_KEY="start-up-test-key",
        PORT=str(free_port()),
        **env,
    )
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _output_until(process: subprocess.Popen, text: str) -> str:
    """gunicorn's output up to the first line holding ``text`` (then it is stopped)."""
    seen = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            seen.append(line)
            if text in line:
                break
    finally:
        process.terminate()
        rest, _ = process.communicate(timeout=10)  # drains and closes the pipe
    return "".join(seen)


def test_gunicorn_refuses_an_unknown_scheme_in_one_line(tmp_path):
    process = _gunicorn(tmp_path, DATABASE_URL="mysql://user@db/coproduce")
    output, _ = process.communicate(timeout=30)
    assert process.returncode != 0
    lines = [line for line in output.splitlines() if "DATABASE_URL" in line]
    assert lines == [lines[0]] and "not a database Coproduce runs on" in lines[0]
    assert "Traceback" not in output


def test_gunicorn_names_an_unmigrated_database_and_still_starts(tmp_path):
    process = _gunicorn(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'new.sqlite3'}")
    output = _output_until(process, "Booting worker")
    assert "Coproduce: the database at DATABASE_URL=" in output
    assert "flask --app app db upgrade" in output


def test_gunicorn_names_an_unreachable_database_in_one_line_and_still_starts(tmp_path):
    closed = f"postgresql+psycopg://coproduce:secret@127.0.0.1:{free_port()}/coproduce"
    process = _gunicorn(tmp_path, DATABASE_URL=closed)
    output = _output_until(process, "Booting worker")
    (line,) = [line for line in output.splitlines() if "DATABASE_URL=" in line]
    assert "Coproduce: cannot reach the database at DATABASE_URL=" in line
    assert "secret" not in line and "***" in line  # the password is hidden
    assert "Check DATABASE_URL" in line
    assert "Traceback" not in output


@pytest.mark.parametrize(
    ("geocoder", "postcodes", "threads", "warned"),
    [
        ("offline", None, 1, False),  # nothing outside to wait for
        ("nominatim", None, 4, False),  # the shipped sizes: 2 look-ups, 4 threads
        ("nominatim", None, 2, True),
        ("offline", "https://api.postcodes.io", 2, True),
    ],
)
def test_look_ups_that_could_take_every_thread_are_warned_about(
    geocoder, postcodes, threads, warned
):
    settings = {"GEOCODER": geocoder, "POSTCODES_URL": postcodes, "GEOCODE_CONCURRENCY": 2}
    problem = geocode_concurrency_problem(settings, threads)
    assert (problem is not None) is warned
    if problem:
        assert "GEOCODE_CONCURRENCY is 2" in problem and "GUNICORN_THREADS" in problem


def test_gunicorn_warns_once_when_look_ups_could_take_every_thread(tmp_path):
    process = _gunicorn(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'new.sqlite3'}",
        GEOCODER="nominatim",
        NOMINATIM_USER_AGENT="coproduce-test (tests@example.org)",
        GUNICORN_THREADS="2",
    )
    output = _output_until(process, "Booting worker")
    warnings = [line for line in output.splitlines() if "GEOCODE_CONCURRENCY" in line]
    assert len(warnings) == 1
    assert "GEOCODE_CONCURRENCY is 2 but gunicorn runs 2 threads per worker" in warnings[0]


PER_MACHINE = "rate limits are counted per machine"


def test_limits_counted_per_machine_are_warned_about_on_postgresql(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://coproduce@db.internal/coproduce")
    problem = rate_limit_problem(load_settings(tmp_path))
    assert problem is not None and PER_MACHINE in problem and "Set REDIS_URL" in problem
    monkeypatch.setenv("REDIS_URL", "redis://redis.internal:6379/0")
    assert rate_limit_problem(load_settings(tmp_path)) is None  # shared by every machine
    monkeypatch.delenv("REDIS_URL")
    monkeypatch.delenv("DATABASE_URL")
    assert rate_limit_problem(load_settings(tmp_path)) is None  # SQLite: one machine anyway


def test_gunicorn_warns_once_that_limits_are_per_machine_without_redis(tmp_path):
    closed = f"postgresql+psycopg://coproduce@127.0.0.1:{free_port()}/coproduce"
    output = _output_until(_gunicorn(tmp_path, DATABASE_URL=closed), "Booting worker")
    (warning,) = [line for line in output.splitlines() if PER_MACHINE in line]
    assert "Coproduce: DATABASE_URL is PostgreSQL but REDIS_URL is not set" in warning


@pytest.mark.postgres_only
def test_a_postgres_url_serves_from_postgresql(tmp_path, app, database_url):
    short = "postgres://" + database_url.split("://", 1)[1]
    site = create_app(app_config(short, tmp_path))
    assert site.test_client().get("/readyz").json["checks"]["schema"]["ok"] is True
    with site.app_context():
        assert db.engine.dialect.driver == "psycopg"
        db.engine.dispose()
    process = _gunicorn(tmp_path, DATABASE_URL=short)
    output = _output_until(process, "Booting worker")
    # reachable and migrated: nothing to say about the database (the key's fingerprint is
    # logged, and without REDIS_URL that limits are counted per machine)
    said = [line for line in output.splitlines() if "Coproduce:" in line]
    assert all("SECRET_KEY fingerprint" in line or PER_MACHINE in line for line in said), said


def test_the_worker_names_an_unmigrated_database(tmp_path):
    environment = {key: value for key, value in os.environ.items() if key not in ENVIRONMENT_KEYS}
    environment.update(
        COPRODUCE_INSTANCE=str(tmp_path),
        SECRET_KEY="start-up-test-key",
        DATABASE_URL=f"sqlite:///{tmp_path / 'new.sqlite3'}",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = _output_until(process, "DATABASE_URL")
    assert "has no tables yet" in output


def test_upgrade_is_the_fix(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    site = create_app(app_config(url, tmp_path))
    with site.app_context():
        upgrade()
        db.engine.dispose()
    assert database_problem(url, head_revision()) is None


def test_start_up_objects_leave_the_collectors_walks():
    """gunicorn's workers (post_worker_init) and the task worker freeze what they built at
    start, so a long export's full collections walk only its own objects."""
    import gc
    import runpy

    config = runpy.run_path(str(Path(__file__).parent.parent / "gunicorn.conf.py"))
    try:
        config["post_worker_init"](None)
        assert gc.get_freeze_count() > 0
        assert gc.isenabled()
    finally:
        gc.unfreeze()
