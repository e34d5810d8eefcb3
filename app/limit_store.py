"""Rate-limit counters in an SQLite file that every process on the machine shares.

Without Redis, Flask-Limiter's memory store keeps one set of counters per process, so a
gunicorn with five workers would allow five times each limit. The default store is this file
instead (``instance/ratelimits.sqlite3``): every worker of every server on the machine counts
in the same table, one statement per hit, in its own small database so it never waits for the
site's writes. With several machines, ``REDIS_URL`` shares the counters between them.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from limits.storage import Storage

SCHEME = "sqlite"
PURGE_EVERY = 1000  # hits between deletions of expired counters (per process)
SCHEMA = """
CREATE TABLE IF NOT EXISTS counter (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    expires_at REAL NOT NULL
) WITHOUT ROWID
"""
INCREMENT = """
INSERT INTO counter (key, count, expires_at) VALUES (:key, :amount, :expires_at)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN counter.expires_at <= :now THEN excluded.count
                 ELSE counter.count + excluded.count END,
    expires_at = CASE WHEN counter.expires_at <= :now THEN excluded.expires_at
                      ELSE counter.expires_at END
RETURNING count
"""


def store_uri(instance_path: Path) -> str:
    """The default counters' address: a file in the instance folder."""
    return f"{SCHEME}:///{(instance_path / 'ratelimits.sqlite3').resolve()}"


class SharedFileStorage(Storage):
    """A ``limits`` storage (fixed windows) in one SQLite file, safe for threads and processes."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.path = uri.split("://", 1)[1]
        self._local = threading.local()
        self._hits = 0

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread and process (gunicorn forks; threads serve requests).
        owner = (os.getpid(), threading.get_ident())
        if getattr(self._local, "owner", None) != owner:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = OFF")  # counters are not worth an fsync
            connection.execute(SCHEMA)
            self._local.connection, self._local.owner = connection, owner
        connection_: sqlite3.Connection = self._local.connection
        return connection_

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        connection = self._connection()
        row = connection.execute(
            INCREMENT, {"key": key, "amount": amount, "expires_at": now + expiry, "now": now}
        ).fetchone()
        self._hits += 1
        if self._hits % PURGE_EVERY == 0:
            connection.execute("DELETE FROM counter WHERE expires_at <= ?", (now,))
        return int(row[0])

    def get(self, key: str) -> int:
        row = (
            self._connection()
            .execute(
                "SELECT count FROM counter WHERE key = ? AND expires_at > ?", (key, time.time())
            )
            .fetchone()
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = (
            self._connection()
            .execute("SELECT expires_at FROM counter WHERE key = ?", (key,))
            .fetchone()
        )
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        self._connection().execute("SELECT 1")
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counter").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counter WHERE key = ?", (key,))
