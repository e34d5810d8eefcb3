"""Idempotency-Key on POST /api/v1/initiatives: a retry gets the first answer, never a second
initiative; the key belongs to its token, is kept for a day, and 5xx answers are not kept."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import requests
import time_machine
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.accounts.models import User
from app.api import writes
from app.extensions import db
from app.idempotency.models import IdempotencyKey
from app.idempotency.services import (
    Refusal,
    claim_key,
    forget_expired_keys,
    request_digest,
)
from app.initiatives.models import Initiative
from app.submissions import services as submission_services
from app.timeutil import utcnow
from app.tokens.services import create_token
from tests.test_api_writes import post, submission


@pytest.fixture
def token(app, make_user):
    user = make_user(display_name="Ann Example")
    with app.app_context():
        secret = create_token(db.session.get(User, user.id)).secret
        db.session.commit()
    return secret


@pytest.fixture(autouse=True)
def neighbourhood(make_neighbourhood):
    make_neighbourhood(name="Kirkstall", slug="kirkstall", latitude=53.82, longitude=-1.60)


def count_initiatives(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Initiative))


def keyed(key):
    return {"headers": {"Idempotency-Key": key}}


def test_the_same_key_twice_creates_one_initiative(app, client, token):
    first = post(client, token, submission(), **keyed("order-1"))
    again = post(client, token, submission(), **keyed("order-1"))
    assert first.status_code == again.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert again.headers["Location"] == first.headers["Location"]
    assert again.content_type == "application/json"
    assert count_initiatives(app) == 1


def test_without_a_key_every_post_creates(app, client, token):
    assert post(client, token, submission()).status_code == 201
    assert post(client, token, submission()).status_code == 201
    assert count_initiatives(app) == 2


def test_the_same_key_with_another_body_is_refused(app, client, token):
    assert post(client, token, submission(), **keyed("order-1")).status_code == 201
    other = post(client, token, submission(title="Another title"), **keyed("order-1"))
    assert other.status_code == 422
    assert other.json["ok"] is False
    assert "Idempotency-Key" in other.json["errors"]
    assert "Idempotent-Replayed" not in other.headers
    assert count_initiatives(app) == 1


def test_keys_belong_to_their_token(app, client, token, make_user):
    other_user = make_user(email="bob@example.org")
    with app.app_context():
        other_token = create_token(db.session.get(User, other_user.id)).secret
        db.session.commit()
    assert post(client, token, submission(), **keyed("order-1")).status_code == 201
    theirs = post(client, other_token, submission(), **keyed("order-1"))
    assert theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert count_initiatives(app) == 2


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_a_key_of_the_wrong_length_is_a_bad_request(app, client, token, key):
    response = post(client, token, submission(), **keyed(key))
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json["errors"]
    assert count_initiatives(app) == 0


def test_a_key_of_255_characters_is_accepted(client, token):
    assert post(client, token, submission(), **keyed("k" * 255)).status_code == 201


def test_a_validation_failure_is_replayed(app, client, token):
    first = post(client, token, submission(title=""), **keyed("order-1"))
    again = post(client, token, submission(title=""), **keyed("order-1"))
    assert first.status_code == again.status_code == 422
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json


def test_a_server_error_is_not_replayed(app, client, token, monkeypatch):
    real_submit = submission_services.submit_for_review
    calls = []

    def failing_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return real_submit(*args, **kwargs)

    monkeypatch.setattr(submission_services, "submit_for_review", failing_once)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    failed = post(client, token, submission(), **keyed("order-1"))
    assert failed.status_code == 500
    retried = post(client, token, submission(), **keyed("order-1"))
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried.headers
    assert count_initiatives(app) == 1
    assert (
        post(client, token, submission(), **keyed("order-1")).headers["Idempotent-Replayed"]
        == "true"
    )


def claim_for(app, token_secret, key, body=None):
    """Claim a key as a request still running would have."""
    with app.app_context():
        from app.tokens.services import find_active_token

        token = find_active_token(token_secret)
        digest = request_digest(
            "POST",
            "/api/v1/initiatives",
            app.json.dumps(body or submission()).encode(),
        )
        return claim_key(token.id, key, digest)


def test_a_key_whose_request_is_running_is_a_conflict(app, client, token):
    claim_for(app, token, "order-1")
    response = post(client, token, submission(), **keyed("order-1"))
    assert response.status_code == 409
    assert int(response.headers["Retry-After"]) >= 1  # the rate limiter may say later
    assert response.json["ok"] is False
    assert count_initiatives(app) == 0


def test_a_key_whose_request_died_is_taken_over(app, client, token):
    claim_for(app, token, "order-1")
    with time_machine.travel(utcnow() + timedelta(minutes=6)):
        response = post(client, token, submission(), **keyed("order-1"))
    assert response.status_code == 201
    assert count_initiatives(app) == 1


def test_a_key_expires_after_a_day(app, client, token):
    start = utcnow()
    with time_machine.travel(start, tick=False):
        assert post(client, token, submission(), **keyed("order-1")).status_code == 201
    with time_machine.travel(start + timedelta(hours=23, minutes=59), tick=False):
        replayed = post(client, token, submission(), **keyed("order-1"))
        assert replayed.headers["Idempotent-Replayed"] == "true"
    with time_machine.travel(start + timedelta(hours=24, seconds=1), tick=False):
        fresh = post(client, token, submission(title="A day later"), **keyed("order-1"))
    assert fresh.status_code == 201
    assert "Idempotent-Replayed" not in fresh.headers
    assert count_initiatives(app) == 2


def test_the_tidy_task_forgets_keys_older_than_a_day(app, client, token):
    start = utcnow()
    with time_machine.travel(start, tick=False):
        post(client, token, submission(), **keyed("old"))
    with time_machine.travel(start + timedelta(hours=20), tick=False):
        post(client, token, submission(), **keyed("new"))
    with app.app_context():
        assert forget_expired_keys(start + timedelta(hours=24, seconds=1)) == 1
        assert db.session.scalars(select(IdempotencyKey.key)).all() == ["new"]


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def send(base, token, key, body=None):
    return requests.post(
        f"{base}/api/v1/initiatives",
        json=body or submission(),
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
        timeout=30,
    )


def test_a_retry_while_the_first_runs_is_a_conflict_then_a_replay(
    app, token, live_server, monkeypatch
):
    first_is_running, let_it_finish = threading.Event(), threading.Event()

    class HeldSchema:
        """The body's schema, holding the first request after its key is claimed (and
        before its write starts: SQLite would queue the retry behind the write's lock)."""

        def load(self, body):
            first_is_running.set()
            assert let_it_finish.wait(10)
            return writes.NewInitiativeSchema().load(body)

    monkeypatch.setattr(writes, "NEW_INITIATIVE", HeldSchema())
    answers = []
    first = threading.Thread(target=lambda: answers.append(send(live_server, token, "k1")))
    first.start()
    assert first_is_running.wait(10)
    conflict = send(live_server, token, "k1")
    monkeypatch.undo()
    let_it_finish.set()
    first.join()
    assert conflict.status_code == 409
    assert int(conflict.headers["Retry-After"]) >= 1
    assert answers[0].status_code == 201
    replay = send(live_server, token, "k1")
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == answers[0].json()
    assert count_initiatives(app) == 1


def test_two_threads_with_the_same_key_create_one_initiative(app, token, live_server):
    start = threading.Barrier(2)
    answers = []

    def racer():
        start.wait()
        answers.append(send(live_server, token, "race"))

    threads = [threading.Thread(target=racer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses in ([201, 201], [201, 409]), statuses
    first_answers = [
        answer
        for answer in answers
        if answer.status_code == 201 and "Idempotent-Replayed" not in answer.headers
    ]
    assert len(first_answers) == 1
    assert count_initiatives(app) == 1


def test_a_claim_is_refused_while_its_request_runs(app, token):
    assert not isinstance(claim_for(app, token, "k"), Refusal)
    assert claim_for(app, token, "k") is Refusal.RUNNING
    assert claim_for(app, token, "k", submission(title="Other")) is Refusal.OTHER_REQUEST


def test_another_instance_replays_the_first_answer(app, client, token):
    """Keys live in the database: an instance that never saw the first request replays it."""
    from app import create_app

    keys = ("TESTING", "SECRET_KEY", "DATABASE_URL", "SQLALCHEMY_DATABASE_URI", "OUTBOX_PATH")
    other = create_app({key: app.config[key] for key in keys} | {"TASKS_EAGER": True})
    try:
        first = post(client, token, submission(), **keyed("order-1"))
        again = post(other.test_client(), token, submission(), **keyed("order-1"))
        assert again.status_code == 201
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json == first.json
        assert count_initiatives(app) == 1
    finally:
        with other.app_context():
            db.engine.dispose()
