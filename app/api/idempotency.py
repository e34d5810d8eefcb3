"""``Idempotency-Key`` on API writes: a retried request gets the first answer again.

Follows the IETF httpapi draft and Stripe's practice, with DESIGN.md's rules: a key is 1–255
characters and belongs to the token that sent it; 2xx and 4xx answers are replayed with
``Idempotent-Replayed: true``, 5xx never (the key is released, so a retry runs afresh); the
same key with another body is a 422; the same key while its first request runs is a 409.
The decorated view leaves its commit to this decorator, which commits the write together
with the answer kept for its key.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import current_app, g, request
from flask.wrappers import Response
from flask_babel import gettext as _

from app.database import WRITE_COMMITTED
from app.errors import json_error
from app.extensions import db
from app.idempotency.services import (
    Answer,
    Claim,
    Refusal,
    claim_key,
    record_answer,
    release_key,
    request_digest,
)

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
RETRY_AFTER_SECONDS = 2


def idempotent(view: Callable) -> Callable:
    """Decorate an API write (inside ``bearer_required``): honour ``Idempotency-Key``."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            response = current_app.make_response(view(*args, **kwargs))
            _finish(response)
            return response
        if not 1 <= len(key) <= MAX_KEY_LENGTH:
            problem = {HEADER: _("Use 1 to %(count)s characters.", count=MAX_KEY_LENGTH)}
            return json_error(400, _("The Idempotency-Key header is not valid."), problem)
        digest = request_digest(request.method, request.path, request.get_data(cache=True))
        # The claim is a write: end what was read so far (the token), so that on SQLite the
        # claim's transaction begins IMMEDIATE (app.database) instead of failing at once.
        token_id = g.api_token.id
        db.session.commit()
        g.pop(WRITE_COMMITTED, None)
        outcome = claim_key(token_id, key, digest)
        if isinstance(outcome, Answer):
            return replay(outcome)
        if isinstance(outcome, Refusal):
            return refuse(outcome)
        return _run_claimed(outcome, view, args, kwargs)

    return wrapped


def _finish(response: Response) -> None:
    if response.status_code < 500:
        db.session.commit()
    else:
        db.session.rollback()


def _run_claimed(claimed: Claim, view: Callable, args: tuple, kwargs: dict) -> Response:
    # The claim was a write of its own, committed; the write the view makes is the request's
    # real one, so on SQLite it begins IMMEDIATE again (app.database) rather than reading
    # first and failing at once when another writer got there in between.
    g.pop(WRITE_COMMITTED, None)
    try:
        response = current_app.make_response(view(*args, **kwargs))
    except BaseException:
        db.session.rollback()
        release_key(claimed)
        raise
    if response.status_code >= 500:
        db.session.rollback()
        release_key(claimed)
        return response
    answer = Answer(
        response.status_code,
        response.get_data(as_text=True),
        response.content_type,
        response.headers.get("Location"),
    )
    if not record_answer(claimed, answer):
        db.session.rollback()  # the key was taken over as abandoned: nothing of ours is kept
        return refuse(Refusal.RUNNING)
    db.session.commit()
    return response


def replay(answer: Answer) -> Response:
    """The kept answer again, marked as a replay."""
    response = current_app.response_class(
        answer.body, status=answer.status, content_type=answer.content_type
    )
    if answer.location:
        response.headers["Location"] = answer.location
    response.headers[REPLAYED] = "true"
    return response


def refuse(refusal: Refusal) -> Response:
    """409 while the key's first request runs; 422 when the key came with another body."""
    if refusal is Refusal.OTHER_REQUEST:
        body, status = json_error(
            422,
            _("This Idempotency-Key was already used with a different request."),
            {HEADER: _("Use a new key for a new request.")},
        )
        return current_app.make_response((body, status))
    body, status = json_error(
        409, _("A request with this Idempotency-Key is still running. Try again shortly.")
    )
    return current_app.make_response((body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}))
