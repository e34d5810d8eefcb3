"""What pages tell other sites: Open Graph / Twitter meta, schema.org JSON-LD, and the
"Embed / subscribe" panel with its preview, snippets and feed addresses."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import html5lib
import pytest

from tests.test_clusters import XSS_PAYLOADS, create_cluster
from tests.test_pages import assert_valid_html


def parse(page: bytes):
    return html5lib.parse(page, namespaceHTMLElements=False)


def meta_of(page: bytes) -> dict[str, str]:
    found = {}
    for meta in parse(page).iter("meta"):
        key = meta.get("property") or meta.get("name")
        if key and (key.startswith("og:") or key.startswith("twitter:") or ":" in key):
            found[key] = meta.get("content")
    return found


def json_ld_of(page: bytes) -> list[dict]:
    return [
        json.loads(script.text)
        for script in parse(page).iter("script")
        if script.get("type") == "application/ld+json"
    ]


@pytest.fixture
def initiative(make_initiative, make_neighbourhood):
    where = make_neighbourhood(name="Kirkstall", slug="kirkstall", latitude=53.8, longitude=-1.6)
    return make_initiative(
        title="Street watch",
        summary="Residents and the police walk the streets together.",
        neighbourhood_id=where,
        place_name="Back Lane",
        latitude=53.812345,
        longitude=-1.587654,
        location_precision="street",
        credit="organisation",
        credit_name="Kirkstall Residents",
        participants=[
            {"sector": "residents", "name": "Kirkstall Residents", "people": 40},
            {"sector": "police", "name": "West Yorkshire Police"},
            {"sector": "council", "name": ""},
        ],
    )


# Open Graph and Twitter


def test_initiative_page_previews_well_when_shared(client, initiative):
    page = client.get(f"/initiatives/{initiative}-street-watch").data
    meta = meta_of(page)
    url = f"http://localhost/initiatives/{initiative}-street-watch"
    assert meta["og:title"] == meta["twitter:title"] == "Street watch"
    assert meta["og:url"] == url
    assert meta["og:type"] == "article" and meta["og:site_name"] == "Coproduce"
    assert meta["og:description"].startswith("In Kirkstall, ")
    assert meta["twitter:description"] == meta["og:description"]
    assert meta["twitter:card"] == "summary"
    assert meta["article:published_time"].endswith("+00:00")


def test_cluster_page_previews_with_its_introduction(app, client, initiative):
    create_cluster(
        app,
        [initiative],
        slug="safer-streets",
        title="Safer streets",
        introduction="A *tidy* little cluster of examples.",
    )
    meta = meta_of(client.get("/clusters/safer-streets").data)
    assert meta["og:title"] == "Safer streets"
    assert meta["og:description"] == "A tidy little cluster of examples."
    assert meta["og:url"] == "http://localhost/clusters/safer-streets"


def test_hidden_pages_carry_no_share_meta(app, client, auth, make_user, make_initiative):
    auth.login(make_user(role="moderator").email)
    pending = make_initiative(title="Pending", state="pending")
    create_cluster(app, [pending], slug="draft", state="draft")
    for url in [f"/initiatives/{pending}-pending", "/clusters/draft"]:
        page = client.get(url).data
        assert "og:title" not in meta_of(page), url
        assert json_ld_of(page) == [], url


# JSON-LD


def test_initiative_json_ld_describes_the_project_at_its_public_point(client, initiative):
    page = client.get(f"/initiatives/{initiative}-street-watch").data
    [data] = json_ld_of(page)
    url = f"http://localhost/initiatives/{initiative}-street-watch"
    assert data["@context"] == "https://schema.org" and data["@type"] == "WebPage"
    assert data["url"] == url and data["name"] == "Street watch"
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["author"] == {"@type": "Organization", "name": "Kirkstall Residents"}
    project = data["mainEntity"]
    assert project["@type"] == "Project" and project["keywords"] == ["Safety"]
    assert [member["name"] for member in project["member"]] == [
        "Kirkstall Residents",
        "West Yorkshire Police",
    ]
    place = project["location"]
    assert place["name"] == "Back Lane"
    assert place["containedInPlace"]["name"] == "Kirkstall"
    assert place["geo"] == {"@type": "GeoCoordinates", "latitude": 53.812, "longitude": -1.588}
    assert b"53.812345" not in page


def test_json_ld_never_names_an_anonymous_submitter(client, make_initiative, make_user):
    user = make_user(display_name="Private Person")
    initiative = make_initiative(title="Quiet", credit="anonymous", submitter_id=user.id)
    page = client.get(f"/initiatives/{initiative}-quiet").data
    [data] = json_ld_of(page)
    assert "author" not in data
    assert b"Private Person" not in page


def test_neighbourhood_precision_hides_the_place_name(client, make_initiative):
    initiative = make_initiative(
        title="Garden", place_name="12 Secret Street", location_precision="neighbourhood"
    )
    page = client.get(f"/initiatives/{initiative}-garden").data
    assert b"Secret Street" not in page
    [data] = json_ld_of(page)
    assert "Secret" not in json.dumps(data)


def test_cluster_json_ld_lists_its_published_examples_in_order(app, client, make_initiative):
    first = make_initiative(title="First")
    second = make_initiative(title="Second")
    hidden = make_initiative(title="Hidden", state="pending")
    create_cluster(app, [second, hidden, first], slug="ordered", title="Ordered")
    [data] = json_ld_of(client.get("/clusters/ordered").data)
    assert data["@type"] == "CollectionPage"
    assert data["url"] == "http://localhost/clusters/ordered"
    items = data["mainEntity"]["itemListElement"]
    assert data["mainEntity"]["@type"] == "ItemList"
    assert data["mainEntity"]["numberOfItems"] == 2
    assert [(item["position"], item["name"]) for item in items] == [(1, "Second"), (2, "First")]
    assert items[0]["url"] == f"http://localhost/initiatives/{second}-second"
    assert items[0]["description"].endswith("“Second”.")


@pytest.mark.parametrize(
    "payload", [*XSS_PAYLOADS, "</script><script>alert(1)</script>", "</SCRIPT >&lt;!--"]
)
def test_user_text_cannot_break_out_of_json_ld_or_meta(app, client, make_initiative, payload):
    initiative = make_initiative(
        title=f"Walk {payload}", summary=payload, credit="organisation", credit_name=payload
    )
    create_cluster(app, [initiative], slug="evil", title=f"Title {payload}", introduction=payload)
    for url, title in [
        (f"/initiatives/{initiative}", f"Walk {payload}"),
        ("/clusters/evil", f"Title {payload}"),
    ]:
        response = client.get(url, follow_redirects=True)
        page = response.data
        document = parse(page)
        scripts = [s for s in document.iter("script") if not s.get("src")]
        assert all(
            s.get("type") in ("application/json", "application/ld+json") for s in scripts
        ), url
        for script in scripts:
            assert "<" not in script.text, url
        [data] = json_ld_of(page)
        assert data["name"] == title, url
        assert meta_of(page)["og:title"] == title, url
        assert b"<script>alert" not in page and b"<img src=x" not in page
        for element in document.iter():
            assert not [name for name in element.attrib if name.startswith("on")], url


# The "Embed / subscribe" panel


def panel_of(page: bytes):
    document = parse(page)
    return document.find(".//details[@id='embed-panel']"), document


def field_value(document, field_id: str) -> str:
    for element in document.iter():
        if element.get("id") == field_id:
            return element.get("value") if element.tag == "input" else (element.text or "")
    raise AssertionError(f"no #{field_id}")


def test_panel_on_a_filtered_list_offers_snippets_preview_and_feeds(client, make_initiative):
    make_initiative(title="Health walk", themes=["health"])
    response = client.get("/initiatives?sector=police&theme=health")
    assert response.status_code == 200
    panel, document = panel_of(response.data)
    assert panel is not None and panel.get("open") is None
    assert "".join(panel.find("summary").itertext()) == "Embed / subscribe"
    embed = "http://localhost/embed/initiatives?theme=health&sector=police"
    assert panel.find(".//iframe").get("src") == embed
    script = field_value(document, "embed-script-snippet")
    assert script == (
        '<script src="http://localhost/embed.js" '
        'data-filter="theme=health&amp;sector=police" async></script>'
    )
    iframe = parse(field_value(document, "embed-iframe-snippet").encode()).find(".//iframe")
    assert iframe.get("src") == embed and iframe.get("width") == "100%"
    assert field_value(document, "embed-page-url") == (
        "http://localhost/initiatives?theme=health&sector=police"
    )
    feeds = [field_value(document, "embed-feed-1"), field_value(document, "embed-feed-2")]
    assert feeds == [
        "http://localhost/feeds/initiatives.atom?theme=health&sector=police",
        "http://localhost/feeds/initiatives.rss?theme=health&sector=police",
    ]
    form = panel.find(".//form")
    assert form.get("method") == "get"
    assert form.find(".//input[@name='csrf_token']") is None
    hidden = {
        (i.get("name"), i.get("value")) for i in form.iter("input") if i.get("type") == "hidden"
    }
    assert hidden == {("sector", "police"), ("theme", "health")}
    assert_valid_html(response.data, "/initiatives")


def test_panel_without_javascript_reloads_with_the_chosen_options(client, make_initiative):
    make_initiative(themes=["health"])
    response = client.get("/themes/health?status=active&layout=cards&limit=5&scheme=dark")
    panel, document = panel_of(response.data)
    assert panel.get("open") is not None
    embed = "http://localhost/embed/initiatives?theme=health&status=active&layout=cards&limit=5&scheme=dark"
    assert panel.find(".//iframe").get("src") == embed
    assert document.find(".//input[@id='embed-layout-cards']").get("checked") is not None
    assert document.find(".//input[@id='embed-scheme-dark']").get("checked") is not None
    assert document.find(".//input[@id='embed-limit']").get("value") == "5"
    script = field_value(document, "embed-script-snippet")
    assert 'data-filter="theme=health&amp;status=active"' in script
    assert 'data-layout="cards" data-limit="5" data-scheme="dark"' in script
    assert client.get(embed).status_code == 200


def test_panel_ignores_bad_options_and_keeps_the_page_working(client):
    response = client.get("/initiatives?limit=9999&layout=<b>")
    assert response.status_code == 200
    panel, _document = panel_of(response.data)
    assert panel.find(".//iframe").get("src") == "http://localhost/embed/initiatives"
    assert b"<b>" not in response.data


def test_panel_on_a_cluster_page_uses_the_cluster(app, client, make_initiative):
    create_cluster(app, [make_initiative()], slug="safer-streets")
    response = client.get("/clusters/safer-streets")
    panel, document = panel_of(response.data)
    assert panel.find(".//iframe").get("src") == "http://localhost/embed/clusters/safer-streets"
    assert field_value(document, "embed-script-snippet") == (
        '<script src="http://localhost/embed.js" data-cluster="safer-streets" async></script>'
    )
    assert field_value(document, "embed-page-url") == "http://localhost/clusters/safer-streets"
    assert field_value(document, "embed-feed-1") == "http://localhost/clusters/safer-streets.atom"


def test_panel_on_theme_neighbourhood_and_map_pages(client, make_neighbourhood):
    make_neighbourhood(name="Kirkstall", slug="kirkstall")
    expected = {
        "/themes/safety": "http://localhost/embed/initiatives?theme=safety",
        "/neighbourhoods/kirkstall": "http://localhost/embed/initiatives?neighbourhood=kirkstall",
        "/map?theme=health&zoom=8": "http://localhost/embed/initiatives?theme=health&layout=map",
    }
    for url, embed in expected.items():
        response = client.get(url)
        panel, document = panel_of(response.data)
        assert panel is not None, url
        assert panel.find(".//iframe").get("src") == embed, url
        hidden = dict(
            (i.get("name"), i.get("value"))
            for i in panel.iter("input")
            if i.get("type") == "hidden"
        )
        assert hidden == dict(parse_qsl(urlsplit(url).query)), url
    map_page = panel_of(client.get("/map?theme=health").data)[1]
    assert field_value(map_page, "embed-page-url") == "http://localhost/map?theme=health"


def test_no_panel_while_the_filters_have_errors(client):
    response = client.get("/initiatives?theme=no-such-theme")
    assert response.status_code == 400
    assert panel_of(response.data)[0] is None


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_panel_escapes_what_it_echoes(client, payload):
    response = client.get("/initiatives", query_string={"q": payload, "zoom": payload})
    page = response.data
    assert b"<script>alert" not in page and b"<img src=x" not in page
    panel, document = panel_of(page)
    script = field_value(document, "embed-script-snippet")
    snippet = parse(script.encode()).find(".//script")
    assert dict(parse_qsl(snippet.get("data-filter")))["q"] == payload
