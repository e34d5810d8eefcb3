"""Bearer-token authentication for API writes (``Authorization: Bearer <token>``).

API writes accept a personal token only, never the session cookie, so they need no CSRF
token: a site cannot make a visitor's browser send someone's bearer token.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import g, request
from flask_babel import gettext as _

from app.accounts.models import User
from app.errors import json_error
from app.extensions import db
from app.tokens.services import find_active_token, note_token_use

CHALLENGE = 'Bearer realm="api"'


def _unauthorised(message: str, error: str):
    body, status = json_error(401, message)
    return body, status, {"WWW-Authenticate": f'{CHALLENGE}, error="{error}"'}


def bearer_secret() -> str | None:
    """The token in the Authorization header, or None when there is no well-formed one."""
    header = request.headers.get("Authorization", "")
    scheme, _space, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip() or " " in secret.strip():
        return None
    return secret.strip()


def bearer_required(view: Callable) -> Callable:
    """Decorate an API view: it runs only for an active user's valid, unrevoked token.

    Missing or malformed header, or an unknown or revoked token: 401 with a Bearer challenge.
    A suspended (or unconfirmed) account: 403. The user is in ``g.api_user``.
    """

    @wraps(view)
    def wrapped(*args, **kwargs):
        if "Authorization" not in request.headers:
            body, status = json_error(401, _("Send an API token: Authorization: Bearer <token>."))
            return body, status, {"WWW-Authenticate": CHALLENGE}
        secret = bearer_secret()
        if secret is None:
            return _unauthorised(
                _("The Authorization header must be: Bearer <token>."), "invalid_request"
            )
        token = find_active_token(secret)
        if token is None:
            return _unauthorised(
                _("This API token is not valid or has been revoked."), "invalid_token"
            )
        user: User = token.user
        if user.is_suspended:
            return json_error(403, _("This account is suspended, so its API tokens do not work."))
        if not user.is_active:
            return json_error(403, _("This account's email address is not confirmed yet."))
        if note_token_use(token):
            db.session.commit()  # kept even when the request itself fails validation
        g.api_user = user
        g.api_token = token
        return view(*args, **kwargs)

    return wrapped


def api_user_key() -> str:
    """Rate-limit key for API writes: the token's user (set by ``bearer_required``)."""
    user = g.get("api_user")
    return f"api-user:{user.id}" if user is not None else f"api-addr:{request.remote_addr}"
