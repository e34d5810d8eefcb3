"""A PROXY_COUNT that does not fit the requests is logged once per process, on the first
requests: X-Forwarded-For arriving with PROXY_COUNT=0, or missing with PROXY_COUNT>0."""

from __future__ import annotations

import logging

import pytest

from app import create_app
from app.extensions import db
from app.proxies import WATCHED_REQUESTS, proxy_count_problem


@pytest.fixture
def make_app(app):
    """Another app on the test database (each app is one process's worth of watching)."""
    made = []
    keys = ("TESTING", "SECRET_KEY", "DATABASE_URL", "SQLALCHEMY_DATABASE_URI", "OUTBOX_PATH")

    def make(proxy_count: int):
        made.append(
            create_app({**{key: app.config[key] for key in keys}, "PROXY_COUNT": proxy_count})
        )
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


def warnings_in(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "PROXY_COUNT" in r.getMessage()
    ]


def test_forwarded_for_without_proxy_count_is_warned_about_once(make_app, caplog):
    client = make_app(0).test_client()
    forwarded = {"X-Forwarded-For": "203.0.113.7"}
    client.get("/healthz", headers=forwarded)  # a load balancer's check: not watched
    assert warnings_in(caplog) == []
    for _ in range(3):
        client.get("/no-such-page", headers=forwarded)
    (warning,) = warnings_in(caplog)
    assert "PROXY_COUNT is 0" in warning


def test_proxy_count_without_forwarded_for_is_warned_about_once(make_app, caplog):
    client = make_app(1).test_client()
    client.get("/no-such-page", headers={"X-Forwarded-For": "203.0.113.7"})
    assert warnings_in(caplog) == []
    client.get("/no-such-page")
    client.get("/no-such-page")
    (warning,) = warnings_in(caplog)
    assert "PROXY_COUNT is 1" in warning


def test_a_fitting_proxy_count_is_not_warned_about(make_app, caplog):
    direct = make_app(0).test_client()
    for _ in range(WATCHED_REQUESTS):
        direct.get("/no-such-page")
    direct.get("/no-such-page", headers={"X-Forwarded-For": "203.0.113.7"})  # past the first
    assert warnings_in(caplog) == []


@pytest.mark.parametrize(
    ("count", "forwarded_for", "fits"),
    [
        (0, None, True),
        (0, "203.0.113.7", False),
        (1, "203.0.113.7", True),
        (1, "192.0.2.1, 203.0.113.7", True),
        (1, None, False),
        (2, "203.0.113.7", False),
        (1, " , ", False),
    ],
)
def test_proxy_count_problem(count, forwarded_for, fits):
    assert (proxy_count_problem(count, forwarded_for) is None) is fits
