"""Only published initiatives are public: a hidden one is indistinguishable from a missing one."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.initiatives.models import Initiative
from app.timeutil import utcnow
from tests.support.queries import count_queries

HIDDEN_STATES = ["draft", "pending", "changes_requested", "rejected", "archived"]


@pytest.fixture
def hidden(make_user, make_initiative):
    """Make an initiative in the given state, submitted by a resident; returns both."""

    def make(state: str):
        submitter = make_user(display_name="Rosa Resident")
        initiative_id = make_initiative(
            state=state, submitter_id=submitter.id, title="Street watch"
        )
        return initiative_id, submitter

    return make


@pytest.mark.parametrize("state", HIDDEN_STATES)
@pytest.mark.parametrize("viewer", [None, "resident", "council"])
def test_hidden_initiative_is_not_found_for_others(client, auth, make_user, hidden, state, viewer):
    initiative_id, _ = hidden(state)
    if viewer:
        auth.login(make_user(role=viewer).email)
    for path in (f"/initiatives/{initiative_id}-street-watch", f"/initiatives/{initiative_id}"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"Street watch" not in response.data


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_submitter_sees_their_hidden_initiative_with_its_state(client, auth, hidden, state):
    initiative_id, submitter = hidden(state)
    auth.login(submitter.email)
    response = client.get(f"/initiatives/{initiative_id}-street-watch")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Not public:" in body
    assert "Only you and the moderators can see this page." in body
    assert '<meta name="robots" content="noindex">' in body
    assert "Report this" not in body
    assert "no-store" in response.headers["Cache-Control"]
    assert client.get(f"/initiatives/{initiative_id}").status_code == 301


@pytest.mark.parametrize("state", HIDDEN_STATES)
@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_moderators_see_hidden_initiatives(client, auth, make_user, hidden, state, role):
    initiative_id, _ = hidden(state)
    auth.login(make_user(role=role).email)
    response = client.get(f"/initiatives/{initiative_id}-street-watch")
    assert response.status_code == 200
    assert "Only its submitter and the moderators can see this page." in response.get_data(
        as_text=True
    )


def test_moderators_note_is_shown_to_the_submitter(app, client, auth, hidden):
    initiative_id, submitter = hidden("changes_requested")
    with app.app_context():
        db.session.get(Initiative, initiative_id).moderation_note = "Please name the street."
        db.session.commit()
    auth.login(submitter.email)
    body = client.get(f"/initiatives/{initiative_id}-street-watch").get_data(as_text=True)
    assert "Not public: changes requested." in body
    assert "Please name the street." in body


def test_published_initiative_is_public_and_cacheable(client, make_initiative):
    initiative_id = make_initiative(title="Street watch")
    response = client.get(f"/initiatives/{initiative_id}-street-watch")
    assert response.status_code == 200
    assert "Not public" not in response.get_data(as_text=True)
    assert "no-store" not in response.headers.get("Cache-Control", "")


def rich_initiative(app, make_initiative, make_neighbourhood, size: int) -> int:
    """A published initiative with ``size`` participants and ``size`` verified outcomes."""
    from tests.factories import create_test_organisation

    participants = [
        {
            "sector": sector,
            "name": f"Group {number}",
            "roles": ["co-design"],
            "people": number,
            "hours": number * 10,
        }
        for number, sector in enumerate(
            [
                "residents",
                "police",
                "council",
                "health",
                "school",
                "housing",
                "volunteers",
                "business",
                "other",
                "voluntary",
            ][:size],
            start=1,
        )
    ]
    outcomes = [
        {
            "description": f"Outcome {number}",
            "indicator": "Burglaries",
            "baseline": 30,
            "result": 20 + number,
            "unit": "",
            "measured_on": "2025-01-31",
            "evidence_url": "https://example.org/",
        }
        for number in range(size)
    ]
    initiative_id = make_initiative(
        neighbourhood_id=make_neighbourhood(),
        participants=participants,
        outcomes=outcomes,
        themes=["safety", "health"],
        stages=["co-design", "co-delivery"],
    )
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        for number, outcome in enumerate(initiative.outcomes):
            outcome.verified_at = utcnow()
            outcome.verified_by_organisation_id = create_test_organisation(f"Council {number}")
        db.session.commit()
        return initiative.id, initiative.path_slug


def test_page_queries_do_not_grow_with_participants_and_outcomes(
    app, client, make_initiative, make_neighbourhood
):
    _, small = rich_initiative(app, make_initiative, make_neighbourhood, 1)
    _, large = rich_initiative(app, make_initiative, make_neighbourhood, 10)
    client.get(f"/initiatives/{small}")  # warm up: templates compiled, caches filled
    with count_queries(app) as small_queries:
        assert client.get(f"/initiatives/{small}").status_code == 200
    with count_queries(app) as large_queries:
        response = client.get(f"/initiatives/{large}")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("Verified by Council") == 10
    assert len(large_queries) == len(small_queries)
    assert len(small_queries) <= 6, small_queries


def test_actions_follow_the_viewers_rights(client, auth, make_user, hidden):
    initiative_id, submitter = hidden("published")
    path = f"/initiatives/{initiative_id}-street-watch"
    anonymous = client.get(path).get_data(as_text=True)
    assert 'aria-label="This initiative"' not in anonymous
    auth.login(submitter.email)
    own = client.get(path).get_data(as_text=True)
    assert f'href="/initiatives/{initiative_id}/edit"' in own
    assert f'href="/initiatives/{initiative_id}/history"' in own
    assert ">Review<" not in own
    auth.logout()
    auth.login(make_user(role="moderator").email)
    moderated = client.get(path).get_data(as_text=True)
    assert f'href="/moderation/initiatives/{initiative_id}"' in moderated
