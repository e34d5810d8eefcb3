"""oEmbed 1.0: answers for our pages, sizes within bounds, errors, discovery and caching."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import parse_qs, quote, urlsplit

import html5lib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.initiatives.models import Initiative
from app.timeutil import utcnow
from tests.test_clusters import XSS_PAYLOADS, create_cluster


def oembed(client, url: str, **params):
    query = "&".join(f"{name}={quote(str(value), safe='')}" for name, value in params.items())
    return client.get(f"/oembed?url={quote(url, safe='')}" + (f"&{query}" if query else ""))


def frame_of(answer: dict):
    """The one iframe element of an answer's html."""
    document = html5lib.parseFragment(answer["html"], namespaceHTMLElements=False)
    frames = list(document.iter("iframe"))
    assert len(frames) == 1 and len(list(document)) == 1
    return frames[0]


@pytest.fixture
def initiative(make_initiative, make_user):
    user = make_user(display_name="Jo Bloggs")
    return make_initiative(title="Repair café", credit="name", submitter_id=user.id)


@pytest.fixture
def cluster(app, initiative):
    create_cluster(app, [initiative], slug="safer-streets", title="Safer streets")
    return "safer-streets"


# 200


def test_initiative_answer_is_a_rich_oembed_of_its_embed(client, initiative):
    response = oembed(client, f"http://localhost/initiatives/{initiative}-repair-cafe")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    answer = response.get_json()
    assert answer["type"] == "rich" and answer["version"] == "1.0"
    assert answer["title"] == "Repair café"
    assert answer["provider_name"] == "Coproduce"
    assert answer["provider_url"] == "http://localhost/"
    assert answer["author_name"] == "Jo Bloggs"
    assert answer["cache_age"] == 300
    assert (answer["width"], answer["height"]) == (600, 260)
    frame = frame_of(answer)
    assert frame.get("src") == f"http://localhost/embed/initiatives/{initiative}"
    assert frame.get("width") == "600" and frame.get("height") == "260"
    assert frame.get("title") == "Repair café"
    assert client.get(frame.get("src")).status_code == 200


def test_short_initiative_address_and_wrong_slug_are_understood(client, initiative):
    for url in [
        f"http://localhost/initiatives/{initiative}",
        f"http://localhost/initiatives/{initiative}-old-name",
        f"https://localhost/initiatives/{initiative}-repair-cafe?utm_source=x#top",
    ]:
        response = oembed(client, url, format="json")
        assert response.status_code == 200, url
        assert response.get_json()["title"] == "Repair café"


def test_cluster_answer_frames_the_cluster_embed(client, cluster):
    answer = oembed(client, "http://localhost/clusters/safer-streets").get_json()
    assert answer["title"] == "Safer streets"
    assert frame_of(answer).get("src") == "http://localhost/embed/clusters/safer-streets"
    assert "author_name" not in answer


def test_cluster_address_with_embed_options_keeps_them(client, cluster):
    answer = oembed(client, "http://localhost/clusters/safer-streets?layout=cards&limit=3")
    src = frame_of(answer.get_json()).get("src")
    assert src == "http://localhost/embed/clusters/safer-streets?layout=cards&limit=3"


def test_filtered_list_theme_neighbourhood_and_map_addresses(
    client, make_initiative, make_neighbourhood
):
    make_neighbourhood(name="Kirkstall", slug="kirkstall")
    make_initiative(title="Health walk", themes=["health"])
    cases = {
        "http://localhost/initiatives?sector=police&theme=health&page=2": (
            "http://localhost/embed/initiatives?theme=health&sector=police"
        ),
        "http://localhost/initiatives": "http://localhost/embed/initiatives",
        "http://localhost/themes/health?status=active": (
            "http://localhost/embed/initiatives?theme=health&status=active"
        ),
        "http://localhost/neighbourhoods/kirkstall": (
            "http://localhost/embed/initiatives?neighbourhood=kirkstall"
        ),
        "http://localhost/map?theme=health&zoom=9": (
            "http://localhost/embed/initiatives?theme=health&layout=map"
        ),
    }
    for url, src in cases.items():
        response = oembed(client, url)
        assert response.status_code == 200, url
        frame = frame_of(response.get_json())
        assert frame.get("src") == src, url
        assert client.get(frame.get("src")).status_code == 200, url
    title = oembed(client, "http://localhost/themes/health").get_json()["title"]
    assert title == "Initiatives: health"


# Sizes


@pytest.mark.parametrize(
    ("params", "size"),
    [
        ({}, (600, 260)),
        ({"maxwidth": 320}, (320, 260)),
        ({"maxheight": 100}, (600, 100)),
        ({"maxwidth": 1000, "maxheight": 1000}, (600, 260)),
        ({"maxwidth": 1, "maxheight": 1}, (1, 1)),
    ],
)
def test_size_stays_within_maxwidth_and_maxheight(client, initiative, params, size):
    answer = oembed(client, f"http://localhost/initiatives/{initiative}", **params).get_json()
    assert (answer["width"], answer["height"]) == size
    frame = frame_of(answer)
    assert (int(frame.get("width")), int(frame.get("height"))) == size


def test_list_height_is_bounded(client, make_initiative):
    for number in range(12):
        make_initiative(title=f"Walk {number}")
    answer = oembed(client, "http://localhost/initiatives").get_json()
    assert answer["height"] <= 600 and answer["width"] == 600
    small = oembed(client, "http://localhost/initiatives", maxheight=250).get_json()
    assert small["height"] == 250


def test_a_list_shows_the_examples_that_fit_its_height(client, make_initiative):
    for number in range(12):
        make_initiative(title=f"Walk {number}")
    small = oembed(client, "http://localhost/initiatives", maxheight=300).get_json()
    limit = parse_qs(urlsplit(frame_of(small).get("src")).query)["limit"]
    assert small["height"] <= 300 and 1 <= int(limit[0]) < 10
    # maxheight above the default is honoured: all ten of the default limit fit.
    tall = oembed(client, "http://localhost/initiatives", maxheight=3000).get_json()
    assert 600 < tall["height"] <= 3000
    assert "limit" not in parse_qs(urlsplit(frame_of(tall).get("src")).query)
    # A narrower column makes each example taller: fewer fit the same height.
    narrow = oembed(client, "http://localhost/initiatives", maxwidth=320, maxheight=600)
    wide = oembed(client, "http://localhost/initiatives", maxheight=600)
    assert narrow.get_json()["width"] == 320

    def shown(answer) -> int:
        return int(parse_qs(urlsplit(frame_of(answer.get_json()).get("src")).query)["limit"][0])

    assert shown(narrow) < shown(wide)


# 400, 404, 501


@pytest.mark.parametrize(
    "query",
    [
        "",
        "url=",
        "url=%20",
        "url=/initiatives/1",
        "url=ftp://localhost/initiatives",
        "url=javascript:alert(1)",
        "url=http://",
        "url=http://%5B::1/",
        f"url=http://localhost/{'a' * 3000}",
    ],
)
def test_missing_or_malformed_url_answers_400(client, query):
    response = client.get(f"/oembed?{query}")
    assert response.status_code == 400, query
    body = response.get_json()
    assert body["ok"] is False and "url" in body["errors"]


@pytest.mark.parametrize("name", ["maxwidth", "maxheight"])
@pytest.mark.parametrize("value", ["0", "-5", "wide", "1.5", "99999999", "٣"])
def test_bad_maxwidth_or_maxheight_answers_400(client, initiative, name, value):
    response = oembed(client, f"http://localhost/initiatives/{initiative}", **{name: value})
    assert response.status_code == 400
    assert name in response.get_json()["errors"]


def test_bad_filters_or_options_in_the_url_answer_400(client):
    for url in [
        "http://localhost/initiatives?theme=no-such-theme",
        "http://localhost/initiatives?layout=grid",
        "http://localhost/initiatives?limit=500",
    ]:
        assert oembed(client, url).status_code == 400, url


def test_unknown_foreign_or_unpublished_addresses_answer_404(app, client, make_initiative):
    pending = make_initiative(title="Pending", state="pending")
    draft = make_initiative(title="Draft", state="draft")
    archived = make_initiative(title="Archived", state="archived")
    create_cluster(app, [make_initiative()], slug="draft-cluster", state="draft")
    urls = [
        f"http://localhost/initiatives/{pending}",
        f"http://localhost/initiatives/{draft}-draft",
        f"http://localhost/initiatives/{archived}-archived",
        "http://localhost/initiatives/99999999",
        "http://localhost/clusters/draft-cluster",
        "http://localhost/clusters/no-such-cluster",
        "http://localhost/themes/no-such-theme",
        "http://localhost/neighbourhoods/nowhere",
        "http://localhost/no-such-page",
        "http://localhost/login",
        "http://localhost/clusters",
        "http://localhost/embed/clusters/x",
        "http://example.org/initiatives",
        "http://localhost.example.org/initiatives",
        "http://localhost:8080/initiatives",
        "http://user@localhost/initiatives",
        "http://localhost/initiatives/%00",
        "http://localhost/static/../initiatives",
    ]
    for url in urls:
        response = oembed(client, url)
        assert response.status_code == 404, url
        assert response.get_json()["ok"] is False, url


@pytest.mark.parametrize("page_format", ["xml", "XML", "html", "jsonp"])
def test_formats_other_than_json_answer_501(client, initiative, page_format):
    response = oembed(client, f"http://localhost/initiatives/{initiative}", format=page_format)
    assert response.status_code == 501
    assert "format" in response.get_json()["errors"]


def test_oembed_may_be_read_from_other_origins(client, initiative):
    response = oembed(client, f"http://localhost/initiatives/{initiative}")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers.get("Set-Cookie") is None


# Author rules


def test_author_is_named_only_where_the_submitter_chose_credit(client, make_initiative, make_user):
    user = make_user(display_name="Private Person")
    group = make_initiative(
        credit="organisation", credit_name="Kirkstall Residents", submitter_id=user.id
    )
    anonymous = make_initiative(credit="anonymous", submitter_id=user.id)
    group_answer = oembed(client, f"http://localhost/initiatives/{group}").get_json()
    assert group_answer["author_name"] == "Kirkstall Residents"
    response = oembed(client, f"http://localhost/initiatives/{anonymous}")
    assert "author_name" not in response.get_json()
    assert b"Private Person" not in response.data


# Safety


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_user_text_is_escaped_in_the_html(app, client, make_initiative, payload):
    initiative = make_initiative(title=f'Walk {payload} "quoted"')
    create_cluster(app, [initiative], slug="evil", title=f"Title {payload} '")
    for url in [f"http://localhost/initiatives/{initiative}", "http://localhost/clusters/evil"]:
        answer = oembed(client, url).get_json()
        frame = frame_of(answer)
        assert frame.get("title") == answer["title"]
        assert payload in answer["title"]
        assert not [name for name in frame.attrib if name.startswith("on")]
        assert "<script" not in answer["html"] and "<img" not in answer["html"]
        assert (
            html.unescape(re.search(r'title="([^"]*)"', answer["html"]).group(1))
            == (answer["title"])
        )


# Caching


def test_conditional_get_answers_304_until_the_initiative_changes(app, client, initiative):
    url = f"http://localhost/initiatives/{initiative}"
    first = oembed(client, url)
    etag = first.headers["ETag"]
    assert "max-age=300" in first.headers["Cache-Control"]
    assert first.headers["Last-Modified"]
    cached = client.get(f"/oembed?url={quote(url, safe='')}", headers={"If-None-Match": etag})
    assert cached.status_code == 304
    with app.app_context():
        changed = db.session.get(Initiative, initiative)
        changed.title = "Repair café (weekly)"
        changed.updated_at = utcnow() + timedelta(seconds=2)
        db.session.commit()
    again = client.get(f"/oembed?url={quote(url, safe='')}", headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert again.headers["ETag"] != etag
    assert again.get_json()["title"] == "Repair café (weekly)"


def test_sizes_are_part_of_the_cache_key(client, initiative):
    url = f"http://localhost/initiatives/{initiative}"
    assert oembed(client, url).headers["ETag"] != oembed(client, url, maxwidth=300).headers["ETag"]


# Discovery


def discovery_links(page: bytes) -> list[dict]:
    document = html5lib.parse(page, namespaceHTMLElements=False)
    return [
        dict(link.attrib)
        for link in document.iter("link")
        if link.get("type") == "application/json+oembed"
    ]


def discovered(client, page_url: str) -> str:
    """The page address that a page's discovery link asks oEmbed about."""
    links = discovery_links(client.get(page_url).data)
    assert len(links) == 1, page_url
    link = links[0]
    assert link["rel"] == "alternate"
    parts = urlsplit(link["href"])
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "localhost", "/oembed")
    query = parse_qs(parts.query)
    assert query["format"] == ["json"]
    answer = client.get(link["href"])
    assert answer.status_code == 200, page_url
    assert answer.get_json()["title"] == link["title"]
    # What a consumer then shows: our embed, which answers.
    embed = client.get(frame_of(answer.get_json()).get("src"))
    assert embed.status_code == 200, page_url
    return query["url"][0]


def test_discovery_link_on_initiative_cluster_and_list_pages(
    client, initiative, cluster, make_neighbourhood
):
    make_neighbourhood(name="Kirkstall", slug="kirkstall")
    canonical = f"http://localhost/initiatives/{initiative}-repair-cafe"
    assert discovered(client, f"/initiatives/{initiative}-repair-cafe") == canonical
    assert discovered(client, "/clusters/safer-streets") == (
        "http://localhost/clusters/safer-streets"
    )
    assert discovered(client, "/initiatives?theme=health&sector=police&page=1") == (
        "http://localhost/initiatives?theme=health&sector=police"
    )
    assert discovered(client, "/initiatives") == "http://localhost/initiatives"
    assert discovered(client, "/themes/health?status=active") == (
        "http://localhost/initiatives?theme=health&status=active"
    )
    assert discovered(client, "/neighbourhoods/kirkstall") == (
        "http://localhost/initiatives?neighbourhood=kirkstall"
    )
    assert discovered(client, "/map?theme=health") == "http://localhost/map?theme=health"


def test_no_discovery_link_where_nothing_is_public(app, client, auth, make_user, make_initiative):
    moderator = make_user(role="moderator")
    auth.login(moderator.email)
    pending = make_initiative(title="Pending", state="pending")
    create_cluster(app, [pending], slug="draft-cluster", state="draft")
    for url in [
        f"/initiatives/{pending}-pending",
        "/clusters/draft-cluster",
        "/initiatives?theme=no-such-theme",
    ]:
        response = client.get(url)
        assert response.status_code in (200, 400), url
        assert discovery_links(response.data) == [], url


# Any input at all


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    url=st.one_of(
        st.text(max_size=80),
        st.builds(lambda path: "http://localhost/" + path, st.text(max_size=60)),
        st.builds(lambda query: "http://localhost/initiatives?" + query, st.text(max_size=60)),
    ),
    size=st.text(max_size=6),
    page_format=st.sampled_from(["", "json", "xml", "JSON"]),
)
def test_no_input_makes_oembed_fail(client, url, size, page_format):
    response = client.get(
        "/oembed", query_string={"url": url, "maxwidth": size, "format": page_format}
    )
    assert response.status_code in (200, 400, 404, 501)
    assert response.is_json
