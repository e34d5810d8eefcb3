"""What the load balancer and the operator ask: is the process alive, is it ready to serve?

``/healthz`` (liveness) only asks the database for ``SELECT 1``. ``/readyz`` (readiness)
names every check: the database answers; its schema is at the migrations' head; Redis, when
configured, answers; a worker was seen lately. Only the first two take an instance out of
service (503): Redis and the worker are helpers, so without them the answer is 200
"degraded".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.tasks.heartbeat import last_worker_seen
from app.timeutil import iso_time, utcnow

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


@cache
def head_revision() -> str | None:
    """The newest migration's revision (read once per process from the scripts)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return True


def schema_revision() -> str | None:
    """The revision the database is at (None: not migrated, or it cannot tell)."""
    try:
        return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        db.session.rollback()
        return None


def redis_answers() -> bool | None:
    """None when no Redis is configured; else whether it answers a PING within a second."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError:
        return False


def readiness() -> tuple[dict[str, Any], int]:
    """The /readyz body and status."""
    database = database_answers()
    revision = schema_revision() if database else None
    schema_ok = revision is not None and revision == head_revision()
    redis_ok = redis_answers()
    seen = _worker_seen() if database and schema_ok else None
    fresh = timedelta(seconds=current_app.config["WORKER_STALE_SECONDS"])
    worker_ok = seen is not None and utcnow() - seen <= fresh
    checks = {
        "database": {"ok": database},
        "schema": {"ok": schema_ok, "revision": revision, "head": head_revision()},
        "redis": {"ok": redis_ok},
        "worker": {"ok": worker_ok, "last_seen": iso_time(seen)},
    }
    if not (database and schema_ok):
        return {"status": "unavailable", "checks": checks}, 503
    degraded = redis_ok is False or not worker_ok
    return {"status": "degraded" if degraded else "ok", "checks": checks}, 200


def _worker_seen() -> datetime | None:
    try:
        return last_worker_seen()
    except SQLAlchemyError:
        db.session.rollback()
        return None
