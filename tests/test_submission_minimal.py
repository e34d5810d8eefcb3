"""The minimal submission (issue 17, "Five minutes"): a title, a place (the neighbourhood), a
theme, one participant and a summary, with consent; stages, status and the rest come later.
The page, the API and every public output accept and show such an initiative."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.initiatives.models import Initiative
from app.moderation.services import approve_initiative
from app.tokens.services import create_token
from tests.test_api_writes import post
from tests.test_submission import form_values

# Every input a minimal submission needs before this issue: title, summary, main theme,
# stages, status (chosen for you), neighbourhood, consent. After: title, summary, main theme,
# neighbourhood, one participant's sector, consent.
REQUIRED_BEFORE = 7
REQUIRED_AFTER = 6


@pytest.fixture
def api_token(app, make_user):
    user = make_user()
    with app.app_context():
        secret = create_token(db.session.get(User, user.id)).secret
        db.session.commit()
    return secret


def minimal_form(neighbourhood_id: int, **changes) -> dict:
    data = {
        "title": "Kirkstall litter pick",
        "summary": "Neighbours and the council clear the beck once a month.",
        "main_theme": "sustainability",
        "neighbourhood": str(neighbourhood_id),
        "participants-0-sector": "residents",
        "consent": "y",
        "submit_for_review": "1",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def minimal_body(**changes) -> dict:
    body = {
        "title": "Kirkstall litter pick",
        "summary": "Neighbours and the council clear the beck once a month.",
        "themes": ["sustainability"],
        "neighbourhood": "kirkstall",
        "participants": [{"sector": "residents"}],
        "consent": True,
    }
    body.update(changes)
    return body


def test_a_minimal_submission_is_sent_for_review(app, client, auth, make_user, make_neighbourhood):
    auth.login(make_user().email)
    response = client.post("/initiatives/new", data=minimal_form(make_neighbourhood()))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        initiative = db.session.scalar(select(Initiative))
        assert (initiative.state, initiative.status, initiative.stages) == (
            "pending",
            "active",
            [],
        )
        assert [p.sector for p in initiative.participants] == ["residents"]


def test_the_form_counts_what_a_submission_needs(client, auth, make_user, make_neighbourhood):
    auth.login(make_user().email)
    neighbourhood_id = make_neighbourhood()
    minimal = minimal_form(neighbourhood_id)
    needed = [name for name in minimal if name != "submit_for_review"]
    assert len(needed) == REQUIRED_AFTER < REQUIRED_BEFORE
    for name in needed:
        response = client.post("/initiatives/new", data={**minimal, name: ""})
        assert response.status_code == 422, name
        assert f'id="{name}-error"' in response.get_data(as_text=True), name


def test_a_submission_needs_one_participant(client, auth, make_user, make_neighbourhood):
    auth.login(make_user().email)
    data = minimal_form(make_neighbourhood(), **{"participants-0-sector": None})
    response = client.post("/initiatives/new", data=data)
    assert response.status_code == 422
    assert (
        "Participant 1, sector: choose the sector of at least one group that took part."
        in response.get_data(as_text=True)
    )


def test_the_form_says_what_is_optional(client, auth, make_user):
    auth.login(make_user().email)
    page = client.get("/initiatives/new").get_data(as_text=True)
    assert "title, a summary, the main theme, the neighbourhood and one group" in page
    for hint in (
        "Optional: which parts of the work",  # stages
        "Optional: how many people took part.",
        "Optional: any others it touches.",
    ):
        assert hint in page


def test_the_api_takes_a_minimal_body(app, client, api_token, make_neighbourhood):
    make_neighbourhood(name="Kirkstall", slug="kirkstall", latitude=53.82, longitude=-1.60)
    response = post(client, api_token, minimal_body())
    assert response.status_code == 201, response.json
    created = response.json["initiative"]
    assert (created["status"], created["stages"]) == ("active", [])


def test_the_api_refuses_a_body_without_a_participant(client, api_token, make_neighbourhood):
    make_neighbourhood(name="Kirkstall", slug="kirkstall", latitude=53.82, longitude=-1.60)
    for participants in ([], [{"name": "", "sector": ""}]):
        response = post(client, api_token, minimal_body(participants=participants))
        assert response.status_code == 422
        assert "participants-0-sector" in response.json["errors"]


def test_the_api_reads_www_links_as_https(app, client, api_token, make_neighbourhood):
    make_neighbourhood(name="Kirkstall", slug="kirkstall", latitude=53.82, longitude=-1.60)
    body = minimal_body(
        contact_url="www.kirkstall.example",
        outcomes=[{"description": "A cleaner beck.", "evidence_url": "www.example.org/beck"}],
    )
    response = post(client, api_token, body)
    assert response.status_code == 201, response.json
    with app.app_context():
        initiative = db.session.scalar(select(Initiative))
        assert initiative.contact_url == "https://www.kirkstall.example"
        assert initiative.outcomes[0].evidence_url == "https://www.example.org/beck"


def test_public_outputs_cope_with_a_minimal_initiative(
    app, client, auth, make_user, make_neighbourhood
):
    resident, moderator = make_user(), make_user(role="moderator")
    auth.login(resident.email)
    client.post("/initiatives/new", data=minimal_form(make_neighbourhood(name="Kirkstall")))
    with app.app_context():
        initiative = db.session.scalar(select(Initiative))
        approve_initiative(db.session.get(User, moderator.id), initiative)
        db.session.commit()
        path = initiative.path_slug
    page = client.get(f"/initiatives/{path}")
    assert page.status_code == 200
    assert "In Kirkstall" in page.get_data(as_text=True)  # the example sentence
    item = client.get("/api/v1/initiatives").get_json()["items"][0]
    assert item["stages"] == [] and item["example"]
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/initiatives.csv").text)))
    assert rows[0]["title"] == "Kirkstall litter pick" and rows[0]["stages"] == ""
    geojson = client.get("/api/v1/initiatives.geojson").get_json()
    assert len(geojson["features"]) == 1
    assert client.get("/feeds/initiatives.atom").status_code == 200


def test_the_consent_tick_is_kept_with_the_draft(app, client, auth, make_user, make_neighbourhood):
    auth.login(make_user().email)
    data = minimal_form(make_neighbourhood(), submit_for_review=None, save_draft="1")
    saved = client.post("/initiatives/new", data=data)
    assert saved.status_code == 302
    with app.app_context():
        initiative_id = db.session.scalar(select(Initiative.id))
    values = form_values(client.get(f"/initiatives/{initiative_id}/edit"))
    assert values["consent"] == ["y"]
    # Unticked and saved again: shown unticked.
    values.pop("consent")
    values["save_draft"] = ["1"]
    client.post(f"/initiatives/{initiative_id}/edit", data=values)
    assert "consent" not in form_values(client.get(f"/initiatives/{initiative_id}/edit"))


def test_reloading_after_a_save_never_posts_again(app, client, auth, make_user):
    """Every post that saves redirects (POST/redirect/GET): the page a person reloads is a
    GET, so a reload cannot make a second draft."""
    auth.login(make_user().email)
    for button in ("add_participant", "add_outcome", "save_draft"):
        response = client.post("/initiatives/new", data={"title": f"Walks {button}", button: "1"})
        assert response.status_code in (302, 303), button
        landed = client.get(response.headers["Location"])
        assert landed.status_code == 200
    with app.app_context():
        assert len(db.session.scalars(select(Initiative)).all()) == 3


def _draft_key(page: str) -> str:
    found = re.search(r'<input type="hidden" name="draft_key" value="([^"]+)">', page)
    assert found, "the new initiative's form carries its key"
    return found.group(1)


def test_resending_a_submission_with_problems_keeps_one_draft(app, client, auth, make_user):
    """A submission with problems saves the draft and answers 422 with what was typed (it
    cannot redirect): a reload posts the same form again, which edits that draft."""
    auth.login(make_user().email)
    key = _draft_key(client.get("/initiatives/new").get_data(as_text=True))
    typed = {"title": "Street walks", "summary": "", "draft_key": key, "submit_for_review": "1"}
    first = client.post("/initiatives/new", data=typed)
    assert first.status_code == 422
    again = client.post("/initiatives/new", data={**typed, "title": "Street walks, again"})
    assert again.status_code == 422
    assert "Street walks, again" in again.get_data(as_text=True)
    with app.app_context():
        titles = db.session.scalars(select(Initiative.title)).all()
    assert titles == ["Street walks, again"]  # one draft, holding what was sent last

    # Another new initiative's form has a key of its own: a second draft.
    other = _draft_key(client.get("/initiatives/new").get_data(as_text=True))
    assert other != key
    client.post("/initiatives/new", data={**typed, "title": "Litter picks", "draft_key": other})
    with app.app_context():
        assert len(db.session.scalars(select(Initiative)).all()) == 2


def test_a_stale_copy_of_the_form_never_overwrites_later_edits(app, client, auth, make_user):
    """Back to the 422 page after editing the draft on its own page, and "Resend": the edits
    stay, and what the old page sends becomes a draft of its own."""
    auth.login(make_user().email)
    key = _draft_key(client.get("/initiatives/new").get_data(as_text=True))
    typed = {"title": "Street walks", "summary": "", "draft_key": key, "submit_for_review": "1"}
    assert client.post("/initiatives/new", data=typed).status_code == 422
    with app.app_context():
        draft_id = db.session.scalars(select(Initiative.id)).one()
    edited = {"title": "Corrected title", "summary": "Typed later.", "save_draft": "1"}
    assert client.post(f"/initiatives/{draft_id}/edit", data=edited).status_code in (302, 303)
    client.post("/initiatives/new", data={**typed, "title": "A different initiative"})
    with app.app_context():
        rows = db.session.execute(
            select(Initiative.id, Initiative.title, Initiative.summary).order_by(Initiative.id)
        ).all()
    assert [(row.title, row.summary) for row in rows] == [
        ("Corrected title", "Typed later."),
        ("A different initiative", ""),
    ]


def test_a_double_click_on_a_submission_with_possible_duplicates_keeps_one_draft(
    app, client, auth, make_user, make_neighbourhood, make_initiative
):
    """The "Is it one of these?" step saves the draft and redirects: the same form sent
    twice (a double click) still makes one draft."""
    kirkstall = make_neighbourhood(name="Kirkstall", slug="kirkstall")
    make_initiative(title="Kirkstall street watch", neighbourhood_id=kirkstall)
    auth.login(make_user().email)
    key = _draft_key(client.get("/initiatives/new").get_data(as_text=True))
    values = minimal_form(kirkstall, title="Kirkstall Street Watch group", draft_key=key)
    first = client.post("/initiatives/new", data=values)
    second = client.post("/initiatives/new", data=values)
    assert first.headers["Location"].endswith("#possible-duplicates")
    assert second.status_code == 303
    with app.app_context():
        drafts = db.session.scalars(select(Initiative).where(Initiative.state == "draft")).all()
    assert len(drafts) == 1


def test_a_form_key_never_reaches_a_draft_that_moved_on(app, client, auth, make_user):
    auth.login(make_user().email)
    key = _draft_key(client.get("/initiatives/new").get_data(as_text=True))
    typed = {"title": "Street walks", "draft_key": key, "submit_for_review": "1"}
    client.post("/initiatives/new", data=typed)
    with app.app_context():
        draft = db.session.scalars(select(Initiative)).one()
        draft.state = "pending"  # sent for review since
        db.session.commit()
    client.post("/initiatives/new", data=typed)
    with app.app_context():
        states = sorted(db.session.scalars(select(Initiative.state)).all())
    assert states == ["draft", "pending"]  # the pending one untouched, a new draft beside it
    bogus = {**typed, "draft_key": "<script>"}
    assert client.post("/initiatives/new", data=bogus).status_code == 422
    assert "&lt;script&gt;" not in client.get("/initiatives/new").get_data(as_text=True)
