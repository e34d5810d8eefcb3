"""What a starting server or worker says about its database, and about settings that do not
fit the server: one clear line per problem.

A ``DATABASE_URL`` that points at nothing, or at a database whose tables were never made,
would otherwise show up later as an error on every page. gunicorn (``gunicorn.conf.py``, in
the master before it forks) and the worker ask once at start, on a connection of their own
that they close again, and log what is wrong and what to do. They start anyway: the database
may come up after them, and until it does (and is at the migrations' head) ``/readyz``
answers 503 and pages a friendly 503.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

CONNECT_TIMEOUT_SECONDS = 3
UPGRADE = "run `flask --app app db upgrade` (with the same DATABASE_URL)"


def shown_url(url: str) -> str:
    """The URL without its password, for the log."""
    return make_url(url).render_as_string(hide_password=True)


def database_problem(url: str, head: str | None) -> str | None:
    """Why the app cannot serve from this database (None when it can): unreachable, never
    migrated, or at another revision than the code's ``head``."""
    connect_args = (
        {"connect_timeout": CONNECT_TIMEOUT_SECONDS} if url.startswith("postgres") else {}
    )
    engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            try:
                revision = connection.execute(
                    text("SELECT version_num FROM alembic_version")
                ).scalar()
            except SQLAlchemyError:
                revision = None
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        return (
            f"cannot reach the database at DATABASE_URL={shown_url(url)} ({reason}). Check "
            "DATABASE_URL and that the database server runs and accepts this user; until it "
            "answers, pages and /readyz answer 503."
        )
    finally:
        engine.dispose()
    if revision is None:
        return (
            f"the database at DATABASE_URL={shown_url(url)} has no tables yet: {UPGRADE}. "
            "Until then /readyz answers 503."
        )
    if revision != head:
        return (
            f"the database at DATABASE_URL={shown_url(url)} is at revision {revision}, but "
            f"this code expects {head}: {UPGRADE}, or deploy the code that matches it. Until "
            "then /readyz answers 503."
        )
    return None


def report_database_problem(url: str, log: Callable[[str], object]) -> str | None:
    """Check the database once at start and ``log`` one line if something is wrong."""
    from app.health.checks import head_revision

    problem = database_problem(url, head_revision())
    if problem:
        log(f"Coproduce: {problem}")
    return problem


def geocode_concurrency_problem(settings: dict[str, Any], threads: int) -> str | None:
    """Why place look-ups could take every thread of a web worker (None when they cannot):
    GEOCODE_CONCURRENCY is meant to stay below gunicorn's threads per worker, so that pages
    and ``/healthz`` always find one free while an outside geocoder is slow."""
    outside = settings["GEOCODER"] != "offline" or settings.get("POSTCODES_URL")
    concurrency = int(settings["GEOCODE_CONCURRENCY"])
    if not outside or concurrency < threads:
        return None
    return (
        f"GEOCODE_CONCURRENCY is {concurrency} but gunicorn runs {threads} thread"
        f"{'s' if threads != 1 else ''} per worker (GUNICORN_THREADS): slow place look-ups "
        "can take every thread, and pages and /healthz then wait for them. Set "
        "GEOCODE_CONCURRENCY below GUNICORN_THREADS, or raise GUNICORN_THREADS."
    )


def rate_limit_problem(settings: dict[str, Any]) -> str | None:
    """Why rate limits may not hold for the whole site (None when they do): on PostgreSQL,
    which several machines share, without Redis each machine counts in its own file."""
    if not settings["DATABASE_URL"].startswith("postgresql") or settings.get("REDIS_URL"):
        return None
    if not str(settings["RATELIMIT_STORAGE_URI"]).startswith("sqlite"):
        return None  # a store of the operator's own choosing
    return (
        "DATABASE_URL is PostgreSQL but REDIS_URL is not set: rate limits are counted per "
        "machine (instance/ratelimits.sqlite3), so with several machines each allows the full "
        "limit. Set REDIS_URL, the same Redis on every machine, when running more than one."
    )


def freeze_start_up_objects() -> None:
    """Put what a process built at start (the app, its modules, SQLAlchemy's mappers, Babel's
    locale data) out of the garbage collector's reach, once the app is made.

    Long work allocates and frees objects all the time (an export of a million rows makes and
    drops its records a batch at a time), and every full collection would otherwise walk all
    the start-up objects again: that was about a fifth of the CSV export's CPU. Cyclic
    garbage made at start is collected first, so none is kept for good.
    """
    gc.collect()
    gc.freeze()
