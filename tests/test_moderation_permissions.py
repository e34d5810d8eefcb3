"""Who may open the moderation pages and take moderation actions: every role, every route."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.initiatives.models import Initiative
from app.moderation.models import Report, Revision
from tests.test_moderation import add_report, publish, submit

ROLES = [None, "resident", "council", "moderator", "admin"]
MODERATORS = {"moderator", "admin"}

# (method, url, form data, what a moderator's request changes); {pending}, {published},
# {archived} and {report} are filled in. Refused requests must change nothing.
MODERATION_ROUTES = [
    ("GET", "/moderation", {}, {}),
    ("POST", "/moderation/approve", {"item": "{pending}:1"}, {"pending": "published"}),
    ("GET", "/moderation/initiatives/{pending}", {}, {}),
    ("GET", "/moderation/initiatives/{archived}", {}, {}),
    ("POST", "/moderation/initiatives/{pending}/approve", {}, {"pending": "published"}),
    (
        "POST",
        "/moderation/initiatives/{pending}/request-changes",
        {"changes-note": "Dates?"},
        {"pending": "changes_requested"},
    ),
    (
        "POST",
        "/moderation/initiatives/{pending}/reject",
        {"reject-reason": "Spam."},
        {"pending": "rejected"},
    ),
    ("POST", "/moderation/initiatives/{published}/archive", {}, {"published": "archived"}),
    ("POST", "/moderation/initiatives/{archived}/unarchive", {}, {"archived": "published"}),
    (
        "POST",
        "/moderation/reports/{report}/resolve",
        {"report-{report}-resolution": "Done."},
        {"report_resolved": True},
    ),
    ("GET", "/initiatives/{published}/history", {}, {}),
    ("POST", "/initiatives/{published}/history/1/restore", {}, {"published_revisions": 2}),
]


def observe(app, records: dict[str, int]) -> dict:
    """What the moderation routes can change about the records."""
    with app.app_context():
        return {
            "pending": db.session.get(Initiative, records["pending"]).state,
            "published": db.session.get(Initiative, records["published"]).state,
            "archived": db.session.get(Initiative, records["archived"]).state,
            "report_resolved": db.session.get(Report, records["report"]).resolved_at is not None,
            "published_revisions": db.session.scalar(
                select(func.count())
                .select_from(Revision)
                .where(Revision.initiative_id == records["published"])
            ),
        }


@pytest.fixture
def records(app):
    """One initiative in each state the routes act on, and an open report."""
    published = publish(app)
    archived = publish(app)
    with app.app_context():
        db.session.get(Initiative, archived).state = "archived"
        db.session.commit()
    return {
        "pending": submit(app),
        "published": published,
        "archived": archived,
        "report": add_report(app, published),
    }


def fill(template: str, records: dict[str, int]) -> str:
    return template.format(**records)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "data", "effect"), MODERATION_ROUTES)
def test_moderation_permission_matrix(
    app, client, auth, make_user, records, role, method, url, data, effect
):
    if role:
        auth.login(make_user(role=role).email)
    url = fill(url, records)
    form = {fill(key, records): fill(value, records) for key, value in data.items()}
    before = observe(app, records)
    response = client.get(url) if method == "GET" else client.post(url, data=form)
    after = observe(app, records)
    if role is None:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    elif role in MODERATORS:
        assert response.status_code == (200 if method == "GET" else 302)
    else:
        assert response.status_code == 403
    # A 302 alone cannot tell a decision from a refusal: the records say which it was.
    assert after == ({**before, **effect} if role in MODERATORS else before)


@pytest.mark.parametrize("role", ROLES)
def test_everyone_may_open_the_report_form_of_a_published_initiative(
    app, client, auth, make_user, role
):
    if role:
        auth.login(make_user(role=role).email)
    assert client.get(f"/initiatives/{publish(app)}/report").status_code == 200


@pytest.mark.parametrize("role", ["resident", "council"])
def test_the_submitter_alone_among_non_moderators_reads_the_history(
    app, client, auth, make_user, role
):
    submitter = make_user(role=role)
    initiative_id = publish(app, submitter_id=submitter.id)
    auth.login(submitter.email)
    assert client.get(f"/initiatives/{initiative_id}/history").status_code == 200
    assert (
        client.post(f"/initiatives/{initiative_id}/history/1/restore", data={}).status_code == 403
    )
