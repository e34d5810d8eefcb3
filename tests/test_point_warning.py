"""Point and neighbourhood must agree: a point further than NEIGHBOURHOOD_WARN_KM from its
neighbourhood's centre is warned about on the form (and can still be saved), in the API's
answer (a warning, not a refusal), in an import's report (per row), and in the moderation
queue (issue 17: Armley, Leeds, saved with a point in London)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.initiatives.models import Initiative
from app.places.agreement import point_warning
from app.places.types import NeighbourhoodCentre
from tests.test_api_writes import post, submission
from tests.test_imports import HEADER, make_officer, run
from tests.test_moderation import login_moderator
from tests.test_submission import complete_form

ARMLEY = {"name": "Armley", "slug": "armley", "latitude": 53.7990, "longitude": -1.5870}
LONDON = ("51.5072", "-0.1276")  # Westminster, about 270 km from Armley
NEAR_ARMLEY = ("53.8000", "-1.5900")
WARNING = re.compile(
    r"The point on the map is 27\d km from the centre of Armley \(more than 10 km\)\. Check "
    r"that the place and the neighbourhood are both right: one of them may be wrong\."
)


@pytest.fixture
def armley(make_neighbourhood):
    return make_neighbourhood(**ARMLEY)


@pytest.fixture
def resident(auth, make_user):
    user = make_user()
    auth.login(user.email)
    return user


# The rule


def centre(**changes) -> NeighbourhoodCentre:
    values = {**ARMLEY, "local_authority": "Leeds City Council", **changes}
    return NeighbourhoodCentre(**values)


def test_a_point_near_its_neighbourhood_has_no_warning(app):
    with app.test_request_context():
        assert point_warning(53.80, -1.59, centre()) is None


def test_a_point_far_from_its_neighbourhood_is_warned_about(app):
    with app.test_request_context():
        warning = point_warning(51.5072, -0.1276, centre())
    assert warning is not None
    assert (warning.neighbourhood, warning.limit_km) == ("Armley", 10.0)
    assert 270 < warning.distance_km < 280


def test_warnings_worded_alike_say_the_same(app):
    """An import puts a message together once per wording, for all the rows that share it."""
    with app.test_request_context():
        one = point_warning(51.5072, -0.1276, centre())
        other = point_warning(51.5073, -0.1277, centre())
        elsewhere = point_warning(51.5072, -0.1276, centre(name="Bramley"))
        assert one and other and elsewhere
        assert one.distance_km != other.distance_km
        assert one.wording == other.wording and one.message == other.message
        assert elsewhere.wording != one.wording and elsewhere.message != one.message


def test_the_limit_is_configured(app, monkeypatch):
    monkeypatch.setitem(app.config, "NEIGHBOURHOOD_WARN_KM", 1.0)
    with app.test_request_context():
        assert point_warning(53.8162, -1.6037, centre()) is not None  # Kirkstall: 2.2 km
    monkeypatch.setitem(app.config, "NEIGHBOURHOOD_WARN_KM", 300.0)
    with app.test_request_context():
        assert point_warning(51.5072, -0.1276, centre()) is None


@pytest.mark.parametrize("point", [(None, -1.6), (53.8, None), (float("nan"), 1.0), (95.0, 1.0)])
def test_no_point_no_warning(app, point):
    with app.test_request_context():
        assert point_warning(*point, centre()) is None
        assert point_warning(53.8, -1.6, None) is None


# The form


def test_the_form_warns_and_still_saves_the_draft(app, client, resident, armley):
    data = complete_form(armley, latitude=LONDON[0], longitude=LONDON[1], submit_for_review=None)
    response = client.post("/initiatives/new", data={**data, "save_draft": "1"})
    assert response.status_code == 302  # saved
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert WARNING.search(page)
    assert "You can still save it: a moderator will check it." in page


def test_a_far_point_can_still_be_submitted_and_the_resident_is_told(
    app, client, resident, armley
):
    data = complete_form(armley, latitude=LONDON[0], longitude=LONDON[1])
    response = client.post("/initiatives/new", data=data, follow_redirects=True)
    assert response.status_code == 200
    assert WARNING.search(response.get_data(as_text=True))
    with app.app_context():
        (initiative,) = db.session.scalars(select(Initiative))
        assert initiative.state == "pending"


def test_a_near_point_brings_no_warning(app, client, resident, armley):
    data = complete_form(armley, latitude=NEAR_ARMLEY[0], longitude=NEAR_ARMLEY[1])
    response = client.post("/initiatives/new", data=data, follow_redirects=True)
    assert "The point on the map is" not in response.get_data(as_text=True)


def test_the_pickers_endpoint_warns_for_the_chosen_neighbourhood(client, armley):
    far = client.get(f"/places/neighbourhood?lat={LONDON[0]}&lon={LONDON[1]}&neighbourhood=armley")
    assert WARNING.fullmatch(far.json["warning"])
    near = client.get(
        f"/places/neighbourhood?lat={NEAR_ARMLEY[0]}&lon={NEAR_ARMLEY[1]}&neighbourhood=armley"
    )
    assert near.json["warning"] is None
    assert near.json["neighbourhood"] == {"slug": "armley", "name": "Armley"}
    unknown = client.get(f"/places/neighbourhood?lat=1&lon=1&neighbourhood={'x' * 500}")
    assert unknown.status_code == 200 and unknown.json["warning"] is None


# The API


@pytest.fixture
def token(app, make_user):
    from app.accounts.models import User
    from app.tokens.services import create_token

    user = make_user()
    with app.app_context():
        secret = create_token(db.session.get(User, user.id)).secret
        db.session.commit()
    return secret


def test_the_api_accepts_a_far_point_with_a_warning(app, client, token, armley):
    body = submission(neighbourhood="armley", latitude=51.5072, longitude=-0.1276)
    response = post(client, token, body)
    assert response.status_code == 201, response.json
    (warning,) = response.json["warnings"]
    assert warning["code"] == "point_far_from_neighbourhood"
    assert warning["field"] == "latitude"
    assert 270 < warning["distance_km"] < 280 and warning["limit_km"] == 10.0
    assert WARNING.fullmatch(warning["message"])
    assert response.json["initiative"]["state"] == "pending"


def test_the_api_gives_no_warning_for_a_near_point(app, client, token, armley):
    body = submission(neighbourhood="armley", latitude=53.8, longitude=-1.59)
    response = post(client, token, body)
    assert response.status_code == 201, response.json
    assert response.json["warnings"] == []


def test_the_openapi_document_describes_the_warnings(client):
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    assert "warnings" in schemas["Submission"]["required"]
    assert schemas["SubmissionWarning"]["properties"]["code"]["enum"] == [
        "point_far_from_neighbourhood"
    ]


# Imports


def test_an_import_warns_for_each_far_row_and_still_imports_it(
    app, runner, make_user, armley, tmp_path
):
    officer = make_officer(app, make_user)
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        f"{HEADER},latitude,longitude\n"
        f"A-1,Far watch,Residents walk.,safety,co-delivery,armley,{LONDON[0]},{LONDON[1]}\n"
        f"A-2,Near watch,Residents walk.,safety,co-delivery,armley,{NEAR_ARMLEY[0]},"
        f"{NEAR_ARMLEY[1]}\n",
        encoding="utf-8",
    )
    dry_run = run(runner, sheet, officer)
    assert sum(bool(WARNING.search(line)) for line in dry_run.stdout.splitlines()) == 1
    result = run(runner, sheet, officer, "--commit")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    warned = [number for number, line in enumerate(lines) if WARNING.search(line)]
    assert len(warned) == 1, result.stdout
    assert lines[warned[0] - 1] == "line 2\tcreate\tFar watch"  # the row, then its warning
    with app.app_context():
        assert len(list(db.session.scalars(select(Initiative)))) == 2


# The moderation queue and review page


def test_moderators_see_the_warning_in_the_queue_and_on_the_review_page(
    app, client, make_user, auth, make_initiative, armley
):
    far = make_initiative(
        state="pending",
        neighbourhood_id=armley,
        title="Far watch",
        latitude=51.5072,
        longitude=-0.1276,
    )
    make_initiative(
        state="pending",
        neighbourhood_id=armley,
        title="Near watch",
        latitude=53.8,
        longitude=-1.59,
    )
    login_moderator(make_user, auth)
    queue = client.get("/moderation").get_data(as_text=True)
    assert queue.count("Check the place:") == 1
    assert re.search(r"the point is 27\d km from the centre of Armley", queue)
    review = client.get(f"/moderation/initiatives/{far}").get_data(as_text=True)
    assert WARNING.search(review)
