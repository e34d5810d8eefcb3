"""``flask --app app geocode``: places a geocoder outage left pending are looked up later, with
a progress bar and a summary; an outage stops the run and leaves the rest pending."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.initiatives.models import Initiative
from tests.support.fake_nominatim import FakeNominatim, search_result, use_nominatim

# The command is what is tested: no background look-up runs first.
pytestmark = pytest.mark.usefixtures("paused_queue")


@pytest.fixture
def nominatim(app, monkeypatch):
    with FakeNominatim() as fake:
        use_nominatim(app, monkeypatch, fake.domain)
        yield fake


@pytest.fixture
def pending_place(make_initiative, make_neighbourhood):
    """An initiative whose place name is waiting to be looked up; returns its id."""

    def make(place_name: str, state: str = "published", **content) -> int:
        return make_initiative(
            state=state,
            place_name=place_name,
            location_state="pending",
            neighbourhood_id=content.pop("neighbourhood_id", None)
            or make_neighbourhood(name="Tower Hamlets Central", latitude=51.52, longitude=-0.04),
            **content,
        )

    return make


def test_pending_places_are_located_and_summarised(app, runner, pending_place):
    located = pending_place("Bethnal Green", title="Bethnal Green repair café")
    unknown = pending_place("Behind the old library", state="draft")

    result = runner.invoke(args=["geocode"])

    assert result.exit_code == 0, result.output
    assert "Looking up places" in result.output  # the progress bar
    assert "Located: 1." in result.output
    assert "Not found (shown at their neighbourhood): 1." in result.output
    assert f"#{unknown}" in result.output and "Behind the old library" in result.output
    assert "Still pending: 0." in result.output
    with app.app_context():
        initiative = db.session.get(Initiative, located)
        assert initiative.location_state == "set"
        assert (initiative.latitude, initiative.longitude) == (51.52718, -0.06109)
        # The precision rule ran: street precision shows about 100 m.
        assert (initiative.public_latitude, initiative.public_longitude) == (51.527, -0.061)
        other = db.session.get(Initiative, unknown)
        assert (other.location_state, other.place_name, other.latitude) == (
            "none",
            "Behind the old library",
            None,
        )


def test_nothing_pending_says_so(runner, make_initiative):
    make_initiative(place_name="Bethnal Green")  # no lookup owed: location_state "none"
    result = runner.invoke(args=["geocode"])
    assert result.exit_code == 0
    assert "No places are waiting to be looked up." in result.output


def test_the_neighbourhood_gives_the_geocoder_context(
    app, runner, nominatim, pending_place, make_neighbourhood
):
    kirkstall = make_neighbourhood(name="Kirkstall", latitude=53.8162, longitude=-1.6037)
    nominatim.answers["hawksworth road, kirkstall"] = [
        search_result("Hawksworth Road", 53.8206, -1.6040, "Hawksworth Road, Kirkstall, Leeds")
    ]
    initiative_id = pending_place("Hawksworth Road", neighbourhood_id=kirkstall)

    result = runner.invoke(args=["geocode"])

    assert result.exit_code == 0, result.output
    assert [seen.params["q"] for seen in nominatim.requests] == ["Hawksworth Road, Kirkstall"]
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        assert (initiative.latitude, initiative.longitude) == (53.8206, -1.604)


def test_an_outage_stops_the_run_and_leaves_the_rest_pending(
    app, runner, nominatim, pending_place
):
    pending_place("Hawksworth Road")
    pending_place("Kirkstall Lane")
    nominatim.mode = "server_error"

    result = runner.invoke(args=["geocode"])

    assert result.exit_code == 1
    assert "Stopped early" in result.output
    assert "Still pending: 2." in result.output
    assert len(nominatim.requests) == 1  # no point asking again during an outage
    with app.app_context():
        states = db.session.scalars(select(Initiative.location_state)).all()
    assert states == ["pending", "pending"]


def test_work_done_before_an_outage_is_kept(app, runner, nominatim, pending_place, monkeypatch):
    first = pending_place("Hawksworth Road")
    second = pending_place("Kirkstall Lane")
    # The first request reserves the next minute: the second lookup is refused as busy.
    monkeypatch.setitem(app.config, "NOMINATIM_INTERVAL", 60)

    result = runner.invoke(args=["geocode"])

    assert result.exit_code == 1
    assert "Located: 1." in result.output and "Still pending: 1." in result.output
    with app.app_context():
        assert db.session.get(Initiative, first).location_state == "set"
        assert db.session.get(Initiative, second).location_state == "pending"


def test_a_match_far_from_the_neighbourhood_is_not_taken(
    app, runner, pending_place, make_neighbourhood
):
    kirkstall = make_neighbourhood(name="Kirkstall", latitude=53.8162, longitude=-1.6037)
    initiative_id = pending_place("Park", neighbourhood_id=kirkstall)  # Worcester Park, London

    result = runner.invoke(args=["geocode"])

    assert "Not found (shown at their neighbourhood): 1." in result.output
    with app.app_context():
        assert db.session.get(Initiative, initiative_id).latitude is None
