"""Log-in limits per account: failures at one email address slow down further attempts,
whatever the client address says, and addresses with and without an account look the same.

QUALITY.md: log-in failures are also counted per account (in the database), slowing down
rather than locking out; known and unknown addresses get the same answer in similar time.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from app import create_app
from app.accounts import login_limits
from app.accounts.login_limits import forget_old_login_failures, wait_after
from app.accounts.models import LoginFailure
from app.extensions import db
from app.timeutil import utcnow
from tests.conftest import TEST_PASSWORD
from tests.support.pages import page_without
from tests.test_accounts import link_in

WRONG = "not the password at all"
NEW_PASSWORD = "a brand new passphrase"


def login(client, email, password=WRONG, **kwargs):
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


def test_the_wait_doubles_from_a_minute_to_an_hour():
    assert [wait_after(n) for n in range(5)] == [timedelta(0)] * 5
    assert [wait_after(n).total_seconds() / 60 for n in range(5, 13)] == [
        1, 2, 4, 8, 16, 32, 60, 60,
    ]  # fmt: skip
    assert wait_after(10_000) == timedelta(hours=1)


def test_after_five_failures_the_address_waits_a_minute(app, client, make_user):
    user = make_user()
    start = utcnow()
    with time_machine.travel(start, tick=False):
        assert [login(client, user.email).status_code for _ in range(5)] == [401] * 5
        slowed = login(client, user.email, TEST_PASSWORD)  # even the right password waits
    assert slowed.status_code == 429
    assert int(slowed.headers["Retry-After"]) >= 60
    page = slowed.get_data(as_text=True)
    assert "Wait 1 minute and try again" in page
    assert f'value="{user.email}"' in page  # what was typed is kept...
    assert TEST_PASSWORD not in page  # ...except the password
    assert "<main" in page and 'name="password"' in page  # the form itself, to try again
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        assert login(client, user.email, TEST_PASSWORD).status_code == 429
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert login(client, user.email).status_code == 401  # the sixth failure...
        assert "Wait 2 minutes" in login(client, user.email).get_data(as_text=True)
    with time_machine.travel(start + timedelta(seconds=61 + 121), tick=False):
        assert login(client, user.email, TEST_PASSWORD).status_code == 302


def test_a_success_forgets_the_failures(app, client, auth, make_user):
    user = make_user()
    for _ in range(4):
        assert login(client, user.email).status_code == 401
    assert login(client, user.email, TEST_PASSWORD).status_code == 302
    auth.logout()
    for _ in range(5):
        assert login(client, user.email).status_code == 401
    assert login(client, user.email).status_code == 429


def test_a_password_reset_clears_the_count(app, client, auth, outbox, make_user):
    user = make_user()
    for _ in range(5):
        login(client, user.email)
    assert login(client, user.email, TEST_PASSWORD).status_code == 429
    client.post("/forgot-password", data={"email": user.email})
    link = link_in(outbox()[0], "/reset-password")
    assert client.post(link, data={"password": NEW_PASSWORD}).status_code == 302
    auth.logout()
    assert login(client, user.email).status_code == 401
    assert login(client, user.email, NEW_PASSWORD).status_code == 302


def test_other_addresses_are_not_slowed_down(app, client, make_user):
    user, other = make_user(), make_user()
    for _ in range(6):
        login(client, user.email)
    assert login(client, other.email, TEST_PASSWORD).status_code == 302


def test_the_count_ignores_the_case_of_the_address(app, client, make_user):
    user = make_user()
    for number in range(5):
        login(client, user.email.upper() if number % 2 else user.email)
    assert login(client, user.email.title(), TEST_PASSWORD).status_code == 429


def test_addresses_are_not_stored(app, client):
    for _ in range(2):
        login(client, "nobody@example.org")
    with app.app_context():
        rows = db.session.scalars(select(LoginFailure)).all()
        assert [row.failures for row in rows] == [2]
        assert "nobody" not in rows[0].email_digest


def test_old_counts_are_tidied(app, client, make_user):
    start = utcnow()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            login(client, "nobody@example.org")
        login(client, "somebody@example.org")
    with app.app_context():
        assert forget_old_login_failures(start + timedelta(hours=23)) == 0
        assert forget_old_login_failures(start + timedelta(hours=24, minutes=1)) == 2


def test_a_day_without_failures_starts_the_count_again(app, client, make_user):
    user = make_user()
    start = utcnow()
    with time_machine.travel(start, tick=False):
        for _ in range(4):
            login(client, user.email)
    with time_machine.travel(start + timedelta(hours=25), tick=False):
        for _ in range(4):
            assert login(client, user.email).status_code == 401


@pytest.fixture
def proxied(app, client):
    """A second app on the same database, behind one trusted proxy (PROXY_COUNT=1), with its
    per-address limit as shipped."""
    keys = (
        "TESTING", "SECRET_KEY", "DATABASE_URL", "SQLALCHEMY_DATABASE_URI",
        "PASSWORD_HASH_METHOD", "RATELIMIT_STORAGE_URI", "RATELIMIT_KEY_PREFIX", "OUTBOX_PATH",
        "MAIL_SERVER", "SERVER_NAME",
    )  # fmt: skip
    proxied_app = create_app({**{key: app.config[key] for key in keys}, "PROXY_COUNT": 1})
    proxied_app.test_client_class = type(client)  # form posts carry CSRF
    yield proxied_app.test_client()
    with proxied_app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("known", [True, False], ids=["known", "unknown"])
def test_rotating_forwarded_for_gets_no_more_guesses(app, proxied, make_user, known):
    """Each guess from a 'new' client address (a spoofed X-Forwarded-For, believed because
    PROXY_COUNT=1): the per-address limit never bites, the per-account one does."""
    email = make_user().email if known else "nobody@example.org"
    statuses = [
        login(proxied, email, headers={"X-Forwarded-For": f"203.0.113.{number}"}).status_code
        for number in range(1, 15)
    ]
    assert statuses == [401] * 5 + [429] * 9


def test_known_and_unknown_addresses_get_the_same_answers(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN", "1000 per minute")
    user = make_user()
    with time_machine.travel(utcnow(), tick=False):
        known = [login(client, user.email) for _ in range(7)]
        unknown = [login(client, "nobody@example.org") for _ in range(7)]
    statuses = [401] * 5 + [429] * 2
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == statuses
    for mine, theirs in zip(known, unknown, strict=True):
        assert page_without(mine, user.email) == page_without(theirs, "nobody@example.org")
        assert mine.headers.get("Retry-After") == theirs.headers.get("Retry-After")


def test_known_and_unknown_addresses_take_as_long(app, client, make_user, monkeypatch):
    """The fastest answers within a tolerance, with a hash slow enough to tell a skipped check
    (an unknown address answered without one would be several times faster). The fastest few
    of each, not the medians: on a loaded machine the medians wander by tens of milliseconds
    in either direction, while the quickest answers are what the work itself costs."""
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:100000")
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN", "1000 per minute")
    monkeypatch.setattr(login_limits, "FREE_FAILURES", 1000)
    user = make_user()

    def timed(email: str) -> float:
        started = time.perf_counter()
        assert login(client, email).status_code == 401
        return time.perf_counter() - started

    def fastest(times: list[float]) -> float:
        return statistics.mean(sorted(times)[:3])

    timed(user.email), timed("nobody@example.org")  # warm up (the dummy hash is made once)
    known, unknown = [], []
    for _ in range(20):
        known.append(timed(user.email))
        unknown.append(timed("nobody@example.org"))
    known_fastest, unknown_fastest = fastest(known), fastest(unknown)
    assert abs(known_fastest - unknown_fastest) <= 0.25 * max(known_fastest, unknown_fastest), (
        sorted(known),
        sorted(unknown),
    )


def test_the_account_limit_holds_without_the_rate_limiter(app, client, make_user, monkeypatch):
    """With the per-address counters gone (Redis down and the limiter failing open, or
    switched off), the database still counts the account's failures."""
    from app.extensions import limiter

    monkeypatch.setattr(limiter, "enabled", False)
    email = make_user().email
    answers = [login(client, email) for _ in range(7)]
    assert [answer.status_code for answer in answers] == [401] * 5 + [429] * 2
    assert "Too many failed log-ins" in answers[-1].get_data(as_text=True)
