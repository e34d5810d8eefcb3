"""POST /api/v1/initiatives: a pending submission made with an API token, validated as the
submission form validates, rate-limited, never answered with CORS headers."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.initiatives.models import Initiative
from app.moderation.models import Revision
from app.tokens.services import create_token


@pytest.fixture
def token(app, make_user):
    user = make_user(display_name="Ann Example")
    with app.app_context():
        secret = create_token(db.session.get(User, user.id)).secret
        db.session.commit()
    return secret


@pytest.fixture
def neighbourhood(make_neighbourhood):
    make_neighbourhood(name="Kirkstall", slug="kirkstall", latitude=53.82, longitude=-1.60)
    return "kirkstall"


def submission(**changes):
    body = {
        "title": "Kirkstall street watch",
        "summary": "Residents and the police walk the streets together.",
        "description": "It started after a **burglary**.",
        "themes": ["safety", "health"],
        "stages": ["co-design", "co-delivery"],
        "status": "active",
        "started_on": "2024-03-01",
        "neighbourhood": "kirkstall",
        "place_name": "Hawksworth Road",
        "latitude": 53.8212345,
        "longitude": -1.6012345,
        "location_precision": "street",
        "contact_url": "watch@example.org",
        "credit": "organisation",
        "credit_name": "Kirkstall Residents",
        "participants": [
            {"sector": "residents", "name": "Kirkstall Residents", "roles": ["co-delivery"],
             "people": 40, "hours": 120},
            {"sector": "police", "name": "West Yorkshire Police", "people": 2},
        ],
        "outcomes": [
            {"description": "Fewer burglaries.", "indicator": "Reported burglaries",
             "baseline": 31, "result": 22, "measured_on": "2025-03-31"},
        ],
        "consent": True,
    }  # fmt: skip
    body.update(changes)
    return body


def post(client, token, body, **kwargs):
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    return client.post("/api/v1/initiatives", json=body, headers=headers, **kwargs)


def test_creates_a_pending_submission(app, client, token, neighbourhood):
    response = post(client, token, submission())
    assert response.status_code == 201, response.json
    body = response.json
    assert body["ok"] is True
    created = body["initiative"]
    assert created["state"] == "pending"
    assert response.headers["Location"] == created["url"]
    assert created["url"].startswith(f"http://localhost/initiatives/{created['id']}-")
    assert [theme["slug"] for theme in created["themes"]] == ["safety", "health"]
    assert created["location"] == {"lat": 53.821, "lon": -1.601, "precision": "street"}
    assert created["participants"][0]["people"] == 40
    assert created["outcomes"][0]["verified"] is None
    assert created["contact_url"] == "mailto:watch@example.org"
    with app.app_context():
        initiative = db.session.get(Initiative, created["id"])
        assert initiative.state == "pending" and initiative.consented_at is not None
        assert initiative.submitter.display_name == "Ann Example"
        assert (initiative.latitude, initiative.longitude) == (53.8212345, -1.6012345)
        assert initiative.neighbourhood.slug == "kirkstall"
        revision = db.session.scalar(
            select(Revision).where(Revision.initiative_id == initiative.id)
        )
        assert (revision.kind, revision.state) == ("submission", "pending")
    # Pending: not public until a moderator approves it.
    assert client.get(f"/api/v1/initiatives/{created['id']}").status_code == 404
    assert client.get("/api/v1/initiatives").json["total"] == 0


@pytest.mark.usefixtures("paused_queue")
def test_a_place_name_without_coordinates_waits_for_the_geocoder(
    app, client, token, neighbourhood
):
    response = post(client, token, submission(latitude=None, longitude=None))
    assert response.status_code == 201
    with app.app_context():
        initiative = db.session.get(Initiative, response.json["initiative"]["id"])
        assert initiative.location_state == "pending"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"summary": ""}, "summary"),
        ({"themes": []}, "themes"),
        ({"themes": ["not-a-theme"]}, "themes"),
        ({"stages": ["co-nothing"]}, "stages"),
        ({"neighbourhood": "atlantis"}, "neighbourhood"),
        ({"neighbourhood": ""}, "neighbourhood"),
        ({"status": "sleeping"}, "status"),
        ({"started_on": "2024-02-30"}, "started_on"),
        ({"started_on": "2025-01-01", "ended_on": "2024-01-01"}, "ended_on"),
        ({"latitude": 95}, "latitude"),
        ({"longitude": None}, "longitude"),
        ({"contact_url": "javascript:alert(1)"}, "contact_url"),
        ({"credit": "organisation", "credit_name": ""}, "credit_name"),
        ({"consent": False}, "consent"),
        ({"participants": [{"sector": "aliens"}]}, "participants-0-sector"),
        ({"participants": [{"sector": "residents", "people": -1}]}, "participants-0-people"),
        ({"participants": [{"sector": "residents", "people": 1.5}]}, "participants-0-people"),
        ({"outcomes": [{"description": "Better", "evidence_url": "ftp://x"}]},
         "outcomes-0-evidence_url"),
        ({"outcomes": [{"baseline": 3, "result": 2}]}, "outcomes-0-description"),
    ],
)  # fmt: skip
def test_invalid_submissions_are_422_with_field_errors(
    app, client, token, neighbourhood, changes, field
):
    response = post(client, token, submission(**changes))
    assert response.status_code == 422, response.json
    assert response.json["ok"] is False
    assert field in response.json["errors"], response.json["errors"]
    with app.app_context():
        assert db.session.scalar(select(Initiative.id)) is None


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"", b"null", b"[]", b'"a string"', b"42", b"\xff\xfe"],
)
def test_malformed_bodies_are_400(client, token, raw):
    response = client.post(
        "/api/v1/initiatives",
        data=raw,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json["ok"] is False


def test_a_body_that_is_not_json_is_400(client, token):
    response = client.post(
        "/api/v1/initiatives",
        data={"title": "A form post"},
        headers={"Authorization": f"Bearer {token}"},
        csrf=False,
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": 42}, "title"),
        ({"themes": "safety"}, "themes"),
        ({"themes": [1]}, "themes"),
        ({"latitude": "north"}, "latitude"),
        ({"latitude": True}, "latitude"),
        ({"consent": "yes"}, "consent"),
        ({"participants": {"sector": "residents"}}, "participants"),
        ({"participants": ["residents"]}, "participants-0"),
        ({"participants": [{"sector": "residents", "roles": "co-design"}]},
         "participants-0-roles"),
        ({"participants": [{"sector": "residents"}] * 31}, "participants"),
        ({"state": "published"}, "state"),
        ({"submitter_id": 1}, "submitter_id"),
    ],
)  # fmt: skip
def test_wrong_types_and_unknown_fields_are_400(client, token, neighbourhood, changes, field):
    response = post(client, token, submission(**changes))
    assert response.status_code == 400
    assert field in response.json["errors"], response.json["errors"]


def test_residents_cannot_verify_outcomes(app, client, token, neighbourhood):
    outcome = {"description": "Fewer burglaries.", "verified": {"organisation": "Leeds"}}
    response = post(client, token, submission(outcomes=[outcome]))
    assert response.status_code == 400
    assert "council officers" in response.json["errors"]["outcomes-0"]
    for key in ("verified_at", "verification_note"):
        response = post(client, token, submission(outcomes=[{"description": "x", key: "y"}]))
        assert response.status_code == 400


def test_no_csrf_token_needed_with_a_bearer_token(client, token, neighbourhood):
    # The test client adds no CSRF token to JSON posts: a 201 means the API is exempt.
    assert post(client, token, submission()).status_code == 201


def test_api_writes_are_rate_limited_per_user(
    held_minute, app, client, token, neighbourhood, make_user
):
    app.config["RATELIMIT_API_WRITE"], saved = "2 per minute", app.config["RATELIMIT_API_WRITE"]
    try:
        assert post(client, token, submission()).status_code == 201
        assert post(client, token, submission(title="")).status_code == 422
        limited = post(client, token, submission())
        assert limited.status_code == 429
        assert limited.json["ok"] is False and "Retry-After" in limited.headers
        # Another person's token has its own allowance.
        other = make_user()
        with app.app_context():
            other_secret = create_token(db.session.get(User, other.id)).secret
            db.session.commit()
        assert post(client, other_secret, submission()).status_code == 201
    finally:
        app.config["RATELIMIT_API_WRITE"] = saved


def test_no_cors_headers_on_writes(client, token, neighbourhood):
    response = post(client, token, submission(), headers={"Origin": "https://elsewhere.example"})
    assert response.status_code == 201
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = client.options(
        "/api/v1/initiatives",
        headers={
            "Origin": "https://elsewhere.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )
    assert "POST" not in preflight.headers.get("Access-Control-Allow-Methods", "")


def test_nul_characters_in_a_body_are_never_a_server_error(client, token, neighbourhood):
    body = submission(neighbourhood="kirk\x00stall", title="Street\x00watch")
    response = post(client, token, body)
    assert response.status_code == 422
    assert "neighbourhood" in response.json["errors"]
    response = post(client, token, submission(title="Street\x00watch"))
    assert response.status_code == 201
    assert response.json["initiative"]["title"] == "Streetwatch"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "Street watch \ud800"}, "title"),
        ({"themes": ["safety\udfff"]}, "themes"),
        ({"participants": [{"sector": "council", "name": "\ud800"}]}, "participants-0-name"),
        ({"outcomes": [{"description": "x", "unit": "\udc00"}]}, "outcomes-0-unit"),
    ],
)
def test_lone_surrogates_in_a_body_are_400_not_a_server_error(
    client, token, neighbourhood, changes, field
):
    raw = json.dumps(submission(**changes))  # ensure_ascii: "\ud800" stays an escape
    response = client.post(
        "/api/v1/initiatives",
        data=raw,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "Unicode" in response.json["errors"][field]


def test_null_and_missing_row_values_are_empty_rows_fields(client, token, neighbourhood):
    participants = [{"sector": "residents", "roles": None, "people": None}, {"sector": "police"}]
    response = post(client, token, submission(participants=participants))
    assert response.status_code == 201, response.json
    assert [p["roles"] for p in response.json["initiative"]["participants"]] == [[], []]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": " " + "x" * 199 + "\x00\x01"}, "title"),
        ({"credit_name": "\x07" * 150 + "Kirkstall" * 10}, "credit_name"),
        ({"participants": [{"sector": "council", "name": "\x00" * 201}]}, "participants-0-name"),
    ],
)
def test_text_longer_than_documented_as_sent_is_422(client, token, neighbourhood, changes, field):
    # The document's maxLength counts what is sent, control characters and spaces included.
    response = post(client, token, submission(**changes))
    assert response.status_code == 422
    assert "at most" in response.json["errors"][field]


def test_what_is_wrong_with_a_body_follows_accept_language(client, token):
    welsh = {"headers": {"Accept-Language": "cy"}}
    response = post(client, token, [], **welsh)
    assert response.status_code == 400
    assert response.json["errors"] == {"body": "Rhaid i'r corff fod yn wrthrych JSON."}
    response = post(client, token, submission(outcomes=[1]), **welsh)
    assert response.json["errors"]["outcomes-0"] == "Rhaid iddo fod yn wrthrych."
    response = post(client, token, submission(state="published"), **welsh)
    assert response.json["errors"]["state"] == "Maes anhysbys: state."
    english = post(client, token, [])
    assert english.json["errors"] == {"body": "The body must be a JSON object."}
