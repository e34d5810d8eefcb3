"""Revision history: every version kept, the differences shown, older versions restored."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from app.extensions import db
from app.initiatives.models import Initiative
from app.search.services import search_condition
from tests.test_moderation import (
    add_report,
    add_revision,
    audit_actions,
    initiative_row,
    login_moderator,
    propose_edit,
    publish,
    revision_row,
    submit,
)

XSS_PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


@pytest.fixture
def moderator(make_user, auth):
    return login_moderator(make_user, auth)


def approve(client, initiative_id):
    return client.post(f"/moderation/initiatives/{initiative_id}/approve", data={})


def test_history_shows_every_revision_and_what_changed(app, client, moderator):
    initiative_id = publish(app, title="Repair café", summary="Fixing things.")
    propose_edit(app, initiative_id, summary="Fixing things together, monthly.")
    approve(client, initiative_id)
    page = client.get(f"/initiatives/{initiative_id}/history").get_data(as_text=True)
    assert "Revision 2: Edit" in page
    assert "Revision 1: Submission" in page
    assert page.index("Revision 2") < page.index("Revision 1")  # newest first
    assert "Changes from revision 1" in page
    assert '<del><span class="visually-hidden">Removed: </span>Fixing things.</del>' in page
    assert '<ins><span class="visually-hidden">Added: </span>Fixing things together' in page
    assert "First version" in page


def test_history_shows_a_line_diff_of_the_description(app, client, moderator):
    lines = [f"Paragraph {number}." for number in range(1, 11)]
    initiative_id = publish(app, description="\n".join(lines))
    lines[5] = "Paragraph six, rewritten."
    propose_edit(app, initiative_id, description="\n".join(lines))
    page = client.get(f"/initiatives/{initiative_id}/history").get_data(as_text=True)
    changes = page.split("Changes from revision 1")[1].split("Revision 1:")[0]
    assert "Removed: </span>Paragraph 6.</del>" in changes
    assert "Added: </span>Paragraph six, rewritten.</ins>" in changes
    assert "Paragraph 5." in changes  # context around the change
    assert "Paragraph 1." not in changes  # far from it: counted, not shown
    assert "unchanged lines" in changes


def test_restoring_an_older_revision_makes_it_current_as_a_new_revision(app, client, moderator):
    initiative_id = publish(app, title="Community fridge")
    propose_edit(app, initiative_id, title="Community fridge and pantry")
    approve(client, initiative_id)
    response = client.post(f"/initiatives/{initiative_id}/history/1/restore", data={})
    assert response.status_code == 302
    assert initiative_row(app, initiative_id).title == "Community fridge"
    restored = revision_row(app, initiative_id, 3)
    assert (restored.kind, restored.state, restored.author_id) == (
        "restore",
        "approved",
        moderator.id,
    )
    assert audit_actions(app)[-1] == ("restore_initiative", moderator.id, initiative_id)
    with app.app_context():
        found = db.session.scalars(select(Initiative.id).where(search_condition("pantry")))
        assert list(found) == []


def test_restoring_a_revision_that_does_not_exist_is_not_found(app, client, moderator):
    initiative_id = publish(app)
    response = client.post(f"/initiatives/{initiative_id}/history/9/restore", data={})
    assert response.status_code == 404


def test_a_revision_awaiting_review_is_not_restored(app, client, moderator):
    initiative_id = publish(app, title="Bike workshop")
    number = propose_edit(app, initiative_id, title="Bike workshop (new)")
    client.post(f"/initiatives/{initiative_id}/history/{number}/restore", data={})
    assert initiative_row(app, initiative_id).title == "Bike workshop"


def test_submitter_reads_their_own_history_without_moderators_names(app, client, auth, make_user):
    resident = make_user()
    initiative_id = publish(app, submitter_id=resident.id)
    auth.login(make_user(role="moderator", display_name="Mo Derator").email)
    propose_edit(app, initiative_id, title="Renamed")
    approve(client, initiative_id)
    auth.logout()
    auth.login(resident.email)
    page = client.get(f"/initiatives/{initiative_id}/history").get_data(as_text=True)
    assert "Revision 2" in page
    assert "A moderator" in page
    assert "Mo Derator" not in page
    assert "Restore revision" not in page


def test_submitter_reads_each_other_author_by_their_role(app, client, auth, make_user):
    resident = make_user()
    officer = make_user(role="council", display_name="Cora Council")
    initiative_id = publish(app, submitter_id=resident.id)
    with app.app_context():  # the council officer's spreadsheet updated it
        add_revision(initiative_id, "import", state="approved", author_id=officer.id, title="B")
    auth.login(make_user(role="admin", display_name="Ada Admin").email)
    client.post(f"/initiatives/{initiative_id}/history/1/restore", data={})
    auth.logout()
    auth.login(make_user(role="moderator", display_name="Mo Derator").email)
    propose_edit(app, initiative_id, title="Renamed")
    approve(client, initiative_id)
    auth.logout()

    auth.login(resident.email)
    page = client.get(f"/initiatives/{initiative_id}/history").get_data(as_text=True)
    by = re.findall(r"<dt>By</dt><dd>([^,<]+),", page)
    decided = re.findall(r"<dt>State</dt><dd>[^(<]*\(([^,<]+),", page)
    # Newest first: the edit (the resident's, approved by the moderator), the admin's
    # restore, the council officer's import, the resident's submission.
    assert by == ["You", "An administrator", "A council officer", "You"]
    assert decided[0] == "A moderator"
    assert "An administrator" in decided
    for name in ("Cora Council", "Ada Admin", "Mo Derator"):
        assert name not in page


def test_another_residents_draft_history_is_not_found(
    app, client, auth, make_user, make_initiative
):
    initiative_id = make_initiative(state="draft", submitter_id=make_user().id)
    auth.login(make_user().email)
    assert client.get(f"/initiatives/{initiative_id}/history").status_code == 404


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_user_text_is_escaped_on_queue_review_and_history_pages(app, client, moderator, payload):
    text_fields = {
        "title": payload,
        "summary": payload,
        "description": payload,
        "place_name": payload,
        "contact_url": payload,
        "credit": "organisation",
        "credit_name": payload,
        "participants": [{"sector": "residents", "name": payload, "roles": [], "people": 3}],
        "outcomes": [{"description": payload, "indicator": payload, "unit": payload}],
    }
    submitted = submit(app, **text_fields)
    published = publish(app, title="Harmless")
    propose_edit(app, published, **{k: v for k, v in text_fields.items() if k != "credit"})
    add_report(app, published)
    pages = [
        client.get("/moderation"),
        client.get(f"/moderation/initiatives/{submitted}"),
        client.get(f"/moderation/initiatives/{published}"),
        client.get(f"/initiatives/{published}/history"),
        client.get(f"/initiatives/{submitted}/history"),
    ]
    escaped = str(escape(payload))
    for response in pages:
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert payload not in page
        assert "<script>alert" not in page and "<img src=x" not in page
        assert escaped in page
