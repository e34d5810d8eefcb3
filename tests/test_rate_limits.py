"""Rate limits on login, registration and password resets; shared through Redis; per client.

QUALITY.md, Accounts and sessions: login and registration are rate-limited with Flask-Limiter;
with REDIS_URL the counters live in Redis so limits hold across workers and instances; behind
PROXY_COUNT trusted proxies, limits count client addresses, not the load balancer.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from app import create_app
from app.errors import MESSAGES
from app.extensions import db
from tests.support.apps import app_config, migrate_database
from tests.support.limiter_binding import bind_limiter
from tests.support.live_server import AppServer, Browser

PROJECT_ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
FRIENDLY_429 = MESSAGES[429]
WRONG_LOGIN = {"email": "nobody@example.org", "password": "not the right password"}

# (path, config key naming its limit, a form post, the answer while under the limit)
LIMITED_FORMS = [
    ("/login", "RATELIMIT_LOGIN", WRONG_LOGIN, 401),
    ("/register", "RATELIMIT_REGISTER", {"email": "not an address", "password": "x"}, 422),
    ("/forgot-password", "RATELIMIT_RESET", {"email": "nobody@example.org"}, 200),
]


def assert_friendly_429(response) -> None:
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert FRIENDLY_429 in page
    assert "<main" in page  # the site's own layout, not a bare error


@pytest.mark.parametrize(
    "path, key, data, allowed_status", LIMITED_FORMS, ids=[form[0] for form in LIMITED_FORMS]
)
def test_form_posts_beyond_the_limit_get_the_friendly_429_page(
    held_minute, app, client, monkeypatch, path, key, data, allowed_status
):
    monkeypatch.setitem(app.config, key, "3 per minute")
    for _ in range(5):
        assert client.get(path).status_code == 200  # reading the form is never limited
    for _ in range(3):
        assert client.post(path, data=data).status_code == allowed_status
    refused = client.post(path, data=data)
    assert_friendly_429(refused)
    assert int(refused.headers["Retry-After"]) > 0
    assert client.get(path).status_code == 200


def test_each_form_has_its_own_budget(held_minute, app, client, monkeypatch):
    for _, key, _, _ in LIMITED_FORMS:
        monkeypatch.setitem(app.config, key, "3 per minute")
    for _ in range(3):
        assert client.post("/login", data=WRONG_LOGIN).status_code == 401
    assert client.post("/login", data=WRONG_LOGIN).status_code == 429
    assert client.post("/forgot-password", data={"email": "nobody@example.org"}).status_code == 200


# Client addresses behind trusted proxies


@pytest.fixture
def proxied_app(app):
    """A second app on the same database, behind one trusted proxy (PROXY_COUNT=1)."""
    keys = (
        "TESTING",
        "SECRET_KEY",
        "DATABASE_URL",
        "SQLALCHEMY_DATABASE_URI",
        "PASSWORD_HASH_METHOD",
        "RATELIMIT_STORAGE_URI",
        "RATELIMIT_KEY_PREFIX",
        "OUTBOX_PATH",
        "MAIL_SERVER",
        "SERVER_NAME",
    )
    config = {key: app.config[key] for key in keys}
    proxied = create_app({**config, "PROXY_COUNT": 1, "RATELIMIT_LOGIN": "3 per minute"})
    yield proxied
    with proxied.app_context():
        db.engine.dispose()


def test_behind_a_proxy_each_client_address_has_its_own_budget(proxied_app, client):
    proxied_app.test_client_class = type(client)  # conftest's client: form posts carry CSRF
    proxied = proxied_app.test_client()

    def login_from(forwarded_for: str, email: str = WRONG_LOGIN["email"]):
        # (Each person their own address: failures also count per account, test_login_limits.)
        data = {**WRONG_LOGIN, "email": email}
        return proxied.post("/login", data=data, headers={"X-Forwarded-For": forwarded_for})

    for _ in range(3):
        assert login_from("203.0.113.7").status_code == 401
    assert login_from("203.0.113.7").status_code == 429
    # Another person behind the same balancer (the same REMOTE_ADDR) is not locked out...
    for _ in range(3):
        assert login_from("198.51.100.23", "somebody@example.org").status_code == 401
    assert login_from("198.51.100.23", "somebody@example.org").status_code == 429
    # ...and only the address the trusted proxy saw counts: forged earlier hops do not help.
    assert login_from("192.0.2.99, 203.0.113.7").status_code == 429


def test_without_trusted_proxies_forwarded_for_is_ignored(held_minute, app, client, monkeypatch):
    """PROXY_COUNT=0: a client cannot escape the limit by making up X-Forwarded-For headers."""
    assert not app.config["PROXY_COUNT"]
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN", "3 per minute")
    statuses = [
        client.post(
            "/login", data=WRONG_LOGIN, headers={"X-Forwarded-For": f"203.0.113.{number}"}
        ).status_code
        for number in range(1, 5)
    ]
    assert statuses == [401, 401, 401, 429]


# One limiter object for every app in a process


def _store_goes_away(app, client, monkeypatch) -> None:
    """The store of ``app`` (the one the limiter holds) stops answering; a post marks it dead."""
    from app.extensions import limiter

    def gone(*args, **kwargs):
        raise ConnectionError("the store went away")

    monkeypatch.setattr(limiter.storage, "incr", gone)
    monkeypatch.setattr(limiter.storage, "check", lambda: False)
    app.test_client_class = type(client)
    app.test_client().post("/login", data=WRONG_LOGIN)


@pytest.mark.parametrize("next_app", ["the session app's next test", "an app made after"])
def test_after_another_app_s_store_went_away_each_hit_counts_in_one_store(
    app, client, proxied_app, monkeypatch, next_app
):
    """CI once saw a fourth wrong login pass a limit of three. Flask-Limiter is one object for
    every app in a process; an earlier test's app had left it on that app's store, marked dead.
    The next hits went to the fallback store, the later ones to the store once a recovery
    check found it back: two counters, each short of the limit."""
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False) as clock:
        with monkeypatch.context() as outage:
            _store_goes_away(proxied_app, client, outage)
            if next_app == "an app made after":
                limited = create_app({**app.config, "RATELIMIT_LOGIN": "3 per hour"})
                limited.test_client_class = type(client)
                poster = limited.test_client()
            else:
                monkeypatch.setitem(app.config, "RATELIMIT_LOGIN", "3 per hour")
                bind_limiter(app.extensions["test_limiter_binding"])  # as before each test
                poster = client
            statuses = [poster.post("/login", data=WRONG_LOGIN).status_code for _ in range(2)]
        # The store that went away answers again, past the limiter's next recovery check.
        clock.shift(timedelta(seconds=70))
        statuses += [poster.post("/login", data=WRONG_LOGIN).status_code for _ in range(2)]
    assert statuses == [401, 401, 401, 429]


# Limits shared by separate app processes through Redis


def _redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.exceptions.RedisError as error:
        client.close()
        message = f"Redis at {REDIS_URL} is not reachable ({error}); set TEST_REDIS_URL"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return client


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own; every key under it is deleted afterwards."""
    client = _redis_client()
    prefix = f"coproduce-test-{uuid.uuid4().hex}"
    try:
        yield client, prefix
    finally:
        try:
            keys = list(client.scan_iter(match=f"*{prefix}*", count=1000))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


@pytest.fixture
def start_servers(tmp_path):
    servers: list[AppServer] = []

    def start(count: int, config: dict) -> list[AppServer]:
        started = [AppServer(config, tmp_path / f"server-{n}") for n in range(count)]
        servers.extend(started)
        deadline = time.monotonic() + 15
        for server in started:
            server.wait_until_ready(deadline)
        return started

    yield start
    for server in servers:
        server.stop()


def test_the_login_limit_is_shared_by_two_app_processes_through_redis(
    tmp_path, redis_prefix, start_servers
):
    redis_client, prefix = redis_prefix
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    config = app_config(
        url,
        tmp_path,
        RATELIMIT_STORAGE_URI=REDIS_URL,
        RATELIMIT_KEY_PREFIX=prefix,
        RATELIMIT_LOGIN="3 per minute",
    )
    migrate_database({**config, "RATELIMIT_STORAGE_URI": "memory://"})
    first, second = start_servers(2, config)
    assert first.process.pid != second.process.pid

    browsers = [Browser(first.url), Browser(second.url)]
    for browser in browsers:
        browser.open_form("/login")  # GET: not counted
    answers = [browsers[number % 2].post("/login", WRONG_LOGIN) for number in range(6)]
    statuses = [status for status, _, _ in answers]

    # Each process saw three posts, within its own limit: only a shared counter refuses any.
    assert statuses == [401, 401, 401, 429, 429, 429], "\n".join([first.log(), second.log()])
    for _, headers, _ in answers[3:]:
        assert int(headers["Retry-After"]) > 0
    assert any(True for _ in redis_client.scan_iter(match=f"*{prefix}*"))
