"""``backup``: a consistent copy of a live SQLite database while another process writes."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from app import create_app
from app.audit.models import AuditEntry
from app.extensions import db
from app.organisations.models import Organisation
from app.organisations.services import save_organisation
from app.timeutil import utcnow
from tests.support.apps import app_config, migrate_database
from tests.support.backup_writer import officer_email, organisation_name

ROOT = Path(__file__).resolve().parents[1]
BULK = 3_000  # audit entries of about a kilobyte: a database the copy takes a moment over


@pytest.fixture
def live(tmp_path):
    """An app on its own SQLite file, with some bulk, for a writer process to share."""
    path = tmp_path / "live.sqlite3"
    config = app_config(f"sqlite:///{path}", tmp_path / "live-instance")
    migrate_database(config)
    live_app = create_app(config)
    with live_app.app_context():
        now = utcnow()
        entries = [
            {
                "actor_label": "system",
                "action": "bulk",
                "subject_type": "test",
                "subject_id": number,
                "detail": {"text": "ŵ" * 500},
                "created_at": now,
            }
            for number in range(BULK)
        ]
        db.session.execute(insert(AuditEntry), entries)
        db.session.commit()
    yield live_app, config, path
    with live_app.app_context():
        db.session.remove()
        db.engine.dispose()


class Writer:
    """The writer process, and the numbers it reports committed."""

    def __init__(self, config: dict, folder: Path):
        config_file = folder / "writer-config.json"
        config_file.write_text(json.dumps(config))
        self.stop_file = folder / "stop-writing"
        self.committed: list[int] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.backup_writer", config_file, self.stop_file],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.committed.append(int(line))

    def latest(self) -> int:
        return self.committed[-1] if self.committed else 0

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.latest() < count:
            assert self.process.poll() is None, self.process.stderr.read()
            assert time.monotonic() < deadline, f"the writer committed only {self.latest()}"
            time.sleep(0.01)

    def stop(self) -> str:
        self.stop_file.touch()
        self.process.wait(timeout=60)
        self.reader.join(timeout=10)
        errors = self.process.stderr.read()
        self.process.stdout.close()
        self.process.stderr.close()
        return errors


def rows(connection: sqlite3.Connection, table: str, last_id: int) -> list[tuple]:
    query = f'SELECT * FROM "{table}" WHERE id <= ? ORDER BY id'
    return connection.execute(query, (last_id,)).fetchall()


@pytest.mark.sqlite_only
def test_backup_while_another_process_writes_holds_a_consistent_prefix(live, tmp_path):
    live_app, config, live_path = live
    backup = tmp_path / "backup.sqlite3"
    writer = Writer(config, tmp_path)
    try:
        writer.wait_for(20)
        committed_before = writer.latest()

        result = live_app.test_cli_runner().invoke(args=["backup", str(backup)])

        with sqlite3.connect(live_path) as connection:
            committed_after = connection.execute("SELECT max(id) FROM organisation").fetchone()[0]
        writer.wait_for(committed_after + 20)  # and it went on writing after the copy
    finally:
        errors = writer.stop()
    assert writer.process.returncode == 0, errors
    assert errors == ""
    assert result.exit_code == 0, result.output
    assert "integrity check ok" in result.output

    copy = sqlite3.connect(backup)
    live_connection = sqlite3.connect(live_path)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        ids = [row[0] for row in copy.execute("SELECT id FROM organisation ORDER BY id")]
        count = len(ids)
        assert ids == list(range(1, count + 1)), "no gaps: commits arrive in order"
        assert committed_before <= count <= committed_after
        assert f"organisation: {count:,} rows" in result.output
        officers = copy.execute('SELECT id, email, organisation_id FROM "user" ORDER BY id')
        assert officers.fetchall() == [
            (number, officer_email(number), number) for number in range(1, count + 1)
        ], "each transaction is there whole or not at all"
        names = copy.execute("SELECT name FROM organisation ORDER BY id").fetchall()
        assert names == [(organisation_name(number),) for number in range(1, count + 1)]
        for table in ("organisation", "user"):
            assert rows(copy, table, count) == rows(live_connection, table, count), table
        audit = copy.execute("SELECT count(*), max(id) FROM audit_entry").fetchone()
        assert audit == (BULK + count, BULK + count), "one audit entry per organisation"
        assert rows(copy, "audit_entry", audit[1]) == rows(
            live_connection, "audit_entry", audit[1]
        )
    finally:
        copy.close()
        live_connection.close()

    restored = tmp_path / "restored" / "coproduce.sqlite3"
    restored.parent.mkdir()
    shutil.copy(backup, restored)
    restored_app = create_app(app_config(f"sqlite:///{restored}", tmp_path / "restored-instance"))
    with restored_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == count
        assert save_organisation(None, "After the restore", "council", None).id == count + 1
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    assert restored_app.test_client().get("/").status_code == 200


@pytest.mark.sqlite_only
def test_backup_does_not_overwrite_a_file_unless_forced(app, runner, tmp_path):
    backup = tmp_path / "backup.sqlite3"
    backup.write_text("an older backup")

    refused = runner.invoke(args=["backup", str(backup)])

    assert refused.exit_code == 1
    assert "already exists; add --force" in refused.output
    assert backup.read_text() == "an older backup"
    forced = runner.invoke(args=["backup", str(backup), "--force"])
    assert forced.exit_code == 0, forced.output
    with sqlite3.connect(backup) as connection:
        assert connection.execute("SELECT count(*) FROM theme").fetchone() == (4,)
    assert backup.stat().st_mode & 0o077 == 0, "a backup holds password hashes: owner only"
    assert not list(tmp_path.glob(".*partial")), "no half-written file is left behind"


@pytest.mark.sqlite_only
def test_backup_refuses_the_database_itself_and_missing_folders(app, runner, tmp_path):
    with app.app_context():
        database = db.engine.url.database
    itself = runner.invoke(args=["backup", database, "--force"])
    assert itself.exit_code == 1 and "cannot overwrite the database itself" in itself.output
    missing = runner.invoke(args=["backup", str(tmp_path / "nowhere" / "backup.sqlite3")])
    assert missing.exit_code == 1 and "does not exist" in missing.output


@pytest.mark.postgres_only
def test_backup_refuses_postgresql_and_points_to_pg_dump(runner, tmp_path):
    backup = tmp_path / "backup.sqlite3"

    result = runner.invoke(args=["backup", str(backup)])

    assert result.exit_code == 1
    assert "pg_dump" in result.output and "export FILE --with-secrets" in result.output
    assert not backup.exists()
