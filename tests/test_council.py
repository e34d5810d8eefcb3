"""The council dashboard: who may open it, its numbers on a known dataset, the area it shows,
bad parameters, the CSV downloads, and a query count that does not grow with the data."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.council.area import Area, Selection
from app.council.dashboard import (
    count_by_stage,
    count_by_theme,
    count_initiatives,
    count_outcomes,
    count_over_time,
    effort_balance,
    effort_by_sector,
)
from app.extensions import db
from app.initiatives.models import Initiative
from app.timeutil import to_local, utcnow
from tests.factories import create_test_organisation
from tests.support.queries import count_queries


def people(sector: str, count: int | None, hours: float | None) -> dict:
    return {
        "sector": sector,
        "name": f"{sector} group",
        "roles": [],
        "people": count,
        "hours": hours,
    }


def outcome(result: float) -> dict:
    return {"description": "Fewer.", "indicator": "burglaries", "baseline": 30, "result": result}


@dataclass
class Dataset:
    leeds_officer: object
    kirkstall: int
    armley: int
    hulme: int
    a: int
    b: int
    pending: int
    manchester: int
    month_a_started: date
    month_a_published: date


def month_starts(today: date, months: int = 24) -> list[date]:
    """The first days of the last ``months`` months, oldest first, this month last."""
    index = today.year * 12 + today.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - months + 1, index + 1)]


def months_ago(today: date, count: int) -> date:
    return month_starts(today, count + 1)[0]


@pytest.fixture
def dataset(app, make_user, make_neighbourhood, make_initiative) -> Dataset:
    """Leeds: Kirkstall and Armley; Manchester: Hulme. Two published initiatives in Leeds, a
    pending one in Leeds (never counted) and a published one in Manchester."""
    with app.app_context():
        leeds = create_test_organisation(
            "Leeds City Council", local_authority="Leeds City Council"
        )
        today = to_local(utcnow()).date()
    kirkstall = make_neighbourhood(name="Kirkstall", local_authority="Leeds City Council")
    armley = make_neighbourhood(name="Armley", local_authority="Leeds City Council")
    hulme = make_neighbourhood(name="Hulme", local_authority="Manchester City Council")
    started = months_ago(today, 2)
    a = make_initiative(
        title="Kirkstall street watch",
        neighbourhood_id=kirkstall,
        themes=["safety", "health"],
        stages=["co-design", "co-delivery"],
        started_on=started.isoformat(),
        participants=[people("residents", 40, 1200), people("police", 3, 150.5)],
        outcomes=[outcome(22), outcome(10)],
    )
    b = make_initiative(
        title="Armley walking group",
        neighbourhood_id=armley,
        themes=["health"],
        stages=["co-delivery"],
        started_on=months_ago(today, 30).isoformat(),
        participants=[
            people("volunteers", 10, 100),
            people("council", 2, 49.5),
            people("business", 1, None),
        ],
        outcomes=[outcome(5)],
    )
    pending = make_initiative(
        state="pending",
        title="Kirkstall reading club",
        neighbourhood_id=kirkstall,
        themes=["education"],
        stages=["co-commissioning"],
        started_on=started.isoformat(),
        participants=[people("residents", 1000, 9999)],
        outcomes=[outcome(1)],
    )
    manchester = make_initiative(
        title="Hulme garden",
        neighbourhood_id=hulme,
        themes=["sustainability"],
        stages=["co-assessment"],
        participants=[people("health", 5, 500)],
        outcomes=[outcome(3)],
    )
    published = months_ago(today, 1)
    with app.app_context():
        first = db.session.get(Initiative, a)
        first.published_at = to_local(utcnow()).replace(
            year=published.year, month=published.month, day=15, hour=12
        )
        first.outcomes[0].verified_at = utcnow()
        first.outcomes[0].verified_by_organisation_id = leeds
        hidden = db.session.get(Initiative, pending)
        hidden.outcomes[0].verified_at = utcnow()
        db.session.commit()
    officer = make_user(role="council", organisation_id=leeds)
    return Dataset(
        officer, kirkstall, armley, hulme, a, b, pending, manchester, started, published
    )


def leeds_selection(app, themes=()) -> Selection:
    with app.app_context():
        from app.council.area import area_choices

        slugs = area_choices().slugs_of("Leeds City Council")
    area = Area("local_authority", "Leeds City Council", "Leeds City Council", slugs)
    return Selection(area, tuple(themes))


def test_numbers_on_a_known_dataset(app, dataset):
    selection = leeds_selection(app)
    with app.app_context():
        assert count_initiatives(selection) == 2
        themes = {t.slug: (t.initiatives, t.primary) for t in count_by_theme(selection)}
        assert themes == {
            "safety": (1, 1),
            "health": (2, 1),
            "education": (0, 0),
            "sustainability": (0, 0),
        }
        stages = {s.slug: s.initiatives for s in count_by_stage(selection)}
        assert stages == {
            "co-commissioning": 0,
            "co-design": 1,
            "co-delivery": 2,
            "co-assessment": 0,
        }
        sectors = effort_by_sector(selection)
        assert [(s.sector, s.initiatives, s.people, s.hours) for s in sectors] == [
            ("residents", 1, 40, 1200),
            ("volunteers", 1, 10, 100),
            ("council", 1, 2, 49.5),
            ("police", 1, 3, 150.5),
            ("business", 1, 1, 0),
        ]
        balance = {
            g.group: (g.people, g.hours, g.people_percent, g.hours_percent)
            for g in effort_balance(sectors)
        }
        # People 50 : 5 : 1 of 56 -> 89.3, 8.9, 1.8 -> 89, 9, 2; hours 1300 : 200 : 0 -> 87, 13, 0.
        assert balance == {
            "citizens": (50, 1300, 89, 87),
            "public_services": (5, 200, 9, 13),
            "others": (1, 0, 2, 0),
        }
        outcomes = count_outcomes(selection)
        assert (outcomes.verified, outcomes.unverified, outcomes.initiatives_verified) == (1, 2, 1)
        over_time = count_over_time(selection)
        months = over_time.months
        assert len(months) == 24  # the data starts 30 months ago: the chart shows at most 24
        assert months[-1].month == month_starts(to_local(utcnow()).date())[-1]
        started = {m.month: m.started for m in months if m.started}
        published = {m.month: m.published for m in months if m.published}
        assert started == {dataset.month_a_started: 1}  # B started 30 months ago
        assert published == {dataset.month_a_published: 1, months[-1].month: 1}
        earlier = over_time.earlier
        assert (earlier.month, earlier.started, earlier.published) == (months[0].month, 1, 0)


def test_theme_selection_narrows_every_number(app, dataset):
    safety, health = leeds_selection(app, ["safety"]), leeds_selection(app, ["health"])
    with app.app_context():
        assert count_initiatives(safety) == 1
        assert count_initiatives(health) == 2
        assert count_outcomes(safety).total == 2
        assert {s.sector for s in effort_by_sector(safety)} == {"residents", "police"}


def test_empty_area_has_zero_everywhere_and_no_division_by_zero(app, client, auth, make_user):
    with app.app_context():
        school = create_test_organisation("Nowhere School", local_authority="Nowhere Council")
    auth.login(make_user(role="council", organisation_id=school).email)
    page = client.get("/council")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "0 published initiatives in Nowhere Council" in text


@pytest.mark.parametrize(
    ("role", "status"),
    [(None, 302), ("resident", 403), ("council", 200), ("moderator", 200), ("admin", 200)],
)
@pytest.mark.parametrize("url", ["/council", "/council/themes.csv"])
def test_dashboard_permissions(client, auth, make_user, role, status, url):
    if role:
        auth.login(make_user(role=role).email)
    response = client.get(url)
    assert response.status_code == status
    if role is None:
        assert response.headers["Location"].startswith("/login?next=")


def table_rows(html: str, section: str) -> list[list[str]]:
    """The rows (header cell first) of a dashboard section's table."""
    from html.parser import HTMLParser

    class Rows(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.inside, self.cell = [], False, None

        def handle_starttag(self, tag, attrs):
            attributes = dict(attrs)
            if tag == "section":
                self.inside = attributes.get("id") == section
            if self.inside and tag == "tr":
                self.rows.append([])
            if self.inside and tag in ("td", "th"):
                self.cell = ""

        def handle_endtag(self, tag):
            if self.inside and tag in ("td", "th") and self.cell is not None:
                self.rows[-1].append(self.cell.strip())
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    parser = Rows()
    parser.feed(html)
    return parser.rows


def test_officer_sees_their_own_area_by_default(client, auth, dataset):
    auth.login(dataset.leeds_officer.email)
    page = client.get("/council").get_data(as_text=True)
    assert "2 published initiatives in Leeds City Council" in page
    assert table_rows(page, "themes")[1:] == [
        ["Safety", "1", "1"],
        ["Health", "2", "1"],
        ["Education", "0", "0"],
        ["Sustainability", "0", "0"],
    ]
    sectors = table_rows(page, "sectors")
    assert ["Police", "Public services", "1", "3", "150.5", "", ""] in sectors
    assert ["All residents and volunteers", "", "", "50", "1,300", "89%", "87%"] in sectors
    assert table_rows(page, "outcomes")[1:3] == [
        ["Verified", "1", "33%"],
        ["Not verified", "2", "67%"],
    ]
    assert 'role="img"' in page and 'aria-labelledby="chart-sectors-title"' in page
    assert "Residents and volunteers: 87% (1,300 hours)" in page  # the chart's text labels
    # The list and the map of the same initiatives.
    assert 'href="/initiatives?neighbourhood=armley-' in page
    assert 'href="/map?neighbourhood=armley-' in page


def test_moderator_without_an_area_sees_everywhere(client, auth, make_user, dataset):
    auth.login(make_user(role="moderator").email)
    page = client.get("/council").get_data(as_text=True)
    assert "3 published initiatives in all areas" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("local_authority=", "3 published initiatives in all areas"),
        ("local_authority=Manchester+City+Council", "1 published initiative in Manchester"),
        (
            "neighbourhood={hulme}&neighbourhood={armley}",
            "2 published initiatives in Armley, Hulme",
        ),
        ("neighbourhood={kirkstall}", "1 published initiative in Kirkstall"),
        ("local_authority=Leeds+City+Council&theme=safety", "1 published initiative in Leeds"),
    ],
)
def test_area_selection(app, client, auth, dataset, query, expected):
    with app.app_context():
        from app.neighbourhoods.models import Neighbourhood

        slugs = {
            name.lower(): slug
            for name, slug in db.session.execute(select(Neighbourhood.name, Neighbourhood.slug))
        }
    auth.login(dataset.leeds_officer.email)
    response = client.get("/council?" + query.format(**slugs))
    assert response.status_code == 200
    assert expected in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "local_authority=Atlantis",
        "local_authority=" + "x" * 5000,
        "local_authority=Leeds+City+Council&local_authority=Manchester+City+Council",
        "neighbourhood=nowhere",
        "neighbourhood=%3Cscript%3E",
        "neighbourhood=a%00b",
        "local_authority=a%00b",
        "theme=nope",
        "local_authority=Leeds+City+Council&neighbourhood=kirkstall",
    ],
)
@pytest.mark.parametrize("path", ["/council", "/council/themes.csv"])
def test_bad_parameters_answer_400(client, auth, dataset, query, path):
    auth.login(dataset.leeds_officer.email)
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    if path == "/council":
        assert "There is a problem with the area" in response.get_data(as_text=True)


def test_unknown_chart_is_not_found(client, auth, dataset):
    auth.login(dataset.leeds_officer.email)
    assert client.get("/council/passwords.csv").status_code == 404


def read_csv(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize("chart", ["themes", "stages", "months", "sectors", "outcomes"])
def test_csv_downloads_carry_the_same_numbers(client, auth, dataset, chart):
    auth.login(dataset.leeds_officer.email)
    response = client.get(f"/council/{chart}.csv?local_authority=Leeds+City+Council")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert f"coproduce-{chart}-leeds-city-council.csv" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    expected = {
        "themes": ["Health", "2", "1"],
        "stages": ["Co-delivery", "2"],
        "sectors": ["All public services", "", "", "5", "200", "9", "13"],
        "outcomes": ["Verified", "1", "33"],
        "months": [dataset.month_a_started.strftime("%Y-%m"), "1", "0"],
    }[chart]
    assert expected in rows
    page = client.get("/council").get_data(as_text=True)
    assert f"/council/{chart}.csv?local_authority=Leeds+City+Council" in page


def test_csv_cells_are_guarded_against_formulas(app, client, auth, dataset, make_initiative):
    from app.themes.models import Theme

    with app.app_context():
        db.session.add(Theme(slug="formula", name='=HYPERLINK("http://evil")', position=9))
        db.session.commit()
    make_initiative(neighbourhood_id=dataset.kirkstall, themes=["formula"])
    auth.login(dataset.leeds_officer.email)
    rows = read_csv(client.get("/council/themes.csv"))
    assert ['\'=HYPERLINK("http://evil")', "1", "1"] in rows


def test_unpublished_initiatives_never_count(app, client, auth, dataset):
    auth.login(dataset.leeds_officer.email)
    page = client.get("/council").get_data(as_text=True)
    assert table_rows(page, "stages")[1] == ["Co-commissioning", "0"]
    assert "1,000" not in page and "9,999" not in page
    selection = leeds_selection(app)
    with app.app_context():
        for state in ("draft", "changes_requested", "rejected", "archived"):
            db.session.get(Initiative, dataset.pending).state = state
            db.session.commit()
            assert count_initiatives(selection) == 2, state


def test_query_count_does_not_grow_with_the_data(app, client, auth, make_user, make_initiative):
    with app.app_context():
        leeds = create_test_organisation("Leeds", local_authority="Leeds City Council")
    officer = make_user(role="council", organisation_id=leeds)
    auth.login(officer.email)

    def add(count: int) -> None:
        for number in range(count):
            make_initiative(
                themes=["safety", "health"][: number % 2 + 1],
                started_on=(date.today() - timedelta(days=30 * (number % 20))).isoformat(),
                participants=[people("residents", 3, 10), people("police", 1, 2)],
                outcomes=[outcome(number)],
            )

    def queries() -> int:
        with count_queries(app) as statements:
            assert client.get("/council?local_authority=").status_code == 200
        return len(statements)

    add(10)
    few = queries()
    add(90)
    many = queries()
    assert few == many, (few, many)
    assert many <= 16, many


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_user_text_is_inert_in_charts_and_tables(
    app, client, auth, make_user, make_neighbourhood, make_initiative
):
    from app.themes.models import Theme

    with app.app_context():
        db.session.add(Theme(slug="evil", name=XSS[:80], colour='"><b>x', position=9))
        db.session.commit()
        council = create_test_organisation(XSS, local_authority=XSS)
    neighbourhood = make_neighbourhood(name=XSS[:100], local_authority=XSS)
    make_initiative(
        neighbourhood_id=neighbourhood, themes=["evil"], participants=[people("residents", 1, 1)]
    )
    auth.login(make_user(role="council", organisation_id=council).email)

    page = client.get("/council").get_data(as_text=True)

    assert "<script>alert" not in page and "<img src=x" not in page
    assert '"><b>x' not in page
    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    )  # in the table, the SVG, the form
    assert page.count('role="img"') == 10  # each chart drawn for wide screens and for phones


def test_dashboard_is_valid_html_with_unique_ids(client, auth, dataset):
    from tests.test_pages import assert_valid_html

    auth.login(dataset.leeds_officer.email)
    for url in ("/council", "/council?local_authority=", "/council?theme=nope"):
        assert_valid_html(client.get(url).data, url)


def test_months_follow_the_sites_time_zone(app, monkeypatch, make_initiative):
    """Published at 01:00 on the 1st in Auckland is the previous day in UTC: it still counts
    in the month people there saw it published."""
    from datetime import UTC, datetime, time
    from zoneinfo import ZoneInfo

    monkeypatch.setitem(app.config, "TIMEZONE", "Pacific/Auckland")
    initiative_id = make_initiative()
    with app.app_context():
        this_month = month_starts(to_local(utcnow()).date())[-1]
        moment = datetime.combine(this_month, time(1), tzinfo=ZoneInfo("Pacific/Auckland"))
        assert moment.astimezone(UTC).date() < this_month
        db.session.get(Initiative, initiative_id).published_at = moment.astimezone(UTC)
        db.session.commit()
        months = count_over_time(Selection(Area("all", "All areas", None, ()), ())).months
    assert months[-1].month == this_month
    assert months[-1].published == 1
    assert len(months) == 1  # the chart starts where the data does: this month


def test_bad_area_keeps_what_was_chosen(client, auth, dataset):
    auth.login(dataset.leeds_officer.email)
    response = client.get("/council?neighbourhood=nowhere&theme=health")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Unknown neighbourhood: nowhere" in page
    assert '<option value="health" selected>' in page


def test_council_officer_without_an_organisation_sees_everywhere(client, auth, make_user, dataset):
    auth.login(make_user(role="council").email)
    assert "3 published initiatives in all areas" in client.get("/council").get_data(as_text=True)


def test_huge_area_does_not_link_to_an_address_too_long_to_open(
    app, client, auth, make_user, make_neighbourhood
):
    with app.app_context():
        big = create_test_organisation("Big Council", local_authority="Big Council")
    for number in range(150):
        make_neighbourhood(name=f"Ward with a long name {number}", local_authority="Big Council")
    auth.login(make_user(role="council", organisation_id=big).email)
    page = client.get("/council").get_data(as_text=True)
    assert "too many neighbourhoods to open in the list" in page
    assert 'href="/initiatives?neighbourhood=' not in page
    assert "/council/themes.csv?local_authority=Big+Council" in page
