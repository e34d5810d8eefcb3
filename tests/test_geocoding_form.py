"""The place on the submission form: "Find this place", pick a match, or type coordinates.

Without JavaScript the buttons post the whole form, which saves the draft like the row buttons
do. When the geocoder is unavailable the submission is saved anyway with its place "pending"
and the page says so; nothing typed is lost (DESIGN.md, Geocoding; QUALITY.md, Outside services).
"""

from __future__ import annotations

import functools
import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from app.extensions import db
from app.initiatives.models import Initiative
from tests.support.fake_nominatim import FAILURES, FakeNominatim, use_nominatim
from tests.support.mail import free_port
from tests.test_submission import complete_form, form_values

UNAVAILABLE_SAVED = (
    "We could not look up this place just now; your initiative is saved and we will place it "
    "on the map later."
)
FAILURE_MODES = ["refused", "slow", *FAILURES]


@pytest.fixture
def client(client):
    """A browser's client: a post that saves redirects (POST/redirect/GET), and it follows."""
    client.post = functools.partial(client.post, follow_redirects=True)
    return client


@pytest.fixture
def resident(auth, make_user):
    user = make_user()
    auth.login(user.email)
    return user


@pytest.fixture
def nominatim(app, monkeypatch):
    with FakeNominatim() as fake:
        use_nominatim(app, monkeypatch, fake.domain)
        yield fake


def saved_initiative(app) -> Initiative:
    (initiative,) = db.session.scalars(select(Initiative))
    return initiative


def matches(response) -> list[tuple[str, str]]:
    """The places the page offers: (radio value, label text)."""
    page = response.get_data(as_text=True)
    found = re.findall(
        r'<input type="radio" name="place_match" id="(place_match-\d+)" value="([^"]+)"', page
    )
    labels = dict(re.findall(r'<label for="(place_match-\d+)">([^<]+)<', page))
    return [(value, labels[radio_id]) for radio_id, value in found]


def test_form_offers_the_place_picker_with_stable_hooks(client, resident):
    page = client.get("/initiatives/new").get_data(as_text=True)
    assert 'name="find_place"' in page and "Find this place" in page
    assert 'data-search-url="/places/search"' in page
    assert 'data-neighbourhood-url="/places/neighbourhood"' in page
    assert 'id="latitude"' in page and 'id="longitude"' in page  # the map picker fills these
    assert 'src="/static/js/place-picker.js"' in page
    assert "<script>" not in page


def test_form_has_a_map_picker_hidden_until_its_script_runs(client, resident, make_neighbourhood):
    make_neighbourhood(name="Kirkstall", latitude=53.8162, longitude=-1.6037, slug="kirkstall")
    page = client.get("/initiatives/new").get_data(as_text=True)
    assert re.search(r'<div class="place-map" data-place-map hidden>', page)
    assert 'aria-label="Map for choosing the place"' in page
    assert 'src="/static/vendor/leaflet/leaflet.js"' in page
    assert 'src="/static/js/place-map.js"' in page
    # The map starts at the chosen neighbourhood: its option carries the centre.
    assert re.search(r'<option data-lat="53.8162" data-lon="-1.6037" data-slug="kirkstall"', page)


def test_find_this_place_lists_matches_and_keeps_every_typed_value(app, client, resident):
    data = complete_form("", place_name="Bethnal", latitude="", longitude="", find_place="1")
    del data["submit_for_review"]

    response = client.post("/initiatives/new", data=data)

    assert response.status_code == 200
    assert matches(response)[0] == ("51.52718,-0.06109", "Bethnal Green")
    values = form_values(response)
    for name, value in data.items():
        # The page after the redirect holds the saved draft: its outcome now has an id.
        if name not in {"find_place", "csrf_token", "neighbourhood", "outcomes-0-outcome_id"}:
            assert values[name] == (value if isinstance(value, list) else [value]), name
    with app.app_context():
        initiative = saved_initiative(app)  # saved like the row buttons save
        assert (initiative.state, initiative.place_name) == ("draft", "Bethnal")
        assert initiative.location_state == "none"
        assert len(initiative.participants) == 2


def test_use_this_place_fills_the_point_and_suggests_the_neighbourhood(
    app, client, resident, make_neighbourhood
):
    kirkstall = make_neighbourhood(name="Kirkstall", latitude=53.8162, longitude=-1.6037)
    found = client.post(
        "/initiatives/new",
        data={"title": "Street watch", "place_name": "kirkstall", "find_place": "1"},
    )
    (choice, label) = matches(found)[0]
    assert label == "Kirkstall"
    values = form_values(found)

    response = client.post(
        f"/initiatives/{_only_id(app)}/edit",
        data={**values, "place_match": choice, "use_place": "1"},
    )

    assert response.status_code == 200
    values = form_values(response)
    assert (values["latitude"], values["longitude"]) == (["53.8162"], ["-1.6037"])
    assert values["neighbourhood"] == [str(kirkstall)]
    assert values["place_name"] == ["kirkstall"]  # what was typed stays
    assert "Neighbourhood set to Kirkstall, the nearest." in response.get_data(as_text=True)
    with app.app_context():
        initiative = saved_initiative(app)
        assert (initiative.latitude, initiative.longitude) == (53.8162, -1.6037)
        assert initiative.location_state == "set"
        assert initiative.neighbourhood_id == kirkstall


def test_a_place_chosen_after_the_neighbourhood_suggests_its_own(
    app, client, resident, make_neighbourhood
):
    """Whatever the order the fields are filled in, the place chosen last sets the nearest
    neighbourhood, and the page says so."""
    kirkstall = make_neighbourhood(name="Kirkstall", latitude=53.8162, longitude=-1.6037)
    chosen = make_neighbourhood(name="Armley", latitude=53.7990, longitude=-1.5870)
    response = client.post(
        "/initiatives/new",
        data={
            "title": "Street watch",
            "neighbourhood": str(chosen),
            "place_match": "53.8162,-1.6037",
            "use_place": "1",
        },
    )
    assert form_values(response)["neighbourhood"] == [str(kirkstall)]
    assert "Neighbourhood set to Kirkstall, the nearest" in response.get_data(as_text=True)


def test_a_place_with_no_neighbourhood_near_keeps_the_one_chosen(
    app, client, resident, make_neighbourhood
):
    chosen = make_neighbourhood(name="Armley", latitude=53.7990, longitude=-1.5870)
    response = client.post(
        "/initiatives/new",
        data={
            "title": "Street watch",
            "neighbourhood": str(chosen),
            "place_match": "53.8400,-1.5000",  # about 7 km away: no centre within 3 km
            "use_place": "1",
        },
    )
    assert form_values(response)["neighbourhood"] == [str(chosen)]


@pytest.mark.parametrize("choice", [None, "", "north,south", "91,0", "nan,1", "1,2,3"])
def test_use_this_place_without_a_real_choice_asks_for_one(client, resident, choice):
    data = {"title": "Street watch", "place_name": "Bethnal Green", "use_place": "1"}
    if choice is not None:
        data["place_match"] = choice
    response = client.post("/initiatives/new", data=data)
    assert response.status_code == 422
    assert "Choose one of the places found" in response.get_data(as_text=True)
    assert matches(response)  # the matches are listed again
    assert form_values(response)["latitude"] == [""]


def test_find_with_only_coordinates_names_the_place_and_its_neighbourhood(
    client, resident, make_neighbourhood
):
    kirkstall = make_neighbourhood(name="Kirkstall", latitude=53.8162, longitude=-1.6037)
    response = client.post(
        "/initiatives/new",
        data={"title": "Walks", "latitude": "53.8170", "longitude": "-1.6020", "find_place": "1"},
    )
    values = form_values(response)
    assert values["place_name"] == ["Kirkstall"]
    assert values["neighbourhood"] == [str(kirkstall)]
    assert (values["latitude"], values["longitude"]) == (["53.817"], ["-1.602"])  # as saved


def test_find_with_nothing_to_look_up_says_what_to_type(client, resident):
    response = client.post("/initiatives/new", data={"title": "Walks", "find_place": "1"})
    assert response.status_code == 422
    assert (
        "Place: type a place name or a postcode to look up, or put a pin on the map."
        in response.get_data(as_text=True)
    )


def test_a_place_that_matches_nothing_says_so(client, resident):
    response = client.post(
        "/initiatives/new",
        data={"title": "Walks", "place_name": "Hawksworth Road", "find_place": "1"},
    )
    assert response.status_code == 200
    assert "No place called “Hawksworth Road” was found." in response.get_data(as_text=True)


def test_place_names_are_escaped_among_the_matches(client, resident, make_neighbourhood):
    make_neighbourhood(name="<img src=x onerror=alert(1)> Green", slug="xss-green")
    response = client.post(
        "/initiatives/new",
        data={"title": "Walks", "place_name": "<img src=x", "find_place": "1"},
    )
    page = response.get_data(as_text=True)
    assert "<img src=x" not in page
    assert str(escape("<img src=x onerror=alert(1)> Green")) in page


# The geocoder unavailable


def _only_id(app) -> int:
    with app.app_context():
        return saved_initiative(app).id


@pytest.mark.parametrize("mode", FAILURE_MODES)
def test_unavailable_geocoder_leaves_a_saved_submission_with_a_pending_place(
    app, client, resident, make_neighbourhood, nominatim, monkeypatch, mode
):
    if mode == "refused":
        use_nominatim(app, monkeypatch, f"127.0.0.1:{free_port()}")
    nominatim.mode, nominatim.delay = mode, 1.0
    monkeypatch.setitem(app.config, "NOMINATIM_TIMEOUT", 0.3)
    data = complete_form(make_neighbourhood(), latitude="", longitude="", find_place="1")
    del data["submit_for_review"]

    response = client.post("/initiatives/new", data=data)

    assert response.status_code == 200
    assert UNAVAILABLE_SAVED in response.get_data(as_text=True)
    values = form_values(response)
    assert values["place_name"] == ["Hawksworth Road"]
    assert values["participants-1-hours"] == ["150.5"]
    with app.app_context():
        initiative = saved_initiative(app)
        assert initiative.state == "draft"
        assert (initiative.place_name, initiative.location_state) == ("Hawksworth Road", "pending")
        assert initiative.latitude is None

    # Submitting later keeps the place pending for the `geocode` command.
    values["submit_for_review"] = ["1"]
    submitted = client.post(f"/initiatives/{initiative.id}/edit", data=values)
    assert submitted.history[0].status_code == 302
    with app.app_context():
        initiative = saved_initiative(app)
        assert (initiative.state, initiative.location_state) == ("pending", "pending")


def test_unavailable_geocoder_before_there_is_a_title_keeps_the_place_for_the_save(
    app, client, resident, nominatim
):
    nominatim.mode = "server_error"
    response = client.post(
        "/initiatives/new", data={"place_name": "Hawksworth Road", "find_place": "1"}
    )
    page = response.get_data(as_text=True)
    assert "We could not look up this place just now. Your place name is kept" in page
    with app.app_context():
        assert db.session.scalars(select(Initiative)).all() == []

    values = form_values(response)
    values.update(title=["Street watch"], save_draft=["1"])
    client.post("/initiatives/new", data=values)
    with app.app_context():
        assert saved_initiative(app).location_state == "pending"


def test_a_search_that_works_again_clears_the_pending_place(app, client, resident, nominatim):
    nominatim.mode = "server_error"
    failed = client.post(
        "/initiatives/new",
        data={"title": "Walks", "place_name": "Hawksworth Road", "find_place": "1"},
    )
    assert form_values(failed)["location_pending"] == ["1"]
    nominatim.mode = "ok"
    values = {**form_values(failed), "find_place": "1"}
    found = client.post(f"/initiatives/{_only_id(app)}/edit", data=values)
    assert matches(found)
    assert form_values(found)["location_pending"] == [""]
    with app.app_context():
        assert saved_initiative(app).location_state == "none"


def test_coordinates_typed_after_a_failure_place_it_at_once(app, client, resident, nominatim):
    nominatim.mode = "unavailable"
    failed = client.post(
        "/initiatives/new",
        data={"title": "Walks", "place_name": "Hawksworth Road", "find_place": "1"},
    )
    values = form_values(failed)
    values.update(latitude=["53.8206"], longitude=["-1.604"], save_draft=["1"])
    client.post(f"/initiatives/{_only_id(app)}/edit", data=values)
    with app.app_context():
        initiative = saved_initiative(app)
        assert (initiative.location_state, initiative.latitude) == ("set", 53.8206)


def test_finding_a_place_on_a_published_initiative_saves_nothing(
    app, client, make_user, auth, make_initiative
):
    resident = make_user()
    initiative_id = make_initiative(submitter_id=resident.id, place_name="Old place")
    auth.login(resident.email)
    values = form_values(client.get(f"/initiatives/{initiative_id}/edit"))
    values.update(place_name=["Bethnal Green"], find_place=["1"])

    response = client.post(f"/initiatives/{initiative_id}/edit", data=values)

    assert response.status_code == 200
    assert matches(response)
    with app.app_context():
        assert db.session.get(Initiative, initiative_id).place_name == "Old place"


# A place name without a point waits for the geocoder, as it does in the API


@pytest.mark.usefixtures("paused_queue")
def test_a_place_name_saved_without_finding_it_is_pending(app, client, resident):
    values = form_values(client.get("/initiatives/new"))  # the form as sent, flag and all
    values.update(title=["Street watch"], place_name=["Hawksworth Road"], save_draft=["1"])

    client.post("/initiatives/new", data=values)

    with app.app_context():
        initiative = saved_initiative(app)
        assert (initiative.place_name, initiative.location_state) == ("Hawksworth Road", "pending")
        assert initiative.latitude is None
    page = client.get(f"/initiatives/{initiative.id}/edit").get_data(as_text=True)
    assert "“Hawksworth Road” is not on the map yet: we will look it up and place it" in page


@pytest.mark.usefixtures("paused_queue")
def test_a_place_name_submitted_without_finding_it_is_pending(
    app, client, resident, make_neighbourhood
):
    values = form_values(client.get("/initiatives/new"))
    data = complete_form(make_neighbourhood(), latitude="", longitude="")
    data["location_pending"] = values["location_pending"]

    response = client.post("/initiatives/new", data=data, follow_redirects=True)

    assert "is not on the map yet: we will look it up and place it there later." in (
        response.get_data(as_text=True)
    )
    with app.app_context():
        initiative = saved_initiative(app)
        assert (initiative.state, initiative.location_state) == ("pending", "pending")


def test_the_form_page_tells_a_new_place_name_will_be_placed_later(client, resident):
    page = client.get("/initiatives/new").get_data(as_text=True)
    assert "we look it up after you save and put it on the map then" in page


@pytest.mark.parametrize(
    ("stored", "flag_in_form", "drop_flag"),
    [
        ("none", "", False),  # the geocoder found nothing: not asked again
        ("pending", "1", True),  # a form without the flag keeps the stored state
    ],
)
@pytest.mark.usefixtures("paused_queue")
def test_a_place_name_without_a_point_keeps_its_stored_state(
    app, client, resident, make_initiative, stored, flag_in_form, drop_flag
):
    initiative_id = make_initiative(
        submitter_id=resident.id,
        state="draft",
        place_name="Hawksworth Road",
        latitude=None,
        longitude=None,
        location_state=stored,
    )
    values = form_values(client.get(f"/initiatives/{initiative_id}/edit"))
    assert values["location_pending"] == [flag_in_form]
    if drop_flag:
        del values["location_pending"]
    values["save_draft"] = ["1"]
    client.post(f"/initiatives/{initiative_id}/edit", data=values)
    with app.app_context():
        assert db.session.get(Initiative, initiative_id).location_state == stored
