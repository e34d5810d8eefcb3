"""List pages, the API list and map clusters over the benchmark matrix, side by side with
Datasette serving the same SQLite file.

Run with `make bench` (N = 100,000), `make bench BENCH_LIST_ARGS=--million` (also
N = 1,000,000), or:

    .venv/bin/python bench/lists.py --keep /tmp/bench-100k.sqlite3
    .venv/bin/python bench/lists.py --million --keep /tmp/bench-1m.sqlite3 --rounds 7

``--postgres URL`` runs the same matrix on PostgreSQL as well (a database is made on that
server for each size and dropped after; Datasette reads only SQLite, so it has no column
there; ``--postgres-keep`` keeps it, and a later run reuses it: a million takes about 25
minutes to fill; ``--no-sqlite`` leaves SQLite out). Each size is filled once by
``bench-data`` (which also fills the search index); ``--keep`` reuses a file that holds
initiatives already. Datasette (``--datasette``: its executable,
installed by `make bench` into bench/.venv, never the app's) serves the same file, and for
every row of the matrix it answers the same filter with the same facet counts and a count.
Rounds are interleaved: each round asks every target for every row once, so a machine busy
for a while slows every column alike. The app is timed in-process (no HTTP); Datasette over
loopback HTTP (a new connection each time: about a millisecond more). Printed: median and
spread (the 10th to 90th percentile) in ms per row and target.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from map_clusters import fill, postgres_database  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.map_cells.grid import view_bbox  # noqa: E402

LEEDS = "-1.65,53.75,-1.45,53.85"
NORTH = "-3.5,52.5,0.5,55.5"
# (row, filter query string, Datasette's where clause for the same filter)
MATRIX = (
    ("no filter", "", ""),
    ("theme", "theme=health", "id in (select initiative_id from initiative_theme where "
     "theme_id = (select id from theme where slug = 'health'))"),
    ("stage", "stage=co-design",
     "id in (select initiative_id from initiative_stage where stage = 'co-design')"),
    ("sector", "sector=police",
     "id in (select initiative_id from participant where sector = 'police')"),
    ("status", "status=ended", "status = 'ended'"),
    ("neighbourhood", "neighbourhood=leeds-centre",
     "neighbourhood_id = (select id from neighbourhood where slug = 'leeds-centre')"),
    ("verified", "verified=1", "id in (select initiative_id from outcome where verified_at "
     "is not null)"),
    ("theme+stage", "theme=health&stage=co-design", None),
    ("theme+status", "theme=health&status=ended", None),
    ("theme+neighbourhood", "theme=health&neighbourhood=leeds-centre", None),
    ("q common", "q=garden", "id in (select rowid from initiative_fts where initiative_fts "
     "match 'garden')"),
    ("q rare", "q=kirkcaldy", "id in (select rowid from initiative_fts where initiative_fts "
     "match 'kirkcaldy')"),
    ("q+theme", "q=garden&theme=health", None),
    ("bbox city", f"bbox={LEEDS}", "public_longitude between -1.65 and -1.45 and "
     "public_latitude between 53.75 and 53.85"),
    # Northern England and the Midlands: a quarter of bench-data's initiatives, too many to
    # read by id and sort; the page is found by walking the newest-first index.
    ("bbox region", f"bbox={NORTH}", "public_longitude between -3.5 and 0.5 and "
     "public_latitude between 52.5 and 55.5"),
    ("near 5 km", "near=53.8,-1.55", None),
    ("sort=title", "sort=title", ""),
    # Periods: bench-data's work started from 2008 to its publication in the last two years.
    # Both periods end in winter (GMT): the day's end in London is midnight UTC.
    ("period broad", "active_from=2015-01-01&active_to=2025-12-31",
     "(ended_on is null or ended_on >= '2015-01-01') and (started_on <= '2025-12-31' or "
     "(started_on is null and published_at < '2026-01-01 00:00:00.000000'))"),
    ("period narrow", "active_from=2024-03-10&active_to=2024-03-16",
     "(ended_on is null or ended_on >= '2024-03-10') and (started_on <= '2024-03-16' or "
     "(started_on is null and published_at < '2024-03-17 00:00:00.000000'))"),
    ("period from", "active_from=2026-06-01", "ended_on is null or ended_on >= '2026-06-01'"),
    ("period+theme", "active_from=2015-01-01&active_to=2025-12-31&theme=health", None),
)  # fmt: skip
PAIRS = {
    "theme+stage": ("theme", "stage"),
    "theme+status": ("theme", "status"),
    "theme+neighbourhood": ("theme", "neighbourhood"),
    "q+theme": ("q common", "theme"),
    "period+theme": ("period broad", "theme"),
}
GREAT_BRITAIN = (-2.5, 54.0)
MAP_FILTERS = (
    ("theme+stage", "theme=health&stage=co-design"),
    ("theme+status", "theme=health&status=ended"),
    ("q", "q=garden"),
)


def spread(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)

    def at(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]

    return statistics.median(ordered), at(0.1), at(0.9)


def where_of(row: str) -> str | None:
    found = {name: where for name, _, where in MATRIX}
    if row in PAIRS:
        left, right = (found[name] for name in PAIRS[row])
        return f"({left}) and ({right})"
    if row == "near 5 km":
        return (
            "public_longitude between -1.626 and -1.474 and public_latitude between 53.755 "
            "and 53.845"
        )
    return found[row]


class Datasette:
    """Datasette serving the file read-only."""

    def __init__(self, executable: str, path: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            [executable, "serve", "--immutable", str(path), "--port", str(self.port),
             "--setting", "sql_time_limit_ms", "60000", "--setting", "facet_time_limit_ms",
             "60000", "--setting", "num_sql_threads", "2"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.name = path.stem
        for _ in range(600):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port)
                connection.request("GET", "/-/versions.json")
                connection.getresponse().read()
                connection.close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("Datasette did not start")

    def url(self, row: str) -> str | None:
        where = where_of(row)
        if where is None and row != "near 5 km":
            return None
        facets = "&_facet=status&_facet=neighbourhood_id"
        parts = f"/{self.name}/initiative.json?state=published&_size=20{facets}"
        if where:
            parts += "&_where=" + quote(where)
        if row == "sort=title":
            parts += "&_sort=title"
        return parts

    def get(self, url: str) -> float:
        """Time one answer; a new connection each time (Datasette closes idle ones)."""
        start = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port)
        connection.request("GET", url)
        response = connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        connection.close()
        assert response.status == 200, (url, response.status, body[:300])
        return elapsed

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def targets(row: str, query: str) -> dict[str, str]:
    joined = f"?{query}" if query else ""
    found = {
        "HTML list": f"/initiatives{joined}",
        "API list": f"/api/v1/initiatives{joined}",
    }
    if row == "theme" or row.startswith("theme+"):
        rest = "&".join(part for part in query.split("&") if not part.startswith("theme="))
        found["theme page"] = "/themes/health" + (f"?{rest}" if rest else "")
    if row.startswith("bbox "):
        found["map list"] = f"/map?{query}"
    return found


def measure(app, datasette: Datasette | None, rounds: int, label: str) -> None:
    client = app.test_client()
    urls: list[tuple[str, str, str]] = []
    for row, query, _ in MATRIX:
        urls += [(row, target, url) for target, url in targets(row, query).items()]
    for zoom in (5, 8):
        zoomed = ",".join(str(value) for value in view_bbox(*GREAT_BRITAIN, zoom))
        for name, query in MAP_FILTERS:
            url = f"/api/v1/map/clusters?bbox={zoomed}&{query}&zoom={zoom}"
            urls.append((f"map z{zoom} {name}", "map clusters", url))
    times: dict[tuple[str, str], list[float]] = {}
    for _, _, url in urls:  # warm: templates, statements, the bitmaps
        assert client.get(url).status_code == 200, url
    for _ in range(rounds):
        for row, target, url in urls:
            start = time.perf_counter()
            response = client.get(url)
            times.setdefault((row, target), []).append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        if datasette:
            for row, _, _ in MATRIX:
                url = datasette.url(row)
                if url:
                    times.setdefault((row, "Datasette"), []).append(datasette.get(url))
    print(f"\n{label}: median ms (10th–90th percentile), {rounds} interleaved rounds")
    header = f"{'row':<22}{'target':<14}{'median':>9}  spread"
    print(header)
    print("-" * (len(header) + 14))
    for (row, target), values in times.items():
        median, low, high = spread(values)
        print(f"{row:<22}{target:<14}{median:>9.1f}  {low:.1f}–{high:.1f}", flush=True)


def startup(app) -> None:
    """How long the facet bitmaps take to read, and how much memory they hold; the bitmaps of
    the active period (by start and end day) among them, also on their own."""
    from app.shared_filters.facet_index import build_facet_index
    from app.shared_filters.periods import build_period_bitmaps

    with app.app_context():
        start = time.perf_counter()
        index = build_facet_index(db.session.connection(), 0)
        elapsed = time.perf_counter() - start
        start = time.perf_counter()
        periods = build_period_bitmaps(db.session.connection())
        period_elapsed = time.perf_counter() - start
        period_bitmaps = [*periods.started.held(), *periods.ended.held()]
        held = sum(
            len(bitmap.serialize())
            for bitmap in [
                index.published,
                index.verified,
                *(found for values in index.values.values() for found in values.values()),
                *period_bitmaps,
            ]
        )
        period_held = sum(len(bitmap.serialize()) for bitmap in period_bitmaps)
        db.session.remove()
    print(f"facet bitmaps: read in {elapsed:.1f} s, {held / 1e6:.1f} MB serialised")
    print(
        f"  of which the period's: {len(period_bitmaps):,} bitmaps "
        f"({len(periods.started.days):,} start days, {len(periods.ended.days):,} end days), "
        f"read in {period_elapsed:.1f} s, {period_held / 1e6:.1f} MB serialised"
    )


def bench_app(url: str):
    return create_app(
        {
            "SECRET_KEY": "bench",
            "DATABASE_URL": url,
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            # Every answer is worked out, not taken from the output cache (a repeated request
            # would be): bench/output_cache.py times the cache.
            "OUTPUT_CACHE_SECONDS": 0,
        }
    )


def run(path: Path, count: int, rounds: int, datasette_executable: str | None) -> None:
    app = bench_app(f"sqlite:///{path}")
    fill(app, count, 1)
    startup(app)
    datasette = Datasette(datasette_executable, path) if datasette_executable else None
    try:
        measure(app, datasette, rounds, f"SQLite, N = {count:,}, {os.cpu_count()} CPUs")
    finally:
        if datasette:
            datasette.stop()
    with app.app_context():
        db.engine.dispose()


def run_postgres(server_url: str, count: int, rounds: int, keep: bool = False) -> None:
    """The same matrix on a new PostgreSQL database of this size, dropped afterwards (kept,
    and reused when it is there already, with ``keep``)."""
    name = f"coproduce_bench_lists_{count // 1000}k"
    url = postgres_database(server_url, name, create=True, reuse=keep)
    try:
        app = bench_app(url)
        fill(app, count, 1)
        startup(app)
        measure(app, None, rounds, f"PostgreSQL, N = {count:,}, {os.cpu_count()} CPUs")
        with app.app_context():
            db.engine.dispose()
    finally:
        if not keep:
            postgres_database(server_url, name, create=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--million", action="store_true", help="also at N = 1,000,000")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--keep", metavar="FILE", help="an SQLite file per size, kept (a stem)")
    parser.add_argument("--datasette", metavar="EXECUTABLE", help="Datasette, for the baseline")
    parser.add_argument("--postgres", metavar="URL", help="also on this PostgreSQL server")
    parser.add_argument(
        "--postgres-keep", action="store_true", help="keep (and reuse) the PostgreSQL database"
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--only-million", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    sizes = [] if arguments.only_million else [100_000]
    if arguments.million or arguments.only_million:
        sizes.append(1_000_000)
    with tempfile.TemporaryDirectory() as folder:
        for count in sizes:
            if arguments.keep:
                stem = Path(arguments.keep)
                path = stem.with_name(f"{stem.stem}-{count // 1000}k{stem.suffix or '.sqlite3'}")
            else:
                path = Path(folder) / f"bench-{count // 1000}k.sqlite3"
            if not arguments.no_sqlite:
                run(path.resolve(), count, arguments.rounds, arguments.datasette)
            if arguments.postgres:
                run_postgres(arguments.postgres, count, arguments.rounds, arguments.postgres_keep)


if __name__ == "__main__":
    main()
