"""Freshness: when outcomes were last updated shows in lists and the API, the shared filter
``updated_since`` narrows to recent changes, the API lists each outcome's measurements in
order, and the council dashboard counts initiatives measured in the last 12 months."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import time_machine
from werkzeug.datastructures import MultiDict

from app.council.area import Area, Selection
from app.council.dashboard import count_outcomes
from app.extensions import db
from app.initiatives.content import apply_content, initiative_content
from app.initiatives.models import Initiative
from app.shared_filters.canonical import canonical_query
from app.shared_filters.parse import parse_filters
from tests.factories import create_test_initiative

OUTCOME = {
    "description": "Fewer burglaries",
    "indicator": "Reported burglaries",
    "baseline": 31,
    "result": 22,
    "unit": "",
    "measured_on": "2025-03-01",
}


def add_measurement(initiative_id: int, measured_on: str, value: float, role="group_member"):
    initiative = db.session.get(Initiative, initiative_id)
    content = initiative_content(initiative)
    row = content["outcomes"][0]
    row["measurements"] = [
        *row.get("measurements", []),
        {
            "measured_on": measured_on,
            "value": value,
            "note": "",
            "evidence_url": "",
            "reported_by_role": role,
        },
    ]
    apply_content(initiative, content)
    db.session.commit()


def test_updated_since_is_a_shared_filter(app):
    with app.app_context():
        initiative_filter, errors = parse_filters(
            MultiDict([("updated_since", "2026-03-01"), ("theme", "safety")])
        )
        assert errors == {}
        assert initiative_filter.updated_since == date(2026, 3, 1)
        assert canonical_query(initiative_filter) == "theme=safety&updated_since=2026-03-01"
        for bad in ("2026-02-30", "1/3/2026", "2026-3-1", "yesterday", "0000-01-01"):
            _filter, errors = parse_filters(MultiDict([("updated_since", bad)]))
            assert errors == {"updated_since": "updated_since must be a date written YYYY-MM-DD."}


def test_updated_since_narrows_lists_api_and_exports(app, client):
    with app.app_context():
        with time_machine.travel(datetime(2026, 1, 5, 12, tzinfo=UTC), tick=False):
            old = create_test_initiative(title="Old and untouched", outcomes=[OUTCOME])
            measured = create_test_initiative(title="Measured again", outcomes=[OUTCOME])
        with time_machine.travel(datetime(2026, 3, 2, 12, tzinfo=UTC), tick=False):
            add_measurement(measured, "2026-03-01", 18)
            fresh = create_test_initiative(title="Brand new")
    answer = client.get("/api/v1/initiatives?updated_since=2026-03-01").get_json()
    assert sorted(item["id"] for item in answer["items"]) == sorted([measured, fresh])
    assert old not in [item["id"] for item in answer["items"]]
    page = client.get("/initiatives?updated_since=2026-03-01").get_data(as_text=True)
    assert "Measured again" in page and "Old and untouched" not in page
    assert "Outcomes updated" in page
    csv_text = client.get("/api/v1/initiatives.csv?updated_since=2026-03-01").get_data(True)
    assert "Measured again" in csv_text and "Old and untouched" not in csv_text
    bad = client.get("/api/v1/initiatives?updated_since=March")
    assert bad.status_code == 400
    assert "updated_since" in bad.get_json()["errors"]


def test_the_api_lists_measurements_oldest_first_baseline_first(app, client):
    with app.app_context():
        initiative_id = create_test_initiative(outcomes=[OUTCOME])
        with time_machine.travel(datetime(2026, 4, 2, 9, tzinfo=UTC), tick=False):
            add_measurement(initiative_id, "2026-03-31", 18, role="submitter")
            add_measurement(initiative_id, "2025-09-30", 20, role="council_officer")
    item = client.get(f"/api/v1/initiatives/{initiative_id}").get_json()["item"]
    [outcome] = item["outcomes"]
    assert outcome["measurements"] == [
        {
            "measured_on": None,
            "value": 31,
            "note": "",
            "evidence_url": None,
            "reported_by_role": "submitter",
        },
        {
            "measured_on": "2025-03-01",
            "value": 22,
            "note": "",
            "evidence_url": None,
            "reported_by_role": "submitter",
        },
        {
            "measured_on": "2025-09-30",
            "value": 20,
            "note": "",
            "evidence_url": None,
            "reported_by_role": "council_officer",
        },
        {
            "measured_on": "2026-03-31",
            "value": 18,
            "note": "",
            "evidence_url": None,
            "reported_by_role": "submitter",
        },
    ]
    assert item["outcomes_updated_at"] == "2026-04-02T09:00:00Z"
    page = client.get(f"/initiatives/{initiative_id}", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "Reported burglaries over time" in text and "a council officer" in text
    assert "and to 18 by March 2026" in text


def test_the_dashboard_counts_initiatives_measured_in_the_last_12_months(app):
    with app.app_context():
        today = date(2026, 4, 1)
        stale = create_test_initiative(outcomes=[{**OUTCOME, "measured_on": "2025-03-01"}])
        create_test_initiative(outcomes=[{**OUTCOME, "measured_on": "2025-06-01"}])
        followed_up = create_test_initiative(outcomes=[{**OUTCOME, "measured_on": "2024-01-01"}])
        add_measurement(followed_up, "2026-02-01", 15)
        assert stale
        counts = count_outcomes(Selection(Area("all", "All areas", None, ()), ()), today)
        assert counts.initiatives_measured == 2
        assert (
            count_outcomes(
                Selection(Area("all", "All areas", None, ()), ()), today + timedelta(days=365)
            ).initiatives_measured
            == 0
        )
