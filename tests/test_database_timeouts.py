"""Stuck requests end (issue 12): a threaded gunicorn worker never kills a slow request, so each
statement of a web request has DATABASE_STATEMENT_TIMEOUT (PostgreSQL cancels it, SQLite
interrupts it) and, on PostgreSQL, a new connection DATABASE_CONNECT_TIMEOUT; past either, the
friendly 503 with Retry-After. The worker, commands and streamed exports are not cut."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from app import create_app
from app.api import export_records
from app.config import load_settings
from app.database import lift_statement_timeout
from app.extensions import db
from tests.support.apps import app_config
from tests.test_database_outage import assert_friendly_503

SLEEP = "SELECT pg_sleep(1.5)"


def sqlite_busy(rows: int) -> str:
    """A statement that keeps SQLite busy for a while (3,000,000 rows: about 0.75 s here)."""
    return (
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < "
        f"{rows}) SELECT count(*) FROM n"
    )


SQLITE_SLOW = sqlite_busy(12_000_000)  # seconds, were it not interrupted
SQLITE_HALF_SECOND = sqlite_busy(2_000_000)


def test_postgresql_connections_give_up_after_the_connect_timeout(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://coproduce@db.internal/coproduce")
    monkeypatch.setenv("DATABASE_CONNECT_TIMEOUT", "4")
    options = load_settings(tmp_path)["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options == {"pool_pre_ping": True, "connect_args": {"connect_timeout": 4}}
    monkeypatch.delenv("DATABASE_URL")  # SQLite's driver takes no such argument
    assert load_settings(tmp_path)["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}


@pytest.fixture
def site(app, database_url, tmp_path):
    """The app on the test database with a 0.2 s statement deadline, and pages that wait."""
    site = create_app(app_config(database_url, tmp_path, DATABASE_STATEMENT_TIMEOUT=0.2))

    @site.get("/test/slow")
    def slow():
        sqlite = db.session.get_bind().dialect.name == "sqlite"
        db.session.execute(text(SQLITE_SLOW if sqlite else SLEEP))
        return "finished"

    @site.get("/test/statement-timeout")
    def statement_timeout():
        return db.session.execute(text("SHOW statement_timeout")).scalar_one()

    yield site
    with site.app_context():
        db.engine.dispose()


@pytest.mark.postgres_only
def test_a_statement_past_the_deadline_is_a_friendly_503(site):
    client = site.test_client()
    assert client.get("/test/statement-timeout").get_data(as_text=True) == "200ms"
    started = time.monotonic()
    response = client.get("/test/slow", headers={"Accept": "text/html"})
    assert time.monotonic() - started < 1.0  # cancelled, not waited out
    assert_friendly_503(response, api=False)
    assert client.get("/api/v1/initiatives").status_code == 200  # the connection serves on


@pytest.mark.postgres_only
def test_a_streamed_export_has_no_statement_deadline(site, monkeypatch):
    # The export's reading, in its reader thread (``read_ahead``), on a connection of its own.
    def slow_records(initiative_filter, batch_size):
        db.session.execute(text("SELECT pg_sleep(0.5)"))
        yield from ()

    monkeypatch.setattr(export_records, "_read_records", slow_records)
    response = site.test_client().get("/api/v1/initiatives.csv")
    assert response.status_code == 200
    assert response.get_data(as_text=True).startswith("\ufeff")  # header written, not cut


@pytest.mark.postgres_only
def test_a_lifted_deadline_holds_inside_a_begun_transaction(site):
    with site.test_request_context():
        site.preprocess_request()  # as a request the app serves: the deadline is set
        assert db.session.execute(text("SHOW statement_timeout")).scalar_one() == "200ms"
        lift_statement_timeout()
        db.session.execute(text("SELECT pg_sleep(0.5)"))
        db.session.rollback()


@pytest.mark.postgres_only
def test_the_worker_and_commands_run_without_the_deadline(site):
    with site.app_context():  # a task or a command: no request
        db.session.execute(text("SELECT pg_sleep(0.5)"))
        assert db.session.execute(text("SHOW statement_timeout")).scalar_one() == "0"
        db.session.rollback()
    with site.test_request_context():  # the open-data rebuild builds its links in one
        db.session.execute(text("SELECT pg_sleep(0.5)"))
        db.session.rollback()


@pytest.mark.sqlite_only
def test_a_sqlite_statement_past_the_deadline_is_interrupted_with_a_friendly_503(site):
    client = site.test_client()
    started = time.monotonic()
    response = client.get("/test/slow", headers={"Accept": "text/html"})
    assert time.monotonic() - started < 1.5  # interrupted, not run to its end
    assert_friendly_503(response, api=False)
    assert client.get("/api/v1/initiatives").status_code == 200  # the connection serves on


@pytest.mark.sqlite_only
def test_a_sqlite_streamed_export_has_no_statement_deadline(site, monkeypatch):
    # The export's reading, in its reader thread (``read_ahead``), on a connection of its own.
    def slow_records(initiative_filter, batch_size):
        db.session.execute(text(SQLITE_HALF_SECOND))
        yield from ()

    monkeypatch.setattr(export_records, "_read_records", slow_records)
    response = site.test_client().get("/api/v1/initiatives.csv")
    assert response.status_code == 200
    assert response.get_data(as_text=True).startswith("\ufeff")  # header written, not cut


@pytest.mark.sqlite_only
def test_sqlite_work_outside_requests_runs_without_the_deadline(site):
    client = site.test_client()
    assert_friendly_503(client.get("/test/slow", headers={"Accept": "text/html"}), api=False)
    with site.app_context():  # a task or a command, on a connection a request used before
        # ... even a statement read past SQLAlchemy's events (as the facet bitmaps are read):
        # the transaction's BEGIN went through them, and cleared the request's deadline.
        raw = db.session.connection().connection.driver_connection
        assert raw.execute(SQLITE_HALF_SECOND).fetchone() == (2_000_000,)
        assert db.session.execute(text(SQLITE_HALF_SECOND)).scalar_one() == 2_000_000
        db.session.rollback()


@pytest.mark.sqlite_only
def test_a_lifted_deadline_frees_a_raw_read_at_once_on_sqlite(site):
    with site.test_request_context():
        site.preprocess_request()  # as a request the app serves: the deadline is set
        db.session.execute(text("SELECT 1"))  # the handler is now on the connection
        lift_statement_timeout()
        raw = db.session.connection().connection.driver_connection
        time.sleep(0.3)  # past the 0.2 s deadline of the statement before
        assert raw.execute(SQLITE_HALF_SECOND).fetchone() == (2_000_000,)
        db.session.rollback()
