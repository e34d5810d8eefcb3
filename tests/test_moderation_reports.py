"""Reports: anyone reports a published initiative, moderators resolve them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.moderation.models import Report
from tests.test_moderation import (
    add_report,
    audit_actions,
    initiative_row,
    login_moderator,
    publish,
    queued_initiatives,
)

UNPUBLISHED = ["draft", "pending", "changes_requested", "rejected", "archived"]


def reports(app) -> list[Report]:
    with app.app_context():
        found = db.session.scalars(select(Report).order_by(Report.id)).all()
        db.session.expunge_all()
        return found


def test_anyone_can_report_a_published_initiative_and_it_lands_in_the_queue(
    app, client, auth, make_user
):
    initiative_id = publish(app)
    form = client.get(f"/initiatives/{initiative_id}/report")
    assert form.status_code == 200
    assert "It is offensive or abusive" in form.get_data(as_text=True)
    response = client.post(
        f"/initiatives/{initiative_id}/report",
        data={"reason": "personal_data", "details": "It names a child."},
    )
    assert response.status_code == 302
    assert response.location.startswith(f"/initiatives/{initiative_id}-")  # canonical page
    (report,) = reports(app)
    assert (report.reason, report.details, report.reporter_id) == (
        "personal_data",
        "It names a child.",
        None,
    )
    login_moderator(make_user, auth)
    page = client.get("/moderation").get_data(as_text=True)
    assert queued_initiatives(page) == [initiative_id]
    assert "It shows personal information about someone" in page


def test_a_signed_in_reporter_is_recorded(app, client, auth, make_user):
    reporter = make_user()
    auth.login(reporter.email)
    client.post(f"/initiatives/{publish(app)}/report", data={"reason": "spam"})
    assert reports(app)[0].reporter_id == reporter.id


def test_a_report_without_a_reason_comes_back_with_the_details_kept(app, client):
    initiative_id = publish(app)
    response = client.post(
        f"/initiatives/{initiative_id}/report", data={"details": "Wrong street name."}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="reason-error"' in page
    assert "Choose a reason." in page
    assert "Wrong street name." in page
    assert reports(app) == []


@pytest.mark.parametrize(
    "data",
    [{"reason": "not-a-reason"}, {"reason": "other", "details": "x" * 2001}],
    ids=["unknown reason", "details too long"],
)
def test_bad_reports_are_refused_with_a_message(app, client, data):
    response = client.post(f"/initiatives/{publish(app)}/report", data=data)
    assert response.status_code == 422
    assert reports(app) == []


@pytest.mark.parametrize("state", UNPUBLISHED)
def test_an_unpublished_initiative_cannot_be_reported_nor_seen_to_exist(
    client, make_initiative, state
):
    initiative_id = make_initiative(state=state)
    assert client.get(f"/initiatives/{initiative_id}/report").status_code == 404
    response = client.post(f"/initiatives/{initiative_id}/report", data={"reason": "spam"})
    assert response.status_code == 404
    assert client.get("/initiatives/999999/report").status_code == 404


def test_reports_are_rate_limited(held_minute, app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_REPORT", "2 per minute")
    initiative_id = publish(app)
    for _ in range(2):
        response = client.post(f"/initiatives/{initiative_id}/report", data={"reason": "spam"})
        assert response.status_code == 302
    refused = client.post(f"/initiatives/{initiative_id}/report", data={"reason": "spam"})
    assert refused.status_code == 429
    assert client.get(f"/initiatives/{initiative_id}/report").status_code == 200
    assert len(reports(app)) == 2


def test_the_default_limit_is_five_reports_an_hour(app, client):
    initiative_id = publish(app)
    statuses = [
        client.post(f"/initiatives/{initiative_id}/report", data={"reason": "spam"}).status_code
        for _ in range(6)
    ]
    assert statuses == [302] * 5 + [429]


def test_resolving_a_report_needs_a_note(app, client, auth, make_user):
    initiative_id = publish(app)
    report_id = add_report(app, initiative_id)
    login_moderator(make_user, auth)
    response = client.post(f"/moderation/reports/{report_id}/resolve", data={})
    assert response.status_code == 422
    assert f'id="report-{report_id}-resolution-error"' in response.get_data(as_text=True)
    assert reports(app)[0].resolved_at is None


def test_a_resolved_report_leaves_the_queue_and_is_audited(app, client, auth, make_user):
    initiative_id = publish(app)
    report_id = add_report(app, initiative_id)
    moderator = login_moderator(make_user, auth)
    response = client.post(
        f"/moderation/reports/{report_id}/resolve",
        data={f"report-{report_id}-resolution": "Checked with the group: accurate."},
    )
    assert response.status_code == 302
    (report,) = reports(app)
    assert report.resolved_at is not None
    assert (report.resolved_by_id, report.resolution) == (
        moderator.id,
        "Checked with the group: accurate.",
    )
    assert initiative_row(app, initiative_id).state == "published"
    assert queued_initiatives(client.get("/moderation").get_data(as_text=True)) == []
    assert audit_actions(app) == [("resolve_report", moderator.id, report_id)]


def test_resolving_a_report_can_archive_the_initiative(app, client, auth, make_user, outbox):
    initiative_id = publish(app)
    report_id = add_report(app, initiative_id, reason="personal_data")
    moderator = login_moderator(make_user, auth)
    client.post(
        f"/moderation/reports/{report_id}/resolve",
        data={
            f"report-{report_id}-resolution": "It showed a home address.",
            f"report-{report_id}-archive": "y",
        },
    )
    assert initiative_row(app, initiative_id).state == "archived"
    assert audit_actions(app) == [
        ("resolve_report", moderator.id, report_id),
        ("archive_initiative", moderator.id, initiative_id),
    ]
    assert "It showed a home address." in outbox()[0].get_content()


def test_a_report_is_resolved_once(app, client, auth, make_user):
    report_id = add_report(app, publish(app))
    login_moderator(make_user, auth)
    data = {f"report-{report_id}-resolution": "Done."}
    client.post(f"/moderation/reports/{report_id}/resolve", data=data)
    response = client.post(
        f"/moderation/reports/{report_id}/resolve", data=data, follow_redirects=True
    )
    assert "already been resolved" in response.get_data(as_text=True)
    assert len(audit_actions(app)) == 1
