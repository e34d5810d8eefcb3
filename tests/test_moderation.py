"""Moderation: the queue, decisions on submissions and edits, their emails and audit trail."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.initiatives.content import initiative_content
from app.initiatives.models import Initiative
from app.moderation.models import Report, Revision
from app.search.services import search_condition
from app.timeutil import utcnow
from tests.factories import create_test_initiative, create_test_user
from tests.support.queries import count_queries

# Helpers: the data the submission flow leaves behind, made directly.


def add_revision(initiative_id: int, kind: str, state: str = "pending", author_id=None, **changes):
    """Keep a revision of the initiative: its current content with some fields changed."""
    initiative = db.session.get(Initiative, initiative_id)
    number = 1 + max(
        db.session.scalars(select(Revision.number).where(Revision.initiative_id == initiative_id)),
        default=0,
    )
    revision = Revision(
        initiative_id=initiative_id,
        number=number,
        author_id=author_id,
        kind=kind,
        state=state,
        content={**initiative_content(initiative), **changes},
    )
    db.session.add(revision)
    db.session.commit()
    return number


def set_times(initiative_id: int, at):
    """Move an initiative, its revisions and its reports to a moment in the past."""
    initiative = db.session.get(Initiative, initiative_id)
    initiative.submitted_at = initiative.updated_at = initiative.created_at = at
    for row in db.session.scalars(select(Revision).where(Revision.initiative_id == initiative_id)):
        row.created_at = at
    for row in db.session.scalars(select(Report).where(Report.initiative_id == initiative_id)):
        row.created_at = at
    db.session.commit()


def submit(app, submitter_id=None, hours_ago=None, **content) -> int:
    """A resident's submission awaiting review; returns the initiative's id."""
    with app.app_context():
        submitter_id = submitter_id or create_test_user().id
        initiative_id = create_test_initiative(
            state="pending", submitter_id=submitter_id, **content
        )
        add_revision(initiative_id, "submission", author_id=submitter_id)
        if hours_ago is not None:
            set_times(initiative_id, utcnow() - timedelta(hours=hours_ago))
    return initiative_id


def publish(app, submitter_id=None, **content) -> int:
    """A published initiative with its approved first revision; returns its id."""
    with app.app_context():
        submitter_id = submitter_id or create_test_user().id
        initiative_id = create_test_initiative(submitter_id=submitter_id, **content)
        add_revision(initiative_id, "submission", state="approved", author_id=submitter_id)
    return initiative_id


def propose_edit(app, initiative_id, hours_ago=None, **changes) -> int:
    """A resident's pending edit of a published initiative; returns the revision number."""
    with app.app_context():
        submitter_id = db.session.get(Initiative, initiative_id).submitter_id
        number = add_revision(initiative_id, "edit", author_id=submitter_id, **changes)
        if hours_ago is not None:
            revision = db.session.scalar(
                select(Revision).where(
                    Revision.initiative_id == initiative_id, Revision.number == number
                )
            )
            revision.created_at = utcnow() - timedelta(hours=hours_ago)
            db.session.commit()
    return number


def add_report(app, initiative_id, hours_ago=0, reason="inaccurate", resolved=False) -> int:
    """A report of an initiative (open unless told otherwise); returns its id."""
    with app.app_context():
        report = Report(
            initiative_id=initiative_id,
            reason=reason,
            created_at=utcnow() - timedelta(hours=hours_ago),
            resolved_at=utcnow() if resolved else None,
        )
        db.session.add(report)
        db.session.commit()
        return report.id


def login_moderator(make_user, auth, **kwargs):
    """Log a new moderator in; returns the user."""
    user = make_user(role="moderator", **kwargs)
    auth.login(user.email)
    return user


@pytest.fixture
def moderator(make_user, auth):
    return login_moderator(make_user, auth)


def initiative_row(app, initiative_id):
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        db.session.expunge(initiative)
        return initiative


def revision_row(app, initiative_id, number):
    with app.app_context():
        return db.session.scalar(
            select(Revision).where(
                Revision.initiative_id == initiative_id, Revision.number == number
            )
        )


def audit_actions(app):
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(entry.action, entry.actor_id, entry.subject_id) for entry in entries]


def queued_initiatives(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'href="/moderation/initiatives/(\d+)"', page)]


# The queue


def test_queue_lists_submissions_edits_and_open_reports_oldest_first(
    app, client, moderator, make_initiative
):
    newest_submission = submit(app, hours_ago=1)
    oldest_submission = submit(app, hours_ago=9)
    edited = publish(app)
    propose_edit(app, edited, hours_ago=5, title="A better title")
    reported = publish(app)
    add_report(app, reported, hours_ago=3)
    make_initiative(state="draft")
    make_initiative(state="changes_requested")
    add_report(app, publish(app), hours_ago=4, resolved=True)
    page = client.get("/moderation").get_data(as_text=True)
    assert queued_initiatives(page) == [oldest_submission, edited, reported, newest_submission]
    assert "New initiative" in page and "Edit" in page and "Report" in page


def test_queue_shows_who_submitted_even_when_credited_anonymously(
    app, client, moderator, make_user
):
    resident = make_user(display_name="Ann Other")
    submit(app, submitter_id=resident.id, credit="anonymous")
    page = client.get("/moderation").get_data(as_text=True)
    assert "Ann Other" in page
    assert resident.email in page


def test_empty_queue_says_so(app, client, moderator):
    assert "Nothing is waiting" in client.get("/moderation").get_data(as_text=True)


def test_queue_needs_the_same_queries_for_thirty_items_as_for_three(app, client, moderator):
    def fill(count):
        for _ in range(count):
            submit(app)
            propose_edit(app, publish(app), title="Edited")
            add_report(app, publish(app))

    fill(1)
    with count_queries(app) as few:
        assert client.get("/moderation").status_code == 200
    fill(9)
    with count_queries(app) as many:
        page = client.get("/moderation").get_data(as_text=True)
    assert len(queued_initiatives(page)) == 30
    assert len(many) == len(few)


# Submissions


def test_approving_a_submission_publishes_it_and_mails_the_submitter(
    app, client, moderator, make_user, outbox
):
    resident = make_user()
    initiative_id = submit(app, submitter_id=resident.id, title="Allotment swap")
    response = client.post(f"/moderation/initiatives/{initiative_id}/approve", data={})
    assert response.status_code == 302
    initiative = initiative_row(app, initiative_id)
    assert initiative.state == "published"
    assert initiative.published_at is not None
    assert revision_row(app, initiative_id, 1).state == "approved"
    assert revision_row(app, initiative_id, 1).decided_by_id == moderator.id
    (message,) = outbox()
    assert message["To"] == resident.email
    assert "Allotment swap" in message["Subject"]
    assert f"http://localhost/initiatives/{initiative_id}" in message.get_content()


def test_approved_submission_is_found_by_search(app, client, moderator):
    initiative_id = submit(app, title="Pollinator verges")
    client.post(f"/moderation/initiatives/{initiative_id}/approve", data={})
    with app.app_context():
        found = db.session.scalars(
            select(Initiative.id).where(search_condition("pollinator"))
        ).all()
    assert found == [initiative_id]


def test_request_changes_needs_a_note(app, client, moderator, outbox):
    initiative_id = submit(app)
    response = client.post(
        f"/moderation/initiatives/{initiative_id}/request-changes", data={"changes-note": "  "}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="changes-note-error"' in page
    assert "Say what should change." in page
    assert initiative_row(app, initiative_id).state == "pending"
    assert outbox() == []


def test_request_changes_keeps_an_over_long_note(app, client, moderator):
    initiative_id = submit(app)
    note = "Please add the dates. " * 100
    response = client.post(
        f"/moderation/initiatives/{initiative_id}/request-changes", data={"changes-note": note}
    )
    assert response.status_code == 422
    assert "Please add the dates." in response.get_data(as_text=True)


def test_request_changes_stores_the_note_and_mails_it(app, client, moderator, make_user, outbox):
    resident = make_user()
    initiative_id = submit(app, submitter_id=resident.id)
    note = "Please name the police team you worked with."
    response = client.post(
        f"/moderation/initiatives/{initiative_id}/request-changes", data={"changes-note": note}
    )
    assert response.status_code == 302
    initiative = initiative_row(app, initiative_id)
    assert (initiative.state, initiative.moderation_note) == ("changes_requested", note)
    revision = revision_row(app, initiative_id, 1)
    assert (revision.state, revision.note) == ("changes_requested", note)
    (message,) = outbox()
    assert message["To"] == resident.email
    assert note in message.get_content()
    assert "http://localhost/account/initiatives" in message.get_content()


def test_reject_needs_a_reason(app, client, moderator, outbox):
    initiative_id = submit(app)
    response = client.post(
        f"/moderation/initiatives/{initiative_id}/reject", data={"reject-reason": ""}
    )
    assert response.status_code == 422
    assert "Give the reason for rejecting it." in response.get_data(as_text=True)
    assert initiative_row(app, initiative_id).state == "pending"
    assert outbox() == []


def test_reject_stores_the_reason_and_mails_it(app, client, moderator, outbox):
    initiative_id = submit(app)
    reason = "This is an advert for a shop."
    client.post(f"/moderation/initiatives/{initiative_id}/reject", data={"reject-reason": reason})
    initiative = initiative_row(app, initiative_id)
    assert (initiative.state, initiative.moderation_note) == ("rejected", reason)
    assert revision_row(app, initiative_id, 1).state == "rejected"
    (message,) = outbox()
    assert reason in message.get_content()


def test_a_decision_on_a_version_the_moderator_did_not_see_is_refused(
    app, client, moderator, outbox
):
    initiative_id = submit(app)
    with app.app_context():
        add_revision(initiative_id, "submission", title="Changed after the page was read")
    response = client.post(
        f"/moderation/initiatives/{initiative_id}/approve", data={"approve-revision": "1"}
    )
    assert response.status_code == 302
    assert initiative_row(app, initiative_id).state == "pending"
    assert "changed while you were looking" in client.get(response.location).get_data(as_text=True)
    assert outbox() == []


def test_bulk_approve_publishes_every_selected_item(app, client, moderator, outbox):
    chosen = [submit(app), submit(app), submit(app)]
    left = submit(app)
    page = client.get("/moderation").get_data(as_text=True)
    tokens = [f"{initiative_id}:1" for initiative_id in chosen]
    assert all(f'value="{token}"' in page for token in tokens)
    response = client.post("/moderation/approve", data={"item": tokens})
    assert response.status_code == 302
    assert [initiative_row(app, i).state for i in chosen] == ["published"] * 3
    assert initiative_row(app, left).state == "pending"
    assert len(outbox()) == 3
    approvals = [entry for entry in audit_actions(app) if entry[0] == "approve_initiative"]
    assert sorted(entry[2] for entry in approvals) == sorted(chosen)


def test_bulk_approve_with_nothing_selected_changes_nothing(app, client, moderator):
    submit(app)
    response = client.post("/moderation/approve", data={}, follow_redirects=True)
    assert "Select at least one" in response.get_data(as_text=True)


# Edits of published initiatives


def test_approving_an_edit_changes_the_public_content_only_then(app, client, moderator, outbox):
    initiative_id = publish(app, title="Repair café", summary="Fixing things together.")
    number = propose_edit(app, initiative_id, title="Repair café at the library")
    assert initiative_row(app, initiative_id).title == "Repair café"
    review = client.get(f"/moderation/initiatives/{initiative_id}").get_data(as_text=True)
    assert '<del><span class="visually-hidden">Removed: </span>Repair café</del>' in review
    assert '<ins><span class="visually-hidden">Added: </span>Repair café at the library' in review
    response = client.post(
        f"/moderation/initiatives/{initiative_id}/approve", data={"approve-revision": number}
    )
    assert response.status_code == 302
    initiative = initiative_row(app, initiative_id)
    assert (initiative.title, initiative.state) == ("Repair café at the library", "published")
    assert revision_row(app, initiative_id, number).state == "approved"
    assert "changes are published" in outbox()[0]["Subject"]


def test_approved_edit_is_what_search_finds(app, client, moderator):
    initiative_id = publish(app, title="Litter pick")
    propose_edit(app, initiative_id, summary="Monthly clean-up along the canal towpath.")
    client.post(f"/moderation/initiatives/{initiative_id}/approve", data={})
    with app.app_context():
        found = db.session.scalars(select(Initiative.id).where(search_condition("towpath")))
        assert list(found) == [initiative_id]


def test_rejecting_an_edit_leaves_the_published_version(app, client, moderator, outbox):
    initiative_id = publish(app, title="Walking group")
    number = propose_edit(app, initiative_id, title="Buy our walking boots")
    client.post(
        f"/moderation/initiatives/{initiative_id}/reject", data={"reject-reason": "Advertising."}
    )
    initiative = initiative_row(app, initiative_id)
    assert (initiative.title, initiative.state) == ("Walking group", "published")
    assert revision_row(app, initiative_id, number).state == "rejected"
    assert "Advertising." in outbox()[0].get_content()


def test_requesting_changes_to_an_edit_leaves_the_published_version(app, client, moderator):
    initiative_id = publish(app, title="Reading club")
    number = propose_edit(app, initiative_id, title="Reading club!!!")
    client.post(
        f"/moderation/initiatives/{initiative_id}/request-changes",
        data={"changes-note": "Keep the title plain."},
    )
    assert initiative_row(app, initiative_id).state == "published"
    assert initiative_row(app, initiative_id).title == "Reading club"
    assert revision_row(app, initiative_id, number).state == "changes_requested"


def test_approving_the_latest_edit_replaces_earlier_pending_ones(app, client, moderator):
    initiative_id = publish(app, title="Street party")
    first = propose_edit(app, initiative_id, title="Street party 2024")
    latest = propose_edit(app, initiative_id, title="Street party 2025")
    page = client.get("/moderation").get_data(as_text=True)
    assert queued_initiatives(page) == [initiative_id]
    client.post(f"/moderation/initiatives/{initiative_id}/approve", data={})
    assert initiative_row(app, initiative_id).title == "Street party 2025"
    assert revision_row(app, initiative_id, first).state == "withdrawn"
    assert revision_row(app, initiative_id, latest).state == "approved"


# Archiving


def test_archive_removes_the_initiative_from_search(app, client, moderator, outbox):
    initiative_id = publish(app, title="Community orchard")
    response = client.post(
        f"/moderation/initiatives/{initiative_id}/archive",
        data={"archive-reason": "Duplicate of another entry."},
    )
    assert response.status_code == 302
    assert initiative_row(app, initiative_id).state == "archived"
    with app.app_context():
        assert (
            db.session.scalars(select(Initiative.id).where(search_condition("orchard"))).all()
            == []
        )
    assert "Duplicate of another entry." in outbox()[0].get_content()


def test_unarchive_publishes_it_again(app, client, moderator):
    initiative_id = publish(app, title="Tool library")
    client.post(f"/moderation/initiatives/{initiative_id}/archive", data={})
    client.post(f"/moderation/initiatives/{initiative_id}/unarchive", data={})
    assert initiative_row(app, initiative_id).state == "published"
    with app.app_context():
        found = db.session.scalars(select(Initiative.id).where(search_condition("tool")))
        assert list(found) == [initiative_id]


def test_an_archived_initiative_never_published_is_not_unarchived(
    app, client, moderator, make_initiative
):
    initiative_id = make_initiative(state="archived")
    response = client.post(
        f"/moderation/initiatives/{initiative_id}/unarchive", data={}, follow_redirects=True
    )
    assert "never published" in response.get_data(as_text=True)
    assert initiative_row(app, initiative_id).state == "archived"


def test_an_archived_initiative_cannot_be_approved(app, client, moderator, make_initiative):
    initiative_id = make_initiative(state="archived")
    response = client.post(
        f"/moderation/initiatives/{initiative_id}/approve", data={}, follow_redirects=True
    )
    assert "not possible while the initiative is “Archived”" in response.get_data(as_text=True)
    assert initiative_row(app, initiative_id).state == "archived"


# Audit and mail


AUDITED = [
    ("approve", {}, "approve_initiative"),
    ("request-changes", {"changes-note": "Add dates."}, "request_changes_initiative"),
    ("reject", {"reject-reason": "Spam."}, "reject_initiative"),
    ("archive", {}, "archive_initiative"),
]


@pytest.mark.parametrize(("path", "data", "action"), AUDITED, ids=[a[0] for a in AUDITED])
def test_every_decision_is_written_to_the_audit_log_with_who(
    app, client, moderator, path, data, action
):
    initiative_id = submit(app)
    client.post(f"/moderation/initiatives/{initiative_id}/{path}", data=data)
    assert audit_actions(app) == [(action, moderator.id, initiative_id)]


def test_unarchive_is_audited_as_a_restore(app, client, moderator):
    initiative_id = publish(app)
    client.post(f"/moderation/initiatives/{initiative_id}/archive", data={})
    client.post(f"/moderation/initiatives/{initiative_id}/unarchive", data={})
    assert audit_actions(app)[-1] == ("restore_initiative", moderator.id, initiative_id)


@pytest.mark.parametrize(
    ("path", "data", "expected"),
    [
        ("approve", {}, "is published"),
        ("request-changes", {"changes-note": "Add the dates, please."}, "Add the dates, please."),
        ("reject", {"reject-reason": "Not co-produced."}, "Not co-produced."),
        ("archive", {"archive-reason": "Out of date."}, "Out of date."),
    ],
)
def test_moderation_emails_go_through_the_smtp_server(
    app, client, moderator, make_user, smtp_server, outbox, path, data, expected
):
    resident = make_user()
    initiative_id = submit(app, submitter_id=resident.id, title="Safer crossings")
    client.post(f"/moderation/initiatives/{initiative_id}/{path}", data=data)
    (message,) = smtp_server.messages
    assert message["To"] == resident.email
    assert "Safer crossings" in message["Subject"]
    assert expected in message["Subject"] + message.get_content()
    assert outbox() == []


def test_a_smtp_server_failure_keeps_the_decision_and_the_mail_for_later(
    app, client, moderator, monkeypatch
):
    from app.mail.models import OutgoingMail

    initiative_id = submit(app)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", 9)  # nothing listens on discard
    response = client.post(
        f"/moderation/initiatives/{initiative_id}/approve", data={}, follow_redirects=True
    )
    assert response.status_code == 200
    assert initiative_row(app, initiative_id).state == "published"
    with app.app_context():
        (mail,) = db.session.scalars(select(OutgoingMail))
        assert (mail.state, mail.attempts) == ("queued", 1)  # to be tried again


def test_an_approved_edit_moving_neighbourhood_moves_the_public_point_and_search(
    app, client, moderator, make_neighbourhood
):
    kirkstall = make_neighbourhood(name="Kirkstall", latitude=53.82, longitude=-1.60)
    headingley = make_neighbourhood(name="Headingley", latitude=53.83, longitude=-1.58)
    initiative_id = publish(
        app, neighbourhood_id=kirkstall, location_precision="neighbourhood", title="Seed swap"
    )
    propose_edit(app, initiative_id, neighbourhood_id=headingley)
    client.post(f"/moderation/initiatives/{initiative_id}/approve", data={})
    initiative = initiative_row(app, initiative_id)
    assert initiative.neighbourhood_id == headingley
    assert (initiative.public_latitude, initiative.public_longitude) == (53.83, -1.58)
    with app.app_context():
        found = db.session.scalars(select(Initiative.id).where(search_condition("headingley")))
        assert list(found) == [initiative_id]


def test_an_approved_edit_of_the_title_renames_the_address(app, client, moderator):
    initiative_id = publish(app, title="Seed swap")
    propose_edit(app, initiative_id, title="Seed and plant swap")
    client.post(f"/moderation/initiatives/{initiative_id}/approve", data={})
    assert initiative_row(app, initiative_id).slug == "seed-and-plant-swap"


def test_decisions_reach_the_log_once_committed(app, client, moderator, caplog):
    initiative_id = submit(app, title="Allotment swap")
    with caplog.at_level("INFO", logger="app.audit.services"):
        client.post(f"/moderation/initiatives/{initiative_id}/approve", data={})
    (line,) = [r.getMessage() for r in caplog.records if r.name == "app.audit.services"]
    assert line.startswith(
        f"audit action=approve_initiative subject=initiative:{initiative_id} "
        f"actor={moderator.email}"
    )


def test_rolled_back_decisions_are_not_logged(app, caplog):
    from app.audit.services import record_action

    with app.app_context(), caplog.at_level("INFO", logger="app.audit.services"):
        record_action(None, "approve_initiative", "initiative", 1)
        db.session.rollback()
        db.session.commit()
    assert [r for r in caplog.records if r.name == "app.audit.services"] == []
