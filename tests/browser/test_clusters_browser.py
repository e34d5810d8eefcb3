"""A cluster's page in a real browser: its small map shows a dot per example at its public
point, with popups made of text, and still shows them when tiles cannot load."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.test_clusters import create_cluster

PAYLOAD = '<img src=x onerror=alert(1)><script>alert("x")</script>'


def test_cluster_map_shows_each_example_with_a_text_popup(
    app, page, make_initiative, make_neighbourhood, no_tiles
):
    where = make_neighbourhood(name="Kirkstall", slug="kirkstall")
    watch = make_initiative(
        title=f"Street watch {PAYLOAD}", neighbourhood_id=where, latitude=53.82, longitude=-1.6
    )
    walk = make_initiative(
        title="Walking group", neighbourhood_id=where, latitude=53.83, longitude=-1.61
    )
    create_cluster(app, [watch, walk], slug="safer-streets")

    page.goto("/clusters/safer-streets")

    expect(page.locator("#cluster-map-section")).to_be_visible()
    markers = page.locator(".map-marker")
    expect(markers).to_have_count(2)
    expect(page.locator("#cluster-map-status")).to_contain_text("could not be loaded")
    page.get_by_role("button", name=f"Street watch {PAYLOAD}").click()
    expect(page.locator(".map-popup__title a")).to_have_text(f"Street watch {PAYLOAD}")
