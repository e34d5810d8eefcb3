"""Load on loopback: writers and readers against gunicorn, then every acknowledged write
looked for in the database.

    python bench/load.py                                   # SQLite, one gunicorn, 4 workers
    python bench/load.py --postgres postgresql+psycopg://postgres@127.0.0.1/test \\
        --instances 2 --redis                              # two instances, Redis shared
    python bench/load.py --postgres ... --instances 2 --redis --stop-redis-halfway

Writers post initiatives through the API (`POST /api/v1/initiatives`, a token each); readers
ask the API list and the list page in turn. The run lasts ``--duration`` seconds (default
60), uses only 127.0.0.1, and starts (and stops) its own gunicorn processes, its own
redis-server on a free port and its own database (a temporary SQLite file, or a new database
on the given PostgreSQL server, dropped afterwards). Rate limits stay on, set high enough not
to refuse a bench's writers. It prints the acknowledged writes, the writes found in the
database (they must be equal), errors by status, and p50/p95 latency of reads and writes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import ENVIRONMENT_KEYS  # noqa: E402

TIMEOUT = 30.0


@dataclass
class Tally:
    """What one kind of request saw."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int | str] = field(default_factory=Counter)

    def row(self, name: str) -> str:
        ok = sorted(self.latencies)
        p50 = statistics.median(ok) * 1000 if ok else float("nan")
        p95 = statistics.quantiles(ok, n=20)[-1] * 1000 if len(ok) > 1 else float("nan")
        return f"| {name} | {sum(self.statuses.values())} | {p50:.0f} ms | {p95:.0f} ms |"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def http(
    port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """One HTTP/1.1 request on a new connection; the status and the body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
        lines += [f"{key}: {value}" for key, value in (headers or {}).items()]
        lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        answer = await reader.read()
    finally:
        writer.close()
    head, _, content = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), content


def new_initiative(title: str) -> bytes:
    return json.dumps(
        {
            "title": title,
            "summary": "A load-test submission.",
            "themes": ["safety"],
            "stages": ["co-delivery"],
            "status": "active",
            "neighbourhood": "kirkstall",
            "place_name": "Hawksworth Road",
            "latitude": 53.821,
            "longitude": -1.601,
            "location_precision": "street",
            "credit": "anonymous",
            "consent": True,
        }
    ).encode()


async def writer_loop(
    number: int, ports: list[int], token: str, until: float, tally: Tally, acknowledged: set[str]
) -> None:
    sent = 0
    while time.monotonic() < until:
        title = f"bench {number}-{sent}"
        sent += 1
        port = ports[sent % len(ports)]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        started = time.monotonic()
        try:
            status, _ = await asyncio.wait_for(
                http(port, "POST", "/api/v1/initiatives", new_initiative(title), headers), TIMEOUT
            )
        except (OSError, TimeoutError, ValueError, IndexError) as error:
            tally.statuses[type(error).__name__] += 1
            continue
        tally.statuses[status] += 1
        if status == 201:
            acknowledged.add(title)
            tally.latencies.append(time.monotonic() - started)


async def reader_loop(number: int, ports: list[int], until: float, tally: Tally) -> None:
    paths = ["/api/v1/initiatives?limit=20", "/initiatives"]
    count = 0
    while time.monotonic() < until:
        count += 1
        port = ports[(number + count) % len(ports)]
        started = time.monotonic()
        try:
            status, _ = await asyncio.wait_for(http(port, "GET", paths[count % 2]), TIMEOUT)
        except (OSError, TimeoutError, ValueError, IndexError) as error:
            tally.statuses[type(error).__name__] += 1
            continue
        tally.statuses[status] += 1
        if status == 200:
            tally.latencies.append(time.monotonic() - started)


def prepare(database_url: str, instance: Path, writers: int) -> list[str]:
    """Migrate the database; a neighbourhood, the themes, a resident and token per writer."""
    from flask_migrate import upgrade

    from app import create_app
    from app.accounts.services import create_user
    from app.extensions import db
    from app.neighbourhoods.models import Neighbourhood
    from app.themes.services import ensure_default_themes
    from app.tokens.services import create_token

    app = create_app(
        {
            "SECRET_KEY": "bench",
            "DATABASE_URL": database_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "TASKS_EAGER": True,
        }
    )
    tokens = []
    logging.disable(logging.INFO)  # not an audit line per bench user
    with app.app_context():
        upgrade()
        ensure_default_themes()
        db.session.add(
            Neighbourhood(
                name="Kirkstall",
                slug="kirkstall",
                local_authority="Leeds City Council",
                latitude=53.82,
                longitude=-1.60,
            )
        )
        for number in range(writers):
            user = create_user(f"writer{number}@example.org", "bench password 1", role="resident")
            db.session.flush()
            tokens.append(create_token(user).secret)
        db.session.commit()
        db.engine.dispose()
    return tokens


def count_in_database(database_url: str, titles: set[str]) -> tuple[int, int]:
    """(acknowledged titles found, every bench initiative there): both must equal the
    acknowledged count (nothing lost, nothing doubled)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = [
            row[0]
            for row in connection.execute(
                text("SELECT title FROM initiative WHERE title LIKE 'bench %'")
            )
        ]
    engine.dispose()
    return len(titles & set(rows)), len(rows)


class Redis:
    def __init__(self, folder: Path):
        self.port = free_port()
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(0.5)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def start_gunicorn(instance: Path, port: int, workers: int, log: Path) -> subprocess.Popen:
    environment = {key: value for key, value in os.environ.items() if key not in ENVIRONMENT_KEYS}
    environment.update(
        COPRODUCE_INSTANCE=str(instance), WEB_CONCURRENCY=str(workers), PORT=str(port)
    )
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"],
        cwd=ROOT,
        env=environment,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


async def wait_until_up(ports: list[int]) -> None:
    deadline = time.monotonic() + 30
    for port in ports:
        while True:
            try:
                if (await http(port, "GET", "/healthz"))[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn on port {port} did not start")
            await asyncio.sleep(0.2)


async def drive(
    args: argparse.Namespace, ports: list[int], tokens: list[str], redis: Redis | None
):
    writes, reads, acknowledged = Tally(), Tally(), set()
    until = time.monotonic() + args.duration
    tasks = [
        writer_loop(n, ports, tokens[n], until, writes, acknowledged) for n in range(args.writers)
    ]
    tasks += [reader_loop(n, ports, until, reads) for n in range(args.readers)]

    async def stop_redis_halfway() -> None:
        await asyncio.sleep(args.duration / 2)
        if redis is not None:
            redis.stop()
            print(f"redis-server stopped at {args.duration / 2:.0f} s", flush=True)

    if args.stop_redis_halfway:
        tasks.append(stop_redis_halfway())
    await asyncio.gather(*tasks)
    return writes, reads, acknowledged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--instances", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None, help="per instance")
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a new database is made)")
    parser.add_argument("--redis", action="store_true", help="its own redis-server")
    parser.add_argument("--stop-redis-halfway", action="store_true")
    args = parser.parse_args()
    if args.stop_redis_halfway:
        args.redis = True
    workers = args.workers or (4 if args.instances == 1 else 2)

    folder = Path(tempfile.mkdtemp(prefix="coproduce-load-"))
    database_name = None
    if args.postgres:
        import psycopg

        database_name = f"bench_load_{uuid.uuid4().hex[:8]}"
        server = args.postgres.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{database_name}"')
        database_url = args.postgres.rsplit("/", 1)[0] + "/" + database_name
    else:
        database_url = f"sqlite:///{folder / 'load.sqlite3'}"
    redis = Redis(folder) if args.redis else None
    processes = []
    try:
        tokens = prepare(database_url, folder, args.writers)
        settings = [
            "SECRET_KEY = 'load-bench'",
            f"DATABASE_URL = {database_url!r}",
            "RATELIMIT_API_WRITE = '100000 per minute'",
            "TASKS_EAGER = False",
        ]
        if redis:
            settings.append(f"REDIS_URL = {redis.url!r}")
        (folder / "config.py").write_text("\n".join(settings) + "\n")
        ports = [free_port() for _ in range(args.instances)]
        for number, port in enumerate(ports):
            log = folder / f"gunicorn-{number}.log"
            processes.append(start_gunicorn(folder, port, workers, log))
        asyncio.run(wait_until_up(ports))
        print(
            f"{args.instances} instance(s) × {workers} workers, "
            f"{'PostgreSQL' if args.postgres else 'SQLite'}"
            f"{', Redis' if redis else ''}; {args.writers} writers, {args.readers} readers, "
            f"{args.duration:.0f} s",
            flush=True,
        )
        writes, reads, acknowledged = asyncio.run(drive(args, ports, tokens, redis))
        time.sleep(1)
        found, in_database = count_in_database(database_url, acknowledged)
        errors = {
            status: count
            for tally in (writes, reads)
            for status, count in tally.statuses.items()
            if status not in (200, 201)
        }
        print(f"acknowledged writes: {len(acknowledged)}")
        print(f"found in the database: {found} (bench rows there: {in_database})")
        print(f"errors by status: {errors or 'none'}")
        print("| requests | count | p50 | p95 |\n|---|---|---|---|")
        print(writes.row("writes"))
        print(reads.row("reads"))
        outages = sum(
            (folder / f"gunicorn-{n}.log").read_text().count("rate-limit store (Redis) is not")
            for n in range(len(ports))
        )
        if args.stop_redis_halfway:
            print(f"outage warnings logged: {outages} (one per worker process at most)")
        ok = found == in_database == len(acknowledged)
        print("writes: all acknowledged writes found, none doubled" if ok else "WRITES DIFFER")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)
        if redis:
            redis.stop()
        if database_name:
            import psycopg

            with psycopg.connect(server, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
