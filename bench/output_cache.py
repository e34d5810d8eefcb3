"""Cached public outputs through gunicorn: requests per second of /healthz (one `SELECT 1`),
a static file, and each output as a repeated 200 (from the output cache) and as a 304.

    python bench/output_cache.py                 # 100,000 initiatives on SQLite
    python bench/output_cache.py --rows 1000000  # a million (takes a while to fill)
    python bench/output_cache.py --postgres postgresql+psycopg://postgres@127.0.0.1/test
    python bench/output_cache.py --keep /tmp/bench-cache.sqlite3   # fill once, rerun quickly
    python bench/output_cache.py --redis redis://127.0.0.1:6379/0   # the cache in Redis

It fills a new database with `bench-data` (and a hand-picked cluster of 20), starts gunicorn
with the shipped gunicorn.conf.py and 2 workers on a free loopback port, and, in interleaved
rounds, keeps 8 keep-alive connections busy for a second and a half per row, each row right
after a /healthz of its own (the ratio is taken per round: a shared machine's load moves
between rows). Each output's 200 is asked as it is and with `Accept-Encoding: gzip`, as
browsers ask (text of 1 KB or more then comes compressed from the cache). It also times the
first (uncached) answer of a city's GeoJSON right after a public change (once both workers
have read the facet bitmaps and the map's points), and prints one table.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONNECTIONS = 8
# Leeds's centre (min_lon, min_lat, max_lon, max_lat): 3,385 `theme=health` features at a
# million, the city of about 3,800 (the wider box used before held 7,988).
LEEDS = "-1.65,53.75,-1.45,53.85"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fill(database_url: str, rows: int) -> str:
    """Migrate and fill the database (what it lacks: a file another bench filled gets the
    picked cluster only); returns the picked cluster's slug."""
    from flask_migrate import upgrade

    from app import create_app
    from app.clusters.models import Cluster, ClusterItem
    from app.extensions import db
    from app.initiatives.models import Initiative
    from app.map_cells.bench_data import create_bench_initiatives
    from app.themes.services import ensure_default_themes
    from app.timeutil import utcnow

    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": database_url})
    with app.app_context():
        upgrade()
        ensure_default_themes()
        db.session.commit()
        if db.session.scalar(db.select(db.func.count()).select_from(Initiative)) == 0:
            create_bench_initiatives(rows)
        if db.session.scalar(db.select(Cluster.id).where(Cluster.slug == "picked")):
            db.engine.dispose()
            return "picked"
        now = utcnow()
        cluster = Cluster(
            title="Picked for the bench",
            slug="picked",
            kind="picked",
            state="published",
            created_at=now,
            updated_at=now,
            published_at=now,
        )
        db.session.add(cluster)
        ids = db.session.scalars(db.select(Initiative.id).limit(20)).all()
        for position, initiative_id in enumerate(ids):
            cluster.items.append(ClusterItem(initiative_id=initiative_id, position=position))
        db.session.commit()
        db.engine.dispose()
    return "picked"


def touch(database_url: str) -> None:
    """A public change (an initiative renamed), so nothing cached is current."""
    from app import create_app
    from app.extensions import db
    from app.initiatives.models import Initiative

    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": database_url})
    with app.app_context():
        initiative = db.session.scalars(db.select(Initiative).limit(1)).one()
        initiative.title = f"Renamed {uuid.uuid4().hex[:6]}"
        db.session.commit()
        db.engine.dispose()


def get(port: int, path: str, headers: dict[str, str] | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def rate(port: int, path: str, headers: dict[str, str], seconds: float) -> float:
    """Requests per second with CONNECTIONS keep-alive connections asking ``path``."""
    counts = [0] * CONNECTIONS
    stop = time.monotonic() + seconds
    failures: list[str] = []

    def loop(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < stop:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status not in (200, 304):
                failures.append(f"{path}: {response.status}")
                return
            counts[index] += 1
        connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=loop, args=(i,)) for i in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(failures[0])
    return sum(counts) / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a new database is made)")
    parser.add_argument("--seconds", type=float, default=1.5, help="per row and round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--keep", help="an SQLite file: filled once, reused by later runs")
    parser.add_argument(
        "--redis", help="a Redis URL: the output cache (and rate limits) there, as in production"
    )
    parser.add_argument(
        "--bbox", default=LEEDS, help="the city's box for the GeoJSON rows (min_lon,min_lat,...)"
    )
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp())
    if options.postgres:
        import sqlalchemy

        name = f"bench_cache_{uuid.uuid4().hex[:8]}"
        admin = sqlalchemy.create_engine(options.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
        database_url = options.postgres.rsplit("/", 1)[0] + "/" + name
    else:
        database_url = f"sqlite:///{options.keep or folder / 'bench.sqlite3'}"
    started = time.monotonic()
    slug = fill(database_url, options.rows)
    print(f"filled (what was missing) in {time.monotonic() - started:.0f} s")

    port = free_port()
    environment = {
        **os.environ,
        "SECRET_KEY": "bench-secret",
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "COPRODUCE_INSTANCE": str(folder),
    }
    if options.redis:
        environment["REDIS_URL"] = options.redis
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--config", "gunicorn.conf.py", "app:create_app()"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(port, "/healthz")[0].status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        run(port, slug, database_url, options)
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(folder, ignore_errors=True)
        if options.postgres:
            admin.dispose()
            with admin.connect() as connection:
                connection.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")


def run(port: int, slug: str, database_url: str, options: argparse.Namespace) -> None:
    geojson = f"/api/v1/initiatives.geojson?theme=health&bbox={options.bbox}"
    outputs = {
        "embed of a picked cluster": f"/embed/clusters/{slug}",
        "embed of a filtered list": "/embed/initiatives?theme=health",
        "feed /feeds/initiatives.atom": "/feeds/initiatives.atom",
        "oEmbed of a cluster": f"/oembed?url=http%3A%2F%2F127.0.0.1%3A{port}%2Fclusters%2F{slug}",
        "API list theme=health": "/api/v1/initiatives?theme=health",
        "GeoJSON theme=health, Leeds": geojson,
    }
    # Both workers first read the facet bitmaps and the map's points (seconds at a million):
    # what is timed below is the answer after a change in a running site, not a worker's start.
    # A new connection per request, many at once: a keep-alive connection stays with the
    # worker that accepted it, so one worker could otherwise take them all.
    warm = f"/api/v1/initiatives?theme=health&limit=1&bbox={options.bbox}"
    threads = [
        threading.Thread(target=lambda: [get(port, warm) for _ in range(4)]) for _ in range(16)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The first, uncached answer of the city's GeoJSON after a public change.
    cold = []
    features = 0
    for _ in range(options.rounds):
        touch(database_url)
        begun = time.monotonic()
        response, body = get(port, geojson)
        cold.append((time.monotonic() - begun) * 1000)
        features = body.count(b'"type": "Feature"') or body.count(b'"type":"Feature"')
        assert response.status == 200, response.status

    rows: dict[str, list[float]] = {}
    ratios: dict[str, list[float]] = {}
    etags = {}
    for name, path in outputs.items():
        response, _ = get(port, path)
        etags[name] = response.getheader("ETag")
    targets = [("static CSS", "/static/css/clusters.css", {})]
    for name, path in outputs.items():
        targets.append((f"{name}: 200", path, {}))
        targets.append((f"{name}: 200, gzip", path, {"Accept-Encoding": "gzip"}))
        targets.append((f"{name}: 304", path, {"If-None-Match": etags[name]}))
    for _ in range(options.rounds):  # interleaved: each row beside its own /healthz
        for name, path, headers in targets:
            baseline = rate(port, "/healthz", {}, options.seconds)
            measured = rate(port, path, headers, options.seconds)
            rows.setdefault("/healthz", []).append(baseline)
            rows.setdefault(name, []).append(measured)
            ratios.setdefault(name, []).append(measured / baseline)
    ratios["/healthz"] = [1.0]
    print(
        f"\n{options.rows:,} initiatives, {'PostgreSQL' if options.postgres else 'SQLite'}, "
        f"gunicorn 2 workers, {CONNECTIONS} keep-alive connections, "
        f"{options.rounds} rounds of {options.seconds:.1f} s per row, each beside a /healthz\n"
    )
    print("| what | req/s (median) | spread | of /healthz (median of rounds) |")
    print("|---|---:|---:|---:|")
    for name, values in rows.items():
        spread = f"{min(values):.0f}–{max(values):.0f}"
        ratio = statistics.median(ratios[name])
        print(f"| {name} | {statistics.median(values):.0f} | {spread} | {ratio:.0%} |")
    print(
        f"\nGeoJSON theme=health in Leeds ({features:,} features), first answer after a "
        f"public change: median {statistics.median(cold):.0f} ms "
        f"({', '.join(f'{value:.0f}' for value in cold)} ms)"
    )


if __name__ == "__main__":
    main()
