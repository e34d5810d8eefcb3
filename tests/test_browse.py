"""Browsing: the list of published initiatives, theme pages and neighbourhood pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from markupsafe import escape

from app.extensions import db
from app.initiatives.models import Initiative
from app.themes.models import Theme
from app.timeutil import utcnow
from tests.support.queries import count_queries
from tests.test_pages import assert_valid_html

UNPUBLISHED_STATES = ["draft", "pending", "changes_requested", "rejected", "archived"]
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>",
    "javascript:alert(1)",
    "';alert(1)//",
]


def titles_on(page: str) -> list[str]:
    return re.findall(r'<h3><a href="[^"]*">([^<]*)</a></h3>', page)


def set_times(app, initiative_id: int, **times) -> None:
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        for name, value in times.items():
            setattr(initiative, name, value)
        db.session.commit()


@pytest.fixture
def theme_and_place(app, make_neighbourhood):
    """A neighbourhood called Kirkstall; returns its id and slug."""
    neighbourhood_id = make_neighbourhood(name="Kirkstall", slug="kirkstall")
    return neighbourhood_id, "kirkstall"


def test_list_is_valid_html_with_labelled_fields(client, make_initiative):
    make_initiative(title="Street watch", themes=["safety", "health"])
    response = client.get("/initiatives")
    assert response.status_code == 200
    assert_valid_html(response.data, "/initiatives")
    page = response.get_data(as_text=True)
    assert titles_on(page) == ["Street watch"]
    assert '<h2 id="result-count" aria-live="polite">1 initiative</h2>' in page


def test_result_shows_example_primary_theme_neighbourhood_and_status(
    client, make_initiative, theme_and_place
):
    neighbourhood_id, slug = theme_and_place
    initiative_id = make_initiative(
        title="Walking group",
        summary="Neighbours walk with the GP surgery.",
        themes=["health", "safety"],
        status="completed",
        neighbourhood_id=neighbourhood_id,
    )
    page = client.get("/initiatives").get_data(as_text=True)
    assert f'href="/initiatives/{initiative_id}-walking-group"' in page
    assert "In Kirkstall, residents ran “Walking group”." in page  # the example, not the summary
    assert '<a href="/themes/health">Health</a>' in page
    assert 'fill="#b3261e"' in page
    assert '<a href="/themes/safety">Safety</a>' not in page  # only the primary theme
    assert f'<a href="/neighbourhoods/{slug}">Kirkstall</a>' in page
    assert "<dd>Completed</dd>" in page


@pytest.mark.parametrize("state", UNPUBLISHED_STATES)
def test_unpublished_initiative_absent_from_every_list_count_and_search(
    client, make_initiative, theme_and_place, state
):
    neighbourhood_id, slug = theme_and_place
    make_initiative(
        state=state,
        title="Hidden hedgehog survey",
        themes=["sustainability"],
        stages=["co-assessment"],
        status="ended",
        participants=[{"sector": "business", "name": "Hidden Ltd"}],
        neighbourhood_id=neighbourhood_id,
        latitude=53.8,
        longitude=-1.6,
        location_precision="exact",
    )
    make_initiative(title="Visible street watch", themes=["safety"], stages=["co-delivery"])
    urls = [
        "/initiatives",
        "/initiatives?q=hedgehog",
        "/initiatives?q=Hidden",
        "/initiatives?theme=sustainability",
        "/initiatives?near=53.8,-1.6&sort=distance",
        "/themes/sustainability",
        f"/neighbourhoods/{slug}",
    ]
    for url in urls:
        response = client.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert "Hidden hedgehog survey" not in page, url
        assert "Hidden Ltd" not in page, url
        for label in ["Sustainability", "Co-assessment", "Ended", "Business"]:
            assert f"{label} (0)" in page or url.startswith("/themes/"), (url, label)
    assert "Kirkstall" not in client.get("/initiatives").get_data(as_text=True)
    page = client.get(f"/neighbourhoods/{slug}").get_data(as_text=True)
    assert "0 initiatives" in page


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (None, ["Beta", "alpha", "Gamma"]),
        ("newest", ["Beta", "alpha", "Gamma"]),
        ("updated", ["Gamma", "Beta", "alpha"]),
        ("title", ["alpha", "Beta", "Gamma"]),
        ("nonsense", ["Beta", "alpha", "Gamma"]),
        ("distance", ["Beta", "alpha", "Gamma"]),  # without near: falls back to newest
    ],
)
def test_sorting(app, client, make_initiative, sort, expected):
    now = utcnow()
    for title, published, updated in [
        ("alpha", 2, 3),
        ("Beta", 1, 2),
        ("Gamma", 3, 1),
    ]:
        initiative_id = make_initiative(title=title)
        set_times(
            app,
            initiative_id,
            published_at=now - timedelta(days=published),
            updated_at=now - timedelta(days=updated),
        )
    response = client.get("/initiatives", query_string={"sort": sort} if sort else {})
    assert response.status_code == 200
    assert titles_on(response.get_data(as_text=True)) == expected


def test_sorting_by_distance_uses_public_points_and_shows_distances(client, make_initiative):
    for title, latitude in [("Far", 53.90), ("Near", 53.82), ("Middle", 53.85)]:
        make_initiative(title=title, latitude=latitude, longitude=-1.6, location_precision="exact")
    page = client.get("/initiatives?near=53.8,-1.6&radius_km=20&sort=distance").get_data(
        as_text=True
    )
    assert titles_on(page) == ["Near", "Middle", "Far"]
    assert "<dd>2.2 km</dd>" in page
    assert '<option value="distance" selected>' in page


def test_search_ranks_by_relevance_unless_a_sort_is_chosen(client, make_initiative):
    make_initiative(title="Repair café", summary="Fixing things together.")
    make_initiative(title="Community garden", summary="Also runs a small repair stall.")
    page = client.get("/initiatives?q=repair").get_data(as_text=True)
    assert titles_on(page) == ["Repair café", "Community garden"]
    assert '<option value="" selected>Best match</option>' in page
    page = client.get("/initiatives?q=repair&sort=title").get_data(as_text=True)
    assert titles_on(page) == ["Community garden", "Repair café"]


def test_pagination(client, make_initiative):
    for number in range(25):
        make_initiative(title=f"Initiative {number:02d}")
    first = client.get("/initiatives?sort=title").get_data(as_text=True)
    assert titles_on(first) == [f"Initiative {n:02d}" for n in range(20)]
    assert "25 initiatives" in first
    assert 'href="/initiatives?sort=title&amp;page=2" rel="next"' in first
    second = client.get("/initiatives?sort=title&page=2").get_data(as_text=True)
    assert titles_on(second) == [f"Initiative {n:02d}" for n in range(20, 25)]
    assert 'href="/initiatives?sort=title" rel="prev"' in second
    small = client.get("/initiatives?sort=title&per_page=10&page=3").get_data(as_text=True)
    assert titles_on(small) == [f"Initiative {n:02d}" for n in range(20, 25)]
    assert "Page 3 of 3" in small


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-3",
        "page=abc",
        "per_page=0",
        "per_page=1000",
        "per_page=x",
        "page=99999999999999999999",
        "page=500",
    ],
)
def test_odd_paging_values_never_fail(client, make_initiative, query):
    make_initiative()
    assert client.get(f"/initiatives?{query}").status_code == 200


def test_per_page_is_at_most_100(client, make_initiative):
    for _ in range(101):
        make_initiative()
    page = client.get("/initiatives?per_page=500").get_data(as_text=True)
    assert len(titles_on(page)) == 100


def test_each_option_shows_its_count_and_the_form_keeps_choices(client, make_initiative):
    make_initiative(title="Street watch", summary="-", themes=["health"], status="active")
    make_initiative(title="Street party", summary="-", themes=["health"], status="planned")
    make_initiative(title="Walking group", summary="-", themes=["safety"], status="active")
    page = client.get(
        "/initiatives?theme=health&status=active&q=street&near=53.8,-1.6&radius_km=7"
    ).get_data(as_text=True)
    assert re.search(r'value="health" checked>\s*<label for="theme-health">', page)
    assert re.search(r'value="active" checked>\s*<label for="status-active">', page)
    assert "Health (1)</label>" in page  # status=active still applies
    assert "Safety (0)</label>" in page  # q applies to the theme counts too
    assert 'value="street"' in page
    assert 'value="53.8,-1.6"' in page
    assert 'value="7"' in page
    page = client.get("/initiatives?status=active").get_data(as_text=True)
    assert "Health (1)</label>" in page and "Safety (1)</label>" in page
    assert "Active (2)</label>" in page and "Planned (1)</label>" in page


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("theme=nonsense", "theme", "Unknown theme: nonsense"),
        ("bbox=1,2,3", "bbox", "needs 4 numbers"),
        ("near=99,1", "near", "latitude must be between -90 and 90"),
        ("verified=yes", "verified", "verified must be 1"),
        ("radius_km=3", "radius_km", "only together with near"),
    ],
)
def test_bad_filter_answers_400_with_the_error_beside_the_field(client, query, field, message):
    response = client.get(f"/initiatives?{query}&q=kept+text")
    assert response.status_code == 400
    assert_valid_html(response.data, f"/initiatives?{query}")
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert message in page
    assert 'value="kept text"' in page


def test_bad_filter_keeps_what_was_typed(client):
    page = client.get("/initiatives?bbox=west,1,2&near=53.8,-1.6&theme=safety&theme=nope")
    text = page.get_data(as_text=True)
    assert 'value="west,1,2"' in text
    assert re.search(r'value="safety" checked>', text)


def add_theme(app, slug: str, name: str) -> None:
    """A theme as an admin types it."""
    with app.app_context():
        db.session.add(Theme(slug=slug, name=name, colour="#505a64", position=9))
        db.session.commit()


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_are_escaped(
    app, client, make_initiative, make_neighbourhood, make_user, payload
):
    """Every text a person typed, shown on the list pages, is escaped where it appears."""
    neighbourhood_id = make_neighbourhood(name=payload, slug="evil")
    add_theme(app, "evil-theme", payload)
    submitter = make_user(display_name=payload)
    make_initiative(
        title=payload,
        summary=payload,
        neighbourhood_id=neighbourhood_id,
        themes=["evil-theme", "safety"],
        place_name=payload,
        submitter_id=submitter.id,
        credit="name",
        participants=[{"sector": "voluntary", "name": payload, "roles": [], "people": 3}],
        outcomes=[
            {
                "description": payload,
                "indicator": payload,
                "baseline": 31,
                "result": 22,
                "unit": payload,
            }
        ],
    )
    make_initiative(
        title="Described outcome",
        neighbourhood_id=neighbourhood_id,
        outcomes=[{"description": f"{payload} and more", "indicator": "", "unit": ""}],
    )
    escaped = str(escape(payload))
    for url in [
        "/initiatives",
        f"/initiatives?q={payload}",
        "/neighbourhoods/evil",
        "/themes/evil-theme",
        "/initiatives?neighbourhood=evil",
        "/initiatives?theme=evil-theme",
    ]:
        page = client.get(url).get_data(as_text=True)
        assert payload not in page or payload == "javascript:alert(1)", url
        assert "<script>alert" not in page and "<img src=x" not in page, url
        assert "<svg onload" not in page, url
    page = client.get("/initiatives").get_data(as_text=True)
    assert f">{escaped}</a></h3>" in page
    assert f'<a href="/themes/evil-theme">{escaped}</a>' in page
    assert f'<a href="/neighbourhoods/evil">{escaped}</a>' in page
    # neighbourhood, participant, title, indicator and unit in the example sentence
    assert (
        f"In {escaped}, {escaped} run “{escaped}”; {escaped} fell from 31 to 22 {escaped}."
    ) in page
    assert f"run “Described outcome”; {escaped} and more." in page


def test_theme_page_lists_its_initiatives_with_the_same_filters(client, make_initiative):
    make_initiative(title="Walking group", themes=["safety", "health"], status="active")
    make_initiative(title="Knitting club", themes=["health"], status="planned")
    make_initiative(title="Street watch", themes=["safety"], status="active")
    response = client.get("/themes/health")
    assert response.status_code == 200
    assert_valid_html(response.data, "/themes/health")
    page = response.get_data(as_text=True)
    assert sorted(titles_on(page)) == ["Knitting club", "Walking group"]
    assert 'name="theme"' not in page
    page = client.get("/themes/health?status=active&theme=safety").get_data(as_text=True)
    assert titles_on(page) == ["Walking group"]
    assert 'href="/themes/health"' in page  # clear filters stays on the theme


def test_neighbourhood_page_shows_name_local_authority_and_its_initiatives(
    client, make_initiative, make_neighbourhood
):
    kirkstall = make_neighbourhood(
        name="Kirkstall", slug="kirkstall", local_authority="Leeds City Council"
    )
    make_initiative(title="Repair café", neighbourhood_id=kirkstall)
    make_initiative(title="Elsewhere")
    response = client.get("/neighbourhoods/kirkstall")
    assert response.status_code == 200
    assert_valid_html(response.data, "/neighbourhoods/kirkstall")
    page = response.get_data(as_text=True)
    assert "Kirkstall" in page and "Leeds City Council" in page
    assert titles_on(page) == ["Repair café"]
    assert 'name="neighbourhood"' not in page


@pytest.mark.parametrize(
    "url", ["/themes/nonsense", "/neighbourhoods/nowhere", "/themes/%00", "/neighbourhoods/a%20b"]
)
def test_unknown_theme_or_neighbourhood_is_404(client, url):
    assert client.get(url).status_code == 404


def test_list_takes_the_same_number_of_queries_for_any_page_size(app, client, make_initiative):
    make_initiative(themes=["health", "safety"], participants=[{"sector": "police"}])
    url = "/initiatives?theme=health&theme=safety&stage=co-delivery&q=street&sector=police"
    client.get(url)
    with app.app_context(), count_queries(app) as few:
        assert client.get(url).status_code == 200
    for _ in range(24):
        make_initiative(themes=["health", "safety"], participants=[{"sector": "police"}])
    client.get(url)  # reads the facet bitmaps again at the new data version, once
    with app.app_context(), count_queries(app) as many:
        page = client.get(url).get_data(as_text=True)
    assert len(titles_on(page)) == 20
    assert len(many) == len(few)
    assert len(many) <= 17  # one of them loads the photos of the whole page


@pytest.mark.parametrize(
    ("asked", "canonical"),
    [
        (
            "/initiatives?q=repair&near_place=&near=&radius_km=&bbox=&sort=title",
            "/initiatives?q=repair&sort=title",
        ),
        ("/initiatives?theme=health&theme=&sort=", "/initiatives?theme=health"),
        ("/initiatives?near_place=&near=", "/initiatives"),
        ("/cy/initiatives?q=caf%C3%A9&near=", "/cy/initiatives?q=caf%C3%A9"),
        ("/themes/health?stage=&stage=co-design", "/themes/health?stage=co-design"),
        ("/map?q=&zoom=12&lat=53.8&lon=-1.6", "/map?zoom=12&lat=53.8&lon=-1.6"),
        # The dashboard's empty local_authority is a choice (every area): it stays.
        ("/council?local_authority=&theme=&active_from=", "/council?local_authority="),
    ],
)
def test_html_pages_redirect_to_their_address_without_empty_parameters(client, asked, canonical):
    response = client.get(asked)
    assert response.status_code == 302
    assert response.headers["Location"] == canonical


def test_machine_outputs_keep_empty_parameters(client, make_initiative):
    make_initiative(title="Repair café")
    for address in (
        "/api/v1/initiatives?q=&near=",
        "/feeds/initiatives.atom?q=&near=",
        "/embed/initiatives?q=&near=",
    ):
        assert client.get(address).status_code == 200, address


def test_filter_form_sends_no_sort_unless_one_is_chosen(client, make_initiative):
    make_initiative(title="Repair café")
    page = client.get("/initiatives").get_data(as_text=True)
    assert '<option value="" selected>Newest first</option>' in page
    assert '<option value="newest"' not in page
    page = client.get("/initiatives?q=repair&sort=newest").get_data(as_text=True)
    assert '<option value="">Best match</option>' in page
    assert '<option value="newest" selected>Newest first</option>' in page
