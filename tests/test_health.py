"""Liveness and readiness: /healthz asks the database; /readyz names every check and answers
503 only without a database at the migrations' head."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from app import create_app
from app.extensions import db
from app.health.checks import head_revision
from app.tasks.heartbeat import beat
from app.timeutil import utcnow
from tests.support.apps import app_config
from tests.support.mail import free_port


def test_readyz_without_a_worker_is_degraded_not_unavailable(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json
    assert body["status"] == "degraded"
    assert set(body["checks"]) == {"database", "schema", "redis", "worker"}
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["schema"]["ok"] is True
    assert body["checks"]["schema"]["revision"] == head_revision()
    assert body["checks"]["redis"] == {"ok": None}  # not configured
    assert body["checks"]["worker"] == {"ok": False, "last_seen": None}


def test_readyz_is_ok_with_a_recent_worker_and_degraded_once_it_is_silent(app, client):
    with app.app_context():
        beat("worker-host:1", utcnow())
    body = client.get("/readyz").json
    assert body["status"] == "ok"
    assert body["checks"]["worker"]["ok"] is True
    assert body["checks"]["worker"]["last_seen"].endswith("Z")
    later = utcnow() + timedelta(seconds=app.config["WORKER_STALE_SECONDS"] + 1)
    with time_machine.travel(later):
        body = client.get("/readyz").json
    assert (client.get("/readyz").status_code, body["status"]) == (200, "degraded")
    assert body["checks"]["worker"]["ok"] is False


def test_readyz_with_redis_away_is_degraded(app, client, monkeypatch):
    with app.app_context():
        beat("worker-host:1", utcnow())
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["status"] == "degraded"
    assert response.json["checks"]["redis"] == {"ok": False}


def test_readyz_with_redis_answering(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/0")
    assert client.get("/readyz").json["checks"]["redis"] == {"ok": True}


def test_readyz_on_an_unmigrated_database_is_unavailable(tmp_path):
    config = app_config(f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path)
    unmigrated = create_app(config)
    response = unmigrated.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.json
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["schema"] == {"ok": False, "revision": None, "head": head_revision()}
    assert unmigrated.test_client().get("/healthz").status_code == 200  # alive, not ready
    with unmigrated.app_context():
        db.engine.dispose()


def test_readyz_with_an_old_schema_is_unavailable(app, client):
    with app.app_context():
        db.session.execute(db.text("UPDATE alembic_version SET version_num = 'an-old-one'"))
        db.session.commit()
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json["checks"]["schema"]["revision"] == "an-old-one"
    finally:
        with app.app_context():
            db.session.execute(
                db.text("UPDATE alembic_version SET version_num = :head"),
                {"head": head_revision()},
            )
            db.session.commit()


@pytest.mark.sqlite_only
def test_readyz_without_a_database_is_unavailable(tmp_path):
    config = app_config(f"sqlite:///{tmp_path}/missing/folder/db.sqlite3", tmp_path)
    response = create_app(config).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == {"ok": False}
    assert response.json["checks"]["worker"] == {"ok": False, "last_seen": None}


def test_readyz_on_a_healthy_set_up_is_ok_with_every_check_named(
    app, client, monkeypatch, redis_server
):
    monkeypatch.setitem(app.config, "REDIS_URL", redis_server.url)
    with app.app_context():
        beat("worker-host:1", utcnow())
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["schema"] == {
        "ok": True,
        "revision": head_revision(),
        "head": head_revision(),
    }
    assert body["checks"]["redis"] == {"ok": True}
    assert body["checks"]["worker"]["ok"] is True
    redis_server.stop()  # then Redis goes away: degraded, still in service
    response = client.get("/readyz")
    assert (response.status_code, response.json["status"]) == (200, "degraded")
    assert response.json["checks"]["redis"] == {"ok": False}
