"""The dashboard's period: the shared filters active_from/active_to (work that ran in it),
the UK financial year, every section and download narrowed to it, bad dates kept as typed.

Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.council.area import Area, Selection
from app.council.dashboard import chart_months, count_initiatives, count_outcomes
from app.council.periods import (
    calendar_years,
    describe_period,
    financial_year,
    financial_year_of,
    financial_years,
)
from app.extensions import db
from app.initiatives.models import Initiative
from app.shared_filters.canonical import canonical_query
from app.shared_filters.parse import parse_filters
from tests.factories import create_test_organisation

FY = financial_year(2025)  # 1 April 2025 to 31 March 2026
EVERYWHERE = Area("all", "All areas", None, ())


def test_the_uk_financial_year_runs_from_april_to_march():
    assert (FY.label, FY.start, FY.end) == ("2025–26", date(2025, 4, 1), date(2026, 3, 31))
    assert financial_year(1999).label == "1999–00"
    assert financial_year_of(date(2026, 3, 31)) == FY
    assert financial_year_of(date(2026, 4, 1)) == financial_year(2026)
    assert [p.label for p in financial_years(date(2026, 12, 6))] == [
        "2026–27",
        "2025–26",
        "2024–25",
    ]
    assert [p.label for p in calendar_years(date(2026, 1, 1))] == ["2026", "2025", "2024"]


def test_a_period_is_named_when_it_is_a_whole_year(app):
    with app.test_request_context():
        assert describe_period(FY.start, FY.end) == "financial year 2025–26"
        assert describe_period(date(2025, 1, 1), date(2025, 12, 31)) == "calendar year 2025"
        assert describe_period(date(2025, 4, 1), date(2026, 3, 30)) is None
        assert describe_period(FY.start, None) is None


def test_active_from_and_to_are_shared_filters(app):
    with app.test_request_context():
        given = MultiDict([("active_to", "2026-03-31"), ("active_from", "2025-04-01")])
        initiative_filter, errors = parse_filters(given)
        assert errors == {}
        assert (initiative_filter.active_from, initiative_filter.active_to) == (FY.start, FY.end)
        assert canonical_query(initiative_filter) == "active_from=2025-04-01&active_to=2026-03-31"


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        (
            {"active_from": "2025-02-30"},
            "active_from",
            "active_from: 2025-02-30 is not a real date.",
        ),
        (
            {"active_to": "31/03/2026"},
            "active_to",
            "active_to: 31/03/2026 is not a date written YYYY-MM-DD, like 2025-04-01.",
        ),
        (
            {"active_from": "2026-04-01", "active_to": "2026-03-31"},
            "active_to",
            "active_to (2026-03-31) must be on or after active_from (2026-04-01).",
        ),
    ],
)
def test_bad_period_dates_name_the_field_and_echo_the_value(app, given, field, message):
    with app.test_request_context():
        _filter, errors = parse_filters(MultiDict(given))
    assert errors == {field: message}


def test_api_and_exports_refuse_a_bad_period_with_400(client):
    for url in (
        "/api/v1/initiatives?active_from=2025-13-01",
        "/api/v1/initiatives.csv?active_to=tomorrow",
        "/api/v1/initiatives.geojson?active_from=2026-01-01&active_to=2025-01-01",
    ):
        response = client.get(url)
        assert response.status_code == 400, url


@pytest.fixture
def periods(app, make_neighbourhood, make_initiative):
    """Initiatives around financial year 2025–26, named by how they relate to it."""
    leeds = make_neighbourhood(name="Kirkstall", local_authority="Leeds City Council")
    made = {
        "ran through it": make_initiative(
            neighbourhood_id=leeds, started_on="2024-06-01", ended_on=None
        ),
        "started in it": make_initiative(
            neighbourhood_id=leeds, started_on="2025-10-01", stages=["co-design"]
        ),
        "ended in it": make_initiative(
            neighbourhood_id=leeds, started_on="2023-01-01", ended_on="2025-04-01"
        ),
        "ended before it": make_initiative(
            neighbourhood_id=leeds, started_on="2023-01-01", ended_on="2025-03-31"
        ),
        "started after it": make_initiative(neighbourhood_id=leeds, started_on="2026-04-01"),
        "undated, published in it": make_initiative(neighbourhood_id=leeds),
        "undated, published after it": make_initiative(neighbourhood_id=leeds),
    }
    with app.app_context():
        published = {
            "undated, published in it": datetime(2026, 3, 31, 22, 30, tzinfo=UTC),  # 23:30 BST
            "undated, published after it": datetime(2026, 3, 31, 23, 30, tzinfo=UTC),  # 1 April
        }
        for name, moment in published.items():
            db.session.get(Initiative, made[name]).published_at = moment
        for name in ("ran through it", "started in it", "ended in it", "ended before it"):
            db.session.get(Initiative, made[name]).published_at = datetime(2025, 1, 1, tzinfo=UTC)
        db.session.get(Initiative, made["started after it"]).published_at = datetime(
            2026, 4, 2, tzinfo=UTC
        )
        db.session.commit()
    return made


IN_FY = {"ran through it", "started in it", "ended in it", "undated, published in it"}


def test_the_period_keeps_the_work_that_ran_in_it(client, periods):
    answer = client.get(
        "/api/v1/initiatives?active_from=2025-04-01&active_to=2026-03-31&limit=100"
    ).get_json()
    wanted = {periods[name] for name in IN_FY}
    assert {item["id"] for item in answer["items"]} == wanted
    exported = client.get("/api/v1/initiatives.csv?active_from=2025-04-01&active_to=2026-03-31")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert {int(row["id"]) for row in rows} == wanted
    features = client.get(
        "/api/v1/initiatives.geojson?active_from=2025-04-01&active_to=2026-03-31"
    ).get_json()["features"]
    assert {feature["properties"]["id"] for feature in features} == wanted


def test_either_end_of_the_period_may_be_open(client, periods):
    since = client.get("/api/v1/initiatives?active_from=2026-04-01&limit=100").get_json()
    assert {item["id"] for item in since["items"]} == {
        periods[name]
        for name in (
            "ran through it",
            "started in it",
            "started after it",
            "undated, published in it",
            "undated, published after it",
        )
    }
    until = client.get("/api/v1/initiatives?active_to=2024-12-31&limit=100").get_json()
    assert {item["id"] for item in until["items"]} == {
        periods[name] for name in ("ran through it", "ended in it", "ended before it")
    }
    extremes = client.get("/api/v1/initiatives?active_from=0001-01-01&active_to=9999-12-31")
    assert extremes.status_code == 200
    assert extremes.get_json()["total"] == len(periods)


def test_the_dashboard_counts_only_the_period(app, client, auth, make_user, periods):
    with app.app_context():
        leeds = create_test_organisation("Leeds", local_authority="Leeds City Council")
        selection = Selection(EVERYWHERE, (), FY.start, FY.end)
        assert count_initiatives(selection) == len(IN_FY)
        months = chart_months(selection)
    assert months[0] == date(2025, 4, 1) and months[-1] == date(2026, 3, 1) and len(months) == 12
    auth.login(make_user(role="council", organisation_id=leeds).email)
    response = client.get("/council?active_from=2025-04-01&active_to=2026-03-31")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "4 published initiatives in Leeds City Council" in page
    assert "financial year 2025–26" in page
    assert 'aria-current="true" class="council-presets__current">2025–26<' in page
    # The section downloads and the data downloads carry the period too.
    assert (
        "/council/stages.csv?local_authority=Leeds+City+Council&amp;active_from=2025-04-01" in page
    )
    assert "/api/v1/initiatives.csv?neighbourhood=kirkstall" in page
    assert "active_from=2025-04-01&amp;active_to=2026-03-31" in page
    stages = client.get(
        "/council/stages.csv?local_authority=Leeds+City+Council"
        "&active_from=2025-04-01&active_to=2026-03-31"
    ).get_data(as_text=True)
    assert "Co-design,1" in stages and "Co-delivery,3" in stages
    months = client.get(
        "/council/months.csv?local_authority=Leeds+City+Council"
        "&active_from=2025-04-01&active_to=2026-03-31"
    ).get_data(as_text=True)
    assert "2025-10,1,0" in months  # "started in it"
    assert "2026-03,0,1" in months  # "undated, published in it", in London's time
    # Three started on a known day (two before the period); all four were published.
    assert "Before 2025-04,2,3" in months and "Total,3,4" in months


def test_a_period_of_up_to_24_months_shows_each_of_its_months(app):
    with app.app_context():
        two_years = chart_months(Selection(EVERYWHERE, (), date(2024, 4, 1), FY.end))
        longer = chart_months(Selection(EVERYWHERE, (), date(2020, 1, 1), FY.end))
    assert (two_years[0], two_years[-1], len(two_years)) == (
        date(2024, 4, 1),
        date(2026, 3, 1),
        24,
    )
    assert longer == two_years  # longer: its last 24 months (the rest would be "before")


def test_outcomes_measured_in_the_period_are_counted(app, make_initiative):
    outcome = {"description": "Fewer.", "indicator": "burglaries", "baseline": 30, "result": 20}
    make_initiative(outcomes=[{**outcome, "measured_on": "2025-06-01"}], started_on="2025-01-01")
    make_initiative(outcomes=[{**outcome, "measured_on": "2024-06-01"}], started_on="2024-01-01")
    with app.app_context():
        counts = count_outcomes(Selection(EVERYWHERE, (), FY.start, FY.end))
    assert (counts.total, counts.initiatives_measured) == (2, 1)


def test_without_a_period_the_chart_starts_where_the_data_does(app, make_initiative):
    make_initiative()  # started on no day, published today
    with app.app_context():
        assert len(chart_months(Selection(EVERYWHERE, ()))) == 1
        first = db.session.scalars(select(Initiative)).one()
        first.started_on = date(2000, 1, 1)  # long ago: at most 24 months, the rest "before"
        db.session.commit()
        assert len(chart_months(Selection(EVERYWHERE, ()))) == 24


@pytest.mark.parametrize(
    "query",
    [
        "active_from=2025-02-30",
        "active_from=2026-04-01&active_to=2026-03-31",
        "active_to=%3Cscript%3E",
        "active_from=2025-04-01&active_from=2025-05-01",
    ],
)
def test_a_bad_period_on_the_dashboard_is_a_400_that_keeps_what_was_typed(
    client, auth, make_user, query
):
    auth.login(make_user(role="council").email)
    response = client.get(f"/council?local_authority=&theme=health&{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem with the area or the period" in page
    assert '<option value="health" selected>' in page
    assert "<script>" not in page
    if "2025-02-30" in query:
        assert 'value="2025-02-30"' in page and 'aria-invalid="true"' in page


@pytest.mark.parametrize("zone", ["Europe/London", "Pacific/Auckland", "America/Los_Angeles"])
def test_the_first_and_last_days_there_are_are_a_period_too(app, client, auth, make_user, zone):
    app.config["TIMEZONE"], before = zone, app.config["TIMEZONE"]
    try:
        auth.login(make_user(role="council").email)
        for query in (
            "active_from=0001-01-01&active_to=9999-12-31",
            "active_from=9999-12-01",
            "active_to=0001-01-31",
        ):
            response = client.get(f"/council?{query}")
            assert response.status_code == 200, query
            assert client.get(f"/council/months.csv?{query}").status_code == 200, query
    finally:
        app.config["TIMEZONE"] = before
