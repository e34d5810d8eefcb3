"""A PostgreSQL database per test worker."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url


def _connect(url):
    import psycopg

    return psycopg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        dbname=url.database or "postgres",
        autocommit=True,
        connect_timeout=5,
    )


def create_worker_database(base_url: str, name: str, required: bool) -> str:
    """Drop and create the worker's database; skip (or fail under CI) when no server answers."""
    import psycopg

    url = make_url(base_url)
    try:
        connection = _connect(url)
    except psycopg.OperationalError as error:
        message = f"PostgreSQL at {url.host}:{url.port} is not reachable: {error}"
        if required:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def drop_worker_database(base_url: str, name: str) -> None:
    """Remove the worker's database after the run."""
    with _connect(make_url(base_url)) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
