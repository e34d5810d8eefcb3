"""Personal API tokens: made, shown once, stored as a hash, looked up, revoked.

A token is 32 random bytes (``secrets.token_urlsafe``) after a ``cp_`` prefix. Only its SHA-256
is stored. A fast hash is right here, unlike for passwords: a password is chosen by a person
and may be guessed, so it needs a slow, salted hash; a token has 256 bits of randomness, so no
guessing attack gets anywhere however fast the hash, and a fast, unsalted hash lets us find the
token's row with one indexed look-up on every API request.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.audit.services import record_action
from app.extensions import db
from app.timeutil import utcnow
from app.tokens.models import ApiToken

TOKEN_PREFIX = "cp_"
SHOWN_PREFIX_LENGTH = 10  # "cp_" and 7 characters: enough to tell tokens apart, no more
MAX_NAME_LENGTH = 100
# What a token looks like: the prefix and 43 URL-safe base64 characters (32 bytes).
TOKEN_SHAPE = re.compile(r"cp_[A-Za-z0-9_-]{43}")
LAST_USED_RESOLUTION_SECONDS = 60  # write last_used_at at most once a minute per token
MAX_ACTIVE_TOKENS = 20  # per person: plenty for scripts, and a bound on what may leak


@dataclass(frozen=True)
class NewToken:
    """A token just made: the secret is shown once and never again."""

    token: ApiToken
    secret: str


def hash_token(secret: str) -> str:
    """The stored form of a token (SHA-256, hex)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user: User, name: str = "") -> NewToken:
    """Make a new token for the user; the caller shows ``secret`` once."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=(name or "").strip()[:MAX_NAME_LENGTH],
        token_hash=hash_token(secret),
        prefix=secret[:SHOWN_PREFIX_LENGTH],
    )
    db.session.add(token)
    db.session.flush()
    record_action(user, "create_api_token", "api_token", token.id, prefix=token.prefix)
    return NewToken(token, secret)


def user_tokens(user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked ones too, marked as such)."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def count_active_tokens(user: User) -> int:
    count = db.session.scalar(
        select(func.count(ApiToken.id)).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)
        )
    )
    return count or 0


def find_user_token(user: User, token_id: int) -> ApiToken | None:
    """One of the user's own tokens (None for anyone else's)."""
    token = db.session.get(ApiToken, token_id)
    return token if token is not None and token.user_id == user.id else None


def revoke_token(user: User, token: ApiToken) -> None:
    """Stop a token from working; revoking twice changes nothing."""
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    record_action(user, "revoke_api_token", "api_token", token.id, prefix=token.prefix)
    db.session.flush()


def find_active_token(secret: str) -> ApiToken | None:
    """The unrevoked token with this secret, with its user; None when there is none."""
    if not TOKEN_SHAPE.fullmatch(secret):
        return None
    token = db.session.scalar(
        select(ApiToken)
        .options(joinedload(ApiToken.user))
        .where(ApiToken.token_hash == hash_token(secret))
    )
    if token is None or token.revoked_at is not None:
        return None
    return token


def note_token_use(token: ApiToken) -> bool:
    """Remember when the token was last used, to the minute (so most uses write nothing).

    Returns whether anything changed.
    """
    now = utcnow()
    last = token.last_used_at
    if last is not None and (now - last).total_seconds() < LAST_USED_RESOLUTION_SECONDS:
        return False
    token.last_used_at = now
    return True
