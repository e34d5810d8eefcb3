"""The dashboard lists the area's initiatives with no value measured in the last 12 months
(officer-imported ones get no prompts), each outcome linking to "Add a new measurement";
capped on the dashboard, paged in full, in the same few queries however many there are."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import time_machine

from app.council.area import Area, Selection
from app.council.followups import due_initiatives
from app.extensions import db
from app.initiatives.content import apply_content, initiative_content
from app.initiatives.models import Initiative
from tests.factories import create_test_organisation
from tests.support.queries import count_queries

NOW = datetime(2026, 4, 10, 9, 0, tzinfo=UTC)
OUTCOME = {"indicator": "Reported burglaries", "baseline": 31, "result": 22}


@pytest.fixture
def area(app, make_user, make_neighbourhood):
    with app.app_context():
        leeds = create_test_organisation("Leeds", local_authority="Leeds City Council")
    return {
        "kirkstall": make_neighbourhood(name="Kirkstall", local_authority="Leeds City Council"),
        "bristol": make_neighbourhood(name="Clifton", local_authority="Bristol"),
        "officer": make_user(role="council", organisation_id=leeds),
    }


def stale(make_initiative, area, title: str, measured_on: str = "2024-01-01", **kwargs) -> int:
    outcomes = [{**OUTCOME, "measured_on": measured_on}]
    return make_initiative(
        title=title, neighbourhood_id=area["kirkstall"], outcomes=outcomes, **kwargs
    )


def dashboard(client, auth, area, path="/council"):
    with time_machine.travel(NOW, tick=False):
        auth.login(area["officer"].email)
        response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_dashboard_lists_the_areas_initiatives_not_measured_in_12_months(
    app, client, auth, area, make_initiative
):
    due = stale(make_initiative, area, "Old street watch")
    stale(make_initiative, area, "Measured last summer", measured_on="2025-07-01")
    followed_up = stale(make_initiative, area, "Followed up in March")
    with app.app_context():
        initiative = db.session.get(Initiative, followed_up)
        content = initiative_content(initiative)
        content["outcomes"][0]["measurements"] = [{"measured_on": "2026-03-01", "value": 15}]
        apply_content(initiative, content)
        db.session.commit()
    make_initiative(
        title="Nothing to measure",
        neighbourhood_id=area["kirkstall"],
        outcomes=[{"description": "Neighbours met", "measured_on": "2024-01-01"}],
    )
    stale(make_initiative, area, "Still pending", state="pending")
    make_initiative(
        title="In Bristol",
        neighbourhood_id=area["bristol"],
        outcomes=[{**OUTCOME, "measured_on": "2024-01-01"}],
    )
    page = dashboard(client, auth, area)
    section = page.split('id="follow-up"')[1]
    assert "Old street watch" in section and "1 January 2024" in section
    with app.app_context():
        outcome_id = db.session.get(Initiative, due).outcomes[0].id
    link = f'href="/initiatives/{due}/outcomes/{outcome_id}/measurements">Add a new measurement'
    assert link in section
    for absent in (
        "Measured last summer",
        "Followed up in March",
        "Nothing to measure",
        "Still pending",
        "In Bristol",
    ):
        assert absent not in section, absent


def test_the_dashboard_shows_ten_and_links_to_the_whole_paged_list(
    app, client, auth, area, make_initiative
):
    for number in range(12):
        stale(make_initiative, area, f"Walk {number:02}", measured_on=f"2024-01-{number + 1:02}")
    section = dashboard(client, auth, area).split('id="follow-up"')[1]
    assert section.count("Add a new measurement<") == 10
    assert "Walk 00" in section and "Walk 10" not in section  # longest unmeasured first
    more = re.search(r'href="(/council/follow-up\?[^"]+)">See all 12 initiatives to', section)
    whole = dashboard(client, auth, area, more.group(1).replace("&amp;", "&"))
    assert whole.count("Add a new measurement<") == 12
    assert "12 published initiatives have an outcome to measure" in whole
    with app.app_context(), time_machine.travel(NOW, tick=False):
        everywhere = Selection(Area("all", "All areas", None, ()), ())
        first, total = due_initiatives(everywhere, date(2026, 4, 10), page=1, per_page=5)
        last, _total = due_initiatives(everywhere, date(2026, 4, 10), page=3, per_page=5)
    assert total == 12
    assert [row.initiative.title for row in first] == [f"Walk {n:02}" for n in range(5)]
    assert [row.initiative.title for row in last] == ["Walk 10", "Walk 11"]


def test_the_list_costs_the_same_queries_for_3_or_9_initiatives(
    app, client, auth, area, make_initiative
):
    def statements(count: int) -> int:
        for number in range(count):
            stale(make_initiative, area, f"Batch {count} walk {number}")
        with time_machine.travel(NOW, tick=False):
            auth.login(area["officer"].email)
            with count_queries(app) as run:
                assert client.get("/council/follow-up").status_code == 200
        return len(run)

    assert statements(3) == statements(6) < 20  # 3, then 9 in all


def test_a_bad_period_or_page_is_handled_without_an_error(client, auth, area):
    with time_machine.travel(NOW, tick=False):
        auth.login(area["officer"].email)
        bad = client.get("/council/follow-up?active_from=soon")
        odd_page = client.get("/council/follow-up?page=x")
    assert bad.status_code == 302 and bad.headers["Location"].endswith("/council?active_from=soon")
    assert odd_page.status_code == 200
