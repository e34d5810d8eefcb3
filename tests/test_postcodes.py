"""UK postcodes wherever a place is typed: recognised and normalised, looked up by the postcode
service (POSTCODES_URL, faked on loopback) before Nominatim, and, with neither a service nor a
geocoder that knows them, a plain message on the form that offers the map pin. Streets go
to Nominatim. No message tells a resident to type coordinates (issue 17)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.places.geocoding import geocode_place
from app.places.models import GeocodeAnswer
from app.places.postcodes import find_postcode, is_postcode
from app.places.services import look_up_place
from app.places.types import GeocodingUnavailable
from tests.support.fake_nominatim import FakeNominatim, search_result, use_nominatim
from tests.support.fake_postcodes import FAILURES, FakePostcodes, result, use_postcodes
from tests.test_submission import form_values

KIRKSTALL = {"name": "Kirkstall", "latitude": 53.8162, "longitude": -1.6037, "slug": "kirkstall"}
OFFLINE_POSTCODE = "postcodes cannot be looked up on this site"
COORDINATE_ADVICE = (
    "type the latitude",
    "type its latitude",
    "or the latitude and longitude",
    "type a point",
    "(latitude and longitude) instead",
)


@pytest.fixture
def postcodes(app, monkeypatch):
    with FakePostcodes() as fake:
        use_postcodes(app, monkeypatch, fake.url)
        yield fake


@pytest.fixture
def nominatim(app, monkeypatch):
    with FakeNominatim() as fake:
        use_nominatim(app, monkeypatch, fake.domain)
        yield fake


@pytest.fixture
def resident(auth, make_user):
    user = make_user()
    auth.login(user.email)
    return user


# Recognising a postcode


@pytest.mark.parametrize(
    "typed, postcode",
    [
        ("LS5 3EH", "LS5 3EH"),
        ("ls53eh", "LS5 3EH"),
        ("  Ls5   3eH ", "LS5 3EH"),
        ("Hawksworth Road, Leeds LS5 3EH", "LS5 3EH"),
        ("sw1a1aa", "SW1A 1AA"),
        ("M1 1AD", "M1 1AD"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("cf14 5ab", "CF14 5AB"),
    ],
)
def test_a_uk_postcode_is_found_and_normalised(typed, postcode):
    assert find_postcode(typed) == postcode


@pytest.mark.parametrize(
    "typed",
    ["Hawksworth Road", "Leeds", "LS5", "3EH", "LS5 3CI", "LS53EHX", "12345", "", None],
)
def test_text_without_a_postcode_is_not_one(typed):
    assert find_postcode(typed) is None


def test_only_a_bare_postcode_is_a_postcode():
    assert is_postcode(" ls53eh ")
    assert not is_postcode("Hawksworth Road LS5 3EH")


# The order: the postcode service, then the geocoder


def test_a_postcode_goes_to_the_postcode_service_before_nominatim(
    app, postcodes, nominatim, make_neighbourhood
):
    make_neighbourhood(**KIRKSTALL)
    with app.app_context():
        (place,) = geocode_place("ls53eh")
    assert (place.name, place.latitude, place.longitude) == ("LS5 3EH", 53.8204, -1.6087)
    assert place.address == "LS5 3EH, Kirkstall, Leeds"
    assert place.neighbourhood_slug == "kirkstall"  # suggested, as for any place
    assert postcodes.paths == ["/postcodes/LS53EH"]
    assert nominatim.paths() == []


def test_a_postcode_answer_is_cached(app, postcodes):
    with app.app_context():
        first = geocode_place("LS5 3EH")
        again = geocode_place("ls5 3eh")
        cached = db.session.scalar(
            select(func.count()).where(GeocodeAnswer.backend == "postcodes")
        )
    assert first == again
    assert postcodes.paths == ["/postcodes/LS53EH"]
    assert cached == 1


def test_a_postcode_the_service_does_not_know_goes_to_nominatim(app, postcodes, nominatim):
    nominatim.answers["ls99 9zz"] = [search_result("LS99 9ZZ", 53.8, -1.55, "LS99 9ZZ, Leeds")]
    with app.app_context():
        (place,) = geocode_place("ls999zz")
    assert place.name == "LS99 9ZZ"
    assert postcodes.paths == ["/postcodes/LS999ZZ"]
    assert [seen.params["q"] for seen in nominatim.requests] == ["LS99 9ZZ"]  # normalised


def test_a_street_goes_to_nominatim_and_never_to_the_postcode_service(
    app, postcodes, nominatim, make_neighbourhood
):
    make_neighbourhood(**KIRKSTALL)
    nominatim.answers["hawksworth road"] = [
        search_result("Hawksworth Road", 53.8199, -1.6101, "Hawksworth Road, Kirkstall, Leeds")
    ]
    with app.app_context():
        (place,) = geocode_place("Hawksworth Road")
    assert (place.name, place.neighbourhood_slug) == ("Hawksworth Road", "kirkstall")
    assert nominatim.paths() == ["/search"]
    assert postcodes.paths == []


@pytest.mark.parametrize("mode", sorted(FAILURES))
def test_a_failing_postcode_service_falls_back_to_nominatim(app, postcodes, nominatim, mode):
    postcodes.mode = mode
    with app.app_context():
        places = geocode_place("LS5 3EH")
    assert [place.name for place in places] == ["LS5 3EH"]  # the fake Nominatim's street
    assert nominatim.paths() == ["/search"]


def test_a_failing_postcode_service_offline_leaves_the_place_to_later(app, postcodes):
    postcodes.mode = "server_error"
    with app.app_context(), pytest.raises(GeocodingUnavailable):
        geocode_place("LS5 3EH")


def test_a_postcode_without_a_centroid_is_not_found(app, postcodes):
    postcodes.postcodes["GY11AA"] = result("GY1 1AA", None, None)
    with app.app_context():
        assert geocode_place("GY1 1AA") == []


def test_the_postcode_service_works_with_the_offline_geocoder(app, postcodes):
    with app.app_context():
        (place,) = geocode_place("LS5 3EH")
    assert place.name == "LS5 3EH"


# Offline, with no postcode service: say so, offer the map pin


def test_offline_without_a_service_a_postcode_is_said_to_be_unsearchable(app):
    with app.app_context():
        lookup = look_up_place("ls53eh")
    assert (lookup.items, lookup.postcode, lookup.failed) == ([], "LS5 3EH", False)


def test_the_search_endpoint_says_a_postcode_cannot_be_looked_up_here(client):
    body = client.get("/places/search?q=ls53eh").json
    assert body["ok"] is True and body["items"] == []
    assert OFFLINE_POSTCODE in body["message"]
    assert "Put a pin on the map" in body["message"]


def test_the_search_endpoint_finds_a_postcode_through_the_service(client, postcodes):
    body = client.get("/places/search?q=LS5+3EH").json
    assert [item["name"] for item in body["items"]] == ["LS5 3EH"]
    assert "message" not in body


def test_the_form_without_javascript_says_a_postcode_cannot_be_looked_up(client, resident):
    response = client.post(
        "/initiatives/new",
        data={"title": "Street watch", "place_name": "LS5 3EH", "find_place": "1"},
        follow_redirects=True,  # a look-up saves the draft (POST/redirect/GET)
    )
    page = response.get_data(as_text=True)
    assert "“LS5 3EH” is a postcode, and postcodes cannot be looked up on this site." in page
    assert "Put a pin on the map instead" in page
    assert form_values(response)["place_name"] == ["LS5 3EH"]  # nothing typed is lost


def test_the_form_finds_a_postcode_and_suggests_the_neighbourhood(
    client, resident, postcodes, make_neighbourhood
):
    kirkstall = make_neighbourhood(**KIRKSTALL)
    response = client.post(
        "/initiatives/new",
        data={"title": "Street watch", "place_name": "ls53eh", "find_place": "1"},
        follow_redirects=True,  # a look-up saves the draft (POST/redirect/GET)
    )
    page = response.get_data(as_text=True)
    assert "Places found for “ls53eh”" in page
    assert 'value="53.8204,-1.6087" data-name="LS5 3EH" data-neighbourhood="kirkstall"' in page

    chosen = client.post(
        "/initiatives/new",
        data={"title": "Street watch", "place_match": "53.8204,-1.6087", "use_place": "1"},
        follow_redirects=True,  # a look-up saves the draft (POST/redirect/GET)
    )
    assert form_values(chosen)["neighbourhood"] == [str(kirkstall)]


@pytest.mark.parametrize("geocoder", ["offline", "nominatim"])
def test_no_message_tells_a_resident_to_type_coordinates(
    app, client, resident, monkeypatch, geocoder
):
    monkeypatch.setitem(app.config, "GEOCODER", geocoder)
    monkeypatch.setitem(app.config, "NOMINATIM_USER_AGENT", "tests (tests@example.org)")
    monkeypatch.setitem(app.config, "NOMINATIM_DOMAIN", "127.0.0.1:9")  # refused at once
    pages = [
        client.get("/initiatives/new"),
        client.post("/initiatives/new", data={"title": "Walks", "find_place": "1"}),
        client.post(
            "/initiatives/new",
            data={"title": "Walks", "place_name": "Nowhere at all", "find_place": "1"},
        ),
        client.get("/"),  # the scripts' sentences are in every page
        # "Near a place" on the list and the map: not found, or the geocoder away.
        client.get("/initiatives?near_place=Nowhere+at+all"),
        client.get("/map?near_place=Nowhere+at+all"),
        client.get("/initiatives?near_place=ls53eh"),
    ]
    for response in pages:
        text = response.get_data(as_text=True).lower()
        if "near_place" in response.request.args:  # the map offered instead
            assert "find the place on the map" in text, response.request.url
        assert not [advice for advice in COORDINATE_ADVICE if advice in text], (
            response.request.path
        )


@pytest.mark.parametrize("path", ["/initiatives", "/map"])
def test_near_a_postcode_says_plainly_it_cannot_be_looked_up_here(client, path):
    response = client.get(f"{path}?near_place=ls53eh")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "“LS5 3EH” is a postcode, and postcodes cannot be looked up on this site." in page
    assert "No place called “ls53eh”" not in page


def test_near_a_postcode_goes_to_the_postcode_service_when_there_is_one(client, postcodes):
    response = client.get("/initiatives?near_place=ls53eh")
    assert response.status_code == 302
    assert "near=53.8204,-1.6087" in response.location


def test_an_imported_postcode_is_said_to_be_one(app, make_user, make_neighbourhood):
    from app.accounts.models import User
    from app.extensions import db
    from app.imports.services import import_initiatives

    make_neighbourhood(name="Kirkstall", slug="kirkstall", latitude=53.8162, longitude=-1.6037)
    officer = make_user(role="admin")
    sheet = (
        b"title,summary,themes,neighbourhood,place_name\r\n"
        b"Street watch,Neighbours look out for each other.,safety,kirkstall,LS5 3EH\r\n"
    )
    with app.test_request_context():
        report = import_initiatives(
            sheet, "sheet.csv", db.session.get(User, officer.id), "pending"
        )
        notes = " ".join(note for row in report.rows for note in row.notes)
    assert "“LS5 3EH” is a postcode, and postcodes cannot be looked up on this site" in notes
