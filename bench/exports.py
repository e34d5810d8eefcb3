"""Time the streamed CSV export through the shipped gunicorn configuration, beside
``sqlite3 -csv`` of the same table.

Run with `make bench-exports` (N = 100,000 on SQLite), or by hand:

    .venv/bin/python bench/exports.py --n 1000000 --keep /tmp/bench-1m.sqlite3

The database is filled by ``bench-data``, then every initiative gets two participants (a
residents' group with people and hours, a named public service) and every other one an
outcome with figures, so the rows are as wide as real ones. The export is read through
gunicorn started with ``gunicorn.conf.py`` (gthread workers, its own timeout), by a client
that counts rows as they arrive: the table gives the total time, the rate in each tenth of
the download (constant means no batch costs more than the one before) and the bytes, beside
the floor, ``sqlite3 -csv`` of the initiative table. ``--keep`` fills the file only when it
holds no initiatives yet, so a second run of the same N skips the fill.

``--database-url URL`` times the export of a database filled already (PostgreSQL: the one
``bench/lists.py --postgres URL --postgres-keep`` keeps), beside ``psql``'s ``\\copy`` of its
initiative table as the floor.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.initiatives.models import Initiative, Outcome, Participant  # noqa: E402
from app.map_cells.bench_data import create_bench_initiatives  # noqa: E402

BATCH = 20_000


def fill(url: str, count: int) -> None:
    """bench-data, then participants and outcomes for every initiative (once)."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": False})
    with app.app_context():
        upgrade(directory=str(ROOT / "app" / "migrations"))
        if not db.session.scalar(select(func.count()).select_from(Initiative)):
            print(f"Filling {count:,} initiatives...", flush=True)
            create_bench_initiatives(count)
        if db.session.scalar(select(func.count()).select_from(Participant)):
            return
        print("Adding participants and outcomes...", flush=True)
        ids = list(db.session.scalars(select(Initiative.id).order_by(Initiative.id)))
        connection = db.session.connection()
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            connection.execute(insert(Participant), [row for i in chunk for row in _people(i)])
            connection.execute(insert(Outcome), [_outcome(i) for i in chunk if i % 2 == 0])
            db.session.commit()
            connection = db.session.connection()
        connection.exec_driver_sql("ANALYZE")
        db.session.commit()


def _people(initiative_id: int) -> list[dict]:
    return [
        {
            "initiative_id": initiative_id, "position": 0, "sector": "residents",
            "name": "Residents' association", "roles": ["co-design", "co-delivery"],
            "people": 10 + initiative_id % 40, "hours": 20.5 + initiative_id % 100,
        },
        {
            "initiative_id": initiative_id, "position": 1, "sector": "council",
            "name": "City Council", "roles": ["co-commissioning"], "people": 2, "hours": 12,
        },
    ]  # fmt: skip


def _outcome(initiative_id: int) -> dict:
    return {
        "initiative_id": initiative_id, "position": 0,
        "description": "Fewer reported burglaries; neighbours know each other.",
        "indicator": "reported burglaries", "baseline": 31, "result": 22 + initiative_id % 5,
        "unit": "a year",
    }  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(url: str, port: int) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-secret-key-bench-secret-key",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
    }
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"),
         "--access-logfile", "/dev/null", "app:create_app()"],
        cwd=ROOT, env=environment, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    for _ in range(300):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


def download(port: int, path: str) -> tuple[float, int, int, list[float], int]:
    """(seconds, rows, bytes, rows per second in each tenth, status)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    start = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    rows = size = 0
    marks = [(0, start)]
    while chunk := response.read1(1 << 16):
        size += len(chunk)
        rows += chunk.count(b"\n")
        marks.append((rows, time.perf_counter()))
    elapsed = time.perf_counter() - start
    rows -= 1  # the header
    rates = []
    for tenth in range(10):
        begin = next(m for m in marks if m[0] >= rows * tenth / 10)
        end = next(m for m in marks if m[0] >= rows * (tenth + 1) / 10)
        rates.append((end[0] - begin[0]) / max(end[1] - begin[1], 1e-9))
    return elapsed, rows, size, rates, response.status


def sqlite_floor(path: str) -> tuple[float, int]:
    start = time.perf_counter()
    result = subprocess.run(
        ["sqlite3", "-csv", "-header", path, "SELECT * FROM initiative"],
        stdout=subprocess.PIPE, check=True,
    )  # fmt: skip
    return time.perf_counter() - start, len(result.stdout)


def postgres_floor(url: str) -> tuple[float, int]:
    """``psql``'s ``\\copy`` of the initiative table to CSV: PostgreSQL's floor."""
    from sqlalchemy.engine import make_url

    address = make_url(url)
    start = time.perf_counter()
    result = subprocess.run(
        ["psql", "-h", address.host or "127.0.0.1", "-p", str(address.port or 5432),
         "-U", address.username or "postgres", "-d", address.database or "postgres",
         "-c", "\\copy (SELECT * FROM initiative) TO STDOUT WITH (FORMAT csv, HEADER)"],
        stdout=subprocess.PIPE, check=True,
    )  # fmt: skip
    return time.perf_counter() - start, len(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--keep", help="a SQLite file to fill once and keep")
    parser.add_argument("--database-url", help="a database filled already (e.g. PostgreSQL)")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-exports-")
    path = args.keep or str(Path(folder) / "bench.sqlite3")
    url = args.database_url or f"sqlite:///{path}"
    postgres = url.startswith("postgresql")
    try:
        if not args.database_url:
            fill(url, args.n)
        port = free_port()
        server = start_gunicorn(url, port)
        try:
            seconds, rows, size, rates, status = download(port, "/api/v1/initiatives.csv")
        finally:
            server.terminate()
            _, errors = server.communicate(timeout=60)
        floor_seconds, floor_size = postgres_floor(url) if postgres else sqlite_floor(path)
        timeouts = errors.count("WORKER TIMEOUT")
        database = "PostgreSQL" if postgres else "SQLite"
        floor_name = "`psql \\copy`" if postgres else "`sqlite3 -csv`"
        print(f"\nCSV export of {rows:,} initiatives ({database}, gunicorn.conf.py, 2 workers)\n")
        print("| what | time | rows/s | MB | ratio |")
        print("|---|---|---|---|---|")
        print(
            f"| `/api/v1/initiatives.csv` ({status}) | {seconds:.1f} s | {rows / seconds:,.0f} | "
            f"{size / 1e6:.0f} | {seconds / floor_seconds:.1f}× |"
        )
        print(
            f"| {floor_name} of the initiative table | {floor_seconds:.1f} s | "
            f"{rows / floor_seconds:,.0f} | {floor_size / 1e6:.0f} | 1× |"
        )
        print("\nrows/s in each tenth of the download:")
        print(" ".join(f"{rate:,.0f}" for rate in rates))
        print(f"slowest tenth / fastest tenth: {min(rates) / max(rates):.2f}")
        print(f"WORKER TIMEOUT lines in gunicorn's log: {timeouts}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
