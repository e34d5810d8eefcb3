"""The small map of an initiative's point on its public page and the moderators' review page:
the public point only (street precision rounds, neighbourhood precision shows the
neighbourhood's centre), never the exact one when the precision forbids (issue 17)."""

from __future__ import annotations

import json
import re

import pytest

from app.extensions import db
from app.initiatives.models import Initiative
from app.initiatives.services import initiative_url
from tests.test_moderation import login_moderator

EXACT = (53.8206123, -1.6041234)
CENTRE = (53.8162, -1.6037)


@pytest.fixture
def kirkstall(make_neighbourhood):
    return make_neighbourhood(name="Kirkstall", latitude=CENTRE[0], longitude=CENTRE[1])


def map_points(page: str) -> list[dict]:
    found = re.search(r'<script type="application/json" id="point-map-data">(.*?)</script>', page)
    assert found, "no small map on the page"
    return json.loads(found.group(1))


def page_of(app, client, initiative_id: int) -> str:
    with app.test_request_context():
        url = initiative_url(db.session.get(Initiative, initiative_id))
    return client.get(url).get_data(as_text=True)


@pytest.mark.parametrize(
    "precision, shown",
    [("exact", (53.820612, -1.604123)), ("street", (53.821, -1.604)), ("neighbourhood", CENTRE)],
)
def test_the_public_page_maps_the_point_at_its_public_precision(
    app, client, make_initiative, kirkstall, precision, shown
):
    initiative = make_initiative(
        neighbourhood_id=kirkstall,
        latitude=EXACT[0],
        longitude=EXACT[1],
        location_precision=precision,
        title="Street watch",
    )
    page = page_of(app, client, initiative)
    (point,) = map_points(page)
    assert (point["lat"], point["lon"]) == shown
    assert point["title"] == "Street watch"
    if precision != "exact":
        assert str(EXACT[0]) not in page and "53.8206" not in page
    assert "data-examples-map" in page and 'id="point-map"' in page
    assert "/static/js/examples-map.js" in page
    assert (
        'data-no-tiles="The background map could not be loaded. The place is still shown."' in page
    )


def test_a_place_without_a_point_is_mapped_at_its_neighbourhood(
    app, client, make_initiative, kirkstall
):
    initiative = make_initiative(neighbourhood_id=kirkstall)
    page = page_of(app, client, initiative)
    (point,) = map_points(page)
    assert (point["lat"], point["lon"]) == CENTRE
    assert "The point shown is the neighbourhood&#39;s centre." in page or (
        "The point shown is the neighbourhood's centre." in page
    )


def test_the_review_page_maps_the_public_point_not_the_exact_one(
    app, client, make_user, auth, make_initiative, kirkstall
):
    initiative = make_initiative(
        state="pending",
        neighbourhood_id=kirkstall,
        latitude=EXACT[0],
        longitude=EXACT[1],
        location_precision="street",
    )
    login_moderator(make_user, auth)
    page = client.get(f"/moderation/initiatives/{initiative}").get_data(as_text=True)
    (point,) = map_points(page)
    assert (point["lat"], point["lon"]) == (53.821, -1.604)


def test_the_map_title_is_escaped(app, client, make_initiative, kirkstall):
    initiative = make_initiative(neighbourhood_id=kirkstall, title="</script><b>x</b>")
    page = page_of(app, client, initiative)
    assert "</script><b>" not in page
    assert map_points(page)[0]["title"] == "</script><b>x</b>"
