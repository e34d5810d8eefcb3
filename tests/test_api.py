"""The read API: filtered, paged lists; one initiative; clusters, neighbourhoods, themes."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from app.extensions import db
from app.initiatives.models import Initiative, Outcome
from app.timeutil import utcnow
from tests.factories import create_test_organisation
from tests.support.queries import count_queries
from tests.test_clusters import create_cluster

LICENCE_LINK = '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'


def publish_days_ago(app, initiative_id: int, days: float) -> None:
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        initiative.published_at = initiative.updated_at = utcnow() - timedelta(days=days)
        db.session.commit()


def verify_first_outcome(app, initiative_id: int, organisation_name="Leeds City Council"):
    with app.app_context():
        organisation_id = create_test_organisation(organisation_name, "council", "Leeds")
        outcome = db.session.query(Outcome).filter_by(initiative_id=initiative_id).first()
        outcome.verified_at = utcnow()
        outcome.verified_by_organisation_id = organisation_id
        db.session.commit()


PARTICIPANTS = [
    {"sector": "residents", "name": "Kirkstall Residents", "roles": ["co-delivery"],
     "people": 40, "hours": 120.5},
    {"sector": "police", "name": "West Yorkshire Police", "roles": ["co-design"],
     "people": 2, "hours": 30},
]  # fmt: skip
OUTCOMES = [
    {"description": "Fewer burglaries.", "indicator": "Reported burglaries", "baseline": 31,
     "result": 22, "unit": "", "measured_on": "2025-03-31", "evidence_url": "https://example.org/e"},
]  # fmt: skip


def test_list_has_the_documented_envelope_and_licence(client, make_initiative):
    make_initiative(title="Street watch")
    response = client.get("/api/v1/initiatives")
    assert response.status_code == 200
    body = response.json
    assert body["ok"] is True
    assert body["total"] == 1 and body["next"] is None
    assert body["licence"] == {
        "name": "CC BY 4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    }
    assert response.headers["Link"] == LICENCE_LINK
    item = body["items"][0]
    assert item["title"] == "Street watch"
    assert item["url"] == f"http://localhost/initiatives/{item['id']}-street-watch"
    # The default themes have their Welsh names from the migration that added them.
    welsh = {"cy": {"name": "Diogelwch"}}
    assert item["themes"] == [{"slug": "safety", "name": "Safety", "translations": welsh}]
    assert item["language"] == "en" and item["translations"] == {}
    assert item["stages"] == ["co-delivery"]
    assert item["published_at"].endswith("Z")


def test_item_fields(client, make_initiative, make_neighbourhood):
    neighbourhood = make_neighbourhood(name="Kirkstall", slug="kirkstall")
    initiative_id = make_initiative(
        title="Street watch",
        themes=["health", "safety"],
        stages=["co-design", "co-delivery"],
        status="completed",
        started_on="2024-01-01",
        ended_on="2024-12-31",
        neighbourhood_id=neighbourhood,
        place_name="Hawksworth Road",
        participants=PARTICIPANTS,
        outcomes=OUTCOMES,
        contact_url="https://example.org/watch",
        credit="organisation",
        credit_name="Kirkstall Residents",
    )
    item = client.get("/api/v1/initiatives").json["items"][0]
    assert item["id"] == initiative_id
    assert [theme["slug"] for theme in item["themes"]] == ["health", "safety"]  # primary first
    assert item["status"] == "completed"
    assert (item["started_on"], item["ended_on"]) == ("2024-01-01", "2024-12-31")
    assert item["neighbourhood"] == {
        "slug": "kirkstall",
        "name": "Kirkstall",
        "local_authority": "Leeds City Council",
        "translations": {},
    }
    assert item["place"] == "Hawksworth Road"
    assert item["credit"] == "Submitted by Kirkstall Residents"
    assert item["contact_url"] == "https://example.org/watch"
    assert "reported burglaries fell from 31 to 22" in item["example"]
    assert item["verified"] is False


def test_anonymous_submitter_is_never_named(client, make_user, make_initiative):
    submitter = make_user(display_name="Ann Example")
    make_initiative(submitter_id=submitter.id, credit="anonymous")
    body = client.get("/api/v1/initiatives").get_data(as_text=True)
    assert "Ann Example" not in body and submitter.email not in body
    assert "Submitted by a resident of" in body


def test_only_published_initiatives(client, make_initiative):
    published = make_initiative(title="Out in public")
    for state in ("draft", "pending", "changes_requested", "rejected", "archived"):
        hidden = make_initiative(state=state, title=f"Hidden {state}")
        assert client.get(f"/api/v1/initiatives/{hidden}").status_code == 404
    body = client.get("/api/v1/initiatives").json
    assert [item["id"] for item in body["items"]] == [published] and body["total"] == 1
    assert client.get(f"/api/v1/initiatives/{published}").status_code == 200


@pytest.mark.parametrize(
    ("precision", "expected"),
    [("exact", (53.821235, -1.601234)), ("street", (53.821, -1.601))],
)
def test_public_points_only(client, make_initiative, precision, expected):
    initiative_id = make_initiative(
        latitude=53.8212345, longitude=-1.6012345, location_precision=precision
    )
    item = client.get("/api/v1/initiatives").json["items"][0]
    assert (item["location"]["lat"], item["location"]["lon"]) == expected
    assert item["location"]["precision"] == precision
    for url in ("/api/v1/initiatives", f"/api/v1/initiatives/{initiative_id}"):
        text = client.get(url).get_data(as_text=True)
        assert "53.8212345" not in text  # never more than 6 decimals
        if precision == "street":
            assert "53.8212" not in text and "1.6012" not in text


def test_neighbourhood_precision_shows_the_centre_and_no_place(
    client, make_initiative, make_neighbourhood
):
    neighbourhood = make_neighbourhood(latitude=53.5, longitude=-1.5)
    make_initiative(
        neighbourhood_id=neighbourhood,
        latitude=53.8212345,
        longitude=-1.6012345,
        location_precision="neighbourhood",
        place_name="12 Secret Street",
    )
    item = client.get("/api/v1/initiatives").json["items"][0]
    assert item["location"] == {"lat": 53.5, "lon": -1.5, "precision": "neighbourhood"}
    assert item["place"] == ""
    assert "Secret" not in client.get("/api/v1/initiatives").get_data(as_text=True)


def test_detail_has_description_participants_and_verified_outcomes(client, make_initiative, app):
    initiative_id = make_initiative(
        description="**Bold** <script>alert(1)</script>",
        participants=PARTICIPANTS,
        outcomes=OUTCOMES,
    )
    verify_first_outcome(app, initiative_id)
    response = client.get(f"/api/v1/initiatives/{initiative_id}")
    assert response.headers["Link"] == LICENCE_LINK
    item = response.json["item"]
    assert item["description"]["markdown"].startswith("**Bold**")
    assert "<strong>Bold</strong>" in item["description"]["html"]
    assert "<script>" not in item["description"]["html"]
    assert item["participants"][0] == PARTICIPANTS[0]
    outcome = item["outcomes"][0]
    assert (outcome["baseline"], outcome["result"], outcome["measured_on"]) == (
        31,
        22,
        "2025-03-31",
    )
    assert outcome["verified"]["organisation"] == "Leeds City Council"
    assert outcome["verified"]["date"] == utcnow().date().isoformat()
    assert item["verified"] is True


def test_detail_of_unknown_initiative_is_json_404(client):
    response = client.get("/api/v1/initiatives/999999")
    assert response.status_code == 404
    assert response.json["ok"] is False and response.json["error"]


def test_cursor_walks_every_item_exactly_once(app, client, make_initiative):
    ids = [make_initiative(title=f"Walk {number}") for number in range(7)]
    for days, initiative_id in enumerate(ids):
        publish_days_ago(app, initiative_id, days % 3)  # ties on published_at: id decides
    seen, url, pages = [], "/api/v1/initiatives?limit=3", 0
    while url:
        body = client.get(url).json
        assert body["total"] == 7
        seen += [item["id"] for item in body["items"]]
        url, pages = body["next"], pages + 1
        if url:
            assert url.startswith("http://localhost/api/v1/initiatives?")
            assert parse_qs(urlsplit(url).query)["limit"] == ["3"]
    assert pages == 3
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    published = {}
    with app.app_context():
        for initiative in db.session.query(Initiative):
            published[initiative.id] = initiative.published_at
    assert seen == sorted(ids, key=lambda i: (published[i], i), reverse=True)


def test_next_url_keeps_the_canonical_filter(client, make_initiative):
    for _ in range(3):
        make_initiative(themes=["health"], status="active")
    make_initiative(themes=["safety"])
    body = client.get("/api/v1/initiatives?status=active&theme=health&limit=2").json
    assert body["total"] == 3
    query = urlsplit(body["next"]).query
    assert query.startswith("theme=health&status=active&limit=2&cursor=")
    rest = client.get(body["next"]).json
    assert len(rest["items"]) == 1 and rest["next"] is None


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "eyJhIjoxfQ", "WyIyMDI1LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgMV0.tampered", "", "%00"],
)
def test_tampered_cursor_is_400(client, make_initiative, cursor):
    make_initiative()
    response = client.get(f"/api/v1/initiatives?cursor={cursor}")
    if cursor == "":
        assert response.status_code == 200  # an empty cursor is the first page
        return
    assert response.status_code == 400
    assert "cursor" in response.json["errors"]


def test_a_cursor_signed_for_something_else_is_refused(app, client, make_initiative):
    from itsdangerous import URLSafeSerializer

    make_initiative()
    forged = URLSafeSerializer("another-secret", salt="api-cursor").dumps(["2025-01-01", 1])
    assert client.get(f"/api/v1/initiatives?cursor={forged}").status_code == 400
    with app.test_request_context():
        wrong_shape = URLSafeSerializer(app.secret_key, salt="api-cursor").dumps({"a": 1})
        naive = URLSafeSerializer(app.secret_key, salt="api-cursor").dumps(
            ["2025-01-01T00:00:00", 1]
        )
    assert client.get(f"/api/v1/initiatives?cursor={wrong_shape}").status_code == 400
    assert client.get(f"/api/v1/initiatives?cursor={naive}").status_code == 400


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5", "1e2", "٣", "99999999999"])
def test_bad_limit_is_400(client, limit):
    response = client.get(f"/api/v1/initiatives?limit={limit}")
    assert response.status_code == 400
    assert response.json["errors"]["limit"].startswith("limit must be")


def test_default_and_maximum_limit(app, client, make_initiative):
    for _ in range(3):
        make_initiative()
    app.config["API_DEFAULT_LIMIT"], default = 2, app.config["API_DEFAULT_LIMIT"]
    try:
        assert len(client.get("/api/v1/initiatives").json["items"]) == 2
    finally:
        app.config["API_DEFAULT_LIMIT"] = default
    assert len(client.get("/api/v1/initiatives?limit=100").json["items"]) == 3


def test_filters_apply(client, make_initiative, make_neighbourhood, app):
    kirkstall = make_neighbourhood(slug="kirkstall", latitude=53.82, longitude=-1.60)
    armley = make_neighbourhood(slug="armley", latitude=53.80, longitude=-1.59)
    health = make_initiative(
        title="Walking group",
        themes=["health"],
        neighbourhood_id=kirkstall,
        participants=[{"sector": "health", "name": "GP surgery"}],
        outcomes=OUTCOMES,
    )
    safety = make_initiative(title="Street watch", themes=["safety"], neighbourhood_id=armley)
    verify_first_outcome(app, health)

    def ids(query):
        response = client.get(f"/api/v1/initiatives?{query}")
        assert response.status_code == 200, response.json
        return {item["id"] for item in response.json["items"]}

    assert ids("theme=health") == {health}
    assert ids("theme=health&theme=safety") == {health, safety}
    assert ids("neighbourhood=armley") == {safety}
    assert ids("sector=health") == {health}
    assert ids("verified=1") == {health}
    assert ids("q=group") == {health}
    assert ids("bbox=-1.65,53.81,-1.55,53.83") == {health}
    assert ids("near=53.80,-1.59&radius_km=1") == {safety}
    assert ids("theme=health&neighbourhood=armley") == set()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("theme=nope", "theme"),
        ("stage=co-nothing", "stage"),
        ("status=sleeping", "status"),
        ("bbox=1,2,3", "bbox"),
        ("near=95,0", "near"),
        ("radius_km=3", "radius_km"),
        ("verified=yes", "verified"),
        ("q=" + "x" * 201, "q"),
    ],
)
def test_bad_filters_are_400_with_field_errors(client, query, field):
    response = client.get(f"/api/v1/initiatives?{query}")
    assert response.status_code == 400
    assert response.json["ok"] is False and field in response.json["errors"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_search_syntax_is_data_not_an_error(client, make_initiative):
    make_initiative()
    for q in ('"unbalanced', "a AND OR NOT", "x*:(", "NEAR(a b)"):
        assert client.get("/api/v1/initiatives", query_string={"q": q}).status_code == 200


def test_cors_on_reads(client, make_initiative):
    initiative_id = make_initiative()
    for url in (
        "/api/v1/initiatives",
        f"/api/v1/initiatives/{initiative_id}",
        "/api/v1/clusters",
        "/api/v1/neighbourhoods",
        "/api/v1/themes",
        "/api/v1/initiatives.csv",
        "/api/v1/initiatives.geojson",
        "/api/v1/openapi.json",
    ):
        response = client.get(url, headers={"Origin": "https://blog.example"})
        response.get_data()  # the exports stream: read them to the end
        assert response.headers["Access-Control-Allow-Origin"] == "*", url
        assert "Access-Control-Allow-Credentials" not in response.headers


def test_list_queries_do_not_grow_with_the_page(app, client, make_initiative, make_user):
    submitter = make_user()
    for number in range(13):  # neither page is the last (which also looks for undated rows)
        make_initiative(
            submitter_id=submitter.id,
            participants=PARTICIPANTS,
            outcomes=OUTCOMES,
            themes=["safety", "health"],
            title=f"Initiative {number}",
        )
    client.get("/api/v1/initiatives?limit=1")  # reads the facet bitmaps at this data version
    with count_queries(app) as few:
        assert len(client.get("/api/v1/initiatives?limit=2").json["items"]) == 2
    with count_queries(app) as many:
        assert len(client.get("/api/v1/initiatives?limit=12").json["items"]) == 12
    assert len(many) == len(few)


def test_clusters_list_and_detail(app, client, make_initiative):
    first = make_initiative(title="First")
    second = make_initiative(title="Second", themes=["health"])
    hidden = make_initiative(title="Hidden", state="pending")
    create_cluster(
        app,
        [second, hidden, first],
        notes={second: "Start here."},
        title="Safer streets",
        introduction="Some *examples*.",
    )
    create_cluster(app, title="Health", slug="health-now", filter_query="theme=health")
    create_cluster(app, title="Draft", state="draft")
    listing = client.get("/api/v1/clusters").json
    assert listing["licence"]["name"] == "CC BY 4.0"
    counts = {cluster["slug"]: cluster["count"] for cluster in listing["clusters"]}
    assert counts == {"safer-streets": 2, "health-now": 1}
    cluster = next(c for c in listing["clusters"] if c["slug"] == "safer-streets")
    assert cluster["url"] == "http://localhost/clusters/safer-streets"
    assert cluster["kind"] == "picked"
    detail = client.get("/api/v1/clusters/safer-streets").json["cluster"]
    assert [example["id"] for example in detail["examples"]] == [second, first]
    assert detail["examples"][0]["note"] == "Start here."
    assert "<em>examples</em>" in detail["introduction"]["html"]
    assert detail["filter"] is None
    saved = client.get("/api/v1/clusters/health-now").json["cluster"]
    assert saved["filter"] == "theme=health" and saved["examples"][0]["id"] == second
    assert client.get("/api/v1/clusters/draft").status_code == 404
    assert client.get("/api/v1/clusters/nothing-here").json["ok"] is False


def test_cluster_detail_queries_do_not_grow(app, client, make_initiative, make_user):
    submitter = make_user()
    ids = [
        make_initiative(submitter_id=submitter.id, participants=PARTICIPANTS, outcomes=OUTCOMES)
        for _ in range(8)
    ]
    create_cluster(app, ids[:2], title="Small", slug="small")
    create_cluster(app, ids, title="Large", slug="large")
    with count_queries(app) as few:
        client.get("/api/v1/clusters/small")
    with count_queries(app) as many:
        client.get("/api/v1/clusters/large")
    assert len(many) == len(few)


def test_neighbourhoods_and_themes(client, make_initiative, make_neighbourhood):
    kirkstall = make_neighbourhood(name="Kirkstall", slug="kirkstall", latitude=53.82)
    make_initiative(neighbourhood_id=kirkstall, themes=["health"])
    make_initiative(neighbourhood_id=kirkstall, themes=["health"], state="pending")
    neighbourhoods = client.get("/api/v1/neighbourhoods").json["neighbourhoods"]
    entry = next(n for n in neighbourhoods if n["slug"] == "kirkstall")
    assert entry["count"] == 1 and entry["centre"]["lat"] == 53.82
    assert entry["local_authority"] == "Leeds City Council"
    assert entry["url"] == "http://localhost/neighbourhoods/kirkstall"
    themes = {theme["slug"]: theme for theme in client.get("/api/v1/themes").json["themes"]}
    assert list(themes) == ["safety", "health", "education", "sustainability"]
    assert themes["health"]["count"] == 1 and themes["safety"]["count"] == 0
    assert themes["health"]["url"] == "http://localhost/themes/health"


@pytest.mark.parametrize(
    ("url", "old_key"),
    [
        ("/api/v1/clusters", "clusters"),
        ("/api/v1/neighbourhoods", "neighbourhoods"),
        ("/api/v1/themes", "themes"),
    ],
)
def test_reference_lists_have_the_list_envelope_and_keep_their_old_key(
    app, client, make_neighbourhood, url, old_key
):
    make_neighbourhood(name="Kirkstall", slug="kirkstall")
    create_cluster(app, title="Health", slug="health-now", filter_query="theme=health")
    body = client.get(url).json
    assert body["items"] and body["items"] == body[old_key]
    assert body["total"] == len(body["items"])
    assert body["next"] is None
    assert list(body) == ["ok", "items", "total", "next", old_key, "licence"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/clusters/%00",
        "/api/v1/clusters/a%00b",
        "/api/v1/clusters/" + "x" * 500,
        "/api/v1/initiatives?cursor=%00",
        "/api/v1/initiatives?theme=%00&neighbourhood=a%00",
        "/api/v1/initiatives.csv?q=%00",
    ],
)
def test_nul_and_odd_values_are_never_a_server_error(client, url):
    response = client.get(url)
    response.get_data()
    assert response.status_code in {200, 400, 404}
    assert response.is_json or response.mimetype == "text/csv"


@pytest.mark.parametrize(
    "url", ["/api/v1/initiatives/0", "/api/v1/nothing-here", "/api/v1/initiatives?limit=x"]
)
def test_errors_of_public_reads_are_readable_from_other_origins(client, url):
    response = client.get(url, headers={"Origin": "https://blog.example"})
    assert response.status_code in (400, 404)
    assert response.headers.getlist("Access-Control-Allow-Origin") == ["*"]
    assert response.json["ok"] is False
