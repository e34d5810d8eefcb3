"""Geocoding behind one seam: the offline gazetteer, and geopy's real Nominatim against a fake.

DESIGN.md, Geocoding; QUALITY.md, Outside services: any failure of the service (geopy's
GeocoderServiceError family and malformed answers alike) is GeocodingUnavailable; Nominatim gets
a real user agent, at most one request a second for the whole application, and every answer is
cached in the database.
"""

from __future__ import annotations

import multiprocessing
import queue
import time

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.places.geocoding import geocode_place, reverse_place
from app.places.models import GeocodeAnswer
from app.places.types import GeocoderNotConfigured, GeocodingUnavailable, Place
from tests.support.apps import app_config
from tests.support.fake_nominatim import (
    FAILURES,
    USER_AGENT,
    FakeNominatim,
    search_result,
    use_nominatim,
)
from tests.support.geocode_worker import look_up_places
from tests.support.mail import free_port

KIRKSTALL = {"name": "Kirkstall", "latitude": 53.8162, "longitude": -1.6037, "slug": "kirkstall"}


@pytest.fixture
def nominatim(app, monkeypatch):
    with FakeNominatim() as fake:
        use_nominatim(app, monkeypatch, fake.domain)
        yield fake


# The offline gazetteer (the default)


def test_offline_gazetteer_finds_a_town_of_great_britain(app):
    with app.app_context():
        (place,) = geocode_place("Bethnal Green")
    assert place.name == "Bethnal Green"
    assert (round(place.latitude, 2), round(place.longitude, 2)) == (51.53, -0.06)
    assert place.address == "Bethnal Green, England, United Kingdom"


def test_offline_gazetteer_finds_a_neighbourhood_defined_in_the_app(app, make_neighbourhood):
    make_neighbourhood(**KIRKSTALL)
    with app.app_context():
        places = geocode_place("kirkstall")  # Kirkstall is too small for the town list
    assert places == [
        Place("Kirkstall", 53.8162, -1.6037, "Kirkstall, Leeds City Council", "kirkstall")
    ]


def test_offline_names_match_without_case_accents_or_punctuation(app, make_neighbourhood):
    make_neighbourhood(name="Saint-Étienne Gardens", slug="st-etienne")
    with app.app_context():
        assert [p.name for p in geocode_place("saint etienne gardens")] == [
            "Saint-Étienne Gardens"
        ]
        assert [p.name for p in geocode_place("  BETHNAL   green ")] == ["Bethnal Green"]


def test_offline_ranks_whole_names_then_starts_then_the_rest(app, make_neighbourhood):
    make_neighbourhood(name="Upper Leeds", slug="upper-leeds")
    with app.app_context():
        names = [place.name for place in geocode_place("Leeds")]
    assert names[0] == "Leeds"  # the whole name
    assert names.index("Upper Leeds") > 0  # contains it, after the exact match


def test_offline_prefers_the_bigger_town_among_equal_matches(app):
    with app.app_context():
        names = [place.name for place in geocode_place("Newport")]
    assert names[0] == "Newport"
    assert "Newport Pagnell" in names


def test_offline_tries_the_first_part_of_a_longer_name(app):
    with app.app_context():
        assert [p.name for p in geocode_place("Bethnal Green, London")] == ["Bethnal Green"]
        assert geocode_place("Hawksworth Road, Kirkstall") == []
        assert geocode_place("   ") == []


def test_offline_reverse_suggests_the_nearest_neighbourhood(app, make_neighbourhood):
    make_neighbourhood(**KIRKSTALL)
    make_neighbourhood(name="Headingley", latitude=53.8194, longitude=-1.5800, slug="headingley")
    with app.app_context():
        place = reverse_place(53.8180, -1.6000)  # about 300 m from Kirkstall's centre
        assert (place.name, place.neighbourhood_slug) == ("Kirkstall", "kirkstall")


def test_offline_reverse_names_the_nearest_town_away_from_neighbourhoods(app, make_neighbourhood):
    make_neighbourhood(**KIRKSTALL)
    with app.app_context():
        place = reverse_place(51.5275, -0.0600)
        assert (place.name, place.neighbourhood_slug) == ("Bethnal Green", None)
        assert reverse_place(0.0, 0.0) is None  # the sea off West Africa


def test_towns_near_a_neighbourhood_suggest_it(app, make_neighbourhood):
    make_neighbourhood(name="Bethnal Green Estate", latitude=51.5260, longitude=-0.0590)
    with app.app_context():
        (place, *_) = geocode_place("Bethnal Green")
        assert place.name == "Bethnal Green"
        assert place.neighbourhood_slug.startswith("bethnal-green-estate")


def test_an_unknown_geocoder_setting_is_a_configuration_error(app, monkeypatch):
    monkeypatch.setitem(app.config, "GEOCODER", "google")
    with app.app_context(), pytest.raises(GeocoderNotConfigured, match="GEOCODER"):
        geocode_place("Leeds")


# geopy's Nominatim against the fake server


def test_nominatim_is_asked_with_our_user_agent(app, nominatim):
    with app.app_context():
        (place,) = geocode_place("Hawksworth Road, Leeds")
    (request,) = nominatim.requests
    assert request.path == "/search"
    assert request.headers["User-Agent"] == USER_AGENT
    assert request.params["q"] == "Hawksworth Road, Leeds"
    assert request.params["format"] == "json"
    assert place == Place(
        "Hawksworth Road", 51.52718, -0.06109, "Hawksworth Road, Bethnal Green, London"
    )


def test_nominatim_without_a_user_agent_is_refused_before_any_request(app, nominatim, monkeypatch):
    monkeypatch.setitem(app.config, "NOMINATIM_USER_AGENT", "")
    with app.app_context(), pytest.raises(GeocoderNotConfigured, match="NOMINATIM_USER_AGENT"):
        geocode_place("Leeds")
    assert nominatim.requests == []
    assert issubclass(GeocoderNotConfigured, GeocodingUnavailable)  # saving still works


@pytest.mark.parametrize("user_agent", ["coproduce", "coproduce-leeds/1.0", "leeds @ council"])
def test_nominatim_user_agent_without_a_contact_is_refused_before_any_request(
    app, nominatim, monkeypatch, user_agent
):
    monkeypatch.setitem(app.config, "NOMINATIM_USER_AGENT", user_agent)
    with app.app_context(), pytest.raises(GeocoderNotConfigured, match="gives no contact"):
        geocode_place("Leeds")
    assert nominatim.requests == []


@pytest.mark.parametrize(
    "user_agent",
    ["coproduce-leeds (webmaster@example.org)", "coproduce-leeds/1.0 +https://example.org/about"],
)
def test_nominatim_user_agent_with_an_email_or_web_address_is_used(
    app, nominatim, monkeypatch, user_agent
):
    monkeypatch.setitem(app.config, "NOMINATIM_USER_AGENT", user_agent)
    with app.app_context():
        geocode_place("Leeds")
    assert [request.headers["User-Agent"] for request in nominatim.requests] == [user_agent]


def test_second_identical_lookup_makes_no_request(app, nominatim):
    with app.app_context():
        first = geocode_place("Hawksworth Road")
        again = geocode_place("  hawksworth   ROAD ")  # the same question, typed differently
        nowhere = geocode_place("Nowhere Lane")
        nowhere_again = geocode_place("Nowhere Lane")
        assert db.session.scalar(select(func.count()).select_from(GeocodeAnswer)) == 2
    assert [(p.latitude, p.longitude) for p in again] == [(p.latitude, p.longitude) for p in first]
    assert nowhere == nowhere_again == []  # "nothing found" is an answer too
    assert nominatim.paths() == ["/search", "/search"]


def test_reverse_lookups_are_cached_by_the_point_to_a_metre(app, nominatim):
    with app.app_context():
        place = reverse_place(53.8206012, -1.6040049)
        again = reverse_place(53.820601, -1.604005)
        assert reverse_place(0.5, 0.5) is None
        assert reverse_place(0.5, 0.5) is None
    assert place.name == again.name == "Hawksworth Road"
    assert nominatim.paths() == ["/reverse", "/reverse"]
    assert nominatim.requests[0].params["lat"] == "53.8206"


def test_nominatim_answers_suggest_a_neighbourhood_nearby(app, nominatim, make_neighbourhood):
    make_neighbourhood(**KIRKSTALL)
    nominatim.answers["hawksworth road"] = [
        search_result("Hawksworth Road", 53.8206, -1.6040, "Hawksworth Road, Kirkstall, Leeds"),
        search_result("Hawksworth Road", 53.9200, -1.8200, "Hawksworth Road, Baildon"),
    ]
    with app.app_context():
        places = geocode_place("Hawksworth Road")
        assert [place.neighbourhood_slug for place in places] == ["kirkstall", None]
        # The cache keeps the answer, not the suggestion, which follows the neighbourhoods.
        (answer,) = db.session.scalars(select(GeocodeAnswer))
        assert {row["neighbourhood_slug"] for row in answer.places} == {None}


def refused(app, monkeypatch):
    use_nominatim(app, monkeypatch, f"127.0.0.1:{free_port()}")  # nothing listens there


FAILURE_MODES = ["refused", "slow", *FAILURES]


@pytest.mark.parametrize("mode", FAILURE_MODES)
def test_every_failure_of_nominatim_is_geocoding_unavailable(app, nominatim, monkeypatch, mode):
    if mode == "refused":
        refused(app, monkeypatch)
    nominatim.mode = mode
    nominatim.delay = 1.0
    monkeypatch.setitem(app.config, "NOMINATIM_TIMEOUT", 0.3)
    started = time.monotonic()
    with app.app_context():
        with pytest.raises(GeocodingUnavailable):
            geocode_place("Hawksworth Road")
        with pytest.raises(GeocodingUnavailable):
            reverse_place(53.82, -1.60)
        # Failures are not cached: the next lookup asks again.
        assert db.session.scalar(select(func.count()).select_from(GeocodeAnswer)) == 0
    assert time.monotonic() - started < 2.5  # no quiet retries hiding the outage


def test_a_too_many_requests_answer_makes_every_caller_back_off(app, nominatim):
    nominatim.mode = "rate_limited"  # Retry-After: 30
    with app.app_context():
        with pytest.raises(GeocodingUnavailable):
            geocode_place("Hawksworth Road")
        nominatim.mode = "ok"
        started = time.monotonic()
        with pytest.raises(GeocodingUnavailable, match="busy"):
            geocode_place("Kirkstall Lane")
    assert time.monotonic() - started < 1  # refused at once rather than kept waiting
    assert len(nominatim.requests) == 1


def test_lookups_wait_their_turn_but_never_long(app, nominatim, monkeypatch):
    monkeypatch.setitem(app.config, "NOMINATIM_INTERVAL", 0.4)
    with app.app_context():
        geocode_place("First Street")
        geocode_place("Second Street")
        monkeypatch.setitem(app.config, "NOMINATIM_INTERVAL", 30)
        geocode_place("Third Street")  # its turn comes after the 0.4 s; it reserves 30 s
        with pytest.raises(GeocodingUnavailable, match="busy"):
            geocode_place("Fourth Street")
    first, second, third = (seen.at for seen in nominatim.requests)
    # Arrival times at the fake server carry scheduling jitter on a busy machine: a late
    # arrival shortens one gap and lengthens the next, so check each loosely, both together.
    assert second - first >= 0.25
    assert third - second >= 0.25
    assert third - first >= 0.7
    assert len(nominatim.requests) == 3


def test_one_request_a_second_holds_across_processes(app, database_url, nominatim, tmp_path):
    """Two worker processes look up two places each at the same moment: Nominatim sees the
    four requests at least a second apart."""
    config = app_config(
        database_url,
        tmp_path,
        GEOCODER="nominatim",
        NOMINATIM_DOMAIN=nominatim.domain,
        NOMINATIM_SCHEME="http",
        NOMINATIM_USER_AGENT=USER_AGENT,
        NOMINATIM_INTERVAL=1.0,
    )
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [
        context.Process(
            target=look_up_places,
            args=(config, [f"{name} Road", f"{name} Street"], barrier, results),
        )
        for name in ("North", "South")
    ]
    for worker in workers:
        worker.start()
    reports = []
    try:
        for _ in workers:
            reports.append(results.get(timeout=90))
    except queue.Empty:
        pytest.fail("a geocoding process did not report back")
    finally:
        for worker in workers:
            worker.join(timeout=30)

    for _pid, found, errors, warnings in reports:
        assert errors == [] and warnings == []
        assert found == [1, 1]
    arrivals = sorted(seen.at for seen in nominatim.requests)
    assert len(arrivals) == 4
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:], strict=False)]
    # Each request leaves at its reserved moment, a second after the one before; on a busy
    # machine (the whole suite on two cores) one may reach the server a few hundred
    # milliseconds late, shortening one gap and lengthening the next. Unthrottled, the four
    # would arrive within milliseconds of each other.
    assert min(gaps) >= 0.5, gaps
    assert arrivals[-1] - arrivals[0] >= 2.8, gaps
