"""Idempotency keys: claim a key before a write runs, keep its answer, replay it on a retry.

A key is claimed in a transaction of its own, so every instance sees at once that a request
with it is running. The answer is recorded in the write's own transaction, so a write and the
answer a retry gets are committed together or not at all. Keys are kept for a day.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app.database import rows_changed
from app.extensions import db
from app.idempotency.models import IdempotencyKey
from app.timeutil import utcnow

KEEP_KEYS = timedelta(hours=24)
# A key still claimed after this long belongs to a request that died (no write takes this
# long; gunicorn kills stuck workers sooner): a retry may take it over.
ABANDONED_AFTER = timedelta(minutes=5)
CLAIM_ATTEMPTS = 3


class Refusal(Enum):
    """Why a request with a known key does not run."""

    OTHER_REQUEST = "other_request"  # the key came with another body
    RUNNING = "running"  # the first request with the key has not answered yet


@dataclass(frozen=True)
class Claim:
    """This request holds the key: it runs, then records its answer under ``claim``."""

    key_id: int
    claim: str


@dataclass(frozen=True)
class Answer:
    """An answer as kept for replaying."""

    status: int
    body: str
    content_type: str | None = None
    location: str | None = None


def request_digest(method: str, path: str, body: bytes) -> str:
    """What makes two requests the same: method, path and the body's bytes."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def claim_key(token_id: int, key: str, digest: str) -> Claim | Answer | Refusal:
    """Claim ``key`` for this token's request (committed at once), or say why not: the kept
    answer to replay, or a refusal. An expired key counts as never sent."""
    for _attempt in range(CLAIM_ATTEMPTS):
        now = utcnow()
        known = db.session.scalar(
            select(IdempotencyKey).where(
                IdempotencyKey.token_id == token_id, IdempotencyKey.key == key
            )
        )
        if known is None:
            claimed = _insert_claim(token_id, key, digest, now)
            if claimed is not None:
                return claimed
            continue  # another request claimed it in between: look again
        if known.created_at <= now - KEEP_KEYS:
            _forget(known.id, known.created_at)
            continue
        if known.request_digest != digest:
            db.session.rollback()
            return Refusal.OTHER_REQUEST
        if known.status is not None:
            answer = Answer(known.status, known.body or "", known.content_type, known.location)
            db.session.rollback()
            return answer
        if known.claimed_at > now - ABANDONED_AFTER:
            db.session.rollback()
            return Refusal.RUNNING
        taken = _take_over(known.id, known.claim, now)
        if taken is not None:
            return taken
    db.session.rollback()
    return Refusal.RUNNING


def _insert_claim(token_id: int, key: str, digest: str, now: datetime) -> Claim | None:
    claim = secrets.token_hex(16)
    row = IdempotencyKey(
        token_id=token_id,
        key=key,
        request_digest=digest,
        claim=claim,
        created_at=now,
        claimed_at=now,
    )
    db.session.add(row)
    try:
        db.session.flush()
        claimed = Claim(row.id, claim)  # read before the commit expires the row
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return claimed


def _take_over(key_id: int, old_claim: str, now: datetime) -> Claim | None:
    claim = secrets.token_hex(16)
    result = db.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == key_id, IdempotencyKey.claim == old_claim)
        .where(IdempotencyKey.status.is_(None))
        .values(claim=claim, claimed_at=now)
    )
    db.session.commit()
    return Claim(key_id, claim) if rows_changed(result) == 1 else None


def _forget(key_id: int, created_at: datetime) -> None:
    db.session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.id == key_id, IdempotencyKey.created_at == created_at
        )
    )
    db.session.commit()


def record_answer(claimed: Claim, answer: Answer) -> bool:
    """Keep the answer under the key, in the write's transaction (the caller commits); False
    when the key is no longer this request's (it was taken over as abandoned)."""
    result = db.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == claimed.key_id, IdempotencyKey.claim == claimed.claim)
        .values(
            status=answer.status,
            body=answer.body,
            content_type=answer.content_type,
            location=answer.location,
        )
    )
    return rows_changed(result) == 1


def release_key(claimed: Claim) -> None:
    """Forget a claimed key whose request failed on our side, so a retry runs afresh."""
    db.session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.id == claimed.key_id, IdempotencyKey.claim == claimed.claim
        )
    )
    db.session.commit()


def forget_expired_keys(now: datetime | None = None) -> int:
    """Delete keys older than a day; they would be treated as never sent anyway."""
    result = db.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at <= (now or utcnow()) - KEEP_KEYS)
    )
    db.session.commit()
    return rows_changed(result)
