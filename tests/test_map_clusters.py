"""The map's clusters endpoint: exact counts for any view and filter, bad input, precision."""

from __future__ import annotations

import random
import re
import threading
from unittest import mock

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.initiatives.models import Initiative, Outcome
from app.initiatives.public import published_initiatives
from app.map_cells import totals as map_totals
from app.map_cells.cells import rebuild_map_cells
from app.map_cells.grid import view_bbox
from app.map_cells.models import MapCell, MapPoint
from app.neighbourhoods.models import Neighbourhood
from app.shared_filters.parse import parse_filters
from app.shared_filters.query import apply_filters
from app.timeutil import utcnow
from tests.support.queries import count_queries

URL = "/api/v1/map/clusters"
LEEDS = (-1.55, 53.80)
THEMES = ("safety", "health", "education", "sustainability")
STAGES = ("co-commissioning", "co-design", "co-delivery", "co-assessment")
SECTORS = ("residents", "police", "council", "health")
STATUSES = ("planned", "active", "completed", "ended")
STATES = ("published",) * 6 + ("draft", "pending", "archived", "rejected")


def box_text(bbox) -> str:
    return ",".join(f"{value:.6f}" for value in bbox)


def get_clusters(client, bbox, zoom, **filters):
    query = [("bbox", box_text(bbox) if not isinstance(bbox, str) else bbox), ("zoom", zoom)]
    for name, value in filters.items():
        values = value if isinstance(value, list | tuple) else [value]
        query += [(name, item) for item in values]
    return client.get(URL, query_string=query)


def total(collection: dict) -> int:
    return sum(
        feature["properties"]["count"] if feature["properties"]["cluster"] else 1
        for feature in collection["features"]
    )


def matching_ids(app, bbox, **filters) -> set[int]:
    """Published initiatives matching the filters whose PUBLIC point lies in the box."""
    args = MultiDict([(name, item) for name, value in filters.items() for item in _as_list(value)])
    with app.app_context():
        initiative_filter, errors = parse_filters(args)
        assert not errors
        initiatives = db.session.scalars(apply_filters(published_initiatives(), initiative_filter))
        min_lon, min_lat, max_lon, max_lat = bbox
        return {
            initiative.id
            for initiative in initiatives
            if initiative.public_longitude is not None
            and min_lon <= initiative.public_longitude <= max_lon
            and min_lat <= initiative.public_latitude <= max_lat
        }


def _as_list(value):
    return list(value) if isinstance(value, list | tuple) else [value]


@pytest.fixture
def random_initiatives(app, make_user, make_neighbourhood):
    """A few hundred initiatives around Leeds in every state, with mixed themes and details."""
    rng = random.Random(20261128)
    submitter = make_user().id
    neighbourhoods = [
        make_neighbourhood(latitude=53.80 + rng.uniform(-0.1, 0.1), longitude=-1.55 + dx)
        for dx in (-0.1, 0.0, 0.1)
    ]
    towns = [(53.80, -1.55), (53.79, -1.75), (53.70, -1.40), (54.0, -1.3)]
    ids = []
    from tests.factories import create_test_initiative

    with app.app_context():
        for number in range(260):
            lat, lon = rng.choice(towns)
            spread = rng.choice((0.001, 0.01, 0.05, 0.2))
            ids.append(
                create_test_initiative(
                    state=rng.choice(STATES),
                    submitter_id=submitter,
                    neighbourhood_id=rng.choice(neighbourhoods),
                    title=f"{rng.choice(('Garden', 'Walk', 'Library'))} {number}",
                    latitude=round(lat + rng.gauss(0, spread), 6),
                    longitude=round(lon + rng.gauss(0, spread), 6),
                    location_precision=rng.choice(("street", "exact", "neighbourhood")),
                    themes=rng.sample(THEMES, rng.choice((1, 1, 2))),
                    stages=rng.sample(STAGES, rng.choice((1, 2))),
                    status=rng.choice(STATUSES),
                    participants=[{"sector": rng.choice(SECTORS), "name": "A group", "roles": []}],
                )
            )
    return ids


def grouped_when_asked():
    """Count every view by grouping the matching initiatives, never from precomputed totals."""
    return mock.patch.object(map_totals, "precomputed_keys", lambda _filter: None)


def random_filters(rng: random.Random, neighbourhoods: list[str]) -> dict:
    """No filter, one kept facet (precomputed totals), or anything else (grouped when asked)."""
    choice = rng.random()
    if choice < 0.2:
        return {}
    if choice < 0.55:
        kept = {
            "theme": lambda: rng.choice(THEMES),
            "stage": lambda: rng.choice(STAGES),
            "sector": lambda: rng.choice(SECTORS),
            "status": lambda: rng.sample(STATUSES, rng.choice((1, 2))),
            "neighbourhood": lambda: rng.sample(neighbourhoods, rng.choice((1, 2))),
            "verified": lambda: "1",
        }
        name = rng.choice(list(kept))
        return {name: kept[name]()}
    options = {
        "neighbourhood": lambda: rng.sample(neighbourhoods, rng.choice((1, 2))),
        "theme": lambda: rng.sample(THEMES, 2),
        "stage": lambda: rng.choice(STAGES),
        "sector": lambda: rng.choice(SECTORS),
        "status": lambda: rng.sample(STATUSES, rng.choice((1, 2))),
        "verified": lambda: "1",
        "q": lambda: rng.choice(("garden", "walk", "library")),
        "near": lambda: (
            f"{53.8 + rng.uniform(-0.2, 0.2):.4f},{-1.55 + rng.uniform(-0.2, 0.2):.4f}"
        ),
    }
    names = rng.sample(list(options), rng.choice((1, 2)))
    chosen = {name: options[name]() for name in names}
    if "near" in chosen:
        chosen["radius_km"] = str(rng.choice((1, 5, 20)))
    return chosen


def random_box(rng: random.Random, zoom: int):
    """A box a map of random size shows somewhere around the data at this zoom."""
    longitude = LEEDS[0] + rng.uniform(-0.4, 0.4)
    latitude = LEEDS[1] + rng.uniform(-0.25, 0.25)
    return view_bbox(longitude, latitude, zoom, rng.randint(200, 1600), rng.randint(150, 1000))


def test_cluster_counts_add_up_at_every_zoom_for_random_views_and_filters(
    app, client, random_initiatives
):
    rng = random.Random(7)
    with app.app_context():
        neighbourhoods = list(db.session.scalars(select(Neighbourhood.slug)))
    for zoom in range(0, 21):  # every zoom the API takes
        for _ in range(4):
            bbox, filters = random_box(rng, zoom), random_filters(rng, neighbourhoods)
            response = get_clusters(client, bbox, zoom, **filters)
            assert response.status_code == 200, response.json
            collection = response.get_json()
            expected = matching_ids(app, bbox, **filters)
            assert total(collection) == len(expected), (zoom, bbox, filters)
            singles = {
                feature["properties"]["id"]
                for feature in collection["features"]
                if not feature["properties"]["cluster"]
            }
            assert singles <= expected


def test_whole_data_counts_the_published_initiatives_only(app, client, random_initiatives):
    with app.app_context():
        published = set(
            db.session.scalars(select(Initiative.id).where(Initiative.state == "published"))
        )
    for zoom in range(0, 5):  # the whole world is 64 × 64 cells at zoom 4, the most asked
        collection = get_clusters(client, (-180, -85, 180, 85), zoom).get_json()
        assert total(collection) == len(published) < len(random_initiatives)


def test_precomputed_and_grouped_totals_give_the_same_clusters(app, client, random_initiatives):
    rng = random.Random(11)
    for zoom in range(0, 19, 2):
        bbox, filters = random_box(rng, zoom), rng.choice(({}, {"theme": "health"}))
        precomputed = get_clusters(client, bbox, zoom, **filters).get_json()
        with grouped_when_asked():
            grouped = get_clusters(client, bbox, zoom, **filters).get_json()
        assert comparable(precomputed) == comparable(grouped)


def comparable(collection: dict) -> list:
    """Features with their centres to 5 decimals: sums may add up in another order."""
    return sorted(
        (
            [round(value, 5) for value in feature["geometry"]["coordinates"]],
            sorted(feature["properties"].items()),
        )
        for feature in collection["features"]
    )


LEEDS_VIEW = view_bbox(*LEEDS, 11)


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"zoom": "11"}, "bbox"),
        ({"bbox": "-1.4,53.7,-1.7,53.9", "zoom": "11"}, "bbox"),
        ({"bbox": "-1.7,53.9,-1.4,53.7", "zoom": "11"}, "bbox"),
        ({"bbox": "-1.7,53.7,-1.4", "zoom": "11"}, "bbox"),
        ({"bbox": "west,53.7,-1.4,53.9", "zoom": "11"}, "bbox"),
        ({"bbox": "-1.7,53.7,-1.4,95", "zoom": "11"}, "bbox"),
        ({"bbox": "nan,53.7,-1.4,53.9", "zoom": "11"}, "bbox"),
        ({"bbox": "-180,-85,180,85", "zoom": "18"}, "bbox"),
        ({"bbox": "-1.7,53.7,-1.4,53.9"}, "zoom"),
        ({"bbox": "-1.7,53.7,-1.4,53.9", "zoom": "-1"}, "zoom"),
        ({"bbox": "-1.7,53.7,-1.4,53.9", "zoom": "21"}, "zoom"),
        ({"bbox": "-1.7,53.7,-1.4,53.9", "zoom": "x"}, "zoom"),
        ({"bbox": "-1.7,53.7,-1.4,53.9", "zoom": "3.5"}, "zoom"),
        ({"bbox": "-1.7,53.7,-1.4,53.9", "zoom": ["3", "4"]}, "zoom"),
        ({"bbox": "-1.7,53.7,-1.4,53.9", "zoom": "11", "theme": "no-such-theme"}, "theme"),
        ({"bbox": "-1.7,53.7,-1.4,53.9", "zoom": "11", "stage": "<script>"}, "stage"),
        ({"bbox": "-1.7,53.7,-1.4,53.9", "zoom": "11", "radius_km": "5"}, "radius_km"),
    ],
)
def test_bad_view_or_filter_gets_a_json_error_naming_the_parameter(client, query, named):
    response = client.get(URL, query_string=query)
    assert response.status_code == 400
    assert response.content_type == "application/json"
    assert response.json["ok"] is False
    assert named in response.json["errors"]


def single_feature(client, initiative_id: int, bbox=LEEDS_VIEW, zoom: int = 11) -> dict:
    collection = get_clusters(client, bbox, zoom).get_json()
    [feature] = [
        feature
        for feature in collection["features"]
        if feature["properties"].get("id") == initiative_id
    ]
    return feature


def test_street_precision_shows_the_rounded_point_never_the_private_one(client, make_initiative):
    initiative_id = make_initiative(
        latitude=53.801234, longitude=-1.551234, location_precision="street"
    )
    feature = single_feature(client, initiative_id)
    assert feature["geometry"]["coordinates"] == [-1.551, 53.801]
    assert "53.801234" not in get_clusters(client, LEEDS_VIEW, 11).get_data(as_text=True)


def test_neighbourhood_precision_shows_the_neighbourhood_centre(
    client, make_initiative, make_neighbourhood
):
    neighbourhood_id = make_neighbourhood(latitude=53.81, longitude=-1.56)
    initiative_id = make_initiative(
        neighbourhood_id=neighbourhood_id,
        latitude=53.801234,
        longitude=-1.551234,
        location_precision="neighbourhood",
    )
    assert single_feature(client, initiative_id)["geometry"]["coordinates"] == [-1.56, 53.81]


def test_exact_precision_shows_the_point_to_six_decimals(client, make_initiative):
    initiative_id = make_initiative(
        latitude=53.8012345678, longitude=-1.5512345678, location_precision="exact"
    )
    feature = single_feature(client, initiative_id)
    assert feature["geometry"]["coordinates"] == [-1.551235, 53.801235]


def test_single_initiative_feature_has_its_title_primary_theme_and_page(
    app, client, make_initiative
):
    initiative_id = make_initiative(
        title="Kirkstall litter pick",
        themes=["sustainability", "health"],
        latitude=53.8,
        longitude=-1.55,
    )
    properties = single_feature(client, initiative_id)["properties"]
    assert properties == {
        "cluster": False,
        "id": initiative_id,
        "title": "Kirkstall litter pick",
        "theme": "sustainability",
        "theme_name": "Sustainability",
        "colour": "#0b6e4f",
        "url": f"http://localhost/initiatives/{initiative_id}-kirkstall-litter-pick",
    }
    assert client.get(properties["url"]).status_code == 200


def test_cluster_feature_has_count_bbox_and_centre_of_its_points(client, make_initiative):
    points = [(53.80, -1.55), (53.802, -1.552), (53.804, -1.548)]
    for latitude, longitude in points:
        make_initiative(latitude=latitude, longitude=longitude, location_precision="exact")
    [feature] = get_clusters(client, view_bbox(*LEEDS, 8), 8).get_json()["features"]
    assert feature["properties"] == {
        "cluster": True,
        "count": 3,
        "bbox": [-1.552, 53.8, -1.548, 53.804],
    }
    assert feature["geometry"]["coordinates"] == [-1.55, 53.802]


def test_xss_in_a_title_is_plain_json_string_data(client, make_initiative):
    payload = "<img src=x onerror=alert(1)><script>alert('x')</script>&amp;"
    initiative_id = make_initiative(title=payload, latitude=53.8, longitude=-1.55)
    response = get_clusters(client, LEEDS_VIEW, 11)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert single_feature(client, initiative_id)["properties"]["title"] == payload
    body = response.get_data(as_text=True)
    assert "<" not in body and ">" not in body and "&amp;" not in body


def test_geojson_follows_rfc_7946(app, client, make_initiative):
    make_initiative(latitude=53.8012345678, longitude=-1.5512345678, location_precision="exact")
    for offset in range(3):
        make_initiative(latitude=53.83 + offset / 1000, longitude=-1.6, location_precision="exact")
    response = get_clusters(client, LEEDS_VIEW, 11)
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    collection = response.get_json()
    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection
    assert collection["licence"] == app.config["DATA_LICENCE"]
    assert len(collection["features"]) == 2
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "Point"
        longitude, latitude = feature["geometry"]["coordinates"]
        assert -1.7 < longitude < -1.5 and 53.7 < latitude < 53.9  # [lon, lat]
    numbers = re.findall(r"-?\d+\.(\d+)", response.get_data(as_text=True))
    assert numbers and all(len(decimals) <= 6 for decimals in numbers)


@pytest.mark.parametrize("language", ["en", "cy"])
def test_map_cells_answer_equals_the_schemas_dump(app, client, make_initiative, language):
    """The features are built by hand for speed; the schema that documents them (the OpenAPI
    document) dumps the very same JSON from the cells' totals and the initiatives."""
    import json

    from flask import request

    from app.api.schemas.map_cells import MapCellCollectionSchema
    from app.map_cells.totals import find_cell_totals

    for offset in range(3):
        make_initiative(latitude=53.83 + offset / 1000, longitude=-1.6, location_precision="exact")
    make_initiative(
        title="Kirkstall litter pick",
        title_cy="Casglu sbwriel Kirkstall",
        themes=["sustainability", "health"],
        latitude=53.8012345,
        longitude=-1.5512345,
        location_precision="street",
    )
    make_initiative(title="<b>Armley & co</b>", latitude=53.75, longitude=-1.45)
    headers = {"Accept-Language": language}
    query = {"bbox": box_text(LEEDS_VIEW), "zoom": 11}
    answer = client.get(URL, query_string=query, headers=headers).get_json()
    with app.test_request_context(URL, query_string=query, headers=headers):
        app.preprocess_request()
        initiative_filter, errors = parse_filters(request.args)
        assert not errors
        shown = [
            total if total.count > 1 else db.session.get(Initiative, total.first_initiative_id)
            for total in sorted(find_cell_totals(initiative_filter, 11), key=lambda t: t.cell)
        ]
        expected = MapCellCollectionSchema().dump(
            {"type": "FeatureCollection", "licence": app.config["DATA_LICENCE"], "features": shown}
        )
    assert [feature["properties"]["cluster"] for feature in expected["features"]].count(True) == 1
    assert len(expected["features"]) == 3
    assert json.dumps(answer) == json.dumps(expected)  # the same keys, values and order


def test_empty_view_is_an_empty_collection(client):
    response = get_clusters(client, LEEDS_VIEW, 11)
    assert response.status_code == 200
    assert response.get_json()["features"] == []


FILTERED = {"stage": "co-delivery"}


def test_clusters_take_a_bounded_number_of_queries(app, client, make_initiative):
    def queries_for_view(**filters) -> int:
        with count_queries(app) as statements:
            assert get_clusters(client, view_bbox(*LEEDS, 14), 14, **filters).status_code == 200
        return len(statements)

    def queries_for_views() -> list[int]:
        return [queries_for_view(**filters) for filters in ({}, {"theme": "health"}, FILTERED)]

    for number in range(3):
        make_initiative(latitude=53.8 + number / 2000, longitude=-1.55, themes=["health"])
    few = queries_for_views()
    for number in range(40):
        make_initiative(
            latitude=53.79 + number / 1500, longitude=-1.56 + number / 1000, themes=["health"]
        )
    many = queries_for_views()
    assert many == few
    assert max(many) <= 7  # BEGIN, the theme, cell totals, cut cells, singles and their themes


def map_tables(app) -> tuple[list, list]:
    """Every map point and precomputed total, rounded where sums may differ in the last bit."""
    with app.app_context():
        points = sorted(tuple(row) for row in db.session.execute(select(*MapPoint.__table__.c)))
        cells = sorted(
            (*row[:4], round(row[4], 6), round(row[5], 6), *row[6:])
            for row in db.session.execute(select(*MapCell.__table__.c))
        )
    return points, cells


KEPT_FILTERS = (
    {},
    {"theme": "health"},
    {"theme": "safety"},
    {"status": "ended"},
    {"status": ["active", "planned"]},
    {"stage": "co-design"},
    {"sector": "police"},
    {"verified": "1"},
)


def assert_map_up_to_date(app, client) -> None:
    """What the flushes kept equals a rebuild from scratch, and both ways of counting agree."""
    kept = map_tables(app)
    with app.app_context():
        rebuild_map_cells(db.session.connection())
        db.session.commit()
    assert map_tables(app) == kept
    for zoom in (3, 9, 12, 14, 16):
        for filters in KEPT_FILTERS:
            bbox = view_bbox(*LEEDS, zoom)
            precomputed = get_clusters(client, bbox, zoom, **filters).get_json()
            with grouped_when_asked():
                grouped = get_clusters(client, bbox, zoom, **filters).get_json()
            assert comparable(precomputed) == comparable(grouped)
            assert total(precomputed) == len(matching_ids(app, bbox, **filters))


def in_view(client, initiative_id: int, zoom: int = 18) -> bool:
    collection = get_clusters(client, view_bbox(*LEEDS, zoom), zoom).get_json()
    return initiative_id in {feature["properties"].get("id") for feature in collection["features"]}


@pytest.fixture
def moderator(app, make_user):
    """Run a moderation service as a moderator, and commit as the request would."""
    from app.accounts.models import User

    moderator_id = make_user(role="moderator").id

    def act(action, initiative_id: int, *args):
        with app.app_context():
            action(
                db.session.get(User, moderator_id),
                db.session.get(Initiative, initiative_id),
                *args,
            )
            db.session.commit()

    return act


def edited(app, initiative_id: int, **changes) -> dict:
    from app.initiatives.content import initiative_content

    with app.app_context():
        return {**initiative_content(db.session.get(Initiative, initiative_id)), **changes}


def test_map_follows_publishing_archiving_moving_rethemeing_and_deleting(
    app, client, make_initiative, make_neighbourhood, moderator
):
    from app.moderation.services import approve_initiative, archive_initiative
    from app.submissions.services import publish_edit

    neighbourhood_id = make_neighbourhood(latitude=53.805, longitude=-1.545)
    near = {"neighbourhood_id": neighbourhood_id, "location_precision": "exact"}
    for number in range(6):
        make_initiative(latitude=53.80, longitude=-1.55 + number / 10_000, **near)
    pending = make_initiative(state="pending", latitude=53.8001, longitude=-1.5501, **near)
    moving = make_initiative(latitude=53.8002, longitude=-1.5502, themes=["health"], **near)
    assert not in_view(client, pending)
    assert_map_up_to_date(app, client)

    moderator(approve_initiative, pending)
    assert in_view(client, pending)
    assert_map_up_to_date(app, client)

    moderator(publish_edit, moving, edited(app, moving, latitude=53.83, longitude=-1.60))
    assert_map_up_to_date(app, client)

    moderator(publish_edit, moving, edited(app, moving, themes=["safety", "education"]))
    assert_map_up_to_date(app, client)

    moderator(publish_edit, moving, edited(app, moving, location_precision="neighbourhood"))
    assert_map_up_to_date(app, client)

    other_place = make_neighbourhood(latitude=53.81, longitude=-1.56)
    changes = {
        "status": "ended",
        "stages": ["co-design", "co-assessment"],
        "participants": [{"sector": "police", "name": "West Yorkshire Police", "roles": []}],
        "neighbourhood_id": other_place,
    }
    moderator(publish_edit, moving, edited(app, moving, **changes))
    assert_map_up_to_date(app, client)
    bbox = view_bbox(*LEEDS, 3)
    for filters in ({"status": "ended"}, {"stage": "co-design"}, {"sector": "police"}):
        assert total(get_clusters(client, bbox, 3, **filters).get_json()) == 1, filters

    with app.app_context():  # as a council officer's verifying does
        db.session.add(Outcome(initiative_id=moving, description="Fewer burglaries"))
        db.session.flush()
        assert total(get_clusters(client, bbox, 3, verified="1").get_json()) == 0
        outcome = db.session.scalars(select(Outcome).filter_by(initiative_id=moving)).one()
        outcome.verified_at = utcnow()
        db.session.commit()
    assert total(get_clusters(client, bbox, 3, verified="1").get_json()) == 1
    assert_map_up_to_date(app, client)

    moderator(archive_initiative, pending)
    assert not in_view(client, pending)
    assert_map_up_to_date(app, client)

    with app.app_context():
        db.session.delete(db.session.get(Initiative, moving))
        db.session.commit()
    assert_map_up_to_date(app, client)


def test_moving_a_neighbourhood_centre_moves_its_initiatives_on_the_map(
    app, client, make_initiative, make_neighbourhood
):
    from app.admin.reference_services import save_neighbourhood
    from app.neighbourhoods.models import Neighbourhood

    neighbourhood_id = make_neighbourhood(latitude=53.80, longitude=-1.55)
    initiative_id = make_initiative(
        neighbourhood_id=neighbourhood_id, location_precision="neighbourhood"
    )
    with app.app_context():
        neighbourhood = db.session.get(Neighbourhood, neighbourhood_id)
        values = {
            "name": neighbourhood.name,
            "local_authority": neighbourhood.local_authority,
            "latitude": 53.81,
            "longitude": -1.56,
        }
        save_neighbourhood(None, values, neighbourhood)
        db.session.commit()
    assert single_feature(client, initiative_id)["geometry"]["coordinates"] == [-1.56, 53.81]
    assert_map_up_to_date(app, client)


@pytest.mark.postgres_only
def test_two_transactions_publishing_at_once_both_reach_the_map(app, client, make_initiative):
    first = make_initiative(state="pending", latitude=53.80, longitude=-1.55)
    second = make_initiative(state="pending", latitude=53.81, longitude=-1.56)
    flushed, release, errors = threading.Event(), threading.Event(), []

    def publish(initiative_id: int, hold: bool) -> None:
        try:
            with app.app_context():
                db.session.get(Initiative, initiative_id).state = "published"
                db.session.flush()
                if hold:
                    flushed.set()
                    release.wait(10)
                db.session.commit()
        except Exception as error:  # reported below, from the test's own thread
            errors.append(error)

    holder = threading.Thread(target=publish, args=(first, True))
    holder.start()
    assert flushed.wait(10)
    other = threading.Thread(target=publish, args=(second, False))
    other.start()
    other.join(0.5)
    assert other.is_alive()  # waits for the first transaction to finish writing the map
    release.set()
    holder.join(10)
    other.join(10)
    assert errors == []
    assert in_view(client, first, zoom=14) and in_view(client, second, zoom=14)
    assert_map_up_to_date(app, client)


@pytest.mark.parametrize(
    ("zoom", "bbox"),
    [(14, (-6.0, 53.8, 2.0, 53.8001)), (20, (-1.7, 53.8, -1.35, 53.80001))],
)
def test_a_long_thin_view_counts_exactly_too(app, client, make_initiative, zoom, bbox):
    inside = (53.800005, -1.5)
    for offset in range(5):
        make_initiative(
            latitude=inside[0], longitude=inside[1] + offset / 100, location_precision="exact"
        )
    make_initiative(latitude=53.9, longitude=-1.5, location_precision="exact")
    response = get_clusters(client, bbox, zoom)
    assert response.status_code == 200
    assert total(response.get_json()) == len(matching_ids(app, bbox)) == 5


def test_any_box_at_any_zoom_answers_200_or_400(app, client, make_initiative):
    make_initiative(latitude=53.8, longitude=-1.55)
    make_initiative(latitude=-89.9, longitude=179.99, location_precision="exact")
    rng = random.Random(5)
    for _ in range(300):
        west, east = sorted(rng.uniform(-180, 180) for _ in range(2))
        south, north = sorted(rng.uniform(-90, 90) for _ in range(2))
        if rng.random() < 0.5:  # small boxes, where high zooms are allowed
            east, north = west + rng.uniform(0, 0.01), south + rng.uniform(0, 0.01)
        bbox = (west, south, min(east, 180), min(north, 90))
        zoom = rng.randrange(0, 21)
        response = get_clusters(client, bbox, zoom)
        assert response.status_code in (200, 400), (bbox, zoom)
        if response.status_code == 200:
            assert total(response.get_json()) == len(matching_ids(app, bbox))
