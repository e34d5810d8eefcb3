"""Who may open which role-protected page: every role against every page."""

from __future__ import annotations

import pytest

from app.permissions import PERMISSIONS, can

ROLES = [None, "resident", "moderator", "council", "admin"]

# (method, url template, action it needs; None = any logged-in user)
PROTECTED = [
    ("GET", "/account", None),
    ("GET", "/account/data.json", None),
    ("GET", "/admin/users", "manage_users"),
    ("GET", "/admin/users/{target}", "manage_users"),
    ("POST", "/admin/users/{target}", "manage_users"),
    ("POST", "/admin/users/{target}/suspension", "suspend_user"),
    ("GET", "/admin/organisations", "manage_organisations"),
    ("GET", "/admin/organisations/new", "manage_organisations"),
    ("POST", "/admin/organisations/new", "manage_organisations"),
    ("GET", "/admin/audit", "read_audit_log"),
    ("GET", "/council", "view_dashboard"),
    ("GET", "/council/import", "import_initiatives"),
    ("GET", "/clusters/manage", "curate_clusters"),
    ("GET", "/clusters/manage/new", "curate_clusters"),
]


def expected_status(role: str | None, action: str | None, method: str) -> set[int]:
    if role is None:
        return {302}  # to the login page
    if action is None or role in PERMISSIONS[action]:
        return {200, 302} if method == "POST" else {200}
    return {403}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "action"), PROTECTED)
def test_permission_matrix(client, auth, make_user, role, method, url, action):
    target = make_user(role="resident")
    if role:
        auth.login(make_user(role=role).email)
    url = url.format(target=target.id)
    data = {"role": "resident", "organisation_id": "0", "name": "Org", "kind": "council"}
    response = client.get(url) if method == "GET" else client.post(url, data=data)
    assert response.status_code in expected_status(role, action, method)
    if role is None:
        assert response.headers["Location"].startswith("/login?next=")


def test_anonymous_users_can_do_nothing_protected():
    class Anonymous:
        is_authenticated = False

    assert not any(can(Anonymous(), action) for action in PERMISSIONS)


def test_moderator_cannot_suspend_an_admin(app, client, auth, make_user):
    admin = make_user(role="admin")
    auth.login(make_user(role="moderator").email)
    response = client.post(f"/admin/users/{admin.id}/suspension", data={"reason": "x"})
    assert response.status_code == 302
    assert b"Only an administrator" in client.get("/").data
    auth.logout()
    assert auth.login(admin.email).status_code == 302


def test_suspension_is_audited_and_can_be_lifted(app, client, auth, make_user):
    from sqlalchemy import select

    from app.audit.models import AuditEntry
    from app.extensions import db

    target = make_user()
    moderator = make_user(role="moderator")
    auth.login(moderator.email)
    client.post(f"/admin/users/{target.id}/suspension", data={"reason": "abuse"})
    client.post(f"/admin/users/{target.id}/suspension", data={"action": "lift"})
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(e.action, e.actor_id, e.subject_id) for e in entries] == [
            ("suspend_user", moderator.id, target.id),
            ("unsuspend_user", moderator.id, target.id),
        ]
        assert entries[0].detail == {"reason": "abuse"}
