"""Time the map's clusters endpoint on a fresh database filled by ``bench-data``.

Run with `make bench` (N = 100,000 on SQLite), or by hand:

    .venv/bin/python bench/map_clusters.py --n 1000000
    .venv/bin/python bench/map_clusters.py --n 1000000 --keep /tmp/bench-1m.sqlite3
    .venv/bin/python bench/map_clusters.py --postgres postgresql+psycopg://postgres@127.0.0.1/test

For the view a 1280 × 800 map shows at zooms 5, 8, 11, 14 and 17, centred on Great Britain
and on Leeds, unfiltered, with one theme, one status, a theme and a stage, a theme and a status,
and the word "garden" (``q``), it prints the
median and 95th-percentile time of the endpoint and the size of its answer, and beside them
the time of the naive SQL: one GROUP BY over the matching published initiatives in the box,
computing each one's cell from its latitude and longitude when asked (no precomputed codes
or totals). ``--keep`` fills the SQLite file only when it holds no initiatives yet, so a
second run of the same N skips the fill.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qsl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.initiatives.models import Initiative  # noqa: E402
from app.initiatives.public import published_initiatives  # noqa: E402
from app.map_cells.cells import cell_totals  # noqa: E402
from app.map_cells.grid import CELL_BITS, TILE_BITS, view_bbox  # noqa: E402
from app.map_cells.models import MapCell, MapPoint  # noqa: E402
from app.shared_filters.parse import parse_filters
from app.shared_filters.query import apply_filters

CENTRES = (("Great Britain", -2.5, 54.0), ("Leeds", -1.55, 53.80))
ZOOMS = (5, 8, 11, 14, 17)
FILTERS = (
    ("-", ""),
    ("health", "theme=health"),
    ("ended", "status=ended"),
    ("health+co-design", "theme=health&stage=co-design"),
    ("health+active", "theme=health&status=active"),
    ("q garden", "q=garden"),
)
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


def naive_query(query_string: str, zoom: int):
    """Group the matching published initiatives in the box by cell, cells computed now."""
    initiative_filter, errors = parse_filters(MultiDict(parse_qsl(query_string)))
    assert not errors, errors
    cells = float(1 << (zoom + TILE_BITS - CELL_BITS))  # cells across the world at this zoom
    longitude, latitude = Initiative.public_longitude, Initiative.public_latitude
    sine = func.sin(latitude * math.pi / 180)
    column = func.floor((longitude + 180.0) / 360.0 * cells)
    row = func.floor((0.5 - func.ln((1 + sine) / (1 - sine)) / (4 * math.pi)) * cells)
    query = published_initiatives().with_only_columns(
        column, row, *cell_totals(longitude, latitude, Initiative.id)
    )
    return apply_filters(query, initiative_filter).group_by(column, row)


def timed_naive(app, query_string: str, zoom: int, rounds: int) -> tuple[list[float], int]:
    """Times in ms of the naive SQL, and how many initiatives its cells hold."""
    timings, found = [], 0
    with app.app_context():
        query = naive_query(query_string, zoom)
        db.session.execute(query).all()  # warm the caches once
        while len(timings) < rounds and (len(timings) < 3 or sum(timings) < BUDGET * 1000):
            start = time.perf_counter()
            rows = db.session.execute(query).all()
            timings.append((time.perf_counter() - start) * 1000)
            found = sum(row[2] for row in rows)
        db.session.remove()
    return timings, found


def initiatives_in(response_json: dict) -> int:
    return sum(
        feature["properties"]["count"] if feature["properties"]["cluster"] else 1
        for feature in response_json["features"]
    )


def measure(app, rounds: int) -> None:
    client = app.test_client()
    header = (
        f"{'view':<14}{'zoom':>5} {'filter':<17}{'features':>9}{'in view':>9}"
        f"{'median ms':>11}{'p95 ms':>8}{'KB':>7}{'naive median':>14}{'naive p95':>10}"
    )
    print(header)
    print("-" * len(header))
    for name, longitude, latitude in CENTRES:
        for zoom in ZOOMS:
            box = ",".join(str(value) for value in view_bbox(longitude, latitude, zoom))
            for label, filters in FILTERS:
                query_string = "&".join(filter(None, [f"bbox={box}", filters]))
                url = f"/api/v1/map/clusters?{query_string}&zoom={zoom}"
                timings, body = timed(client, url, rounds)
                naive, naive_found = timed_naive(app, query_string, zoom, rounds)
                found = initiatives_in(app.json.loads(body))
                assert found == naive_found, (url, found, naive_found)
                print(
                    f"{name:<14}{zoom:>5} {label:<17}"
                    f"{len(app.json.loads(body)['features']):>9}{found:>9}"
                    f"{statistics.median(timings):>11.1f}{percentile(timings, 0.95):>8.1f}"
                    f"{len(body) / 1024:>7.1f}"
                    f"{statistics.median(naive):>14.1f}{percentile(naive, 0.95):>10.1f}",
                    flush=True,
                )


def fill(app, count: int, seed: int) -> None:
    with app.app_context():
        start = time.perf_counter()
        upgrade()
        held = db.session.scalar(select(func.count()).select_from(Initiative))
        if held:
            print(f"{held:,} initiatives already there: not filled again")
            db.session.remove()
            return
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


def postgres_database(base_url: str, name: str, create: bool, reuse: bool = False) -> str:
    """The address of a database of this name on the server: made anew (``create``), or
    dropped; with ``reuse``, one that is there already is kept as it is."""
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
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if reuse and exists:
            return url.set(database=name).render_as_string(hide_password=False)
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
        "--keep", metavar="FILE", help="an SQLite file to fill once and keep (else a fresh one)"
    )
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=os.environ.get("TEST_DATABASE_URL", ""),
        help="also on PostgreSQL (a server URL; default $TEST_DATABASE_URL)",
    )
    arguments = parser.parse_args()
    if arguments.keep:
        url = f"sqlite:///{Path(arguments.keep).resolve()}"
        run(url, "SQLite", arguments.n, arguments.seed, arguments.rounds)
    else:
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
