"""The admin area: roles, organisations and suspensions, each written to the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.extensions import db
from app.organisations.models import Organisation
from tests.factories import create_test_organisation


@pytest.fixture
def admin(auth, make_user):
    """A logged-in administrator."""
    user = make_user(role="admin", email="admin@example.org")
    auth.login(user.email)
    return user


def audit_entries(app) -> list[tuple]:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [
            (entry.action, entry.actor_id, entry.subject_type, entry.subject_id, entry.detail)
            for entry in entries
        ]


def stored_user(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def test_admin_changes_a_role(app, client, admin, make_user):
    target = make_user(role="resident")
    response = client.post(f"/admin/users/{target.id}", data={"role": "moderator"})
    assert response.status_code == 302
    assert stored_user(app, target.id).role == "moderator"
    assert audit_entries(app) == [
        ("update_user", admin.id, "user", target.id, {"role": ["resident", "moderator"]})
    ]
    assert "update user" in client.get("/admin/audit").get_data(as_text=True)


def test_admin_assigns_and_removes_an_organisation(app, client, admin, make_user):
    target = make_user(role="council")
    with app.app_context():
        council = create_test_organisation(name="Leeds City Council")
    client.post(
        f"/admin/users/{target.id}", data={"role": "council", "organisation_id": str(council)}
    )
    assert stored_user(app, target.id).organisation_id == council
    client.post(f"/admin/users/{target.id}", data={"role": "council", "organisation_id": "0"})
    assert stored_user(app, target.id).organisation_id is None
    assert audit_entries(app)[-2:] == [
        ("update_user", admin.id, "user", target.id, {"organisation_id": [None, council]}),
        ("update_user", admin.id, "user", target.id, {"organisation_id": [council, None]}),
    ]


def test_saving_a_user_unchanged_writes_no_audit_entry(app, client, admin, make_user):
    target = make_user(role="resident")
    client.post(f"/admin/users/{target.id}", data={"role": "resident", "organisation_id": "0"})
    assert audit_entries(app) == []


def test_admin_creates_an_organisation(app, client, admin):
    response = client.post(
        "/admin/organisations/new",
        data={"name": "Leeds City Council", "kind": "council", "local_authority": "Leeds"},
    )
    assert response.status_code == 302
    with app.app_context():
        organisation = db.session.scalars(select(Organisation)).one()
        assert (organisation.name, organisation.kind, organisation.local_authority) == (
            "Leeds City Council",
            "council",
            "Leeds",
        )
        organisation_id = organisation.id
    assert audit_entries(app) == [
        (
            "create_organisation",
            admin.id,
            "organisation",
            organisation_id,
            {"name": "Leeds City Council", "kind": "council", "local_authority": "Leeds"},
        )
    ]
    assert "Leeds City Council" in client.get("/admin/organisations").get_data(as_text=True)


def test_admin_edits_an_organisation(app, client, admin):
    with app.app_context():
        organisation_id = create_test_organisation(name="Leeds Council", local_authority="Leeds")
    page = client.get(f"/admin/organisations/{organisation_id}").get_data(as_text=True)
    assert 'value="Leeds Council"' in page
    response = client.post(
        f"/admin/organisations/{organisation_id}",
        data={"name": "Leeds City Council", "kind": "council", "local_authority": ""},
    )
    assert response.status_code == 302
    with app.app_context():
        organisation = db.session.get(Organisation, organisation_id)
        assert organisation.name == "Leeds City Council"
        assert organisation.local_authority is None
    assert audit_entries(app)[-1] == (
        "update_organisation",
        admin.id,
        "organisation",
        organisation_id,
        {"name": "Leeds City Council", "kind": "council", "local_authority": None},
    )


def test_admin_suspends_and_unsuspends_a_user(app, client, admin, make_user):
    target = make_user()
    response = client.post(f"/admin/users/{target.id}/suspension", data={"reason": "spam"})
    assert response.status_code == 302
    assert stored_user(app, target.id).is_suspended
    assert "Lift the suspension" in client.get(f"/admin/users/{target.id}").get_data(as_text=True)
    client.post(f"/admin/users/{target.id}/suspension", data={"action": "lift"})
    assert not stored_user(app, target.id).is_suspended
    assert audit_entries(app) == [
        ("suspend_user", admin.id, "user", target.id, {"reason": "spam"}),
        ("unsuspend_user", admin.id, "user", target.id, {"reason": ""}),
    ]


def test_suspension_ends_the_users_sessions(app, client, admin, make_user):
    target = make_user()
    other = app.test_client()
    other.post("/login", data={"email": target.email, "password": "correct horse battery staple"})
    assert other.get("/account").status_code == 200
    client.post(f"/admin/users/{target.id}/suspension", data={"reason": "abuse"})
    assert other.get("/account").status_code == 302


def test_admin_cannot_suspend_themselves(app, client, admin):
    client.post(f"/admin/users/{admin.id}/suspension", data={"reason": "oops"})
    assert not stored_user(app, admin.id).is_suspended
    assert audit_entries(app) == []
    assert "You cannot suspend yourself." in client.get("/").get_data(as_text=True)


def test_a_refused_suspension_keeps_the_reason_and_changes_nothing(app, client, admin, make_user):
    target = make_user()
    reason = "Sent the same advert to forty initiatives. " * 12
    response = client.post(f"/admin/users/{target.id}/suspension", data={"reason": reason})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Use at most 500 characters." in page
    assert f'value="{reason.strip()}"' in page
    assert not stored_user(app, target.id).is_suspended
    assert audit_entries(app) == []
