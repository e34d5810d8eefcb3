"""Outcome verification: who may verify, the badge, removal, the audit log, the dates and notes
an officer gives, and what happens to a verification when the outcome's numbers change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.audit.models import AuditEntry
from app.council.services import local_today
from app.extensions import db
from app.initiatives.models import Initiative, Outcome
from app.initiatives.public import published_initiatives
from app.shared_filters.parse import parse_filters
from app.shared_filters.query import apply_filters
from app.timeutil import to_local
from tests.factories import create_test_organisation
from tests.test_submission import complete_form
from tests.test_submission_edits import edit

MEASURED = {
    "description": "Fewer burglaries.",
    "indicator": "reported burglaries",
    "baseline": 31,
    "result": 22,
    "unit": "a year",
}
ROLES = [
    "anonymous",
    "resident",
    "moderator",
    "admin",
    "council_in_area",
    "council_out_of_area",
    "council_without_organisation",
]


@dataclass
class Area:
    leeds: int
    bristol: int
    kirkstall: int
    people: dict


@pytest.fixture
def area(app, make_user, make_neighbourhood) -> Area:
    """Kirkstall is in Leeds; one user per role, officers of Leeds and of Bristol."""
    with app.app_context():
        leeds = create_test_organisation(
            "Leeds City Council", local_authority="Leeds City Council"
        )
        bristol = create_test_organisation("Bristol City Council", local_authority="Bristol")
    kirkstall = make_neighbourhood(name="Kirkstall", local_authority="Leeds City Council")
    people = {
        "anonymous": None,
        "resident": make_user(),
        "moderator": make_user(role="moderator"),
        "admin": make_user(role="admin"),
        "council_in_area": make_user(role="council", organisation_id=leeds),
        "council_out_of_area": make_user(role="council", organisation_id=bristol),
        "council_without_organisation": make_user(role="council"),
    }
    return Area(leeds, bristol, kirkstall, people)


def first_outcome(app, initiative_id: int) -> Outcome:
    with app.app_context():
        outcome = db.session.get(Initiative, initiative_id).outcomes[0]
        db.session.expunge(outcome)
        return outcome


def today(app):
    with app.app_context():
        return local_today()


def about_initiatives():
    """Audit entries about initiatives (creating the test organisations is audited too)."""
    return select(AuditEntry).where(AuditEntry.subject_type == "initiative")


def verify_url(initiative_id: int, outcome_id: int, action: str = "verify") -> str:
    return f"/initiatives/{initiative_id}/outcomes/{outcome_id}/{action}"


def expected_status(role: str, state: str) -> int:
    """302 to log in or (for the officer of the area) back to the page; 404 where the
    initiative is secret; 403 where it is visible but the role may not verify."""
    if role in ("anonymous", "council_in_area") and state == "published":
        return 302
    if role == "anonymous":
        return 302
    visible = state == "published" or role in ("moderator", "admin")
    return 403 if visible else 404


@pytest.mark.parametrize("state", ["published", "pending"])
@pytest.mark.parametrize("role", ROLES)
def test_verification_permissions(app, client, auth, area, make_initiative, role, state):
    initiative_id = make_initiative(
        state=state, neighbourhood_id=area.kirkstall, outcomes=[MEASURED]
    )
    outcome = first_outcome(app, initiative_id)
    if area.people[role] is not None:
        auth.login(area.people[role].email)

    response = client.post(verify_url(initiative_id, outcome.id), data={})
    removal = client.post(verify_url(initiative_id, outcome.id, "unverify"), data={})

    assert response.status_code == expected_status(role, state)
    assert removal.status_code == expected_status(role, state)
    allowed = role == "council_in_area" and state == "published"
    if role == "anonymous":
        assert response.headers["Location"].startswith("/login?next=")
    elif allowed:
        assert response.headers["Location"].endswith(f"#outcome-{outcome.id}")
    with app.app_context():
        entries = [entry.action for entry in db.session.scalars(about_initiatives())]
        assert entries == (["verify_outcome", "unverify_outcome"] if allowed else [])


def test_officer_of_the_area_verifies_and_everyone_sees_the_badge(
    app, client, auth, area, make_initiative
):
    initiative_id = make_initiative(neighbourhood_id=area.kirkstall, outcomes=[MEASURED])
    outcome = first_outcome(app, initiative_id)
    officer = area.people["council_in_area"]
    auth.login(officer.email)
    page = client.get(f"/initiatives/{initiative_id}", follow_redirects=True).get_data(
        as_text=True
    )
    assert "Verify this outcome" in page
    prefix = f"verify-{outcome.id}"

    response = client.post(
        verify_url(initiative_id, outcome.id),
        data={f"{prefix}-note": "Matches our own crime figures.", f"{prefix}-verified_on": ""},
    )

    assert response.status_code == 302
    assert "Outcome verified" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        stored = db.session.get(Outcome, outcome.id)
        assert stored.verified_by_organisation_id == area.leeds
        assert stored.verified_by_user_id == officer.id
        assert stored.verification_note == "Matches our own crime figures."
        assert to_local(stored.verified_at).date() == local_today()
    auth.logout()
    public = client.get(f"/initiatives/{initiative_id}", follow_redirects=True).get_data(
        as_text=True
    )
    shown = today(app).strftime("%-d %B %Y")
    assert "Verified by Leeds City Council on <time datetime=" in public
    assert shown in public
    assert "Matches our own crime figures." in public
    assert "Verify this outcome" not in public and "Remove the verification" not in public


@pytest.mark.parametrize("role", ["resident", "moderator", "admin", "council_out_of_area"])
def test_only_the_officer_of_the_area_sees_the_controls(
    app, client, auth, area, make_initiative, role
):
    initiative_id = make_initiative(neighbourhood_id=area.kirkstall, outcomes=[MEASURED])
    auth.login(area.people[role].email)
    page = client.get(f"/initiatives/{initiative_id}", follow_redirects=True)
    assert page.status_code == 200
    assert "Verify this outcome" not in page.get_data(as_text=True)


def test_an_outcome_of_another_initiative_is_not_found(app, client, auth, area, make_initiative):
    mine = make_initiative(neighbourhood_id=area.kirkstall, outcomes=[MEASURED])
    other = make_initiative(neighbourhood_id=area.kirkstall, outcomes=[MEASURED])
    auth.login(area.people["council_in_area"].email)
    other_outcome = first_outcome(app, other)

    assert client.post(verify_url(mine, other_outcome.id), data={}).status_code == 404
    assert client.post(verify_url(mine, 999999), data={}).status_code == 404
    assert client.post(verify_url(999999, other_outcome.id), data={}).status_code == 404
    with app.app_context():
        assert db.session.get(Outcome, other_outcome.id).verified_at is None


def test_verification_needs_the_csrf_token(app, client, auth, area, make_initiative):
    initiative_id = make_initiative(neighbourhood_id=area.kirkstall, outcomes=[MEASURED])
    outcome = first_outcome(app, initiative_id)
    auth.login(area.people["council_in_area"].email)
    response = client.post(verify_url(initiative_id, outcome.id), data={}, csrf=False)
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Outcome, outcome.id).verified_at is None


def test_unverify_removes_the_badge_and_is_audited(app, client, auth, area, make_initiative):
    initiative_id = make_initiative(neighbourhood_id=area.kirkstall, outcomes=[MEASURED])
    outcome = first_outcome(app, initiative_id)
    auth.login(area.people["council_in_area"].email)
    client.post(verify_url(initiative_id, outcome.id), data={})
    with app.app_context():
        before = db.session.get(Initiative, initiative_id).updated_at

    response = client.post(verify_url(initiative_id, outcome.id, "unverify"), data={})

    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The verification is removed." in page
    assert "Verified by" not in page
    with app.app_context():
        stored = db.session.get(Outcome, outcome.id)
        assert stored.verified_at is None
        assert stored.verified_by_organisation_id is None
        assert stored.verified_by_user_id is None
        assert stored.verification_note == ""
        assert db.session.get(Initiative, initiative_id).updated_at >= before
        entry = db.session.scalars(about_initiatives().order_by(AuditEntry.id.desc())).first()
        assert entry.action == "unverify_outcome"
        assert entry.detail == {"outcome": outcome.id, "was_verified_by": "Leeds City Council"}
    # Removing it again changes nothing and writes nothing.
    again = client.post(verify_url(initiative_id, outcome.id, "unverify"), data={})
    assert "was not verified" in client.get(again.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(about_initiatives()).all()) == 2


def test_verification_is_audited_and_changes_the_initiative(
    app, client, auth, area, make_initiative
):
    initiative_id = make_initiative(neighbourhood_id=area.kirkstall, outcomes=[MEASURED])
    outcome = first_outcome(app, initiative_id)
    officer = area.people["council_in_area"]
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        initiative.updated_at -= timedelta(days=3)
        db.session.commit()
        before = initiative.updated_at
    auth.login(officer.email)
    day = today(app) - timedelta(days=10)
    prefix = f"verify-{outcome.id}"

    client.post(
        verify_url(initiative_id, outcome.id),
        data={f"{prefix}-note": "Checked.", f"{prefix}-verified_on": day.isoformat()},
    )

    with app.app_context():
        entry = db.session.scalar(about_initiatives())
        assert (entry.action, entry.actor_id, entry.subject_type, entry.subject_id) == (
            "verify_outcome",
            officer.id,
            "initiative",
            initiative_id,
        )
        assert entry.detail == {
            "outcome": outcome.id,
            "organisation": "Leeds City Council",
            "verified_on": day.isoformat(),
            "note": "Checked.",
            "again": False,
        }
        stored = db.session.get(Outcome, outcome.id)
        assert to_local(stored.verified_at).date() == day
        assert db.session.get(Initiative, initiative_id).updated_at > before


@pytest.mark.parametrize(
    ("note", "day", "message"),
    [
        ("x" * 501, "", "Use at most 500 characters."),
        ("Fine", "tomorrow", "cannot be in the future"),
        ("Fine", "31/02/2024", "Enter a real date"),
        ("Fine", "1066-10-14", "Enter a date between"),
    ],
)
def test_bad_verification_input_is_refused_and_kept(
    app, client, auth, area, make_initiative, note, day, message
):
    initiative_id = make_initiative(neighbourhood_id=area.kirkstall, outcomes=[MEASURED])
    outcome = first_outcome(app, initiative_id)
    auth.login(area.people["council_in_area"].email)
    if day == "tomorrow":
        day = (today(app) + timedelta(days=1)).isoformat()
    prefix = f"verify-{outcome.id}"

    response = client.post(
        verify_url(initiative_id, outcome.id),
        data={f"{prefix}-note": note, f"{prefix}-verified_on": day},
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert note in page and f'value="{day}"' in page
    with app.app_context():
        assert db.session.get(Outcome, outcome.id).verified_at is None
        assert db.session.scalar(about_initiatives()) is None


def test_verifying_again_replaces_date_and_note(app, client, auth, area, make_initiative):
    initiative_id = make_initiative(neighbourhood_id=area.kirkstall, outcomes=[MEASURED])
    outcome = first_outcome(app, initiative_id)
    auth.login(area.people["council_in_area"].email)
    prefix = f"verify-{outcome.id}"
    client.post(verify_url(initiative_id, outcome.id), data={f"{prefix}-note": "First."})
    assert client.get(verify_url(initiative_id, outcome.id)).status_code == 200

    client.post(verify_url(initiative_id, outcome.id), data={f"{prefix}-note": "Second."})

    with app.app_context():
        assert db.session.get(Outcome, outcome.id).verification_note == "Second."
        details = [
            e.detail for e in db.session.scalars(about_initiatives().order_by(AuditEntry.id))
        ]
        assert [detail["again"] for detail in details] == [False, True]


def verify_through_the_route(app, client, auth, area, initiative_id: int) -> int:
    outcome = first_outcome(app, initiative_id)
    auth.login(area.people["council_in_area"].email)
    client.post(verify_url(initiative_id, outcome.id), data={f"verify-{outcome.id}-note": "OK"})
    auth.logout()
    with app.app_context():
        assert db.session.get(Outcome, outcome.id).verified_at is not None
    return outcome.id


def test_moderators_edit_of_the_numbers_drops_the_verification(
    app, client, auth, area, make_initiative
):
    initiative_id = make_initiative(neighbourhood_id=area.kirkstall, outcomes=[MEASURED])
    outcome_id = verify_through_the_route(app, client, auth, area, initiative_id)
    auth.login(area.people["moderator"].email)

    response = edit(client, initiative_id, button="save_changes", **{"outcomes-0-result": "12"})

    assert response.status_code == 302
    with app.app_context():
        outcome = db.session.get(Outcome, outcome_id)
        assert outcome.result == 12
        assert outcome.verified_at is None
        assert outcome.verified_by_organisation_id is None
    page = client.get(f"/initiatives/{initiative_id}", follow_redirects=True)
    assert "Verified by" not in page.get_data(as_text=True)


@pytest.mark.parametrize("field", ["indicator", "baseline", "unit"])
def test_any_verified_figure_changing_drops_the_verification(
    app, client, auth, area, make_initiative, field
):
    initiative_id = make_initiative(neighbourhood_id=area.kirkstall, outcomes=[MEASURED])
    outcome_id = verify_through_the_route(app, client, auth, area, initiative_id)
    auth.login(area.people["moderator"].email)

    edit(client, initiative_id, button="save_changes", **{f"outcomes-0-{field}": "40"})

    with app.app_context():
        assert db.session.get(Outcome, outcome_id).verified_at is None


def test_moderators_edit_of_the_text_keeps_the_verification(
    app, client, auth, area, make_initiative
):
    initiative_id = make_initiative(neighbourhood_id=area.kirkstall, outcomes=[MEASURED])
    outcome_id = verify_through_the_route(app, client, auth, area, initiative_id)
    auth.login(area.people["moderator"].email)

    edit(
        client,
        initiative_id,
        button="save_changes",
        title="Street watch, renamed",
        **{"outcomes-0-description": "Far fewer burglaries."},
    )

    with app.app_context():
        outcome = db.session.get(Outcome, outcome_id)
        assert outcome.description == "Far fewer burglaries."
        assert outcome.verified_at is not None
        assert outcome.verified_by_organisation_id == area.leeds
    page = client.get(f"/initiatives/{initiative_id}", follow_redirects=True)
    assert "Verified by Leeds City Council" in page.get_data(as_text=True)


def test_residents_cannot_set_verification_through_the_form(app, client, auth, area, make_user):
    resident = area.people["resident"]
    auth.login(resident.email)
    forged = {
        "outcomes-0-verified_at": "2024-01-01T00:00:00",
        "outcomes-0-verified_by_organisation_id": str(area.leeds),
        "outcomes-0-verified_by_user_id": str(area.people["council_in_area"].id),
        "outcomes-0-verification_note": "Verified by me",
        "verified_at": "2024-01-01",
        "verified": "1",
    }

    response = client.post("/initiatives/new", data=complete_form(area.kirkstall, **forged))

    assert response.status_code == 302
    with app.app_context():
        outcome = db.session.scalar(select(Outcome))
        assert outcome.verified_at is None
        assert outcome.verified_by_organisation_id is None
        assert outcome.verified_by_user_id is None
        assert outcome.verification_note == ""


def test_residents_edit_cannot_move_a_verification_to_other_numbers(
    app, client, auth, area, make_initiative
):
    resident = area.people["resident"]
    initiative_id = make_initiative(
        submitter_id=resident.id, neighbourhood_id=area.kirkstall, outcomes=[MEASURED]
    )
    outcome_id = verify_through_the_route(app, client, auth, area, initiative_id)
    auth.login(resident.email)
    edit(client, initiative_id, **{"outcomes-0-result": "2"})  # a pending edit
    auth.logout()
    auth.login(area.people["moderator"].email)
    with app.app_context():
        from app.moderation.models import Revision

        revision = db.session.scalar(select(Revision).where(Revision.state == "pending"))
        number = revision.number

    client.post(
        f"/moderation/initiatives/{initiative_id}/approve", data={"approve-revision": number}
    )

    with app.app_context():
        outcome = db.session.get(Outcome, outcome_id)
        assert outcome.result == 2
        assert outcome.verified_at is None


def test_restoring_an_older_revision_never_fakes_a_verification(
    app, client, auth, area, make_initiative
):
    """Revisions hold no verification. Restoring one whose figures differ from the verified
    ones drops it; restoring one with the same figures keeps the officer's word on them."""
    initiative_id = make_initiative(neighbourhood_id=area.kirkstall, outcomes=[MEASURED])
    moderator = area.people["moderator"]
    auth.login(moderator.email)
    edit(client, initiative_id, button="save_changes", title="First title")  # revision 1
    edit(client, initiative_id, button="save_changes", **{"outcomes-0-result": "12"})  # 2
    auth.logout()
    outcome_id = verify_through_the_route(app, client, auth, area, initiative_id)
    auth.login(moderator.email)

    client.post(f"/initiatives/{initiative_id}/history/2/restore", data={})  # same figures
    with app.app_context():
        assert db.session.get(Outcome, outcome_id).verified_at is not None

    client.post(f"/initiatives/{initiative_id}/history/1/restore", data={})  # result 22
    with app.app_context():
        outcome = db.session.get(Outcome, outcome_id)
        assert outcome.result == 22
        assert outcome.verified_at is None

    client.post(f"/initiatives/{initiative_id}/history/2/restore", data={})  # 12 again
    with app.app_context():
        outcome = db.session.get(Outcome, outcome_id)
        assert outcome.result == 12
        assert outcome.verified_at is None  # not brought back: nobody checked it again


def test_verified_filter_on_the_list_page_after_verifying(
    app, client, auth, area, make_initiative
):
    verified = make_initiative(
        title="Verified watch", neighbourhood_id=area.kirkstall, outcomes=[MEASURED]
    )
    make_initiative(title="Unchecked watch", neighbourhood_id=area.kirkstall, outcomes=[MEASURED])
    before = client.get("/initiatives?verified=1").get_data(as_text=True)
    assert "Verified watch" not in before

    verify_through_the_route(app, client, auth, area, verified)

    page = client.get("/initiatives?verified=1").get_data(as_text=True)
    assert "Verified watch" in page
    assert "Unchecked watch" not in page
    everything = client.get("/initiatives").get_data(as_text=True)
    assert "Verified watch" in everything and "Unchecked watch" in everything


def test_verified_filter_in_the_shared_parser(app, client, auth, area, make_initiative):
    """The API reads its filters with the same parser and applies them the same way."""
    verified = make_initiative(neighbourhood_id=area.kirkstall, outcomes=[MEASURED])
    make_initiative(neighbourhood_id=area.kirkstall, outcomes=[MEASURED])
    make_initiative(state="pending", neighbourhood_id=area.kirkstall, outcomes=[MEASURED])
    verify_through_the_route(app, client, auth, area, verified)

    with app.test_request_context("/api/v1/initiatives?verified=1"):
        from flask import request

        initiative_filter, errors = parse_filters(request.args)
        assert errors == {} and initiative_filter.verified is True
        query = apply_filters(published_initiatives(), initiative_filter)
        assert [i.id for i in db.session.scalars(query)] == [verified]
        _, errors = parse_filters(MultiDict({"verified": "yes"}))
        assert "verified" in errors


def test_pages_with_the_controls_are_valid_html(app, client, auth, area, make_initiative):
    from tests.test_pages import assert_valid_html

    initiative_id = make_initiative(
        neighbourhood_id=area.kirkstall, outcomes=[MEASURED, {**MEASURED, "result": 12}]
    )
    outcome = first_outcome(app, initiative_id)
    auth.login(area.people["council_in_area"].email)
    client.post(verify_url(initiative_id, outcome.id), data={f"verify-{outcome.id}-note": "OK"})
    page = client.get(f"/initiatives/{initiative_id}", follow_redirects=True)
    assert page.get_data(as_text=True).count("<summary>Verify this outcome") == 1
    assert "Verify again" in page.get_data(as_text=True)
    assert_valid_html(page.data, "initiative page")
    assert_valid_html(client.get(verify_url(initiative_id, outcome.id)).data, "verify page")


def test_organisation_names_are_escaped_in_the_badge(
    app, client, auth, make_user, area, make_initiative
):
    payload = '<script>alert("x")</script>'
    with app.app_context():
        council = create_test_organisation(payload, local_authority="Leeds City Council")
    initiative_id = make_initiative(neighbourhood_id=area.kirkstall, outcomes=[MEASURED])
    outcome = first_outcome(app, initiative_id)
    auth.login(make_user(role="council", organisation_id=council).email)
    page = client.get(verify_url(initiative_id, outcome.id)).get_data(as_text=True)
    assert payload not in page
    client.post(verify_url(initiative_id, outcome.id), data={f"verify-{outcome.id}-note": payload})
    auth.logout()

    page = client.get(f"/initiatives/{initiative_id}", follow_redirects=True).get_data(
        as_text=True
    )

    assert payload not in page
    assert "Verified by &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; on" in page


def test_verification_is_not_a_revision(app, client, auth, area, make_initiative):
    from app.moderation.models import Revision

    initiative_id = make_initiative(neighbourhood_id=area.kirkstall, outcomes=[MEASURED])
    verify_through_the_route(app, client, auth, area, initiative_id)
    with app.app_context():
        assert db.session.scalar(select(Revision)) is None


def test_changed_numbers_drop_the_verification_even_with_its_organisation_loaded(
    app, client, auth, area, make_initiative
):
    from app.initiatives.content import apply_content, initiative_content

    initiative_id = make_initiative(neighbourhood_id=area.kirkstall, outcomes=[MEASURED])
    outcome_id = verify_through_the_route(app, client, auth, area, initiative_id)
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        assert initiative.outcomes[0].verified_by_organisation.name == "Leeds City Council"
        content = initiative_content(initiative)
        content["outcomes"][0]["result"] = 5
        apply_content(initiative, content)
        db.session.commit()
    with app.app_context():
        outcome = db.session.get(Outcome, outcome_id)
        assert outcome.verified_at is None
        assert outcome.verified_by_organisation_id is None
