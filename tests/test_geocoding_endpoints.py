"""/places/search, /places/reverse and /places/neighbourhood: the JSON the place pickers call;
errors in the API's error shape; look-ups rate-limited per client (QUALITY.md), while the
neighbourhood suggestion asks no geocoder and spends none of that budget."""

from __future__ import annotations

import time

import pytest

from app.places.views import BUSY
from tests.support.fake_nominatim import FakeNominatim, use_nominatim


@pytest.fixture
def nominatim(app, monkeypatch):
    with FakeNominatim() as fake:
        use_nominatim(app, monkeypatch, fake.domain)
        yield fake


def test_search_lists_places_best_first(client):
    response = client.get("/places/search?q=bethnal")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.json == {
        "ok": True,
        "items": [
            {
                "name": "Bethnal Green",
                "address": "Bethnal Green, England, United Kingdom",
                "latitude": 51.52718,
                "longitude": -0.06109,
                "neighbourhood": None,
            }
        ],
    }


def test_search_names_the_neighbourhood_each_place_suggests(client, make_neighbourhood):
    make_neighbourhood(name="Kirkstall", latitude=53.8162, longitude=-1.6037, slug="kirkstall")
    (item,) = client.get("/places/search?q=Kirkstall").json["items"]
    assert item["neighbourhood"] == {"slug": "kirkstall", "name": "Kirkstall"}


def test_search_that_finds_nothing_is_an_empty_list(client):
    assert client.get("/places/search?q=Hawksworth+Road").json == {"ok": True, "items": []}


@pytest.mark.parametrize("query", ["", "q=", "q=%20%20", "q=%00%01", "q=" + "x" * 201])
def test_search_without_a_usable_question_is_a_400(client, query):
    response = client.get(f"/places/search?{query}")
    assert response.status_code == 400
    body = response.json
    assert body["ok"] is False and body["error"]
    assert set(body["errors"]) == {"q"}


def test_odd_characters_in_a_question_are_data(client, nominatim):
    for query in ("Leeds%00", "%C3%9F" * 200, "%27%3B--%20DROP", "%F0%9F%8F%A0"):
        response = client.get(f"/places/search?q={query}")
        assert response.status_code == 200, query
        assert response.json["ok"] is True
    assert nominatim.requests[0].params["q"] == "Leeds"


def test_search_when_the_geocoder_is_unavailable_is_a_503(client, nominatim):
    nominatim.mode = "server_error"
    response = client.get("/places/search?q=Hawksworth+Road")
    assert response.status_code == 503
    assert response.json["ok"] is False
    assert "not available just now" in response.json["error"]
    assert int(response.headers["Retry-After"]) > 0


def test_reverse_names_the_place_and_the_neighbourhood(client, make_neighbourhood):
    make_neighbourhood(name="Kirkstall", latitude=53.8162, longitude=-1.6037, slug="kirkstall")
    response = client.get("/places/reverse?lat=53.8170&lon=-1.6020")
    assert response.status_code == 200
    assert response.json == {
        "ok": True,
        "item": {
            "name": "Kirkstall",
            "address": "Kirkstall, Leeds City Council",
            "latitude": 53.8162,
            "longitude": -1.6037,
            "neighbourhood": {"slug": "kirkstall", "name": "Kirkstall"},
        },
        "neighbourhood": {"slug": "kirkstall", "name": "Kirkstall"},
    }


def test_reverse_far_from_anywhere_finds_nothing(client):
    assert client.get("/places/reverse?lat=0&lon=0").json == {
        "ok": True,
        "item": None,
        "neighbourhood": None,
    }


def test_reverse_still_suggests_the_neighbourhood_when_unavailable(
    client, nominatim, make_neighbourhood
):
    make_neighbourhood(name="Kirkstall", latitude=53.8162, longitude=-1.6037, slug="kirkstall")
    nominatim.mode = "unavailable"
    response = client.get("/places/reverse?lat=53.8170&lon=-1.6020")
    assert response.status_code == 503
    assert response.json["ok"] is False
    assert response.json["neighbourhood"] == {"slug": "kirkstall", "name": "Kirkstall"}
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.parametrize(
    "query, bad",
    [
        ("", {"lat", "lon"}),
        ("lat=53.8", {"lon"}),
        ("lat=north&lon=-1.6", {"lat"}),
        ("lat=nan&lon=inf", {"lat", "lon"}),
        ("lat=91&lon=-1.6", {"lat"}),
        ("lat=53.8&lon=-180.5", {"lon"}),
    ],
)
def test_reverse_with_a_bad_point_is_a_400_naming_the_parameter(client, query, bad):
    response = client.get(f"/places/reverse?{query}")
    assert response.status_code == 400
    assert set(response.json["errors"]) == bad


def test_lookups_are_rate_limited_per_client_in_json(held_minute, app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_GEOCODE", "3 per minute")
    assert client.get("/places/search?q=Leeds").status_code == 200
    assert client.get("/places/reverse?lat=53.8&lon=-1.55").status_code == 200
    assert client.get("/places/search?q=York").status_code == 200
    refused = client.get("/places/reverse?lat=53.8&lon=-1.55")  # one budget for both
    assert refused.status_code == 429
    assert refused.json["ok"] is False
    assert int(refused.headers["Retry-After"]) > 0


def test_only_get_is_answered(client):
    assert client.post("/places/search?q=Leeds", data={}).status_code == 405


def test_neighbourhood_suggestion_asks_no_geocoder(client, nominatim, make_neighbourhood):
    make_neighbourhood(name="Kirkstall", latitude=53.8162, longitude=-1.6037, slug="kirkstall")
    response = client.get("/places/neighbourhood?lat=53.8170&lon=-1.6020")
    assert response.status_code == 200
    assert response.json == {
        "ok": True,
        "neighbourhood": {"slug": "kirkstall", "name": "Kirkstall"},
        "warning": None,
    }
    assert client.get("/places/neighbourhood?lat=0&lon=0").json == {
        "ok": True,
        "neighbourhood": None,
        "warning": None,
    }
    assert nominatim.requests == []


def test_neighbourhood_suggestion_works_while_the_geocoder_is_down(
    client, nominatim, make_neighbourhood
):
    make_neighbourhood(name="Kirkstall", latitude=53.8162, longitude=-1.6037, slug="kirkstall")
    nominatim.mode = "unavailable"
    response = client.get("/places/neighbourhood?lat=53.8170&lon=-1.6020")
    assert response.status_code == 200
    assert response.json["neighbourhood"]["slug"] == "kirkstall"


def test_neighbourhood_suggestions_spend_none_of_the_lookup_budget(
    held_minute, app, client, monkeypatch
):
    monkeypatch.setitem(app.config, "RATELIMIT_GEOCODE", "1 per minute")
    assert client.get("/places/search?q=Leeds").status_code == 200
    for _ in range(3):
        assert client.get("/places/neighbourhood?lat=53.8&lon=-1.55").status_code == 200
    assert client.get("/places/search?q=York").status_code == 429


@pytest.mark.parametrize("query, bad", [("", {"lat", "lon"}), ("lat=91&lon=x", {"lat", "lon"})])
def test_neighbourhood_suggestion_with_a_bad_point_is_a_400(client, query, bad):
    response = client.get(f"/places/neighbourhood?{query}")
    assert response.status_code == 400
    assert set(response.json["errors"]) == bad


# A slow geocoder cannot starve the site (issue 12)


def test_past_the_cap_a_look_up_is_refused_at_once(app, client, nominatim, monkeypatch):
    from app.places.lookups import _slots

    monkeypatch.setitem(app.config, "GEOCODE_CONCURRENCY", 1)
    slots = _slots(1)
    assert slots.acquire(blocking=False)  # another request holds the process's only slot
    try:
        started = time.monotonic()
        response = client.get("/places/search?q=Hawksworth+Road")
        assert time.monotonic() - started < 0.5
    finally:
        slots.release()
    assert response.status_code == 503
    assert response.json["error"] == BUSY
    assert int(response.headers["Retry-After"]) > 0
    assert nominatim.requests == []
    assert client.get("/places/search?q=Hawksworth+Road").status_code == 200  # slot free again


def test_a_slow_geocoder_is_given_up_at_the_deadline(app, client, nominatim, monkeypatch):
    nominatim.mode, nominatim.delay = "slow", 5.0
    monkeypatch.setitem(app.config, "NOMINATIM_TIMEOUT", 10.0)
    monkeypatch.setitem(app.config, "GEOCODE_DEADLINE", 1.5)
    started = time.monotonic()
    response = client.get("/places/search?q=Hawksworth+Road")
    assert response.status_code == 503
    assert time.monotonic() - started < 2.5


def test_a_turn_beyond_the_deadline_is_not_waited_for(app, client, nominatim):
    from app.places.nominatim import THROTTLE
    from app.places.throttle import postpone

    with app.app_context():
        postpone(THROTTLE, 2.5)  # the shared interval is taken for longer than 3 s - 1 s
    started = time.monotonic()
    response = client.get("/places/search?q=Hawksworth+Road")
    assert response.status_code == 503
    assert time.monotonic() - started < 0.5  # no sleeping in the request
    assert nominatim.requests == []


def test_the_interval_keeps_a_margin_over_the_policy(app):
    from app.places.nominatim import NominatimBackend

    backend = NominatimBackend({**app.config, "NOMINATIM_USER_AGENT": "x (a@example.org)"})
    assert backend.interval >= app.config["NOMINATIM_INTERVAL"] + 0.1
