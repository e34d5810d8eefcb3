"""The permission matrix for initiatives: every role (and the submitter) against every
action in every moderation state.

The expectations are written out here as a specification, independently of the table in
app/permissions.py, and checked both on can_on_initiative and through the HTTP routes.
"""

from __future__ import annotations

import pytest

from app.extensions import db
from app.initiatives.models import Initiative
from app.permissions import can_on_initiative

STATES = ["draft", "pending", "changes_requested", "published", "rejected", "archived"]
ACTORS = ["anonymous", "resident", "submitter", "council", "council_of_area", "moderator", "admin"]
MODERATORS = {"moderator", "admin"}

# action -> {state: actors allowed}; moderators' rights are listed per state too.
SPEC = {
    "view": {
        state: (set(ACTORS) if state == "published" else {"submitter"} | MODERATORS)
        for state in STATES
    },
    "edit": {
        state: (
            MODERATORS
            | (
                {"submitter"}
                if state in {"draft", "pending", "changes_requested", "published"}
                else set()
            )
        )
        for state in STATES
    },  # fmt: skip
    "submit": {
        state: {"submitter"} if state in {"draft", "pending", "changes_requested"} else set()
        for state in STATES
    },
    "withdraw": {state: set() if state == "archived" else {"submitter"} for state in STATES},
    "approve": {
        state: MODERATORS if state in {"pending", "published"} else set() for state in STATES
    },
    "reject": {
        state: MODERATORS if state in {"pending", "published"} else set() for state in STATES
    },
    "request_changes": {
        state: MODERATORS if state in {"pending", "published"} else set() for state in STATES
    },
    "archive": {state: set() if state == "archived" else MODERATORS for state in STATES},
    "restore": {state: MODERATORS for state in STATES},
    "history": {state: {"submitter"} | MODERATORS for state in STATES},
    "verify": {state: {"council_of_area"} if state == "published" else set() for state in STATES},
    "report": {state: set(ACTORS) if state == "published" else set() for state in STATES},
}


@pytest.fixture
def people(app, make_user, make_neighbourhood):
    """One user per actor; the council officer of the area works for Leeds City Council."""
    from tests.factories import create_test_organisation

    with app.app_context():
        leeds = create_test_organisation(
            "Leeds City Council", local_authority="Leeds City Council"
        )
        bristol = create_test_organisation("Bristol City Council", local_authority="Bristol")
    neighbourhood = make_neighbourhood(name="Kirkstall", local_authority="Leeds City Council")
    return {
        "anonymous": None,
        "resident": make_user(),
        "submitter": make_user(),
        "council": make_user(role="council", organisation_id=bristol),
        "council_of_area": make_user(role="council", organisation_id=leeds),
        "moderator": make_user(role="moderator"),
        "admin": make_user(role="admin"),
        "neighbourhood": neighbourhood,
    }


class Anonymous:
    is_authenticated = False


@pytest.mark.parametrize("state", STATES)
def test_can_on_initiative_follows_the_specification(app, people, make_initiative, state):
    from app.accounts.models import User

    initiative_id = make_initiative(
        state=state,
        submitter_id=people["submitter"].id,
        neighbourhood_id=people["neighbourhood"],
    )
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        for actor in ACTORS:
            record = people[actor]
            user = Anonymous() if record is None else db.session.get(User, record.id)
            for action, allowed in SPEC.items():
                expected = actor in allowed[state]
                assert can_on_initiative(user, action, initiative) is expected, (
                    actor,
                    action,
                    state,
                )


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("actor", ACTORS)
def test_pages_answer_as_the_specification_says(
    client, auth, people, make_initiative, state, actor
):
    initiative_id = make_initiative(
        state=state, submitter_id=people["submitter"].id, neighbourhood_id=people["neighbourhood"]
    )
    if people[actor] is not None:
        auth.login(people[actor].email)
    page = client.get(f"/initiatives/{initiative_id}", follow_redirects=True).status_code
    assert page == (200 if actor in SPEC["view"][state] else 404)

    edit = client.get(f"/initiatives/{initiative_id}/edit").status_code
    if actor == "anonymous":
        assert edit == 302  # to the login page
    elif actor in SPEC["edit"][state]:
        assert edit == 200
    else:  # forbidden: 403 where the page is visible, 404 where its existence is secret
        assert edit == (403 if page == 200 else 404)

    review = client.get(f"/moderation/initiatives/{initiative_id}").status_code
    assert review == (302 if actor == "anonymous" else 200 if actor in MODERATORS else 403)
