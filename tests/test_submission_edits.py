"""Editing later, withdrawing, and "My initiatives"."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.initiatives.content import apply_content, initiative_content
from app.initiatives.models import Initiative
from app.moderation.models import Revision
from app.timeutil import utcnow
from tests.support.queries import count_queries
from tests.test_submission import form_values

MEASURED = {
    "description": "Fewer burglaries.",
    "indicator": "reported burglaries",
    "baseline": 31,
    "result": 22,
    "unit": "a year",
}


def edit(client, initiative_id: int, button: str = "submit_for_review", **changes):
    """Open the edit page, change some answers as a person would, and send it."""
    url = f"/initiatives/{initiative_id}/edit"
    values = form_values(client.get(url))
    values.update(
        {name: value if isinstance(value, list) else [value] for name, value in changes.items()}
    )
    values[button] = ["1"]
    return client.post(url, data=values)


def verify_outcome(app, initiative_id: int, officer_id: int) -> None:
    with app.app_context():
        outcome = db.session.get(Initiative, initiative_id).outcomes[0]
        outcome.verified_at = utcnow()
        outcome.verified_by_user_id = officer_id
        outcome.verification_note = "Police figures"
        db.session.commit()


def test_residents_edit_of_published_initiative_waits_for_review(
    app, client, auth, make_user, make_initiative
):
    resident = make_user()
    initiative_id = make_initiative(submitter_id=resident.id, title="Street watch")
    auth.login(resident.email)
    with app.app_context():
        published = initiative_content(db.session.get(Initiative, initiative_id))
    page = client.get(f"/initiatives/{initiative_id}/edit").get_data(as_text=True)
    assert "Send changes for review" in page
    assert 'name="save_draft"' not in page and 'name="consent"' not in page

    response = edit(client, initiative_id, title="Street watch and litter pick")

    assert response.status_code == 302
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        assert initiative.state == "published"
        assert initiative_content(initiative) == published
        revision = db.session.scalar(select(Revision))
        assert (revision.kind, revision.state, revision.number) == ("edit", "pending", 1)
        assert revision.author_id == resident.id
        assert revision.content["title"] == "Street watch and litter pick"
        assert revision.content.keys() == published.keys()
    # The resident carries on from the edit under review, not from the published version.
    page = client.get(f"/initiatives/{initiative_id}/edit").get_data(as_text=True)
    assert "Your changes are waiting for review" in page
    assert form_values(client.get(f"/initiatives/{initiative_id}/edit"))["title"] == [
        "Street watch and litter pick"
    ]


def test_sending_an_edit_again_replaces_the_one_under_review(
    app, client, auth, make_user, make_initiative
):
    resident = make_user()
    initiative_id = make_initiative(submitter_id=resident.id)
    auth.login(resident.email)
    edit(client, initiative_id, summary="First try.")
    edit(client, initiative_id, summary="Second try.")
    with app.app_context():
        revisions = db.session.execute(
            select(Revision.number, Revision.state, Revision.content).order_by(Revision.number)
        ).all()
    assert [(number, state) for number, state, _ in revisions] == [
        (1, "withdrawn"),
        (2, "pending"),
    ]
    assert revisions[1].content["summary"] == "Second try."


def test_unchanged_edit_proposes_nothing(app, client, auth, make_user, make_initiative):
    resident = make_user()
    initiative_id = make_initiative(submitter_id=resident.id)
    auth.login(resident.email)
    response = edit(client, initiative_id)
    assert response.status_code == 302
    assert "nothing to review" in client.get("/account/initiatives").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Revision)) is None


def test_moderators_edit_publishes_directly(app, client, auth, make_user, make_initiative):
    initiative_id = make_initiative(submitter_id=make_user().id, title="Street watch")
    moderator = make_user(role="moderator")
    auth.login(moderator.email)

    response = edit(client, initiative_id, button="save_changes", title="Kirkstall street watch")

    assert response.status_code == 302
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        assert (initiative.title, initiative.slug) == (
            "Kirkstall street watch",
            "kirkstall-street-watch",
        )
        assert initiative.state == "published"
        revision = db.session.scalar(select(Revision))
        assert (revision.kind, revision.state) == ("moderator_edit", "approved")
        assert revision.decided_by_id == moderator.id
        assert revision.content == initiative_content(initiative)
        entry = db.session.scalar(select(AuditEntry))
        assert (entry.action, entry.subject_id, entry.actor_id) == (
            "edit_initiative",
            initiative_id,
            moderator.id,
        )


def test_verification_survives_an_edit_that_keeps_the_numbers(
    app, client, auth, make_user, make_initiative
):
    officer = make_user(role="council")
    initiative_id = make_initiative(outcomes=[MEASURED])
    verify_outcome(app, initiative_id, officer.id)
    auth.login(make_user(role="moderator").email)

    edit(client, initiative_id, button="save_changes", **{"outcomes-0-description": "Fewer."})

    with app.app_context():
        outcome = db.session.get(Initiative, initiative_id).outcomes[0]
        assert outcome.description == "Fewer."
        assert outcome.verified_at is not None
        assert outcome.verification_note == "Police figures"


def test_verification_is_dropped_when_the_numbers_change(
    app, client, auth, make_user, make_initiative
):
    initiative_id = make_initiative(outcomes=[MEASURED])
    verify_outcome(app, initiative_id, make_user(role="council").id)
    auth.login(make_user(role="moderator").email)

    edit(client, initiative_id, button="save_changes", **{"outcomes-0-result": "12"})

    with app.app_context():
        outcome = db.session.get(Initiative, initiative_id).outcomes[0]
        assert outcome.result == 12
        assert outcome.verified_at is None


def test_residents_edit_under_review_keeps_verification_when_approved(
    app, client, auth, make_user, make_initiative
):
    resident = make_user()
    initiative_id = make_initiative(submitter_id=resident.id, outcomes=[MEASURED])
    verify_outcome(app, initiative_id, make_user(role="council").id)
    auth.login(resident.email)

    edit(client, initiative_id, **{"outcomes-0-description": "Far fewer burglaries."})

    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        assert initiative.outcomes[0].verified_at is not None  # still the published version
        revision = db.session.scalar(select(Revision))
        apply_content(initiative, revision.content)  # what a moderator's approval does
        db.session.flush()
        assert initiative.outcomes[0].description == "Far fewer burglaries."
        assert initiative.outcomes[0].verified_at is not None


def test_withdraw_asks_first_then_archives(app, client, auth, make_user, make_initiative):
    resident = make_user()
    initiative_id = make_initiative(submitter_id=resident.id)
    auth.login(resident.email)

    confirmation = client.get(f"/initiatives/{initiative_id}/withdraw")

    assert confirmation.status_code == 200
    assert "Withdraw this initiative" in confirmation.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Initiative, initiative_id).state == "published"

    response = client.post(f"/initiatives/{initiative_id}/withdraw", data={})

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/initiatives"
    with app.app_context():
        assert db.session.get(Initiative, initiative_id).state == "archived"
        entry = db.session.scalar(select(AuditEntry))
        assert (entry.action, entry.subject_id) == ("withdraw_initiative", initiative_id)
        assert entry.detail["previous_state"] == "published"
    assert client.get(f"/initiatives/{initiative_id}/withdraw").status_code == 403


def test_withdrawing_leaves_the_search_index(app, client, auth, make_user, make_initiative):
    from app.search.services import search_condition

    resident = make_user()
    initiative_id = make_initiative(submitter_id=resident.id, title="Zebra crossing patrol")
    auth.login(resident.email)

    def found() -> bool:
        with app.app_context():
            query = select(Initiative.id).where(search_condition("zebra"))
            return initiative_id in db.session.scalars(query).all()

    assert found()
    client.post(f"/initiatives/{initiative_id}/withdraw", data={})
    assert not found()


def test_another_resident_cannot_edit_or_withdraw(client, auth, make_user, make_initiative):
    # A draft is secret (404); a published initiative is visible but not theirs (403).
    for state, refused in (("draft", 404), ("published", 403)):
        initiative_id = make_initiative(state=state, submitter_id=make_user().id)
        auth.login(make_user().email)
        for method, url in (
            ("GET", f"/initiatives/{initiative_id}/edit"),
            ("POST", f"/initiatives/{initiative_id}/edit"),
            ("GET", f"/initiatives/{initiative_id}/withdraw"),
            ("POST", f"/initiatives/{initiative_id}/withdraw"),
        ):
            assert client.open(url, method=method, data={}).status_code == refused, (state, url)
        auth.logout()


def test_submitter_cannot_edit_a_rejected_or_archived_initiative(
    client, auth, make_user, make_initiative
):
    resident = make_user()
    auth.login(resident.email)
    for state in ("rejected", "archived"):
        initiative_id = make_initiative(state=state, submitter_id=resident.id)
        assert client.get(f"/initiatives/{initiative_id}/edit").status_code == 403


def test_missing_initiative_is_not_found(client, auth, make_user):
    auth.login(make_user().email)
    assert client.get("/initiatives/999999/edit").status_code == 404


def test_my_initiatives_shows_each_state_and_the_moderators_notes(
    app, client, auth, make_user, make_initiative
):
    resident = make_user()
    auth.login(resident.email)
    make_initiative(state="draft", submitter_id=resident.id, title="A draft")
    changes = make_initiative(
        state="changes_requested", submitter_id=resident.id, title="Needs work"
    )
    rejected = make_initiative(state="rejected", submitter_id=resident.id, title="Said no")
    published = make_initiative(submitter_id=resident.id, title="Out there")
    make_initiative(title="Somebody else's")
    with app.app_context():
        db.session.get(Initiative, changes).moderation_note = "Please name the school."
        db.session.get(Initiative, rejected).moderation_note = "This is an advert."
        db.session.commit()
    edit(client, published, summary="A better summary.")

    page = client.get("/account/initiatives").get_data(as_text=True)

    for text in ("A draft", "Draft", "Needs work", "Changes requested", "Please name the school.",
                 "Said no", "Rejected", "This is an advert.", "Out there", "Published",
                 "are waiting for review"):  # fmt: skip
        assert text in page, text
    assert "Somebody else" not in page
    assert f"/initiatives/{published}-out-there" in page
    assert f"/initiatives/{rejected}/edit" not in page  # rejected: no more editing
    assert f"/initiatives/{rejected}/withdraw" in page


def test_my_initiatives_lists_the_latest_changed_first_and_pages(
    app, client, auth, make_user, make_initiative
):
    resident = make_user()
    auth.login(resident.email)
    ids = [
        make_initiative(state="draft", submitter_id=resident.id, title=f"Idea {number:02}")
        for number in range(25)
    ]
    with app.app_context():
        for offset, initiative_id in enumerate(ids):
            initiative = db.session.get(Initiative, initiative_id)
            initiative.updated_at = utcnow() - timedelta(days=offset)
        db.session.commit()

    first = client.get("/account/initiatives").get_data(as_text=True)
    second = client.get("/account/initiatives?page=2").get_data(as_text=True)

    assert first.index("Idea 00") < first.index("Idea 01")
    assert "Idea 24" not in first and "Idea 24" in second
    assert "Page 1 of 2" in first


def test_my_initiatives_needs_the_same_queries_for_many_initiatives(
    app, client, auth, make_user, make_initiative
):
    resident = make_user()
    auth.login(resident.email)
    participants = [{"sector": "residents", "name": "Group", "people": 3}]

    def queries() -> int:
        with count_queries(app) as statements:
            client.get("/account/initiatives")
        return len(statements)

    make_initiative(submitter_id=resident.id, participants=participants)
    few = queries()
    for _ in range(10):
        make_initiative(submitter_id=resident.id, participants=participants)
    assert queries() == few


def test_moderators_change_of_neighbourhood_moves_the_public_point(
    app, client, auth, make_user, make_initiative, make_neighbourhood
):
    moved_to = make_neighbourhood(name="Armley", latitude=53.7990, longitude=-1.5880)
    initiative_id = make_initiative(location_precision="neighbourhood")
    auth.login(make_user(role="moderator").email)

    edit(client, initiative_id, button="save_changes", neighbourhood=str(moved_to))

    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        assert (initiative.public_latitude, initiative.public_longitude) == (53.799, -1.588)


def test_approved_submission_and_edit_reach_the_public_version(
    app, client, auth, make_user, make_initiative
):
    from app.accounts.models import User
    from app.moderation.services import approve_initiative

    resident = make_user()
    moderator = make_user(role="moderator")
    initiative_id = make_initiative(state="draft", submitter_id=resident.id, title="Idea")
    auth.login(resident.email)
    edit(client, initiative_id, consent="y", **{"participants-0-sector": "residents"})
    with app.app_context():
        approve_initiative(
            db.session.get(User, moderator.id), db.session.get(Initiative, initiative_id)
        )
        db.session.commit()

    edit(client, initiative_id, title="Better idea")
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        assert (initiative.state, initiative.title) == ("published", "Idea")
        approve_initiative(db.session.get(User, moderator.id), initiative)
        db.session.commit()
        assert (initiative.title, initiative.slug) == ("Better idea", "better-idea")
    assert "are waiting for review" not in client.get("/account/initiatives").get_data(
        as_text=True
    )


def test_my_initiatives_shows_why_an_edit_was_rejected_until_the_resident_edits_again(
    app, client, auth, make_user, make_initiative
):
    resident = make_user()
    moderator = make_user(role="moderator")
    initiative_id = make_initiative(submitter_id=resident.id, title="Street watch")
    auth.login(resident.email)
    edit(client, initiative_id, summary="Now with a raffle.")
    auth.logout()
    auth.login(moderator.email)
    client.post(
        f"/moderation/initiatives/{initiative_id}/reject",
        data={"reject-reason": "A raffle is not co-production."},
    )
    auth.logout()
    auth.login(resident.email)

    page = client.get("/account/initiatives").get_data(as_text=True)
    assert "The moderator did not accept your changes" in page
    assert "A raffle is not co-production." in page
    # The edit page starts again from the published version, not the rejected edit.
    assert form_values(client.get(f"/initiatives/{initiative_id}/edit"))["summary"] == [
        "Residents and the police walk the streets together."
    ]

    edit(client, initiative_id, summary="Now with a litter pick.")
    page = client.get("/account/initiatives").get_data(as_text=True)
    assert "A raffle is not co-production." not in page
    assert "are waiting for review" in page


def edit_drafts(app, initiative_id: int) -> list[Revision]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Revision).where(
                    Revision.initiative_id == initiative_id, Revision.state == "draft"
                )
            )
        )


def test_edit_of_a_published_initiative_with_problems_is_kept_as_an_unsent_draft(
    app, client, auth, make_user, make_initiative
):
    resident = make_user()
    initiative_id = make_initiative(submitter_id=resident.id, title="Street watch")
    with app.app_context():
        published = initiative_content(db.session.get(Initiative, initiative_id))
    auth.login(resident.email)

    response = edit(
        client, initiative_id, summary="Now with a litter pick.", started_on="31/31/2024"
    )

    assert response.status_code == 422
    assert "Your changes are kept as a draft: not sent for review, not public" in (
        response.get_data(as_text=True)
    )
    [draft] = edit_drafts(app, initiative_id)
    assert (draft.kind, draft.author_id) == ("edit", resident.id)
    assert draft.content["summary"] == "Now with a litter pick."
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        assert initiative.state == "published"
        assert initiative_content(initiative) == published
        assert db.session.scalar(select(Revision).where(Revision.state == "pending")) is None
    # Public pages, the queue and the history know nothing of it.
    assert b"litter pick" not in client.get(f"/initiatives/{initiative_id}-street-watch").data
    assert b"litter pick" not in client.get(f"/initiatives/{initiative_id}/history").data
    auth.logout()
    auth.login(make_user(role="moderator").email)
    assert b"Street watch" not in client.get("/moderation").data
    auth.logout()

    # Coming back, the resident carries on from the draft, and sending it uses it up.
    auth.login(resident.email)
    page = client.get(f"/initiatives/{initiative_id}/edit")
    assert "Your changes are not sent yet" in page.get_data(as_text=True)
    assert form_values(page)["summary"] == ["Now with a litter pick."]
    assert "changes not sent yet" in client.get("/account/initiatives").get_data(as_text=True)
    assert edit(client, initiative_id, started_on="2024-03-31").status_code == 302
    assert edit_drafts(app, initiative_id) == []
    with app.app_context():
        pending = db.session.scalar(select(Revision).where(Revision.state == "pending"))
        assert pending.content["summary"] == "Now with a litter pick."


def test_adding_a_row_to_an_edit_of_a_published_initiative_keeps_the_draft(
    app, client, auth, make_user, make_initiative
):
    resident = make_user()
    initiative_id = make_initiative(submitter_id=resident.id, title="Street watch")
    auth.login(resident.email)

    response = edit(client, initiative_id, "add_participant", summary="Bigger now.")
    assert response.status_code == 303  # kept, so redirected: a reload never posts again
    edit(client, initiative_id, "add_outcome", summary="Bigger still.")

    [draft] = edit_drafts(app, initiative_id)  # one draft, updated in place
    assert draft.content["summary"] == "Bigger still."
    with app.app_context():
        assert db.session.get(Initiative, initiative_id).summary != "Bigger still."


def test_a_draft_answering_a_moderators_request_keeps_the_request_in_sight(
    app, client, auth, make_user, make_initiative
):
    resident = make_user()
    initiative_id = make_initiative(submitter_id=resident.id, title="Street watch")
    auth.login(resident.email)
    assert edit(client, initiative_id, summary="Now with a litter pick.").status_code == 302
    with app.app_context():
        sent = db.session.scalar(select(Revision).where(Revision.state == "pending"))
        sent.state, sent.note = "changes_requested", "Say which streets, please."
        db.session.commit()

    # Without JavaScript, adding a row keeps an unsent draft above the request.
    edit(client, initiative_id, "add_participant", summary="Litter pick on Moor Road.")

    [draft] = edit_drafts(app, initiative_id)
    assert draft.note == "Say which streets, please."
    page = client.get(f"/initiatives/{initiative_id}/edit").get_data(as_text=True)
    assert "Your changes are not sent yet" in page
    assert "Say which streets, please." in page
    mine = client.get("/account/initiatives").get_data(as_text=True)
    assert "changes not sent yet" in mine and "Say which streets, please." in mine


def test_withdrawing_discards_unsent_edit_drafts(app, client, auth, make_user, make_initiative):
    resident = make_user()
    initiative_id = make_initiative(submitter_id=resident.id, title="Street watch")
    auth.login(resident.email)
    edit(client, initiative_id, "add_participant", summary="Bigger now.")
    assert len(edit_drafts(app, initiative_id)) == 1
    client.post(f"/initiatives/{initiative_id}/withdraw", data={})
    assert edit_drafts(app, initiative_id) == []


def test_an_unsent_draft_cannot_be_restored(app, client, auth, make_user, make_initiative):
    resident = make_user()
    initiative_id = make_initiative(submitter_id=resident.id, title="Street watch")
    auth.login(resident.email)
    edit(client, initiative_id, "add_participant", summary="Bigger now.")
    [draft] = edit_drafts(app, initiative_id)
    auth.logout()
    auth.login(make_user(role="moderator").email)
    restore = f"/initiatives/{initiative_id}/history/{draft.number}/restore"
    assert client.post(restore, data={}).status_code == 404
    with app.app_context():
        assert db.session.get(Initiative, initiative_id).summary != "Bigger now."
