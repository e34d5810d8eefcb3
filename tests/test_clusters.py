"""Cluster pages: the list, one cluster as a readable page, drafts, and only published examples."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import html5lib
import pytest
from sqlalchemy import select

from app.clusters.models import Cluster, ClusterItem
from app.extensions import db
from app.initiatives.models import Initiative
from app.timeutil import utcnow
from tests.support.queries import count_queries
from tests.test_pages import assert_valid_html

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "[click me](javascript:alert(1))",
]
# Script elements that hold data, never code (the map's points, JSON-LD).
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


def create_cluster(
    app,
    initiatives=(),
    notes=None,
    kind=None,
    state="published",
    filter_query="",
    title="Safer streets",
    introduction="",
    slug=None,
    published_at=None,
) -> int:
    """A cluster straight in the database; hand-picked unless a filter is given."""
    notes = notes or {}
    with app.app_context():
        now = utcnow()
        cluster = Cluster(
            title=title,
            slug=slug or re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "cluster",
            introduction=introduction,
            kind=kind or ("filter" if filter_query else "picked"),
            filter_query=filter_query,
            state=state,
            created_at=now,
            updated_at=now,
            published_at=published_at or (now if state == "published" else None),
        )
        db.session.add(cluster)
        for position, initiative_id in enumerate(initiatives):
            db.session.add(
                ClusterItem(
                    cluster=cluster,
                    initiative_id=initiative_id,
                    position=position,
                    note=notes.get(initiative_id, ""),
                )
            )
        db.session.commit()
        return cluster.id


def set_times(app, initiative_id: int, days_ago: float) -> None:
    """Publish (and last change) an initiative some days ago."""
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        moment = utcnow() - timedelta(days=days_ago)
        initiative.published_at = initiative.updated_at = moment
        db.session.commit()


def titles_in(page: str) -> list[str]:
    return [
        html.unescape(title)
        for title in re.findall(
            r'class="cluster-example__title"><a href="[^"]+">([^<]*)</a>', page
        )
    ]


def map_points_in(page: str) -> list[dict]:
    island = re.search(
        r'<script type="application/json" id="cluster-map-data">(.*?)</script>', page
    )
    return json.loads(island.group(1)) if island else []


def assert_inert(page: bytes, url: str) -> None:
    """No script but files and data islands, no event handler attribute, no javascript: link."""
    document = html5lib.parse(page, namespaceHTMLElements=False)
    for script in document.iter("script"):
        if script.get("src"):
            continue
        assert script.get("type") in DATA_SCRIPT_TYPES, url
        assert "<" not in (script.text or ""), url  # JSON written with |tojson escapes it
    for element in document.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (url, element.tag, name)
            if name in ("href", "src", "action"):
                assert not value.strip().lower().startswith("javascript:"), (url, value)
    assert b"<script>alert" not in page
    assert b"<img src=x" not in page


@pytest.fixture
def moderator(make_user, auth):
    user = make_user(role="moderator")
    auth.login(user.email)
    return user


# The list of clusters


def test_list_shows_published_clusters_newest_first_and_never_drafts(app, client):
    now = utcnow()
    create_cluster(app, title="Older", published_at=now - timedelta(days=3))
    create_cluster(app, title="Newer", published_at=now - timedelta(days=1))
    create_cluster(app, title="Secret draft", state="draft")
    response = client.get("/clusters")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.index("Newer") < page.index("Older")
    assert "Secret draft" not in page
    assert_valid_html(response.data, "/clusters")


def test_list_is_paged(app, client):
    now = utcnow()
    for number in range(21):
        create_cluster(
            app, title=f"Cluster {number:02d}", published_at=now - timedelta(hours=number)
        )
    first = client.get("/clusters").get_data(as_text=True)
    second = client.get("/clusters?page=2").get_data(as_text=True)
    assert "Cluster 00" in first and "Cluster 20" not in first
    assert "Cluster 20" in second and "Cluster 00" not in second
    assert 'rel="next"' in first
    assert client.get("/clusters?page=99").status_code == 200


def test_list_shows_an_excerpt_of_the_introduction_as_plain_text(app, client):
    create_cluster(app, introduction="Neighbours **and** the police, [together](https://a.org).")
    page = client.get("/clusters").get_data(as_text=True)
    assert "Neighbours and the police, together." in page


# One cluster's page


def test_cluster_page_reads_like_a_post_in_the_curators_order(
    app, client, make_initiative, make_neighbourhood
):
    kirkstall = make_neighbourhood(name="Kirkstall", slug="kirkstall")
    first = make_initiative(title="Street watch", neighbourhood_id=kirkstall, themes=["safety"])
    second = make_initiative(title="Walking group", themes=["health", "safety"])
    set_times(app, first, 10)  # older, but the curator put it first
    create_cluster(
        app,
        [first, second],
        notes={first: "Where it all began."},
        title="Safer streets",
        introduction="Some **examples** of working together.",
    )
    response = client.get("/clusters/safer-streets")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert_valid_html(response.data, "/clusters/safer-streets")
    assert titles_in(page) == ["Street watch", "Walking group"]
    assert "<strong>examples</strong>" in page
    assert "Curator’s note:</strong> Where it all began." in page
    assert "In Kirkstall, residents run “Street watch”." in page  # the example text
    assert '<a href="/themes/health">Health</a>' in page  # the primary theme
    assert '<a href="/neighbourhoods/kirkstall">Kirkstall</a>' in page
    assert f'href="/initiatives/{first}-street-watch"' in page
    assert '<meta name="robots" content="noindex">' not in page


def test_unknown_cluster_is_not_found(client):
    assert client.get("/clusters/nothing-here").status_code == 404
    assert client.get("/clusters/%00").status_code == 404


@pytest.mark.parametrize("role", [None, "resident", "council"])
def test_draft_cluster_is_not_found_for_the_public(app, client, auth, make_user, role):
    create_cluster(app, title="Work in progress", state="draft")
    if role:
        auth.login(make_user(role=role).email)
    for url in [
        "/clusters/work-in-progress",
        "/clusters/work-in-progress.atom",
        "/clusters/work-in-progress.rss",
    ]:
        assert client.get(url).status_code == 404, url
    assert "Work in progress" not in client.get("/clusters").get_data(as_text=True)


def test_curator_previews_a_draft_with_a_banner_and_noindex(app, client, moderator):
    create_cluster(app, title="Work in progress", state="draft")
    response = client.get("/clusters/work-in-progress")
    assert response.status_code == 200
    assert_valid_html(response.data, "draft preview")
    page = response.get_data(as_text=True)
    assert "Draft: not public." in page
    assert '<meta name="robots" content="noindex">' in page
    assert "application/atom+xml" not in page  # no feeds until published
    assert client.get("/clusters/work-in-progress.atom").status_code == 404


@pytest.mark.parametrize(
    "state", ["draft", "pending", "changes_requested", "rejected", "archived"]
)
def test_only_published_initiatives_show_in_a_hand_picked_cluster(
    app, client, make_initiative, state
):
    shown = make_initiative(title="Shown example")
    hidden = make_initiative(title="Hidden example", state=state)
    create_cluster(app, [hidden, shown])
    page = client.get("/clusters/safer-streets").get_data(as_text=True)
    assert titles_in(page) == ["Shown example"]
    assert "Hidden example" not in page
    assert [point["title"] for point in map_points_in(page)] == ["Shown example"]


def test_only_published_initiatives_show_in_a_saved_filter_cluster(app, client, make_initiative):
    make_initiative(title="Published health", themes=["health"])
    make_initiative(title="Pending health", themes=["health"], state="pending")
    make_initiative(title="Published safety", themes=["safety"])
    create_cluster(app, title="Health", filter_query="theme=health")
    page = client.get("/clusters/health").get_data(as_text=True)
    assert titles_in(page) == ["Published health"]
    assert "Pending health" not in page
    assert 'href="/initiatives?theme=health"' in page


def test_saved_filter_stays_current(app, client, make_initiative):
    make_initiative(title="First walk", themes=["health"])
    create_cluster(app, title="Health", filter_query="theme=health")
    assert titles_in(client.get("/clusters/health").get_data(as_text=True)) == ["First walk"]
    later = make_initiative(title="Second walk", themes=["health"], state="pending")
    assert titles_in(client.get("/clusters/health").get_data(as_text=True)) == ["First walk"]
    with app.app_context():
        initiative = db.session.get(Initiative, later)
        initiative.state = "published"
        initiative.published_at = utcnow() + timedelta(seconds=1)
        db.session.commit()
    page = client.get("/clusters/health").get_data(as_text=True)
    assert titles_in(page) == ["Second walk", "First walk"]  # newest first


def test_saved_near_filter_is_applied(app, client, make_initiative):
    make_initiative(title="Close by", latitude=53.8170, longitude=-1.6030)
    make_initiative(title="Far away", latitude=51.5, longitude=-0.1)
    create_cluster(app, title="Near Kirkstall", filter_query="near=53.817,-1.603&radius_km=2")
    page = client.get("/clusters/near-kirkstall").get_data(as_text=True)
    assert titles_in(page) == ["Close by"]


def test_map_shows_only_public_points(app, client, make_initiative):
    exact = make_initiative(
        title="Rounded", latitude=53.812345, longitude=-1.598765, location_precision="street"
    )
    create_cluster(app, [exact])
    page = client.get("/clusters/safer-streets").get_data(as_text=True)
    [point] = map_points_in(page)
    assert (point["lat"], point["lon"]) == (53.812, -1.599)
    assert "53.812345" not in page and "1.598765" not in page
    assert point["url"] == f"/initiatives/{exact}-rounded"
    assert 'id="cluster-map"' in page
    assert "leaflet.js" in page and "examples-map.js" in page


def test_page_without_points_has_no_map(app, client, make_initiative):
    create_cluster(app, title="Empty")
    page = client.get("/clusters/empty").get_data(as_text=True)
    assert "There are no published examples in this cluster yet." in page
    assert 'id="cluster-map"' not in page


def test_cluster_page_links_its_feeds_and_includes_the_sharing_partials(app, client):
    create_cluster(app, title="Safer streets")
    page = client.get("/clusters/safer-streets").get_data(as_text=True)
    assert (
        '<link rel="alternate" type="application/atom+xml" '
        'href="http://localhost/clusters/safer-streets.atom"' in page
    )
    assert (
        '<link rel="alternate" type="application/rss+xml" '
        'href="http://localhost/clusters/safer-streets.rss"' in page
    )
    assert (
        'href="http://localhost/clusters/safer-streets.atom" type="application/atom+xml"' in page
    )
    assert '<link rel="canonical" href="http://localhost/clusters/safer-streets">' in page


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_user_text_is_inert_on_the_cluster_page_and_list(
    app, client, make_initiative, moderator, payload
):
    initiative = make_initiative(title=f"Walk {payload}", summary=payload)
    cluster_id = create_cluster(
        app,
        [initiative],
        notes={initiative: payload},
        title=f"Title {payload}",
        slug="evil",
        introduction=f"{payload}\n\n[a link](javascript:alert(1)) and <b onclick=x>bold</b>",
    )
    for url in [
        "/clusters/evil",
        "/clusters",
        "/clusters/manage",
        f"/clusters/manage/{cluster_id}",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.data, url)
    page = client.get("/clusters/evil").get_data(as_text=True)
    assert 'href="javascript:' not in page and "<b onclick" not in page
    island = map_points_in(page)
    assert island == [] or island[0]["title"] == f"Walk {payload}"


def test_cluster_page_and_list_queries_do_not_grow_with_examples(app, client, make_initiative):
    def measure(count: int) -> int:
        ids = [
            make_initiative(
                participants=[
                    {"sector": "residents", "name": "", "roles": [], "people": 3, "hours": 1}
                ],
                outcomes=[{"description": "Things got better."}],
                latitude=53.8,
                longitude=-1.6,
            )
            for _ in range(count)
        ]
        create_cluster(app, ids, title=f"Cluster of {count}", notes={ids[0]: "Note"})
        client.get(f"/clusters/cluster-of-{count}")  # warm up
        with count_queries(app) as statements:
            assert client.get(f"/clusters/cluster-of-{count}").status_code == 200
        return len(statements)

    assert measure(2) == measure(8)


def test_examples_on_a_page_are_capped_for_saved_filters(
    app, client, make_initiative, monkeypatch
):
    import app.clusters.views as views

    monkeypatch.setattr(views, "EXAMPLES_SHOWN", 3)
    for number in range(4):
        make_initiative(title=f"Walk {number}", themes=["health"])
    create_cluster(app, title="Health", filter_query="theme=health")
    page = client.get("/clusters/health").get_data(as_text=True)
    assert len(titles_in(page)) == 3
    assert "These are the newest 3." in page


def test_cluster_rows_survive_their_initiatives(app, make_initiative):
    initiative = make_initiative()
    cluster_id = create_cluster(app, [initiative])
    with app.app_context():
        db.session.delete(db.session.get(Initiative, initiative))
        db.session.commit()
        assert db.session.get(Cluster, cluster_id) is not None
        assert db.session.scalars(select(ClusterItem)).all() == []
