"""A database that cannot be reached gives a friendly 503 with Retry-After (JSON on the API),
logged once per burst, and the site recovers by itself (QUALITY.md, Degrade, don't fail)."""

from __future__ import annotations

import logging
import os
from urllib.parse import urlsplit, urlunsplit

import pytest

from app import create_app, outages
from app.extensions import db
from tests.support.apps import app_config
from tests.support.tcp_proxy import TcpProxy

OUTAGE_LOG = "The database is not answering"


@pytest.fixture
def burst_log(monkeypatch):
    """A burst log of this test's own (an earlier test's burst would keep it quiet)."""
    fresh = outages.BurstLog()
    monkeypatch.setattr(outages, "DATABASE_OUTAGES", fresh)
    return fresh


def outage_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if OUTAGE_LOG in record.getMessage()]


def assert_friendly_503(response, api: bool) -> None:
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    if api:
        assert response.json["ok"] is False
        assert "database" in response.json["error"]
    else:
        page = response.get_data(as_text=True)
        assert response.mimetype == "text/html"
        assert "cannot reach its database" in page
        assert "<main" in page  # the site's own layout


@pytest.mark.postgres_only
def test_a_cut_database_gives_503_and_the_site_recovers_without_a_restart(
    app, database_url, tmp_path, caplog, burst_log
):
    parts = urlsplit(database_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    proxied = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}"))
    site = create_app(app_config(proxied, tmp_path))
    client = site.test_client()
    try:
        assert client.get("/initiatives").status_code == 200
        assert client.get("/api/v1/initiatives").status_code == 200

        proxy.cut()
        with caplog.at_level(logging.ERROR, logger="app.outages"):
            for _ in range(3):
                assert_friendly_503(client.get("/initiatives"), api=False)
                assert_friendly_503(client.get("/api/v1/initiatives"), api=True)
        assert client.get("/healthz").status_code == 503
        assert client.get("/readyz").status_code == 503
        (logged,) = outage_records(caplog)  # six failures, one line
        assert logged.exc_info is not None  # with its traceback, once

        proxy.restore()
        assert client.get("/initiatives").status_code == 200
        assert client.get("/api/v1/initiatives").status_code == 200
        assert client.get("/readyz").json["checks"]["database"] == {"ok": True}
    finally:
        with site.app_context():
            db.engine.dispose()
        proxy.stop()


def test_a_database_that_cannot_be_opened_gives_503_not_500(
    tmp_path, caplog, burst_log, make_user
):
    config = app_config(f"sqlite:///{tmp_path}/missing/folder/db.sqlite3", tmp_path)
    client = create_app(config).test_client()
    with caplog.at_level(logging.ERROR, logger="app.outages"):
        assert_friendly_503(client.get("/initiatives"), api=False)
        assert_friendly_503(client.get("/api/v1/initiatives"), api=True)
        write = client.post(
            "/api/v1/initiatives", json={}, headers={"Authorization": "Bearer cp_" + "a" * 43}
        )
        assert_friendly_503(write, api=True)
    assert len(outage_records(caplog)) == 1


def test_a_logged_in_person_gets_the_page_too(
    app, client, auth, make_user, monkeypatch, burst_log
):
    """The page's header would ask the database who is logged in: it is shown as to a visitor."""
    from sqlalchemy.exc import OperationalError

    user = make_user()
    auth.login(user.email)

    def fail(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    from app.browse import views

    monkeypatch.setattr(views, "render_template", fail)
    assert_friendly_503(client.get("/initiatives"), api=False)


@pytest.mark.postgres_only
def test_an_unmigrated_postgresql_database_gives_503_not_500(database_url, tmp_path, burst_log):
    from tests.postgres import create_worker_database, drop_worker_database

    name = f"coproduce_unmigrated_{os.getpid()}"
    url = create_worker_database(database_url, name, True)
    site = create_app(app_config(url, tmp_path))
    try:
        client = site.test_client()
        assert_friendly_503(client.get("/initiatives"), api=False)
        assert_friendly_503(client.get("/api/v1/initiatives"), api=True)
        assert client.get("/readyz").status_code == 503
    finally:
        with site.app_context():
            db.engine.dispose()
        drop_worker_database(database_url, name)


def test_other_programming_errors_are_still_bugs(app, client, monkeypatch):
    from sqlalchemy.exc import ProgrammingError

    from app.browse import views

    def broken(*args, **kwargs):
        raise ProgrammingError("SELECT nonsense", {}, Exception("syntax error"))

    monkeypatch.setattr(views, "render_template", broken)
    with pytest.raises(ProgrammingError):  # raised on (TESTING propagates it; else a 500)
        client.get("/initiatives")
