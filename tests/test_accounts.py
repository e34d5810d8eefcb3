"""Registration, confirmation, logging in and out, passwords, personal data, deletion."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.extensions import db
from tests.factories import TEST_PASSWORD
from tests.support.pages import page_without

NEW_PASSWORD = "a brand new passphrase"


def link_in(mail, path: str) -> str:
    match = re.search(rf"https?://[^/\s]+({path}/\S+)", mail.get_content())
    assert match, mail.get_content()
    return match.group(1)


def register(client, email="ann@example.org", name="Ann", password=TEST_PASSWORD):
    return client.post(
        "/register", data={"email": email, "display_name": name, "password": password}
    )


def test_registration_confirms_by_email_then_logs_in(client, outbox, auth):
    response = register(client, email="Ann@Example.org")
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert b"Check your email" in page.data and b"ann@example.org" in page.data
    assert auth.login("ann@example.org").status_code == 401  # not confirmed yet

    (mail,) = outbox()
    assert mail["To"] == "ann@example.org"
    confirm = link_in(mail, "/confirm")
    assert client.get(confirm).status_code == 200  # a GET confirms nothing
    assert auth.login("ann@example.org").status_code == 401
    assert client.post(confirm, data={}).status_code == 302

    response = auth.login("ANN@example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    page = client.get("/account")
    assert b"ann@example.org" in page.data


def test_unconfirmed_login_explains_what_to_do(client, auth, make_user):
    user = make_user(confirmed=False)
    response = auth.login(user.email)
    assert response.status_code == 401
    assert b"confirm your email address first" in response.data


def test_registering_a_taken_email_answers_the_same_and_mails_the_owner(client, outbox, make_user):
    owner = make_user(email="owner@example.org")
    taken = register(client, email="OWNER@example.org", name="Someone")
    taken_page = client.get("/register/check-email")
    fresh = register(client, email="fresh@example.org", name="Someone")
    fresh_page = client.get("/register/check-email")
    assert taken.status_code == fresh.status_code == 302
    assert taken.headers["Location"] == fresh.headers["Location"]
    assert page_without(taken_page, "owner@example.org") == page_without(
        fresh_page, "fresh@example.org"
    )
    mails = {mail["To"]: mail for mail in outbox()}
    assert "already has one" in mails[owner.email].get_content()
    assert "/confirm/" in mails["fresh@example.org"].get_content()


def test_unknown_email_and_wrong_password_get_identical_answers(client, auth, make_user):
    user = make_user()
    wrong_password = auth.login(user.email, "not the password at all")
    unknown_email = auth.login("nobody@example.org", "not the password at all")
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert page_without(wrong_password, user.email) == page_without(
        unknown_email, "nobody@example.org"
    )


def assert_reset_request_reveals_nothing(client, user, outbox) -> None:
    """A reset asked for a known and an unknown address: the same answer, one mail kept."""
    known = client.post("/forgot-password", data={"email": user.email})
    unknown = client.post("/forgot-password", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert page_without(known, user.email) == page_without(unknown, "nobody@example.org")
    assert [mail["To"] for mail in outbox()] == [user.email]


def test_password_reset_request_reveals_nothing(client, outbox, make_user):
    assert_reset_request_reveals_nothing(client, make_user(), outbox)


def test_reset_link_sets_password_once(client, outbox, auth, make_user):
    user = make_user()
    client.post("/forgot-password", data={"email": user.email})
    link = link_in(outbox()[0], "/reset-password")
    assert client.get(link).status_code == 200

    response = client.post(link, data={"password": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200  # logged in by the reset

    auth.logout()
    assert auth.login(user.email, TEST_PASSWORD).status_code == 401
    assert auth.login(user.email, NEW_PASSWORD).status_code == 302
    again = client.post(link, data={"password": "yet another passphrase"})
    assert again.status_code == 400
    assert b"already been used" in again.data


def test_password_reset_ends_other_sessions(app, client, outbox, make_user):
    user = make_user()
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert other_device.get("/account").status_code == 200
    client.post("/forgot-password", data={"email": user.email})
    link = link_in(outbox()[0], "/reset-password")
    assert client.post(link, data={"password": NEW_PASSWORD}).status_code == 302
    assert client.get("/account").status_code == 200  # the reset's own session
    assert other_device.get("/account").status_code == 302


def test_reset_password_posts_are_rate_limited(
    held_minute, app, client, outbox, make_user, monkeypatch
):
    user = make_user()
    client.post("/forgot-password", data={"email": user.email})
    link = link_in(outbox()[0], "/reset-password")
    monkeypatch.setitem(app.config, "RATELIMIT_RESET", "3 per minute")
    for _ in range(3):
        assert client.post(link, data={"password": "short"}).status_code == 422
    refused = client.post(link, data={"password": NEW_PASSWORD})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert client.get(link).status_code == 200  # reading the form is never limited
    with app.app_context():
        from app.accounts.passwords import verify_password

        assert verify_password(db.session.get(User, user.id).password_hash, TEST_PASSWORD)


def test_reset_link_expires(app, client, outbox, make_user, monkeypatch):
    user = make_user()
    client.post("/forgot-password", data={"email": user.email})
    link = link_in(outbox()[0], "/reset-password")
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    response = client.get(link)
    assert response.status_code == 400
    assert b"expired" in response.data


@pytest.mark.parametrize("token", ["nonsense", "a" * 300, "eyJ1c2VyIjoxfQ.bad.sig"])
def test_malformed_reset_link_is_refused_politely(client, token):
    response = client.get(f"/reset-password/{token}")
    assert response.status_code == 400
    assert b"This link does not work" in response.data


def test_new_session_on_login(client, auth, make_user):
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login(user.email)
    with client.session_transaction() as session:
        assert "planted" not in session


def _copy_session_cookie(client, other):
    cookie = client.get_cookie("session")
    other.set_cookie("session", cookie.value)


def test_old_session_cookie_refused_after_logout(app, client, auth, make_user):
    user = make_user()
    auth.login(user.email)
    stolen = app.test_client()
    _copy_session_cookie(client, stolen)
    assert stolen.get("/account").status_code == 200
    auth.logout()
    assert stolen.get("/account").status_code == 302  # back to the login page


def test_password_change_ends_other_sessions_but_keeps_this_one(app, client, auth, make_user):
    user = make_user()
    auth.login(user.email)
    other_device = app.test_client()
    _copy_session_cookie(client, other_device)
    response = client.post(
        "/account/password",
        data={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302


def test_password_change_needs_the_current_password(client, auth, make_user):
    user = make_user()
    auth.login(user.email)
    response = client.post(
        "/account/password",
        data={"current_password": "wrong wrong wrong", "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 422
    assert b"That is not your current password." in response.data


@pytest.mark.parametrize(
    ("timezone", "member_since", "last_login"),
    [
        ("Europe/London", "1 July 2025", "1 July 2025, 13:30"),  # British Summer Time
        ("UTC", "30 June 2025", "1 July 2025, 12:30"),
    ],
)
def test_account_page_shows_times_in_the_configured_timezone(
    app, client, auth, make_user, monkeypatch, timezone, member_since, last_login
):
    from datetime import UTC, datetime

    user = make_user()
    auth.login(user.email)
    with app.app_context():
        stored = db.session.get(User, user.id)
        stored.created_at = datetime(2025, 6, 30, 23, 30, tzinfo=UTC)
        stored.last_login_at = datetime(2025, 7, 1, 12, 30, tzinfo=UTC)
        db.session.commit()
    monkeypatch.setitem(app.config, "TIMEZONE", timezone)
    page = client.get("/account").get_data(as_text=True)
    assert f">{member_since}</time>" in page
    assert f">{last_login}</time>" in page


def test_suspended_user_cannot_log_in_and_is_logged_out(app, client, auth, make_user):
    user = make_user()
    auth.login(user.email)
    with app.app_context():
        db.session.get(User, user.id).is_suspended = True
        db.session.commit()
    assert client.get("/account").status_code == 302
    response = auth.login(user.email)
    assert response.status_code == 401
    assert b"suspended" in response.data


@pytest.fixture
def rosa_records(app, make_user, make_initiative, make_neighbourhood):
    """A moderator, Rosa, with records in every part of the site: returns their ids."""
    from app.clusters.curation import create_cluster
    from app.initiatives.content import initiative_content
    from app.initiatives.models import Initiative
    from app.moderation.reports import report_initiative
    from app.moderation.services import add_revision
    from app.tokens.services import create_token

    rosa = make_user(role="moderator", display_name="Rosa Resident", email="rosa@example.org")
    kirkstall = make_neighbourhood(name="Kirkstall")
    ids = {"user": rosa.id}
    for state in ("draft", "pending", "changes_requested", "rejected", "published"):
        ids[state] = make_initiative(
            state=state,
            submitter_id=rosa.id,
            neighbourhood_id=kirkstall,
            title=f"Rosa's {state} walk",
            place_name="14 Rosa Street",
            contact_url="rosa@example.org",
            participants=[{"sector": "residents", "name": "Kirkstall walkers", "people": 12}],
            outcomes=[{"description": "Fewer falls"}],
        )
    someone_elses = make_initiative(title="Someone else's garden", neighbourhood_id=kirkstall)
    ids["someone_elses"] = someone_elses
    with app.app_context():
        user = db.session.get(User, rosa.id)
        published = db.session.get(Initiative, ids["published"])
        add_revision(published, "submission", user, "approved")
        add_revision(published, "edit", user, "pending", note="New times")
        unsent = {**initiative_content(published), "contact_url": "mailto:rosa@example.org"}
        add_revision(published, "edit", user, "draft", content=unsent)
        report_initiative(
            db.session.get(Initiative, someone_elses), "spam", "An advert.", reporter=user
        )
        create_token(user, name="Rosa's laptop")
        create_cluster(user, title="Rosa's walks", slug="rosas-walks", kind="picked")
        db.session.commit()
    return ids


def test_personal_data_download(client, auth, rosa_records):
    auth.login("rosa@example.org")
    response = client.get("/account/data.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.json
    assert data["account"]["email"] == "rosa@example.org"
    assert data["account"]["display_name"] == "Rosa Resident"
    initiatives = {initiative["title"]: initiative for initiative in data["initiatives"]}
    assert len(initiatives) == 5 and "Someone else's garden" not in initiatives
    draft = initiatives["Rosa's draft walk"]
    assert draft["state"] == "draft" and draft["place_name"] == "14 Rosa Street"
    assert draft["participants"][0]["name"] == "Kirkstall walkers"
    assert draft["outcomes"][0]["description"] == "Fewer falls"
    assert [(r["kind"], r["state"]) for r in data["revisions"]] == [
        ("submission", "approved"),
        ("edit", "pending"),
        ("edit", "draft"),  # an unsent edit is hers too
    ]
    assert [(r["reason"], r["details"]) for r in data["reports"]] == [("spam", "An advert.")]
    (token,) = data["api_tokens"]
    assert token["name"] == "Rosa's laptop" and token["created_at"]
    assert "last_used_at" in token and "token_hash" not in token
    assert [cluster["slug"] for cluster in data["clusters"]] == ["rosas-walks"]
    assert [entry["action"] for entry in data["actions"]] == ["create_api_token", "create_cluster"]
    body = response.get_data(as_text=True).lower()
    assert "password" not in body and "hash" not in body


def test_account_deletion_removes_personal_data(app, client, auth, make_user):
    admin = make_user(role="admin", email="gone@example.org")
    other = make_user()
    auth.login(admin.email)
    client.post(f"/admin/users/{other.id}/suspension", data={"reason": "spam"})
    response = client.post(
        "/account/delete", data={"delete-current_password": TEST_PASSWORD, "delete-confirm": "y"}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, admin.id) is None
        (entry,) = db.session.scalars(select(AuditEntry)).all()
        assert entry.actor_id is None
        assert "gone@example.org" not in entry.actor_label
    assert auth.login(admin.email).status_code == 401


def test_account_deletion_removes_unpublished_initiatives_and_detaches_the_rest(
    app, client, auth, rosa_records
):
    from app.clusters.models import Cluster
    from app.initiatives.models import Initiative
    from app.moderation.models import Report, Revision
    from app.tokens.models import ApiToken

    auth.login("rosa@example.org")
    response = client.post(
        "/account/delete", data={"delete-current_password": TEST_PASSWORD, "delete-confirm": "y"}
    )
    assert response.status_code == 302
    with app.app_context():
        for state in ("draft", "pending", "changes_requested", "rejected"):
            assert db.session.get(Initiative, rosa_records[state]) is None, state
        published = db.session.get(Initiative, rosa_records["published"])
        assert published.state == "published" and published.submitter_id is None
        assert published.contact_url == ""  # it was her email address
        assert published.place_name == "14 Rosa Street"  # the public record stays
        revisions = db.session.scalars(select(Revision)).all()
        assert [(r.kind, r.state, r.author_id) for r in revisions] == [
            ("submission", "approved", None)  # the pending and the unsent edit went with her
        ]
        # Restoring the kept version can never bring her name or address back.
        (kept,) = revisions
        assert kept.content["contact_url"] == "" and kept.content["credit"] == "anonymous"
        assert "rosa@example.org" not in json.dumps(kept.content)
        (report,) = db.session.scalars(select(Report)).all()
        assert report.reporter_id is None
        assert db.session.scalars(select(ApiToken)).all() == []
        (cluster,) = db.session.scalars(select(Cluster)).all()
        assert cluster.created_by_id is None
        assert db.session.get(Initiative, rosa_records["someone_elses"]) is not None
    page = client.get(f"/initiatives/{rosa_records['published']}", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "Submitted by a resident of Kirkstall" in text
    assert "Rosa Resident" not in text and "rosa@example.org" not in text
    api = client.get(f"/api/v1/initiatives/{rosa_records['published']}").get_data(as_text=True)
    assert "Rosa Resident" not in api and "rosa@example.org" not in api


def test_account_deletion_needs_password_and_confirmation(client, auth, make_user):
    user = make_user()
    auth.login(user.email)
    response = client.post("/account/delete", data={"delete-current_password": TEST_PASSWORD})
    assert response.status_code == 422
    assert b"Tick the box to confirm." in response.data
    assert client.get("/account").status_code == 200


def test_logout_needs_a_post(client, auth, make_user):
    user = make_user()
    auth.login(user.email)
    assert client.get("/logout").status_code == 200  # a confirmation page, still logged in
    assert client.get("/account").status_code == 200


def test_login_redirects_only_to_local_pages(client, make_user):
    user = make_user()
    for target, expected in [
        ("/admin/users", "/admin/users"),
        ("https://evil.example/", "/account"),
        ("//evil.example/", "/account"),
        ("/\\evil.example", "/account"),
    ]:
        response = client.post(
            f"/login?next={target}", data={"email": user.email, "password": TEST_PASSWORD}
        )
        assert response.headers["Location"] == expected
        client.post("/logout", data={})
