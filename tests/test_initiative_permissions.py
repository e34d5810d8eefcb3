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
from tests.test_submission import complete_form

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


# --- Every state-changing request, by state and actor, checked in the database --------------
#
# Each case sets up one initiative in the given state: revision 1 is its original (an import,
# approved, titled "Original title"); a pending submission also has its submission under review
# (revision 2) and a published one a pending edit by its submitter (revision 2, "Proposed
# title"). It has one measured outcome. The request is sent as the actor, then the initiative
# is read back. Refusals must change nothing; allowed requests must change exactly what the
# action promises.

POST_ACTORS = ["anonymous", "submitter", "resident", "council_of_area", "moderator", "admin"]
ORIGINAL, CURRENT, PROPOSED = "Original title", "Street watch", "Proposed title"
SENT = "Kirkstall street watch"  # the title the edit form sends (tests.test_submission)


def post_request(action: str, ids: dict[str, int]) -> tuple[str, dict]:
    """The URL and form a browser would post for the action."""
    initiative, outcome = ids["initiative"], ids["outcome"]
    moderation = f"/moderation/initiatives/{initiative}"
    return {
        "submit": (f"/initiatives/{initiative}/edit", complete_form(ids["neighbourhood"])),
        "withdraw": (f"/initiatives/{initiative}/withdraw", {}),
        "approve": (f"{moderation}/approve", {}),
        "request_changes": (f"{moderation}/request-changes", {"changes-note": "Add dates."}),
        "reject": (f"{moderation}/reject", {"reject-reason": "Not co-production."}),
        "archive": (f"{moderation}/archive", {"archive-reason": "Out of date."}),
        "unarchive": (f"{moderation}/unarchive", {}),
        "restore": (f"/initiatives/{initiative}/history/1/restore", {}),
        "verify": (
            f"/initiatives/{initiative}/outcomes/{outcome}/verify",
            {f"verify-{outcome}-verified_on": "", f"verify-{outcome}-note": "Checked."},
        ),
    }[action]


def initial_revisions(state: str) -> list[tuple[str, str]]:
    """(kind, state) of each revision the case starts with, by number."""
    revisions = [("import", "approved")]
    if state == "pending":
        revisions.append(("submission", "pending"))
    if state == "published":
        revisions.append(("edit", "pending"))
    return revisions


def expected(action: str, actor: str, state: str) -> tuple[str, dict]:
    """What must happen: ("login" | "404" | "403" | "declined", {}) leave everything as it
    was; ("done", changes) changes exactly these parts of the initiative's record."""
    moderator = actor in {"moderator", "admin"}
    revisions = initial_revisions(state)
    visible = state == "published" or actor == "submitter" or moderator
    if actor == "anonymous":
        return "login", {}
    if action in {"submit", "withdraw", "verify"} and not visible:
        return "404", {}  # an unpublished initiative's existence stays secret
    if action == "submit":
        if moderator:  # a moderator's edit applies at once, in any state
            return "done", {
                "title": SENT,
                "revisions": [*revisions, ("moderator_edit", "approved")],
            }
        if actor != "submitter" or state in {"rejected", "archived"}:
            return "403", {}
        if state == "published":  # an edit for review; the public version stays
            return "done", {
                "revisions": [revisions[0], ("edit", "withdrawn"), ("edit", "pending")]
            }
        replaced = [(kind, "withdrawn" if s == "pending" else s) for kind, s in revisions]
        return "done", {
            "state": "pending",
            "title": SENT,
            "revisions": [*replaced, ("submission", "pending")],
        }
    if action == "withdraw":
        if actor != "submitter" or state == "archived":
            return "403", {}
        withdrawn = [(kind, "withdrawn" if s == "pending" else s) for kind, s in revisions]
        return "done", {"state": "archived", "revisions": withdrawn}
    if action == "verify":
        return (
            ("done", {"verified": True})
            if (actor == "council_of_area" and state == "published")
            else ("403", {})
        )
    # The moderation routes: moderators only; a state that does not allow the action is
    # refused with a message on the review page.
    if not moderator:
        return "403", {}
    decided = {"approve": "approved", "request_changes": "changes_requested", "reject": "rejected"}
    if action in decided:
        if state not in {"pending", "published"}:
            return "declined", {}
        after = [revisions[0], (revisions[1][0], decided[action])]
        if state == "published":
            return "done", {"revisions": after} | (
                {"title": PROPOSED} if action == "approve" else {}
            )
        new_state = "published" if action == "approve" else decided[action]
        return "done", {"state": new_state, "revisions": after}
    if action == "archive":
        return ("declined", {}) if state == "archived" else ("done", {"state": "archived"})
    if action == "unarchive":
        return ("done", {"state": "published"}) if state == "archived" else ("declined", {})
    if action == "restore":
        return "done", {"title": ORIGINAL, "revisions": [*revisions, ("restore", "approved")]}
    raise AssertionError(action)


@pytest.fixture
def case(app, people, make_initiative):
    """Make the initiative for a case; returns its ids."""
    from app.accounts.models import User
    from app.initiatives.content import initiative_content
    from app.moderation.services import add_revision
    from app.timeutil import utcnow

    def make(state: str) -> dict[str, int]:
        outcome = {"description": "Fewer burglaries.", "indicator": "burglaries",
                   "baseline": 31, "result": 22, "unit": "a year"}  # fmt: skip
        initiative_id = make_initiative(
            state=state,
            title=CURRENT,
            submitter_id=people["submitter"].id,
            neighbourhood_id=people["neighbourhood"],
            outcomes=[outcome],
        )
        with app.app_context():
            initiative = db.session.get(Initiative, initiative_id)
            submitter = db.session.get(User, people["submitter"].id)
            content = initiative_content(initiative)
            add_revision(
                initiative, "import", None, "approved", content={**content, "title": ORIGINAL}
            )
            if state == "pending":
                add_revision(initiative, "submission", submitter, "pending")
            if state == "published":
                add_revision(
                    initiative,
                    "edit",
                    submitter,
                    "pending",
                    content={**content, "title": PROPOSED},
                )
            if state == "archived":
                initiative.published_at = utcnow()  # it was public once
            db.session.commit()
            return {
                "initiative": initiative_id,
                "outcome": initiative.outcomes[0].id,
                "neighbourhood": people["neighbourhood"],
            }

    return make


def record(app, initiative_id: int) -> dict:
    """The parts of an initiative's record the actions change."""
    from sqlalchemy import select

    from app.moderation.models import Revision

    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        revisions = db.session.scalars(
            select(Revision)
            .where(Revision.initiative_id == initiative_id)
            .order_by(Revision.number)
        )
        return {
            "state": initiative.state,
            "title": initiative.title,
            "revisions": [(revision.kind, revision.state) for revision in revisions],
            "verified": initiative.outcomes[0].verified_at is not None,
        }


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("actor", POST_ACTORS)
@pytest.mark.parametrize(
    "action",
    ["submit", "withdraw", "approve", "request_changes", "reject", "archive", "unarchive",
     "restore", "verify"],
)  # fmt: skip
def test_posts_change_the_record_only_as_the_specification_says(
    app, client, auth, people, case, action, actor, state
):
    ids = case(state)
    before = record(app, ids["initiative"])
    assert before["revisions"] == initial_revisions(state)
    if people[actor] is not None:
        auth.login(people[actor].email)
    url, form = post_request(action, ids)

    response = client.post(url, data=form)

    outcome, changes = expected(action, actor, state)
    after = record(app, ids["initiative"])
    assert after == {**before, **changes}, (outcome, response.status_code)
    if outcome == "login":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    elif outcome in {"403", "404"}:
        assert response.status_code == int(outcome)
    elif outcome == "declined":  # back to the review page, which says why
        assert response.status_code == 302
        assert response.headers["Location"] == f"/moderation/initiatives/{ids['initiative']}"
    else:
        assert response.status_code == 302
        assert not response.headers["Location"].startswith("/login")
