"""Personal API tokens: made on the account page or the command line, shown once, stored
hashed, revoked; bearer authentication of API writes."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.extensions import db
from app.tokens.models import ApiToken
from app.tokens.services import create_token

TOKEN = re.compile(r"cp_[A-Za-z0-9_-]{43}")


def token_for(app, user_id: int, name: str = "") -> str:
    with app.app_context():
        new = create_token(db.session.get(User, user_id), name)
        db.session.commit()
        return new.secret


def write(client, secret: str | None, body=None, **headers):
    if secret is not None:
        headers["Authorization"] = f"Bearer {secret}"
    return client.post("/api/v1/initiatives", json=body or {}, headers=headers)


def test_account_page_makes_a_token_and_shows_it_once(app, client, auth, make_user):
    user = make_user()
    auth.login(user.email)
    page = client.get("/account").get_data(as_text=True)
    assert 'id="api-tokens"' in page and "You have no API tokens." in page
    response = client.post("/account/tokens", data={"name": "Ward map script"})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    secret = TOKEN.search(response.get_data(as_text=True)).group()
    with app.app_context():
        stored = db.session.scalar(select(ApiToken))
        assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert stored.prefix == secret[:10] and stored.name == "Ward map script"
        assert secret not in repr(
            [getattr(stored, column.key) for column in ApiToken.__table__.columns]
        )
        assert db.session.scalar(
            select(AuditEntry.action).where(AuditEntry.subject_type == "api_token")
        ) == ("create_api_token")
    page = client.get("/account").get_data(as_text=True)
    assert "Ward map script" in page and secret[:10] in page
    assert secret not in page  # shown once, never again


def test_token_name_too_long_is_422_and_kept(client, auth, make_user):
    auth.login(make_user().email)
    response = client.post("/account/tokens", data={"name": "x" * 101})
    assert response.status_code == 422
    assert "x" * 101 in response.get_data(as_text=True)


def test_token_pages_need_login_and_csrf(client, make_user, auth):
    assert client.post("/account/tokens", data={}).status_code == 302  # to log in
    auth.login(make_user().email)
    assert client.post("/account/tokens", data={}, csrf=False).status_code == 400


def test_revoking_a_token_stops_it_at_once(app, client, auth, make_user):
    user = make_user()
    secret = token_for(app, user.id, "Old script")
    assert write(client, secret).status_code == 422  # authenticated; the body is empty
    auth.login(user.email)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    response = client.post(f"/account/tokens/{token_id}/revoke", data={})
    assert response.status_code == 302
    assert "Revoked" in client.get("/account").get_data(as_text=True)
    client.post("/logout", data={})
    revoked = write(client, secret)
    assert revoked.status_code == 401 and revoked.json["ok"] is False


def test_nobody_revokes_another_persons_token(app, client, auth, make_user):
    owner, other = make_user(), make_user()
    secret = token_for(app, owner.id)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    auth.login(other.email)
    assert client.post(f"/account/tokens/{token_id}/revoke", data={}).status_code == 404
    client.post("/logout", data={})
    assert write(client, secret).status_code == 422  # still works


def test_create_token_command(app, runner, make_user):
    user = make_user()
    result = runner.invoke(args=["create-token", user.email.upper(), "--name", "Nightly sync"])
    assert result.exit_code == 0, result.output
    secret = TOKEN.search(result.stdout).group()
    with app.app_context():
        stored = db.session.scalar(select(ApiToken))
        assert stored.name == "Nightly sync" and stored.user_id == user.id
        assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()


def test_create_token_command_refuses_unknown_and_suspended_users(runner, make_user):
    result = runner.invoke(args=["create-token", "nobody@example.org"])
    assert result.exit_code != 0 and "no user" in result.output
    suspended = make_user(suspended=True)
    result = runner.invoke(args=["create-token", suspended.email])
    assert result.exit_code != 0 and "suspended" in result.output


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "Bearer a b"],
)
def test_missing_or_malformed_authorization_is_401_with_challenge(client, header):
    headers = {} if header is None else {"Authorization": header}
    response = client.post("/api/v1/initiatives", json={}, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["ok"] is False and response.json["error"]


@pytest.mark.parametrize("secret", ["cp_" + "A" * 43, "wrong", "cp_short", "x" * 5000])
def test_unknown_token_is_401(client, make_user, app, secret):
    token_for(app, make_user().id)
    response = write(client, secret)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_suspended_users_token_is_403(app, client, make_user):
    user = make_user()
    secret = token_for(app, user.id)
    with app.app_context():
        db.session.get(User, user.id).is_suspended = True
        db.session.commit()
    response = write(client, secret)
    assert response.status_code == 403 and "suspended" in response.json["error"]


def test_deleted_users_token_stops_working(app, client, make_user):
    user = make_user()
    secret = token_for(app, user.id)
    with app.app_context():
        from app.privacy.services import delete_account

        delete_account(db.session.get(User, user.id))
        db.session.commit()
    assert write(client, secret).status_code == 401


def test_session_cookie_does_not_authenticate_api_writes(client, auth, make_user):
    auth.login(make_user().email)
    response = client.post("/api/v1/initiatives", json={"title": "By cookie"})
    assert response.status_code == 401


def test_token_use_is_recorded(app, client, make_user):
    secret = token_for(app, make_user().id)
    write(client, secret)
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) is not None


def test_a_person_holds_a_bounded_number_of_tokens(app, client, auth, make_user, runner):
    from app.tokens.services import MAX_ACTIVE_TOKENS

    user = make_user()
    for _ in range(MAX_ACTIVE_TOKENS):
        token_for(app, user.id)
    auth.login(user.email)
    response = client.post("/account/tokens", data={"name": "One too many"})
    assert response.status_code == 422
    assert "revoke one" in response.get_data(as_text=True)
    assert runner.invoke(args=["create-token", user.email]).exit_code != 0
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id).limit(1))
    client.post(f"/account/tokens/{token_id}/revoke", data={})
    assert client.post("/account/tokens", data={"name": "Now fine"}).status_code == 201
