"""The follow-up form: a signed link bound to one prompt of one initiative, expiring, used
once; answers go to moderation, and publishing one adds measurements (dropping a
verification when the numbers changed)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.followups.models import FollowUpPrompt
from app.followups.services import TOKEN_SALT, make_followup_token
from app.initiatives.content import apply_content, initiative_content
from app.initiatives.examples import example_text
from app.initiatives.models import Initiative
from app.moderation.models import Revision
from app.moderation.services import approve_initiative
from tests.factories import create_test_initiative

OUTCOMES = [
    {
        "description": "Fewer burglaries",
        "indicator": "Reported burglaries",
        "baseline": 31,
        "result": 22,
        "unit": "",
        "measured_on": "2025-03-01",
    },
    {
        "description": "More neighbours met",
        "indicator": "Members",
        "baseline": 10,
        "result": 40,
        "unit": "",
        "measured_on": "2025-03-01",
    },
]
NOW = datetime(2026, 4, 10, 9, 5, tzinfo=UTC)


@pytest.fixture
def prompt(app, make_user):
    """A prompt for a resident's published initiative whose first outcome is verified."""
    resident = make_user(role="resident")
    with app.app_context(), time_machine.travel(NOW, tick=False):
        initiative_id = create_test_initiative(submitter_id=resident.id, outcomes=OUTCOMES)
        initiative = db.session.get(Initiative, initiative_id)
        initiative.outcomes[0].verified_at = NOW - timedelta(days=30)
        prompt = FollowUpPrompt(initiative=initiative, due_on=NOW.date(), created_at=NOW)
        db.session.add(prompt)
        db.session.commit()
        token = make_followup_token(prompt)
        outcome_ids = [outcome.id for outcome in initiative.outcomes]
        return {
            "id": prompt.id,
            "initiative_id": initiative_id,
            "token": token,
            "outcomes": outcome_ids,
            "resident": resident,
        }


def answer(client, prompt, **data):
    first, second = prompt["outcomes"]
    form = {
        f"value_{first}": "18",
        f"value_{second}": "",
        "measured_on": "2026-03-31",
        "status": "active",
        "reported_by_role": "submitter",
        "note": "Police figures for the year to March.",
        "evidence_url": "",
        **data,
    }
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        return client.post(f"/followups/{prompt['token']}", data=form)


def test_the_form_shows_the_last_values(client, prompt):
    with time_machine.travel(NOW, tick=False):
        response = client.get(f"/followups/{prompt['token']}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Reported burglaries" in page and ">22<" in page
    assert "Stop asking me" in page


def test_welsh_pages_name_the_months_of_measurements_in_welsh(app, client, prompt):
    with app.app_context():
        initiative = db.session.get(Initiative, prompt["initiative_id"])
        content = initiative_content(initiative)
        content["outcomes"][0]["measurements"] = [{"measured_on": "2026-02-14", "value": 18}]
        apply_content(initiative, content)
        db.session.commit()
        slug = initiative.slug
    with time_machine.travel(NOW, tick=False):
        form = client.get(f"/cy/followups/{prompt['token']}").get_data(as_text=True)
        page = client.get(f"/cy/initiatives/{prompt['initiative_id']}-{slug}")
    assert "14 Chwefror 2026" in form and "February" not in form
    series = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1 Mawrth 2025" in series and "14 Chwefror 2026" in series
    assert "February" not in series and "March 2025" not in series


def test_an_answer_goes_to_moderation_and_publishing_adds_the_measurement(
    app, client, prompt, make_user
):
    response = answer(client, prompt)
    assert response.status_code == 200
    assert "A moderator checks it" in response.get_data(as_text=True)
    with app.app_context():
        initiative = db.session.get(Initiative, prompt["initiative_id"])
        # Nothing public changed yet: the answer waits for a moderator.
        assert initiative.outcomes[0].measurements == []
        assert initiative.outcomes[0].verified_at is not None
        revision = db.session.scalar(select(Revision).where(Revision.kind == "followup"))
        assert revision.state == "pending"
        assert revision.author_id == prompt["resident"].id
        assert db.session.get(FollowUpPrompt, prompt["id"]).revision_id == revision.id
    moderator = make_user(role="moderator")
    with app.app_context():
        initiative = db.session.get(Initiative, prompt["initiative_id"])
        approve_initiative(db.session.get(User, moderator.id), initiative)
        db.session.commit()
        initiative = db.session.get(Initiative, prompt["initiative_id"])
        burglaries, members = initiative.outcomes
        assert [(m.measured_on, m.value, m.reported_by_role) for m in burglaries.measurements] == [
            (date(2026, 3, 31), 18.0, "submitter")
        ]
        assert burglaries.measurements[0].note == "Police figures for the year to March."
        assert members.measurements == []  # left empty: nothing measured
        assert burglaries.verified_at is None  # the numbers changed
        assert initiative.outcomes_updated_at is not None
        assert "fell from 31 to 22 by March 2025, and to 18 by March 2026" in example_text(
            initiative
        )


def test_an_unchanged_answer_keeps_the_verification(app, client, prompt, make_user):
    first, _second = prompt["outcomes"]
    answer(client, prompt, **{f"value_{first}": ""}, status="active")
    with app.app_context():
        assert db.session.scalar(select(Revision).where(Revision.kind == "followup")) is None
        initiative = db.session.get(Initiative, prompt["initiative_id"])
        assert initiative.outcomes[0].verified_at is not None
        assert db.session.get(FollowUpPrompt, prompt["id"]).answered_at is not None


def test_a_status_change_goes_to_moderation(app, client, prompt):
    first, _second = prompt["outcomes"]
    answer(client, prompt, **{f"value_{first}": ""}, status="completed")
    with app.app_context():
        revision = db.session.scalar(select(Revision).where(Revision.kind == "followup"))
        assert revision.content["status"] == "completed"
        assert revision.content["ended_on"] == "2026-03-31"
        assert db.session.get(Initiative, prompt["initiative_id"]).status == "active"


def test_stop_asking_me_takes_effect_at_once(app, client, prompt):
    answer(client, prompt, stop="y")
    with app.app_context():
        assert db.session.get(Initiative, prompt["initiative_id"]).followups_stopped_at


def test_a_used_link_gets_a_clear_page(client, prompt):
    answer(client, prompt)
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        again = client.get(f"/followups/{prompt['token']}")
        posted = answer(client, prompt)
    assert again.status_code == 410
    assert "already been answered" in again.get_data(as_text=True)
    assert posted.status_code == 410


def test_the_link_expires(app, client, prompt):
    with time_machine.travel(NOW + timedelta(days=61), tick=False):
        response = client.get(f"/followups/{prompt['token']}")
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)


def test_the_link_is_bound_to_its_initiative(app, client, prompt, make_user):
    with app.app_context(), time_machine.travel(NOW, tick=False):
        other_id = create_test_initiative(submitter_id=prompt["resident"].id)
        forged = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=TOKEN_SALT).dumps(
            {"prompt": prompt["id"], "initiative": other_id}
        )
        other_purpose = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="reset").dumps(
            {"prompt": prompt["id"], "initiative": prompt["initiative_id"]}
        )
    with time_machine.travel(NOW, tick=False):
        for token in (forged, other_purpose, prompt["token"][:-3] + "abc", "x", "%00"):
            response = client.get(f"/followups/{token}")
            assert response.status_code == 410, token
            assert "not valid" in response.get_data(as_text=True)


def test_bad_input_keeps_what_was_typed(client, prompt):
    first, _second = prompt["outcomes"]
    response = answer(client, prompt, **{f"value_{first}": "eighteen"}, measured_on="")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="eighteen"' in page
    assert "Police figures for the year to March." in page


def error_beside(page: str, field_id: str) -> str:
    """The message shown beside a field (its id-error paragraph)."""
    return re.search(rf'id="{field_id}-error">(.*?)</p>', page, re.S).group(1)


def test_a_measurement_date_in_the_future_is_refused_beside_the_field(app, client, prompt):
    response = answer(client, prompt, measured_on="2026-04-11")  # NOW is 10 April
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "cannot be in the future" in error_beside(page, "measured_on")
    assert 'value="2026-04-11"' in page and 'value="18"' in page
    with app.app_context():
        assert db.session.scalar(select(Revision).where(Revision.kind == "followup")) is None


def test_today_is_the_site_time_zones_today(client, prompt):
    first, _second = prompt["outcomes"]
    form = {
        f"value_{first}": "18",
        "measured_on": "2026-04-11",
        "status": "active",
        "reported_by_role": "submitter",
    }
    # 23:30 UTC on 10 April is half past midnight on 11 April in London (summer time).
    with time_machine.travel(datetime(2026, 4, 10, 23, 30, tzinfo=UTC), tick=False):
        response = client.post(f"/followups/{prompt['token']}", data=form)
    assert response.status_code == 200


def test_a_measurement_dated_before_the_last_value_is_refused(app, client, prompt):
    response = answer(client, prompt, measured_on="2025-02-28")  # the last is 1 March 2025
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The last value was measured on 1 March 2025" in error_beside(page, "measured_on")
    assert 'value="2025-02-28"' in page
    # The same day as the last value is fine.
    assert answer(client, prompt, measured_on="2025-03-01").status_code == 200


def test_the_series_reads_oldest_first_whatever_order_it_was_written_in(app, client, prompt):
    with app.app_context():
        initiative = db.session.get(Initiative, prompt["initiative_id"])
        content = initiative_content(initiative)
        # Written by other means (an import, the API): a value older than the first result.
        content["outcomes"][0]["measurements"] = [{"measured_on": "2024-06-01", "value": 25}]
        apply_content(initiative, content)
        db.session.commit()
        sentence = example_text(db.session.get(Initiative, prompt["initiative_id"]))
    item = client.get(f"/api/v1/initiatives/{prompt['initiative_id']}").get_json()["item"]
    series = item["outcomes"][0]["measurements"]
    assert [(point["measured_on"], point["value"]) for point in series] == [
        (None, 31),
        ("2024-06-01", 25),
        ("2025-03-01", 22),
    ]
    assert "fell from 31 to 22 by March 2025" in sentence and "to 25" not in sentence


def test_moderators_see_unanswered_follow_ups(app, client, auth, prompt, make_user):
    moderator = make_user(role="moderator")
    with time_machine.travel(NOW + timedelta(days=10), tick=False):
        auth.login(moderator.email)
        assert "Street watch" not in client.get("/moderation/followups").get_data(as_text=True)
    with time_machine.travel(NOW + timedelta(days=31), tick=False):
        auth.login(moderator.email)  # a log-in lasts SESSION_MAX_AGE (a week)
        page = client.get("/moderation/followups").get_data(as_text=True)
        assert "Street watch" in page
        auth.logout()
        auth.login(prompt["resident"].email)
        assert client.get("/moderation/followups").status_code in (403, 404)
