"""Embeds: chrome-free pages for other sites' iframes, their options, caching and safety."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import html5lib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.extensions import db
from app.initiatives.models import Initiative
from app.timeutil import utcnow
from tests.support.queries import count_queries
from tests.test_clusters import XSS_PAYLOADS, create_cluster, set_times

LAYOUTS = ["list", "cards", "map"]


def parse(response):
    return html5lib.parse(response.data, namespaceHTMLElements=False)


def example_titles(response) -> list[str]:
    document = parse(response)
    return [
        "".join(heading.itertext())
        for heading in document.iter("h3")
        if heading.get("class") == "embed-example__title"
    ]


def map_points(response) -> list[dict]:
    found = re.search(
        rb'<script type="application/json" id="embed-map-data">(.*?)</script>', response.data
    )
    return json.loads(found.group(1)) if found else []


def assert_embed_page(response, url: str) -> None:
    """Chrome-free, frameable, no cookie, no form, every link opening our site in a new tab."""
    assert response.headers.get("Set-Cookie") is None, url
    assert "X-Frame-Options" not in response.headers, url
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"], url
    document = parse(response)
    assert document.find(".//form") is None, url
    assert document.find(".//header[@class='site-header']") is None, url
    assert document.find(".//nav") is None, url
    for link in document.iter("a"):
        href = link.get("href", "")
        assert href.startswith("http://localhost/") or href.startswith("https://"), (url, href)
        assert link.get("target") == "_blank", (url, href)
        assert "noopener" in link.get("rel", "").split(), (url, href)


def assert_inert(response, url: str) -> None:
    """User text stays text: no script but ours, no handler attribute, no javascript: link."""
    document = parse(response)
    for script in document.iter("script"):
        assert script.get("src") or script.get("type") == "application/json", url
        if script.get("src"):
            assert script.get("src").startswith("/static/"), url
    for element in document.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (url, element.tag, name)
            if name in ("href", "src", "action"):
                assert not value.strip().lower().startswith("javascript:"), (url, value)
    assert b"<script>alert" not in response.data
    assert b"<img src=x" not in response.data


@pytest.fixture
def picked(app, make_initiative, make_neighbourhood):
    """A published hand-picked cluster: two published examples with notes, one pending."""
    where = make_neighbourhood(name="Kirkstall", slug="kirkstall")
    first = make_initiative(title="Street watch", neighbourhood_id=where)
    second = make_initiative(title="Walking group", themes=["health"], neighbourhood_id=where)
    hidden = make_initiative(title="Not yet public", state="pending")
    create_cluster(
        app,
        [second, hidden, first],
        notes={second: "Started by the GP surgery.", first: "Now in its third year."},
        slug="safer-streets",
        title="Safer streets",
        introduction="A **tidy** little cluster.",
    )
    return {"first": first, "second": second, "hidden": hidden}


# Cluster embeds


@pytest.mark.parametrize("layout", LAYOUTS)
def test_cluster_embed_shows_published_examples_in_the_curators_order(client, picked, layout):
    url = f"/embed/clusters/safer-streets?layout={layout}"
    response = client.get(url)
    assert response.status_code == 200
    assert example_titles(response) == ["Walking group", "Street watch"]
    page = response.get_data(as_text=True)
    assert "Not yet public" not in page
    assert "Started by the GP surgery." in page and "Now in its third year." in page
    assert "Kirkstall" in page and "Health" in page and "Safety" in page
    assert "In Kirkstall, residents run “Walking group”." in page
    assert_embed_page(response, url)


def test_embed_credits_the_site_with_the_data_licence(client, picked):
    document = parse(client.get("/embed/clusters/safer-streets"))
    via = document.find(".//p[@class='embed__via']")
    links = {"".join(a.itertext()): a.get("href") for a in via.iter("a")}
    assert "".join(via.itertext()).startswith("via Coproduce")
    assert links["Coproduce"] == "http://localhost/clusters/safer-streets"
    assert links["CC BY 4.0"] == "https://creativecommons.org/licenses/by/4.0/"
    example_link = document.find(".//h3[@class='embed-example__title']/a")
    href = example_link.get("href")
    assert re.fullmatch(r"http://localhost/initiatives/\d+-walking-group", href)


def test_limit_caps_the_examples_shown(client, picked):
    assert example_titles(client.get("/embed/clusters/safer-streets?limit=1")) == ["Walking group"]


def see_all(response) -> tuple[str, str, bool]:
    """The "See all N examples" paragraph: its text, its link, whether it waits hidden."""
    more = parse(response).find(".//p[@class='embed__more']")
    link = more.find("a")
    return "".join(link.itertext()), link.get("href"), more.get("hidden") is not None


def test_a_cut_list_ends_with_see_all_linking_to_the_cluster(client, picked):
    text, href, hidden = see_all(client.get("/embed/clusters/safer-streets?limit=1"))
    assert (text, href, hidden) == (
        "See all 2 examples",
        "http://localhost/clusters/safer-streets",
        False,
    )
    # Not cut: there, but hidden until a frame too short for the list shows it.
    assert see_all(client.get("/embed/clusters/safer-streets"))[2] is True
    welsh = see_all(client.get("/embed/clusters/safer-streets?limit=1&lang=cy"))
    assert welsh[0] != text and "2" in welsh[0]


def test_a_cut_filtered_list_counts_every_match(client, make_initiative):
    for number in range(4):
        make_initiative(title=f"Health walk {number}", themes=["health"])
    make_initiative(title="Street watch", themes=["safety"])
    text, href, hidden = see_all(client.get("/embed/initiatives?theme=health&limit=3"))
    assert (text, href, hidden) == (
        "See all 4 examples",
        "http://localhost/initiatives?theme=health",
        False,
    )


def test_draft_and_unknown_clusters_are_not_found_without_chrome(app, client, make_initiative):
    create_cluster(app, [make_initiative()], slug="draft", state="draft")
    for url in ["/embed/clusters/draft", "/embed/clusters/nothing", "/embed/clusters/%00x"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert_embed_page(response, url)
        assert b"Street watch" not in response.data


def test_a_filter_cluster_stays_current(app, client, make_initiative):
    make_initiative(title="Health walk", themes=["health"])
    create_cluster(app, slug="health", filter_query="theme=health")
    assert example_titles(client.get("/embed/clusters/health")) == ["Health walk"]
    make_initiative(title="Health café", themes=["health"])
    assert set(example_titles(client.get("/embed/clusters/health"))) == {
        "Health walk",
        "Health café",
    }


# Filtered embeds


def test_filtered_embed_shows_matching_published_initiatives_newest_first(
    app, client, make_initiative
):
    old = make_initiative(title="Old health", themes=["health"])
    new = make_initiative(title="New health", themes=["health"])
    make_initiative(title="Safety only", themes=["safety"])
    make_initiative(title="Draft health", themes=["health"], state="draft")
    set_times(app, old, 3)
    set_times(app, new, 1)
    url = "/embed/initiatives?theme=health&layout=cards&scheme=dark"
    response = client.get(url)
    assert response.status_code == 200
    assert example_titles(response) == ["New health", "Old health"]
    assert_embed_page(response, url)
    document = parse(response)
    assert document.get("class") == "embed-scheme-dark"
    heading = document.find(".//h2[@class='embed__title']/a")
    assert heading.get("href") == "http://localhost/initiatives?theme=health"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=51", "limit"),
        ("limit=ten", "limit"),
        ("limit=1&limit=2", "limit"),
        ("layout=grid", "layout"),
        ("scheme=blue", "scheme"),
        ("theme=no-such-theme", "theme"),
        ("bbox=1,2,3", "bbox"),
        ("near=95,0", "near"),
        ("status=sleeping&layout=grid", "status"),
    ],
)
def test_bad_options_or_filters_answer_400_listing_the_problem(client, query, field):
    url = f"/embed/initiatives?{query}"
    response = client.get(url)
    assert response.status_code == 400
    assert_embed_page(response, url)
    problems = parse(response).findall(".//div[@class='embed-problem']/ul/li")
    assert field in ["".join(item.find("code").itertext()) for item in problems]


def test_bad_cluster_embed_options_answer_400(client, picked):
    response = client.get("/embed/clusters/safer-streets?layout=grid")
    assert response.status_code == 400
    assert b"layout must be one of" in response.data


def test_unknown_embed_address_is_a_frameable_404(client):
    response = client.get("/embed/anything/else")
    assert response.status_code == 404
    assert_embed_page(response, "/embed/anything/else")


# One initiative (what oEmbed offers for an initiative's page)


def test_single_initiative_embed_is_a_card_of_a_published_initiative(
    client, make_initiative, make_user
):
    submitter = make_user(display_name="Private Person")
    public = make_initiative(title="Repair café", credit="anonymous", submitter_id=submitter.id)
    pending = make_initiative(title="Pending café", state="pending")
    response = client.get(f"/embed/initiatives/{public}?scheme=dark")
    assert response.status_code == 200
    assert_embed_page(response, "single")
    page = response.get_data(as_text=True)
    assert "Repair café" in page and "Submitted by a resident of" in page
    assert "Private Person" not in page
    assert client.get(f"/embed/initiatives/{pending}").status_code == 404
    assert client.get("/embed/initiatives/99999999").status_code == 404


# The map layout


def test_map_layout_carries_public_points_only(client, make_initiative, make_neighbourhood):
    where = make_neighbourhood(latitude=53.80, longitude=-1.55)
    make_initiative(
        title="Exact",
        neighbourhood_id=where,
        latitude=53.812345,
        longitude=-1.587654,
        location_precision="street",
    )
    make_initiative(
        title="Hidden street",
        neighbourhood_id=where,
        latitude=53.7,
        longitude=-1.4,
        location_precision="neighbourhood",
    )
    response = client.get("/embed/initiatives?layout=map")
    points = {point["title"]: point for point in map_points(response)}
    assert (points["Exact"]["lat"], points["Exact"]["lon"]) == (53.812, -1.588)
    assert (points["Hidden street"]["lat"], points["Hidden street"]["lon"]) == (53.8, -1.55)
    assert b"53.812345" not in response.data and b"53.7," not in response.data
    assert points["Exact"]["url"].startswith("http://localhost/initiatives/")
    scripts = [s.get("src") for s in parse(response).iter("script") if s.get("src")]
    assert "/static/vendor/leaflet/leaflet.js" in scripts
    assert "/static/js/examples-map.js" in scripts


# Safety


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_user_text_is_inert_in_every_embed_layout(app, client, make_initiative, payload):
    initiative = make_initiative(title=f"Walk {payload}", summary=payload, credit_name=payload)
    create_cluster(
        app,
        [initiative],
        notes={initiative: payload},
        title=f"Title {payload}",
        slug="evil",
        introduction=f"{payload}\n\n[a link](javascript:alert(1)) <b onclick=x>bold</b>",
    )
    urls = [f"/embed/clusters/evil?layout={layout}" for layout in LAYOUTS]
    urls += [f"/embed/initiatives?layout={layout}" for layout in LAYOUTS]
    urls += [f"/embed/initiatives/{initiative}"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response, url)
        assert_embed_page(response, url)
    island = map_points(client.get("/embed/clusters/evil?layout=map"))
    assert island[0]["title"] == f"Walk {payload}"


def test_filter_text_is_inert_in_the_problem_page(client):
    response = client.get("/embed/initiatives?theme=<script>alert(1)</script>&limit=<b>")
    assert response.status_code == 400
    assert_inert(response, "problem")


def test_embeds_set_no_cookie_even_for_a_signed_in_visitor(client, auth, make_user, picked):
    auth.login(make_user(role="moderator").email)
    for url in [
        "/embed/clusters/safer-streets",
        "/embed/initiatives?layout=map",
        f"/embed/initiatives/{picked['first']}",
        "/embed/clusters/nothing",
        "/embed/initiatives?limit=0",
    ]:
        response = client.get(url)
        assert response.headers.get("Set-Cookie") is None, url
        assert parse(response).find(".//form") is None, url
        assert b"csrf_token" not in response.data, url


def test_embed_pages_are_valid_html_with_one_language(client, picked):
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    for layout in LAYOUTS:
        document = parser.parse(client.get(f"/embed/clusters/safer-streets?layout={layout}").data)
        assert document.get("lang") == "en-GB"


# Caching


def test_conditional_get_answers_304_until_an_example_changes(app, client, picked):
    url = "/embed/clusters/safer-streets?layout=cards"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    assert (
        "public" in first.headers["Cache-Control"]
        and "max-age=300" in first.headers["Cache-Control"]
    )
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other_layout = client.get("/embed/clusters/safer-streets?layout=list")
    assert other_layout.headers["ETag"] != etag
    with app.app_context():
        initiative = db.session.get(Initiative, picked["first"])
        initiative.title = "Street watch (renamed)"
        initiative.updated_at = utcnow() + timedelta(seconds=2)
        db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert "Street watch (renamed)" in example_titles(changed)


def test_filtered_embed_etag_changes_when_a_new_initiative_matches(client, make_initiative):
    make_initiative(title="First", themes=["health"])
    url = "/embed/initiatives?theme=health"
    etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    make_initiative(title="Second", themes=["health"])
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200


def test_single_initiative_embed_is_cacheable(client, make_initiative):
    initiative = make_initiative()
    first = client.get(f"/embed/initiatives/{initiative}")
    assert "max-age=300" in first.headers["Cache-Control"]
    again = client.get(
        f"/embed/initiatives/{initiative}", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


@pytest.mark.parametrize("layout", LAYOUTS)
def test_embed_queries_do_not_grow_with_examples(app, client, make_initiative, layout):
    def measure(count: int, slug: str) -> int:
        ids = [
            make_initiative(
                themes=["health", "safety"],
                participants=[{"sector": "residents", "name": "Residents", "people": 5}],
                outcomes=[{"description": "Fewer burglaries"}],
            )
            for _ in range(count)
        ]
        create_cluster(app, ids, slug=slug, title=slug)
        with count_queries(app) as cluster_queries:
            assert client.get(f"/embed/clusters/{slug}?layout={layout}").status_code == 200
        with count_queries(app) as list_queries:
            response = client.get(f"/embed/initiatives?layout={layout}&limit=50")
            assert response.status_code == 200
        return len(cluster_queries), len(list_queries)

    # Both clusters are longer than the default limit: "See all N" counts them once.
    assert measure(11, "some") == measure(22, "many")


# The loader script


def test_embed_js_is_served_as_javascript_with_cache_headers(client):
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert "max-age=300" in response.headers["Cache-Control"]
    assert "public" in response.headers["Cache-Control"]
    assert response.headers["ETag"]
    body = response.get_data(as_text=True)
    assert "coproduce:height" in body and "event.origin" in body and "event.source" in body
    again = client.get("/embed.js", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    response.close()
    again.close()


def test_embed_pages_load_only_scripts_from_our_origin(client, picked):
    for layout in LAYOUTS:
        document = parse(client.get(f"/embed/clusters/safer-streets?layout={layout}"))
        sources = [script.get("src") for script in document.iter("script") if script.get("src")]
        assert "/static/js/embed-frame.js" in sources
        assert all(source.startswith("/static/") for source in sources)
        inline = [s for s in document.iter("script") if not s.get("src")]
        assert all(script.get("type") == "application/json" for script in inline)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    values=st.dictionaries(
        st.sampled_from(["layout", "limit", "scheme", "theme", "q", "near", "status"]),
        st.text(max_size=12),
        max_size=4,
    )
)
def test_no_query_string_makes_an_embed_fail(client, values):
    response = client.get("/embed/initiatives", query_string=values)
    assert response.status_code in (200, 400)
    assert response.headers.get("Set-Cookie") is None
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]


def test_renaming_a_theme_changes_the_etag_of_embeds_that_show_it(app, client, make_initiative):
    from app.themes.models import Theme

    make_initiative(themes=["health"])
    first = client.get("/embed/initiatives?theme=health")
    with app.app_context():
        db.session.scalar(select(Theme).where(Theme.slug == "health")).name = "Wellbeing"
        db.session.commit()
    again = client.get(
        "/embed/initiatives?theme=health", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 200
    assert "Wellbeing" in again.text
