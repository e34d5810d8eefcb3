"""Time a weekly alert digest run: 10,000 subscriptions over N published initiatives.

    .venv/bin/python bench/alert_digests.py                      # N = 100,000 on SQLite
    .venv/bin/python bench/alert_digests.py --n 1000000          # the issue's million
    .venv/bin/python bench/alert_digests.py --n 1000000 --keep /tmp/bench-1m.sqlite3
    .venv/bin/python bench/alert_digests.py --postgres postgresql+psycopg://postgres@127.0.0.1/test

``bench-data`` spreads N initiatives' first publication over two years, so a week holds
about N/104 of them. The subscriptions are weekly digests with a realistic spread of filters
(a neighbourhood, a theme, a theme in a neighbourhood, a point and a radius around a town, a
status): many people share each filter, and subscriptions with the same filter share one
query. It prints the run's time, the SQL statements it made (in all, per subscription, and
those that read initiatives), the mails queued, and the time per subscription. Mail goes to a
throw-away SQLite task queue (no worker runs). ``--keep`` fills the SQLite file once.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, event, func, insert, select  # noqa: E402

from app import create_app  # noqa: E402
from app.alerts.digests import send_alerts, window_end  # noqa: E402
from app.alerts.models import AlertSubscription  # noqa: E402
from app.extensions import db  # noqa: E402
from app.mail.models import OutgoingMail  # noqa: E402
from app.map_cells.bench_data import great_britain_towns  # noqa: E402
from app.neighbourhoods.models import Neighbourhood  # noqa: E402
from app.themes.models import Theme  # noqa: E402
from app.timeutil import utcnow  # noqa: E402
from bench.map_clusters import fill, postgres_database  # noqa: E402

SUBSCRIPTIONS = 10_000
STATUSES = ("active", "planned", "completed")


def alert_filters(rng: random.Random) -> list[str]:
    """The distinct filters people subscribe to (canonical query strings)."""
    slugs = select(Neighbourhood.slug).order_by(Neighbourhood.id)
    neighbourhoods = list(db.session.scalars(slugs))
    themes = list(db.session.scalars(select(Theme.slug).order_by(Theme.position)))
    towns = great_britain_towns()[:150]
    filters = [f"neighbourhood={slug}" for slug in neighbourhoods]
    filters += [f"theme={theme}" for theme in themes]
    filters += [f"theme={t}&neighbourhood={n}" for t in themes for n in neighbourhoods]
    filters += [f"status={status}" for status in STATUSES]
    for town in towns:
        radius = rng.choice((1, 2, 5, 10))
        near = f"{round(town['latitude'], 3)},{round(town['longitude'], 3)}"
        filters.append(f"near={near}&radius_km={radius}" if radius != 5 else f"near={near}")
    filters.append("")  # everything
    return filters


def subscribe_many(count: int, seed: int) -> int:
    """``count`` confirmed weekly subscriptions whose last digest went out a week before the
    latest weekly boundary; returns how many distinct filters they use."""
    rng = random.Random(seed)
    db.session.execute(delete(AlertSubscription))
    db.session.execute(delete(OutgoingMail))
    filters = alert_filters(rng)
    weights = [1.0 / (rank + 1) for rank in range(len(filters))]  # a few filters are popular
    rng.shuffle(filters)
    end = window_end("weekly", utcnow())
    start = end - timedelta(days=7)
    rows = [
        {
            "email": f"reader{number}@example.org",
            "filter_query": query,
            "frequency": "weekly",
            "nonce": secrets.token_hex(16),
            "created_at": start,
            "confirmed_at": start,
            "sent_until": start,
        }
        for number, query in enumerate(rng.choices(filters, weights=weights, k=count))
    ]
    db.session.execute(insert(AlertSubscription), rows)
    db.session.commit()
    return len({row["filter_query"] for row in rows})


def measure(app, subscriptions: int, seed: int) -> None:
    with app.app_context():
        distinct = subscribe_many(subscriptions, seed)
        statements: list[str] = []

        def record(_connection, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        start = time.perf_counter()
        mails = send_alerts("weekly")
        elapsed = time.perf_counter() - start
        event.remove(db.engine, "before_cursor_execute", record)
        reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        window_reads = [s for s in reads if "published_at >=" in s]
        listed = db.session.scalar(select(func.count()).select_from(OutgoingMail))
        db.session.remove()
    print(f"{subscriptions:,} weekly subscriptions, {distinct:,} distinct filters")
    print(f"run: {elapsed:.1f} s, {elapsed / subscriptions * 1000:.2f} ms per subscription")
    print(f"mails queued: {mails:,} (recorded: {listed:,})")
    print(
        f"statements: {len(statements):,} in all, {len(statements) / subscriptions:.2f} per "
        f"subscription; {len(reads):,} reads, of which {len(window_reads):,} read a window "
        f"of initiatives ({len(window_reads) / distinct:.2f} per distinct filter, "
        f"{len(window_reads) / subscriptions:.3f} per subscription)"
    )


def run(database_url: str, label: str, count: int, seed: int, subscriptions: int, queue: str):
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "DATABASE_URL": database_url,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": False,
            "TASKS_DATABASE": queue,
            "SITE_URL": "https://coproduce.example.org",
        }
    )
    print(f"\n== {label}, N = {count:,} ({os.cpu_count()} CPUs)")
    fill(app, count, seed)
    measure(app, subscriptions, seed)
    with app.app_context():
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="initiatives (default 100,000)")
    parser.add_argument("--subscriptions", type=int, default=SUBSCRIPTIONS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", metavar="FILE", help="an SQLite file to fill once and keep")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=os.environ.get("TEST_DATABASE_URL", ""),
        help="also on PostgreSQL (a server URL; default $TEST_DATABASE_URL)",
    )
    arguments, _others = parser.parse_known_args()  # make bench passes the map's too
    with tempfile.TemporaryDirectory() as folder:
        queue = f"{folder}/tasks.sqlite3"
        url = (
            f"sqlite:///{Path(arguments.keep).resolve()}"
            if arguments.keep
            else f"sqlite:///{folder}/bench.sqlite3"
        )
        run(url, "SQLite", arguments.n, arguments.seed, arguments.subscriptions, queue)
        if arguments.postgres:
            name = f"coproduce_bench_{os.getpid()}"
            url = postgres_database(arguments.postgres, name, create=True)
            try:
                run(url, "PostgreSQL", arguments.n, arguments.seed, arguments.subscriptions, queue)
            finally:
                postgres_database(arguments.postgres, name, create=False)


if __name__ == "__main__":
    main()
