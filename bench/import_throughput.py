"""Import throughput: a council's CSV of N rows (100,000 by default) checked and written.

Run with `make bench-imports` (or `python bench/import_throughput.py --rows 20000`). For each
database it creates a fresh one, fills the neighbourhoods and an admin, then times

- a check (a dry run: every row read, matched and validated, nothing written),
- the first import (every row creates an initiative, its revision and search entry),
- the same file again (every row matched, nothing changes: the idempotent re-run),

and prints rows per second. On PostgreSQL it also runs two imports at once (two worker
processes, each with its own half of the rows), as an operator with two workers would.
"""

from __future__ import annotations

import argparse
import csv
import io
import multiprocessing
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from app import create_app  # noqa: E402
from app.accounts.models import User  # noqa: E402
from app.extensions import db  # noqa: E402
from app.imports.services import import_initiatives  # noqa: E402
from app.neighbourhoods.models import Neighbourhood  # noqa: E402

NEIGHBOURHOODS = 40
HEADER = (
    "external_id,title,summary,description,themes,stages,status,started_on,neighbourhood,"
    "latitude,longitude,location_precision,contact_url,people_residents,hours_residents,"
    "name_residents,people_council,outcome_description,outcome_indicator,outcome_baseline,"
    "outcome_result,outcome_unit"
)


def sheet(rows: int, start: int = 0, prefix: str = "B") -> bytes:
    """A CSV like a council's: every column a real sheet fills, coordinates given."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER.split(","))
    themes = ("safety", "health;education", "sustainability", "sustainability;health")
    stages = ("co-design", "co-delivery", "co-design;co-delivery", "co-assessment")
    for number in range(start, start + rows):
        n = number % NEIGHBOURHOODS
        writer.writerow(
            [
                f"{prefix}-{number}",
                f"Initiative {number}",
                f"Residents and the council work together, number {number}.",
                f"Started in **{2000 + number % 25}** after a meeting in the hall.",
                themes[number % 4],
                stages[number % 4],
                ("active", "completed", "ended")[number % 3],
                f"20{10 + number % 15}-0{1 + number % 9}-1{number % 9}",
                f"bench-{n}",
                f"{53.5 + (number % 997) / 1000:.4f}",
                f"{-1.9 + (number % 991) / 1000:.4f}",
                "street",
                f"https://example.org/{number}",
                str(5 + number % 50),
                str(10 + number % 300),
                "Residents' Association",
                str(1 + number % 5),
                "Fewer complaints",
                "complaints",
                "31",
                str(number % 30),
                "a year",
            ]
        )
    return buffer.getvalue().encode()


def make_app(database_url: str):
    return create_app(
        {
            "SECRET_KEY": "bench",
            "DATABASE_URL": database_url,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "RATELIMIT_ENABLED": False,
            "TASKS_EAGER": False,  # the rebuild after an import is timed on its own
            "IMPORT_MAX_ROWS": 200_000,
        }
    )


def prepare(app) -> int:
    from app.accounts.services import create_user

    with app.app_context():
        upgrade()
        for n in range(NEIGHBOURHOODS):
            db.session.add(
                Neighbourhood(
                    name=f"Bench {n}",
                    slug=f"bench-{n}",
                    local_authority="Bench Council",
                    latitude=53.8,
                    longitude=-1.6,
                )
            )
        user = create_user("admin@example.org", "bench password", role="admin")
        db.session.commit()
        return user.id


def timed(app, data: bytes, user_id: int, commit: bool) -> tuple[float, str]:
    with app.app_context():
        user = db.session.get(User, user_id)
        start = time.perf_counter()
        report = import_initiatives(data, "bench.csv", user, "published", commit=commit)
        elapsed = time.perf_counter() - start
        return elapsed, report.summary()


def _import_half(database_url: str, user_id: int, rows: int, start: int, queue) -> None:
    app = make_app(database_url)
    data = sheet(rows, start)
    queue.put(timed(app, data, user_id, commit=True))


RUNS = {"check": False, "first import": True, "same file again": True}


def run(name: str, database_url: str, rows: int, parallel: int, runs: list[str]) -> list[tuple]:
    app = make_app(database_url)
    user_id = prepare(app)
    data = sheet(rows)
    results = []
    for label in [label for label in RUNS if label in runs]:
        elapsed, summary = timed(app, data, user_id, RUNS[label])
        results.append((name, label, rows, elapsed, summary))
        print(f"  {name} {label}: {elapsed:.1f} s ({summary})", file=sys.stderr, flush=True)
    if parallel > 1:
        queue: multiprocessing.Queue = multiprocessing.Queue()
        share = rows // parallel
        workers = [
            multiprocessing.Process(
                target=_import_half,
                args=(database_url, user_id, share, rows + i * share, queue),
            )
            for i in range(parallel)
        ]
        start = time.perf_counter()
        for worker in workers:
            worker.start()
        answers = [queue.get() for _ in workers]
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - start
        summary = "; ".join(answer[1] for answer in answers)
        results.append((name, f"{parallel} workers at once", share * parallel, elapsed, summary))
    return results


def postgres_database(server_url: str) -> str:
    name = f"bench_imports_{uuid.uuid4().hex[:8]}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a database is created)")
    parser.add_argument("--workers", type=int, default=2, help="imports at once on PostgreSQL")
    parser.add_argument(
        "--runs",
        default=",".join(RUNS),
        help=f"which of {', '.join(RUNS)} (comma-separated; default all)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    runs = [label.strip() for label in args.runs.split(",")]
    folder = Path(tempfile.mkdtemp())
    results = []
    if not args.no_sqlite:
        results += run("SQLite", f"sqlite:///{folder}/bench.sqlite3", args.rows, 1, runs)
    if args.postgres:
        database = postgres_database(args.postgres)
        results += run("PostgreSQL", database, args.rows, args.workers, runs)
    print(f"{'database':<11} {'run':<22} {'rows':>8} {'seconds':>8} {'rows/s':>8}")
    print("-" * 61)
    for name, label, rows, elapsed, _ in results:
        print(f"{name:<11} {label:<22} {rows:>8} {elapsed:>8.1f} {rows / elapsed:>8.0f}")


if __name__ == "__main__":
    main()
