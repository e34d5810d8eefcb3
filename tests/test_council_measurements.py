"""A council officer of the area adds a measurement (reported_by_role council_officer): the
way initiatives imported by officers are followed up; nobody else may."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.initiatives.models import Initiative
from app.moderation.models import Revision
from tests.factories import create_test_organisation

OUTCOME = {
    "description": "Fewer burglaries",
    "indicator": "Reported burglaries",
    "baseline": 31,
    "result": 22,
    "unit": "",
    "measured_on": "2025-03-01",
}


@pytest.fixture
def setting(app, make_user, make_neighbourhood, make_initiative):
    with app.app_context():
        leeds = create_test_organisation(
            "Leeds City Council", local_authority="Leeds City Council"
        )
        bristol = create_test_organisation("Bristol City Council", local_authority="Bristol")
    kirkstall = make_neighbourhood(name="Kirkstall", local_authority="Leeds City Council")
    initiative_id = make_initiative(neighbourhood_id=kirkstall, outcomes=[OUTCOME])
    with app.app_context():
        outcome_id = db.session.get(Initiative, initiative_id).outcomes[0].id
    return {
        "url": f"/initiatives/{initiative_id}/outcomes/{outcome_id}/measurements",
        "initiative_id": initiative_id,
        "officer": make_user(role="council", organisation_id=leeds),
        "outsider": make_user(role="council", organisation_id=bristol),
        "resident": make_user(role="resident"),
    }


def form(outcome_url: str, **values) -> dict:
    prefix = "measurement-" + outcome_url.split("/")[-2]
    data = {
        "value": "17",
        "measured_on": "2026-01-31",
        "note": "Police data",
        "evidence_url": "https://example.org/figures",
        **values,
    }
    return {f"{prefix}-{key}": value for key, value in data.items()}


def test_an_officer_of_the_area_adds_a_measurement(app, client, auth, setting):
    auth.login(setting["officer"].email)
    assert client.get(setting["url"]).status_code == 200
    response = client.post(setting["url"], data=form(setting["url"]))
    assert response.status_code == 302
    with app.app_context():
        outcome = db.session.get(Initiative, setting["initiative_id"]).outcomes[0]
        [measurement] = outcome.measurements
        assert (measurement.value, measurement.reported_by_role) == (17, "council_officer")
        assert measurement.note == "Police data"
        revision = db.session.scalar(
            select(Revision).where(Revision.kind == "council_measurement")
        )
        assert revision.state == "approved"
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "add_measurement"))
    answer = client.get(f"/api/v1/initiatives/{setting['initiative_id']}").get_json()
    assert answer["item"]["outcomes"][0]["measurements"][-1]["reported_by_role"] == (
        "council_officer"
    )


@pytest.mark.parametrize("who", ["outsider", "resident"])
def test_nobody_else_may(app, client, auth, setting, who):
    auth.login(setting[who].email)
    assert client.post(setting["url"], data=form(setting["url"])).status_code in (403, 404)
    with app.app_context():
        assert db.session.get(Initiative, setting["initiative_id"]).outcomes[0].measurements == []


def test_bad_values_keep_what_was_typed(app, client, auth, setting):
    auth.login(setting["officer"].email)
    response = client.post(
        setting["url"], data=form(setting["url"], value="lots", measured_on="2999-01-01")
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="lots"' in page and "Police data" in page
    assert "cannot be in the future" in page


def test_a_date_before_the_last_value_is_refused_and_kept(app, client, auth, setting):
    auth.login(setting["officer"].email)
    response = client.post(setting["url"], data=form(setting["url"], measured_on="2025-01-31"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    prefix = "measurement-" + setting["url"].split("/")[-2]
    message = page.split(f'id="{prefix}-measured_on-error">')[1].split("</p>")[0]
    assert "The last value was measured on 1 March 2025" in message
    assert 'value="2025-01-31"' in page
    with app.app_context():
        assert db.session.get(Initiative, setting["initiative_id"]).outcomes[0].measurements == []
