"""An export that fails midway ends as a broken download, never as a short file that looks
complete (issue 18): the error leaves the response's body, and the shipped gunicorn
configuration then aborts the chunked transfer, so the client sees it."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.config import ENVIRONMENT_KEYS
from app.map_cells.bench_data import create_bench_initiatives
from tests.support.failing_export_app import install_failure
from tests.test_startup import free_port

ROOT = Path(__file__).resolve().parent.parent
ROWS = 2_500  # two and a half batches


def test_a_failure_midway_leaves_the_body_as_an_error(app, client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from app.api import exports

    monkeypatch.setattr(exports, "BATCH_SIZE", 100)
    with app.app_context():
        create_bench_initiatives(250, seed=7)
    remove_failure = install_failure(app, fail_on_batch=2)
    try:
        response = client.get("/api/v1/initiatives.csv", buffered=False)
        assert response.status_code == 200
        received = b""
        with pytest.raises(OperationalError):
            for chunk in response.response:
                received += chunk
    finally:
        remove_failure()
    assert received.count(b"\n") == 101  # the header and the first batch, then the error


def _serve(tmp_path: Path, database_url: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    (tmp_path / "config.py").write_text(f"DATABASE_URL = {database_url!r}\n")
    environment = {key: value for key, value in os.environ.items() if key not in ENVIRONMENT_KEYS}
    environment.update(
        COPRODUCE_INSTANCE=str(tmp_path),
        WEB_CONCURRENCY="1",
        PORT=str(port),
        SECRET_KEY="export-failure-test",
        FAIL_ON_BATCH="2",
    )
    with (tmp_path / "gunicorn.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py",
             "tests.support.failing_export_app:create_app()"],
            cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 30
    while True:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process, port
        except OSError:
            pass
        finally:
            connection.close()
        assert process.poll() is None and time.monotonic() < deadline, (
            tmp_path / "gunicorn.log"
        ).read_text()
        time.sleep(0.1)


@pytest.mark.timeout(120)
def test_gunicorn_aborts_the_chunked_transfer_when_the_database_fails(app, database_url, tmp_path):
    with app.app_context():
        create_bench_initiatives(ROWS, seed=8)
    process, port = _serve(tmp_path, database_url)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", "/api/v1/initiatives.csv")
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Transfer-Encoding") == "chunked"
        received = b""
        with pytest.raises(http.client.IncompleteRead) as broken:
            while chunk := response.read1(1 << 16):
                received += chunk
        received += broken.value.partial
        connection.close()
        # The first batch arrived; then the transfer broke instead of ending cleanly.
        assert 1_000 < received.count(b"\n") < ROWS
    finally:
        process.terminate()
        process.wait(timeout=30)
    log = (tmp_path / "gunicorn.log").read_text()
    assert "the database went away" in log
