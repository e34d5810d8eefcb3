""" "Download CSV / GeoJSON" on every list page: links to the API's exports with the page's
canonical filters, which hold exactly the published initiatives the page lists."""

from __future__ import annotations

import html
import re

import pytest

LINK = re.compile(r'<a href="(/api/v1/initiatives\.(csv|geojson)[^"]*)" download>')


def download_links(page: str) -> dict[str, str]:
    return {kind: html.unescape(href) for href, kind in LINK.findall(page)}


@pytest.fixture
def kirkstall(make_neighbourhood, make_initiative):
    neighbourhood = make_neighbourhood(name="Kirkstall", slug="kirkstall")
    make_initiative(title="Kirkstall street watch", neighbourhood_id=neighbourhood)
    make_initiative(
        title="Kirkstall garden", neighbourhood_id=neighbourhood, themes=["sustainability"]
    )
    make_initiative(title="Kirkstall draft", neighbourhood_id=neighbourhood, state="pending")
    return neighbourhood


@pytest.mark.parametrize(
    ("url", "query"),
    [
        (
            "/initiatives?theme=safety&neighbourhood=kirkstall",
            "theme=safety&neighbourhood=kirkstall",
        ),
        (
            "/initiatives?neighbourhood=kirkstall&theme=safety",
            "theme=safety&neighbourhood=kirkstall",
        ),
        ("/themes/safety", "theme=safety"),
        ("/neighbourhoods/kirkstall", "neighbourhood=kirkstall"),
        ("/map?theme=safety&zoom=9&lat=53.8&lon=-1.6", "theme=safety"),
        ("/cy/initiatives?theme=safety", "theme=safety"),
    ],
)
def test_list_pages_link_to_exports_of_their_filters(client, kirkstall, url, query):
    page = client.get(url).get_data(as_text=True)
    assert download_links(page) == {
        "csv": f"/api/v1/initiatives.csv?{query}",
        "geojson": f"/api/v1/initiatives.geojson?{query}",
    }
    assert ("Lawrlwytho CSV" if url.startswith("/cy/") else "Download CSV") in page


def test_the_files_hold_what_the_list_shows(client, kirkstall):
    links = download_links(
        client.get("/initiatives?neighbourhood=kirkstall").get_data(as_text=True)
    )
    exported = client.get(links["csv"]).get_data(as_text=True)
    assert "Kirkstall street watch" in exported and "Kirkstall garden" in exported
    assert "Kirkstall draft" not in exported
    features = client.get(links["geojson"]).get_json()["features"]
    assert sorted(f["properties"]["title"] for f in features) == [
        "Kirkstall garden",
        "Kirkstall street watch",
    ]


def test_no_download_links_while_the_filters_are_wrong(client, kirkstall):
    page = client.get("/initiatives?theme=nope").get_data(as_text=True)
    assert download_links(page) == {}
