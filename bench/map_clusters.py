"""Time the map's clusters endpoint on a fresh database filled by ``bench-data``.

Run with `make bench` (N = 100,000 on SQLite), or by hand:

    .venv/bin/python bench/map_clusters.py --n 1000000
    .venv/bin/python bench/map_clusters.py --postgres postgresql+psycopg://postgres@127.0.0.1/test

For the view a 1280 × 800 map shows at zooms 5, 8, 11, 14 and 17, centred on Great Britain
and on Leeds, unfiltered and with one theme, it prints the median and 95th-percentile time of
the endpoint, the size of its answer, and beside them the time of the same request grouping
every matching initiative in the view when asked (no precomputed totals).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.maps import totals  # noqa: E402
from app.maps.grid import view_bbox  # noqa: E402
from app.maps.models import MapCell, MapPoint  # noqa: E402

CENTRES = (("Great Britain", -2.5, 54.0), ("Leeds", -1.55, 53.80))
ZOOMS = (5, 8, 11, 14, 17)
THEME = "health"
BUDGET = 10  # seconds of requests per row and method, at least 3 requests


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def timed(client, url: str, rounds: int) -> tuple[list[float], bytes]:
    """Request times in ms (at most ``rounds``, fewer past BUDGET seconds) and the body."""
    client.get(url)  # warm the caches once, as a running server has them
    timings, body = [], b""
    while len(timings) < rounds and (len(timings) < 3 or sum(timings) < BUDGET * 1000):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.data[:300])
        body = response.data
    return timings, body


def initiatives_in(response_json: dict) -> int:
    return sum(
        feature["properties"]["count"] if feature["properties"]["cluster"] else 1
        for feature in response_json["features"]
    )


def measure(app, rounds: int) -> None:
    client = app.test_client()
    header = (
        f"{'view':<14}{'zoom':>5} {'theme':<7}{'features':>9}{'in view':>9}"
        f"{'median ms':>11}{'p95 ms':>8}{'KB':>7}{'naive median':>14}{'naive p95':>10}"
    )
    print(header)
    print("-" * len(header))
    for name, longitude, latitude in CENTRES:
        for zoom in ZOOMS:
            box = ",".join(str(value) for value in view_bbox(longitude, latitude, zoom))
            for theme in (None, THEME):
                url = f"/api/v1/map/clusters?bbox={box}&zoom={zoom}"
                if theme:
                    url += f"&theme={theme}"
                timings, body = timed(client, url, rounds)
                with mock.patch.object(totals, "uses_precomputed_totals", lambda _f: False):
                    naive, naive_body = timed(client, url, rounds)
                found = initiatives_in(app.json.loads(body))
                assert found == initiatives_in(app.json.loads(naive_body)), url
                print(
                    f"{name:<14}{zoom:>5} {theme or '-':<7}"
                    f"{len(app.json.loads(body)['features']):>9}{found:>9}"
                    f"{statistics.median(timings):>11.1f}{percentile(timings, 0.95):>8.1f}"
                    f"{len(body) / 1024:>7.1f}"
                    f"{statistics.median(naive):>14.1f}{percentile(naive, 0.95):>10.1f}"
                )


def fill(app, count: int, seed: int) -> None:
    with app.app_context():
        start = time.perf_counter()
        upgrade()
        result = app.test_cli_runner().invoke(args=["bench-data", str(count), "--seed", str(seed)])
        assert result.exit_code == 0, result.output
        elapsed = time.perf_counter() - start
        points = db.session.scalar(select(func.count()).select_from(MapPoint))
        cells = db.session.scalar(select(func.count()).select_from(MapCell))
        db.session.remove()
    print(
        f"{count:,} initiatives by bench-data in {elapsed:.1f} s "
        f"({points:,} map points, {cells:,} precomputed cells)"
    )


def run(database_url: str, label: str, count: int, seed: int, rounds: int) -> None:
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "DATABASE_URL": database_url,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": False,
        }
    )
    print(f"\n== {label}, N = {count:,} ({rounds} requests per row, {os.cpu_count()} CPUs)")
    fill(app, count, seed)
    measure(app, rounds)
    with app.app_context():
        db.engine.dispose()


def postgres_database(base_url: str, name: str, create: bool) -> str:
    import psycopg

    url = make_url(base_url)
    with psycopg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        dbname=url.database or "postgres",
        autocommit=True,
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            connection.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="initiatives (default 100,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=20, help="requests per row")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=os.environ.get("TEST_DATABASE_URL", ""),
        help="also on PostgreSQL (a server URL; default $TEST_DATABASE_URL)",
    )
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        run(url, "SQLite", arguments.n, arguments.seed, arguments.rounds)
    if arguments.postgres:
        name = f"coproduce_bench_{os.getpid()}"
        url = postgres_database(arguments.postgres, name, create=True)
        try:
            run(url, "PostgreSQL", arguments.n, arguments.seed, arguments.rounds)
        finally:
            postgres_database(arguments.postgres, name, create=False)


if __name__ == "__main__":
    main()
