"""Who may open which role-protected page: every role against every page."""

from __future__ import annotations

import inspect
import logging
import re

import pytest

from app.languages import WELSH_TWIN
from app.permissions import PERMISSIONS, can, permission_required

ROLES = [None, "resident", "moderator", "council", "admin"]

# Who may pass, written out here rather than read from app.permissions, so a change to the
# app's table that widens or narrows a role shows up as a failing test.
SIGNED_IN = {"resident", "moderator", "council", "admin"}
ADMIN = {"admin"}
MODERATORS = {"moderator", "admin"}
DASHBOARD = {"council", "moderator", "admin"}
IMPORTERS = {"council", "admin"}

# (method, rule as in the URL map, roles allowed)
PROTECTED = [
    ("GET", "/account", SIGNED_IN),
    ("GET", "/account/data.json", SIGNED_IN),
    ("POST", "/account/tokens", SIGNED_IN),
    ("POST", "/account/tokens/<int:token_id>/revoke", SIGNED_IN),
    ("GET", "/admin/", ADMIN),
    ("GET", "/admin/users", ADMIN),
    ("GET", "/admin/users/<int:user_id>", ADMIN),
    ("POST", "/admin/users/<int:user_id>", ADMIN),
    ("POST", "/admin/users/<int:user_id>/suspension", MODERATORS),
    ("GET", "/admin/organisations", ADMIN),
    ("GET", "/admin/organisations/new", ADMIN),
    ("POST", "/admin/organisations/new", ADMIN),
    ("GET", "/admin/organisations/<int:organisation_id>", ADMIN),
    ("POST", "/admin/organisations/<int:organisation_id>", ADMIN),
    ("GET", "/admin/themes", ADMIN),
    ("GET", "/admin/themes/new", ADMIN),
    ("POST", "/admin/themes/new", ADMIN),
    ("GET", "/admin/themes/<int:theme_id>", ADMIN),
    ("POST", "/admin/themes/<int:theme_id>", ADMIN),
    ("GET", "/admin/neighbourhoods", ADMIN),
    ("GET", "/admin/neighbourhoods/new", ADMIN),
    ("POST", "/admin/neighbourhoods/new", ADMIN),
    ("GET", "/admin/neighbourhoods/<int:neighbourhood_id>", ADMIN),
    ("POST", "/admin/neighbourhoods/<int:neighbourhood_id>", ADMIN),
    ("GET", "/admin/audit", ADMIN),
    ("GET", "/admin/background-work", ADMIN),
    ("POST", "/admin/background-work/failed/<task_id>/retry", ADMIN),
    ("POST", "/admin/background-work/failed/<task_id>/discard", ADMIN),
    ("POST", "/admin/background-work/suppressed", ADMIN),
    ("GET", "/initiatives/new", SIGNED_IN),
    ("POST", "/initiatives/new", SIGNED_IN),
    ("POST", "/initiatives/<int:initiative_id>/history/<int:number>/restore", MODERATORS),
    ("GET", "/moderation", MODERATORS),
    ("GET", "/moderation/followups", MODERATORS),
    ("POST", "/account/queue-digest", MODERATORS),
    ("POST", "/moderation/approve", MODERATORS),
    ("GET", "/moderation/initiatives/<int:initiative_id>", MODERATORS),
    ("POST", "/moderation/initiatives/<int:initiative_id>/approve", MODERATORS),
    ("POST", "/moderation/initiatives/<int:initiative_id>/archive", MODERATORS),
    ("POST", "/moderation/initiatives/<int:initiative_id>/reject", MODERATORS),
    ("POST", "/moderation/initiatives/<int:initiative_id>/request-changes", MODERATORS),
    ("POST", "/moderation/initiatives/<int:initiative_id>/unarchive", MODERATORS),
    ("POST", "/moderation/reports/<int:report_id>/resolve", MODERATORS),
    ("POST", "/moderation/photos/<int:photo_id>/remove", MODERATORS),
    ("GET", "/clusters/manage", MODERATORS),
    ("GET", "/clusters/manage/new", MODERATORS),
    ("POST", "/clusters/manage/new", MODERATORS),
    ("GET", "/clusters/manage/<int:cluster_id>", MODERATORS),
    ("POST", "/clusters/manage/<int:cluster_id>", MODERATORS),
    ("GET", "/clusters/manage/<int:cluster_id>/delete", MODERATORS),
    ("POST", "/clusters/manage/<int:cluster_id>/delete", MODERATORS),
    ("POST", "/clusters/manage/<int:cluster_id>/items", MODERATORS),
    ("POST", "/clusters/manage/<int:cluster_id>/items/<int:item_id>/move", MODERATORS),
    ("POST", "/clusters/manage/<int:cluster_id>/items/<int:item_id>/note", MODERATORS),
    ("POST", "/clusters/manage/<int:cluster_id>/items/<int:item_id>/remove", MODERATORS),
    ("POST", "/clusters/manage/<int:cluster_id>/publish", MODERATORS),
    ("POST", "/clusters/manage/<int:cluster_id>/unpublish", MODERATORS),
    ("GET", "/council", DASHBOARD),
    ("GET", "/council/<chart>.csv", DASHBOARD),
    ("GET", "/council/follow-up", DASHBOARD),
    ("GET", "/council/import", IMPORTERS),
    ("POST", "/council/import", IMPORTERS),
    ("GET", "/council/import/jobs/<int:job_id>", IMPORTERS),
    ("GET", "/council/import/jobs/<int:job_id>.json", IMPORTERS),
    ("POST", "/council/import/jobs/<int:job_id>/import", IMPORTERS),
    ("GET", "/council/import/template.csv", IMPORTERS),
]

# Pages the matrix checks exactly, beyond "past the role check".
EXACT = {
    ("GET", "/admin/"): 302,
    ("GET", "/admin/users"): 200,
    ("GET", "/admin/organisations/<int:organisation_id>"): 200,
    ("POST", "/admin/organisations/<int:organisation_id>"): 302,
    ("GET", "/account"): 200,
    ("GET", "/council"): 200,
    ("GET", "/council/follow-up"): 200,
    ("GET", "/admin/background-work"): 200,
}
FORM = {"role": "resident", "organisation_id": "0", "name": "Org", "kind": "council"}


def fill(rule: str, values: dict[str, object]) -> str:
    """The rule with each <converter:name> replaced by the value for that name."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda match: str(values[match[1]]), rule)


@pytest.fixture
def route_values(app, make_user, make_initiative):
    """An existing record for every id a protected rule takes (missing ones are 404 anyway)."""
    from app.extensions import db
    from app.themes.models import Theme
    from tests.factories import create_test_neighbourhood, create_test_organisation

    target = make_user(role="resident")
    with app.app_context():
        organisation_id = create_test_organisation(name="Leeds City Council")
        neighbourhood_id = create_test_neighbourhood()
        theme_id = db.session.scalars(db.select(Theme.id)).first()
    return {
        "user_id": target.id,
        "organisation_id": organisation_id,
        "neighbourhood_id": neighbourhood_id,
        "theme_id": theme_id,
        "initiative_id": make_initiative(state="pending", submitter_id=target.id),
        "number": 1,
        "report_id": 999,
        "photo_id": 999,
        "cluster_id": 999,
        "item_id": 999,
        "token_id": 999,
        "chart": "themes",
        "task_id": "no-such-task",
        "job_id": 999,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "rule", "allowed"), PROTECTED)
def test_permission_matrix(client, auth, make_user, route_values, role, method, rule, allowed):
    if role:
        auth.login(make_user(role=role).email)
    url = fill(rule, route_values)
    response = client.get(url) if method == "GET" else client.post(url, data=FORM)
    if role is None:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    elif role in allowed:
        assert response.status_code not in (401, 403), response.status_code
        assert not response.headers.get("Location", "").startswith("/login")
        if (method, rule) in EXACT:
            assert response.status_code == EXACT[(method, rule)]
    else:
        assert response.status_code == 403


def required_action(view) -> str | None:
    """The action a view's @permission_required names, looking through other decorators."""
    marked = permission_required("moderate")(lambda: None).__code__
    while view is not None:
        if getattr(view, "__code__", None) is marked:
            return inspect.getclosurevars(view).nonlocals["action"]
        view = getattr(view, "__wrapped__", None)
    return None


def test_every_role_protected_route_is_in_the_matrix(app):
    protected = {
        (method, rule.rule.removeprefix(WELSH_TWIN))  # a Welsh page is guarded as its English
        for rule in app.url_map.iter_rules()
        if required_action(app.view_functions[rule.endpoint])
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert len(protected) > 40  # the walk found the decorator
    assert protected - {(method, rule) for method, rule, _ in PROTECTED} == set()


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


def test_a_refused_staff_suspension_is_audited_and_logged(app, client, auth, make_user, caplog):
    """An access-control failure is kept: who tried what on whom, in the audit log and the
    application log, while the moderator still gets the redirect and the message."""
    from sqlalchemy import select

    from app.accounts.models import User
    from app.audit.models import AuditEntry
    from app.extensions import db

    officer = make_user(role="council")
    moderator = make_user(role="moderator")
    auth.login(moderator.email)
    with caplog.at_level(logging.INFO, logger="app.audit.services"):
        refused = client.post(f"/admin/users/{officer.id}/suspension", data={"reason": "rude"})
        client.post(f"/admin/users/{officer.id}/suspension", data={"action": "lift"})
    assert refused.status_code == 302
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(e.action, e.actor_id, e.subject_id, e.detail) for e in entries] == [
            (
                "suspend_user_refused",
                moderator.id,
                officer.id,
                {"role": "council", "reason": "rude"},
            ),
            (
                "unsuspend_user_refused",
                moderator.id,
                officer.id,
                {"role": "council", "reason": ""},
            ),
        ]
        assert db.session.get(User, officer.id).is_suspended is False
    logged = f"audit action=suspend_user_refused subject=user:{officer.id} actor={moderator.email}"
    assert any(message.startswith(logged) for message in caplog.messages), caplog.messages


# Who may suspend whom: moderators suspend residents; staff only an admin suspends.
SUSPENDERS = {
    "resident": MODERATORS,
    "moderator": ADMIN,
    "council": ADMIN,
    "admin": ADMIN,
}


@pytest.mark.parametrize("actor_role", ["resident", "moderator", "council", "admin"])
@pytest.mark.parametrize("target_role", list(SUSPENDERS))
def test_only_admins_suspend_staff_and_moderators_suspend_residents(
    app, client, auth, make_user, actor_role, target_role
):
    from app.accounts.models import User
    from app.extensions import db

    target = make_user(role=target_role)
    auth.login(make_user(role=actor_role).email)
    for action, data in (("suspend", {"reason": "abuse"}), ("lift", {"action": "lift"})):
        if action == "lift":
            with app.app_context():
                db.session.get(User, target.id).is_suspended = True
                db.session.commit()
        response = client.post(f"/admin/users/{target.id}/suspension", data=data)
        with app.app_context():
            suspended = db.session.get(User, target.id).is_suspended
        if actor_role not in MODERATORS:
            assert response.status_code == 403
            assert suspended is (action == "lift")
        elif actor_role in SUSPENDERS[target_role]:
            assert response.status_code == 302
            assert suspended is (action == "suspend"), action
        else:
            assert response.status_code == 302
            assert suspended is (action == "lift"), action  # unchanged
            assert "Only an administrator" in client.get("/").get_data(as_text=True)


def test_a_moderator_sees_no_suspend_form_for_a_staff_submitter(
    client, auth, make_user, make_initiative
):
    moderator = make_user(role="moderator")
    for role, offered in (("resident", True), ("council", False), ("moderator", False)):
        submitter = make_user(role=role)
        initiative_id = make_initiative(state="pending", submitter_id=submitter.id)
        auth.login(moderator.email)
        page = client.get(f"/moderation/initiatives/{initiative_id}").get_data(as_text=True)
        assert (f"/admin/users/{submitter.id}/suspension" in page) is offered, role
        auth.logout()


@pytest.mark.parametrize("role", ["moderator", "admin"])
@pytest.mark.parametrize("with_next", [True, False])
def test_after_a_suspension_the_actor_lands_on_a_page_they_can_open(
    client, auth, make_user, make_initiative, role, with_next
):
    submitter = make_user()
    initiative_id = make_initiative(state="pending", submitter_id=submitter.id)
    auth.login(make_user(role=role).email)
    review = f"/moderation/initiatives/{initiative_id}"
    data = {"reason": "spam"} | ({"next": review} if with_next else {})
    response = client.post(
        f"/admin/users/{submitter.id}/suspension",
        data=data,
        headers={"Referer": "https://elsewhere.example/"},
    )
    assert response.status_code == 302
    if with_next:
        assert response.headers["Location"] == review
    assert client.get(response.headers["Location"]).status_code == 200


def test_a_suspension_form_sent_back_keeps_its_way_back(client, auth, make_user, make_initiative):
    submitter = make_user()
    initiative_id = make_initiative(state="pending", submitter_id=submitter.id)
    auth.login(make_user(role="moderator").email)
    review = f"/moderation/initiatives/{initiative_id}"
    response = client.post(
        f"/admin/users/{submitter.id}/suspension", data={"reason": "x" * 501, "next": review}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'name="next" value="{review}"' in page
    assert "/admin/users/" not in page.replace(f"/admin/users/{submitter.id}/suspension", "")
    off_site = client.post(
        f"/admin/users/{submitter.id}/suspension",
        data={"reason": "spam", "next": "https://evil.example/"},
    )
    assert off_site.headers["Location"] == "/moderation"


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
