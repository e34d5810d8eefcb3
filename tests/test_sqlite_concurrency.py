"""SQLite under concurrent writers: pragmas on every connection, write locks taken up front.

QUALITY.md, Data safety: WAL, busy_timeout >= 5000 ms and foreign_keys=ON on every connection;
writes take the write lock when their transaction starts, so concurrent writers from several
processes queue instead of failing, with zero errors and zero lost rows.
"""

from __future__ import annotations

import multiprocessing
import queue
import sqlite3
import time
from contextlib import closing

import pytest
from sqlalchemy import func, select

from app import create_app
from app.audit.models import AuditEntry
from app.extensions import db
from app.organisations.models import Organisation
from app.organisations.services import save_organisation, unique_organisation_slug
from tests.support.apps import app_config, migrate_database
from tests.support.sqlite_writer import write_organisations

pytestmark = pytest.mark.sqlite_only

PROCESSES = 4
WRITES_PER_PROCESS = 25
SHARED_NAME = "Northfield Ward Forum"  # one name for every write: each slug choice races


def _pragmas(connection) -> dict[str, object]:
    values = {
        name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
        for name in ("journal_mode", "busy_timeout", "foreign_keys", "mmap_size")
    }
    connection.rollback()  # end the (write-locking) transaction before the next connection asks
    return values


def test_pragmas_are_set_on_every_connection(app):
    with app.app_context():
        assert db.engine.dialect.name == "sqlite"
        with db.engine.connect() as first, db.engine.connect() as second:
            # Both checked out at once: two different connections from the pool.
            assert first.connection.dbapi_connection is not second.connection.dbapi_connection
            for connection in (first, second):
                pragmas = _pragmas(connection)
                assert str(pragmas["journal_mode"]).lower() == "wal"
                assert int(pragmas["busy_timeout"]) >= 5000
                assert pragmas["foreign_keys"] == 1
                assert pragmas["mmap_size"] == app.config["SQLITE_MMAP_SIZE"] > 0


def _write_lock_is_free(database_path: str) -> bool:
    """Whether another connection can take the write lock right now (without waiting)."""
    with closing(sqlite3.connect(database_path, timeout=0, isolation_level=None)) as other:
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            assert "database is locked" in str(error)
            return False
        other.execute("ROLLBACK")
        return True


@pytest.mark.parametrize(
    "context, takes_lock",
    [("none", True), ("POST", True), ("GET", False)],
    ids=["outside-a-request", "unsafe-request", "safe-request"],
)
def test_transactions_that_may_write_take_the_write_lock_when_they_begin(app, context, takes_lock):
    """Before any write, the transaction already holds the lock; GET requests only read."""
    with app.app_context():
        database_path = db.engine.url.database
        if context == "none":
            request_context = app.app_context()
        else:
            request_context = app.test_request_context("/", method=context)
        with request_context:
            assert _write_lock_is_free(database_path)
            db.session.scalar(select(func.count(Organisation.id)))  # a read starts the transaction
            try:
                assert _write_lock_is_free(database_path) is not takes_lock
            finally:
                db.session.rollback()
            assert _write_lock_is_free(database_path)
            db.session.remove()


@pytest.fixture
def sqlite_database(tmp_path):
    """A fresh migrated SQLite file of this test's own, and the config to reach it."""
    url = f"sqlite:///{tmp_path / 'concurrency.sqlite3'}"
    config = app_config(url, tmp_path)
    migrate_database(config)
    return tmp_path / "concurrency.sqlite3", config


def test_concurrent_writers_from_several_processes_lose_nothing(sqlite_database):
    _, config = sqlite_database
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    processes = [
        context.Process(
            target=write_organisations,
            args=(config, SHARED_NAME, WRITES_PER_PROCESS, barrier, results),
        )
        for _ in range(PROCESSES)
    ]
    reports = []
    try:
        for process in processes:
            process.start()
        deadline = time.monotonic() + 60
        while len(reports) < PROCESSES:
            try:
                reports.append(results.get(timeout=max(0.1, deadline - time.monotonic())))
            except queue.Empty:
                pytest.fail(f"only {len(reports)} of {PROCESSES} writer processes reported")
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()
            process.close()
        results.close()
        results.join_thread()

    errors = [error for _, _, process_errors, _ in reports for error in process_errors]
    warned = [message for _, _, _, messages in reports for message in messages]
    assert errors == []
    assert warned == []
    assert sorted(written for _, written, _, _ in reports) == [WRITES_PER_PROCESS] * PROCESSES
    assert len({pid for pid, _, _, _ in reports}) == PROCESSES

    total = PROCESSES * WRITES_PER_PROCESS
    app = create_app(config)
    with app.app_context():
        slugs = list(db.session.scalars(select(Organisation.slug)))
        audited = db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "create_organisation")
        )
        db.session.remove()
        db.engine.dispose()
    assert len(slugs) == total
    assert set(slugs) == {"northfield-ward-forum"} | {
        f"northfield-ward-forum-{number}" for number in range(2, total + 1)
    }
    assert audited == total


def test_control_a_deferred_read_then_write_fails_at_once(sqlite_database):
    """Why writes must BEGIN IMMEDIATE: the same read-then-write under a plain deferred BEGIN.

    The interleaving is scripted, not timed: a deferred transaction reads, another writer commits,
    and the first one's write fails with "database is locked" at once, busy timeout or not.
    """
    database_path, config = sqlite_database
    app = create_app(config)
    with closing(sqlite3.connect(database_path, timeout=5.0, isolation_level=None)) as deferred:
        assert deferred.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert deferred.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
        deferred.execute("BEGIN")
        taken = deferred.execute(
            "SELECT id FROM organisation WHERE slug = ?", ("northfield-ward-forum",)
        ).fetchall()
        assert taken == []

        with app.app_context():  # another writer gets in between, through the app
            save_organisation(None, SHARED_NAME, "council", None)
            db.session.commit()

        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            deferred.execute(
                "INSERT INTO organisation (name, slug, kind, created_at) VALUES (?, ?, ?, ?)",
                (SHARED_NAME, "northfield-ward-forum", "council", "2024-01-01 00:00:00.000000"),
            )
        assert time.monotonic() - started < 2.5  # failed at once: the busy timeout cannot help
        deferred.execute("ROLLBACK")

    with app.app_context():
        # The app's own transaction reads after taking the lock, so it sees the committed row.
        assert unique_organisation_slug(SHARED_NAME) == "northfield-ward-forum-2"
        db.session.rollback()
        assert db.session.scalar(select(func.count(Organisation.id))) == 1
        db.session.remove()
        db.engine.dispose()


def test_reading_back_a_committed_write_does_not_queue_for_the_write_lock(app):
    """After a POST's write commits, what the answer reads back begins deferred: another
    writer holding the lock then cannot turn the saved write into an error (issue 12: 3 of
    273 API writes under load were saved yet answered 503)."""
    with app.app_context():
        database_path = db.engine.url.database
        with app.test_request_context("/", method="POST"):
            organisation = save_organisation(None, "Kirkstall Forum", "community", None)
            db.session.commit()
            with closing(sqlite3.connect(database_path, timeout=0)) as other:
                other.execute("BEGIN IMMEDIATE")  # someone else writes meanwhile
                started = time.monotonic()
                assert organisation.name == "Kirkstall Forum"  # reloaded after the commit
                assert time.monotonic() - started < 1
                db.session.rollback()
                other.execute("ROLLBACK")
            db.session.remove()
