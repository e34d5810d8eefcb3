"""Redis is an accelerator, never a single point of failure (QUALITY.md, Degrade, don't fail).

A live app process counts its rate limits and queues its tasks in a redis-server of the
test's own; the test stops it while people log in, submit and write through the API, and
starts it again. Nothing is answered 500, every write is kept, the outage is logged once, and
the limits are shared in Redis again once it is back.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.initiatives.models import Initiative
from app.themes.services import ensure_default_themes
from app.tokens.services import create_token
from tests.factories import create_test_neighbourhood, create_test_user
from tests.support.apps import app_config, migrate_database
from tests.support.live_server import AppServer, Browser
from tests.test_api_writes import submission
from tests.test_submission import complete_form

OUTAGE_WARNING = "The rate-limit store (Redis) is not answering"
WRONG_LOGIN = {"email": "nobody@example.org", "password": "not the right password"}


@pytest.fixture
def site(tmp_path, redis_server):
    """A migrated site with a resident, a token and a neighbourhood; its app process."""
    config = app_config(
        f"sqlite:///{tmp_path / 'site.sqlite3'}",
        tmp_path,
        REDIS_URL=redis_server.url,
        RATELIMIT_STORAGE_URI=redis_server.url,
        RATELIMIT_KEY_PREFIX="outage-test",
        RATELIMIT_LOGIN="4 per minute",
        TASKS_EAGER=False,  # tasks go to Redis, as in production
    )
    migrate_database({**config, "RATELIMIT_STORAGE_URI": "memory://"})
    app = create_app({**config, "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        ensure_default_themes()
        resident = create_test_user(email="ann@example.org")
        neighbourhood_id = create_test_neighbourhood(name="Kirkstall", slug="kirkstall")
        secret = create_token(_user(resident.id)).secret
        db.session.commit()
    server = AppServer(config, tmp_path / "server")
    server.wait_until_ready(time.monotonic() + 20)
    yield server, app, resident, neighbourhood_id, secret
    server.stop()
    with app.app_context():
        db.engine.dispose()


def _user(user_id: int):
    from app.accounts.models import User

    return db.session.get(User, user_id)


def count_initiatives(app) -> int:
    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(Initiative)) or 0
        finally:
            db.session.remove()


@pytest.mark.sqlite_only  # Redis is what is tested; the database is a file
def test_writes_succeed_while_redis_is_down_and_limits_return_with_it(site, redis_server):
    server, app, resident, neighbourhood_id, secret = site
    person, api = Browser(server.url), Browser(server.url)
    person.open_form("/login")
    api_headers = {"Authorization": f"Bearer {secret}"}

    redis_server.stop()
    statuses: list[int] = []
    status, _, _ = person.post("/login", {"email": resident.email, "password": resident.password})
    statuses.append(status)
    assert status == 200, server.log()  # redirected on to the next page
    person.open_form("/initiatives/new")
    status, _, _ = person.post("/initiatives/new", complete_form(neighbourhood_id))
    statuses.append(status)
    assert status == 200, server.log()  # redirected on to the next page
    for number in range(3):
        body = submission(title=f"API write {number}", latitude=None, longitude=None)
        status, _, _ = api.request("/api/v1/initiatives", json_body=body, **api_headers)
        statuses.append(status)
        assert status == 201, server.log()
    stranger = Browser(server.url)
    stranger.open_form("/login")
    statuses += [stranger.post("/login", WRONG_LOGIN)[0] for _ in range(2)]
    assert 500 not in statuses
    assert count_initiatives(app) == 4  # every acknowledged write is kept
    assert Path(server.log_path).read_text().count(OUTAGE_WARNING) == 1, server.log()

    redis_server.start()
    client = redis.Redis.from_url(redis_server.url)
    # Flask-Limiter asks the store again after 1, 2, 4, 8... seconds: log in wrongly until
    # the counters are back in Redis and the limit refuses again.
    deadline = time.monotonic() + 45
    while not list(client.scan_iter(match="*outage-test*")):
        assert time.monotonic() < deadline, server.log()
        assert stranger.post("/login", WRONG_LOGIN)[0] in (401, 429)
        time.sleep(0.5)
    answers = [stranger.post("/login", WRONG_LOGIN)[0] for _ in range(6)]
    assert answers[-1] == 429 and 500 not in answers
    assert "The rate-limit store answers again" in Path(server.log_path).read_text()


def test_a_store_failing_after_the_view_cannot_turn_a_saved_write_into_an_error(
    app, client, make_user, make_neighbourhood, monkeypatch, caplog
):
    """Redis going away between the limit check and the rate-limit headers (written after the
    view committed) still answers 201, and the write is there."""
    from app.extensions import limiter

    user = make_user()
    make_neighbourhood(name="Kirkstall", slug="kirkstall")
    with app.app_context():
        secret = create_token(_user(user.id)).secret
        db.session.commit()
    monkeypatch.setattr(limiter, "_storage_dead", False)  # restored for the tests after

    def gone(*args, **kwargs):
        raise ConnectionError("Redis went away")

    monkeypatch.setattr(limiter.storage, "get_expiry", gone)
    with caplog.at_level("WARNING", logger="app.ratelimits"):
        response = client.post(
            "/api/v1/initiatives",
            json=submission(),
            headers={"Authorization": f"Bearer {secret}"},
        )
    assert response.status_code == 201
    assert count_initiatives(app) == 1
    assert [r for r in caplog.records if OUTAGE_WARNING in r.getMessage()]
