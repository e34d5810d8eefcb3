"""Known and unknown addresses look alike to whoever times the answers: a password reset and a
registration take the same path and about the same time, with a mail server that is slow."""

from __future__ import annotations

import statistics
import time
from collections import Counter

import pytest

from app import create_app
from app.extensions import db, limiter
from app.tasks.queue import task_queue
from tests.support.apps import app_config
from tests.support.mail import Inbox, SlowController, SlowSMTP, free_port
from tests.support.queries import count_queries

ROUNDS = 20
# Seconds the mail server takes over every reply while the answers are timed: a conversation
# (greeting, EHLO, MAIL, RCPT, DATA, the message, QUIT) would add seconds to a request that
# talked to it, far past any answer's time on a busy machine. The worker then sends quickly.
SLOW_REPLY = 0.5
MEDIANS_WITHIN = 0.025


@pytest.fixture
def slow_smtp(monkeypatch):
    monkeypatch.setattr(SlowSMTP, "delay", SLOW_REPLY)
    inbox = Inbox()
    controller = SlowController(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture
def site(app, database_url, tmp_path, slow_smtp):
    """The app as a production server runs it: a real task queue (the worker sends the mail)
    and a mail server that takes SLOW_REPLY over each reply; the conftest app's database."""
    _inbox, port = slow_smtp
    config = app_config(
        database_url,
        tmp_path,
        TASKS_EAGER=False,
        TASKS_DATABASE=str(tmp_path / "tasks.sqlite3"),
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        RATELIMIT_ENABLED=False,
        WTF_CSRF_ENABLED=False,
    )
    site = create_app(config)
    yield site
    # The limiter is one object for every app: creating this one switched it off for the
    # apps of the tests that follow in this process. Switch it back on.
    limiter.enabled = True
    with site.app_context():
        db.session.remove()
        db.engine.dispose()


def run_the_worker(site) -> None:
    """Run every queued task, as the worker would (the mail tasks queue its delivery), with
    the mail server answering at once."""
    SlowSMTP.delay = 0  # put back by the slow_smtp fixture's monkeypatch
    huey = task_queue(site).huey
    while (task := huey.dequeue()) is not None:
        huey.execute(task)


def timed_posts(site, url: str, bodies: dict[str, list[dict]]):
    """Post each kind's bodies in turn, interleaved; the seconds each took, the statements
    each ran, and the pages each answered."""
    client = site.test_client()
    seconds: dict[str, list[float]] = {kind: [] for kind in bodies}
    statements: dict[str, list[Counter]] = {kind: [] for kind in bodies}
    pages: dict[str, set[tuple[int, str]]] = {kind: set() for kind in bodies}
    for round_ in range(ROUNDS):
        kinds = list(bodies) if round_ % 2 == 0 else list(reversed(bodies))
        for kind in kinds:
            body = bodies[kind][round_]
            with count_queries(site) as queries:
                start = time.perf_counter()
                response = client.post(url, data=body)
                seconds[kind].append(time.perf_counter() - start)
            statements[kind].append(Counter(queries))
            page = response.get_data(as_text=True).replace(body["email"], "EMAIL")
            pages[kind].add((response.status_code, response.headers.get("Location", page)))
    return seconds, statements, pages


def assert_alike(seconds: dict[str, list[float]]) -> None:
    known, unknown = (statistics.median(times) for times in seconds.values())
    assert abs(known - unknown) < MEDIANS_WITHIN, (known, unknown)
    assert max(known, unknown) < SLOW_REPLY  # no mail server was talked to


def test_a_reset_takes_the_same_path_and_time_for_known_and_unknown_addresses(
    site, slow_smtp, make_user
):
    inbox, _port = slow_smtp
    known = make_user(email="known@example.org")
    bodies = {
        "known": [{"email": known.email}] * ROUNDS,
        "unknown": [{"email": f"nobody{i}@example.org"} for i in range(ROUNDS)],
    }

    seconds, statements, pages = timed_posts(site, "/forgot-password", bodies)

    assert_alike(seconds)
    assert statements["known"] == statements["unknown"]  # the same work in the database
    assert pages["known"] == pages["unknown"] and len(pages["known"]) == 1
    run_the_worker(site)
    assert [message["To"] for message in inbox.messages] == [known.email] * ROUNDS


def test_a_registration_takes_the_same_path_and_time_for_known_and_unknown_addresses(
    site, slow_smtp, make_user
):
    inbox, _port = slow_smtp
    known = make_user(email="known@example.org")
    bodies = {
        "known": [{"email": known.email, "display_name": "Ann", "password": "a long passphrase"}]
        * ROUNDS,
        "unknown": [
            {
                "email": f"new{i}@example.org",
                "display_name": "Ann",
                "password": "a long passphrase",
            }
            for i in range(ROUNDS)
        ],
    }

    seconds, statements, pages = timed_posts(site, "/register", bodies)

    assert_alike(seconds)
    # A new address's account is written in the request; an address with an account costs
    # nothing more than that (no statement runs for it that a new one does not run).
    for known_run, unknown_run in zip(statements["known"], statements["unknown"], strict=True):
        assert known_run - unknown_run == Counter()
    assert pages["known"] == pages["unknown"] and len(pages["known"]) == 1
    run_the_worker(site)
    subjects = Counter((message["To"], message["Subject"]) for message in inbox.messages)
    assert subjects[(known.email, "Your Coproduce account")] == ROUNDS
    assert subjects[("new0@example.org", "Confirm your Coproduce account")] == 1
    assert sum(subjects.values()) == 2 * ROUNDS
