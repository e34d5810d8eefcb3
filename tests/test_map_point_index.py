"""Map views with any filter, grouped from the facet bitmaps and the points kept in memory: they
count what the database holds after every kind of change, read from the log of changes alone."""

from __future__ import annotations

import numpy as np
import pytest
from pyroaring import BitMap
from sqlalchemy import select

from app.admin.reference_services import save_neighbourhood
from app.extensions import db
from app.initiatives.models import Initiative, InitiativeStage
from app.map_cells.grid import view_bbox
from app.neighbourhoods.models import Neighbourhood
from app.shared_filters.point_index import (
    NO_POINT,
    PointIndex,
    current_point_index,
)
from tests.factories import create_test_initiative
from tests.test_map_clusters import LEEDS, get_clusters, matching_ids, total

# Filters no precomputed total answers: two facets, words, a facet with words.
FILTERS = (
    {"theme": "health", "stage": "co-design"},
    {"theme": ["health", "safety"], "status": "active"},
    {"q": "garden"},
    {"q": "garden", "theme": "health"},
)
VIEWS = tuple((view_bbox(*LEEDS, zoom), zoom) for zoom in (5, 8, 11, 14))


def assert_views_count_the_database(app, client) -> None:
    for bbox, zoom in VIEWS:
        for filters in FILTERS:
            response = get_clusters(client, bbox, zoom, **filters)
            assert response.status_code == 200, response.json
            collection = response.get_json()
            expected = matching_ids(app, bbox, **filters)
            assert total(collection) == len(expected), (zoom, filters)
            singles = {
                feature["properties"]["id"]
                for feature in collection["features"]
                if not feature["properties"]["cluster"]
            }
            assert singles <= expected


@pytest.fixture
def site(app, make_neighbourhood):
    """Forty initiatives around Leeds with a mix of themes, stages, statuses and titles."""
    place = make_neighbourhood(latitude=53.80, longitude=-1.55)
    with app.app_context():
        ids = [
            create_test_initiative(
                neighbourhood_id=place,
                title=f"{('Garden', 'Walk')[number % 2]} {number}",
                latitude=53.80 + (number % 7) * 0.01,
                longitude=-1.55 + (number % 5) * 0.01,
                location_precision=("exact", "street")[number % 2],
                themes=[("health", "safety", "education")[number % 3]],
                stages=[("co-design", "co-delivery")[number % 2]],
                status=("active", "planned")[number % 2],
            )
            for number in range(40)
        ]
    return {"place": place, "ids": ids}


def test_every_change_reaches_the_views_from_the_log_alone(app, client, site, monkeypatch):
    assert_views_count_the_database(app, client)  # the points, read in full once
    monkeypatch.setattr(
        "app.shared_filters.point_index.build_point_index",
        lambda *_args, **_kwargs: pytest.fail("read every point again for one change"),
    )
    first, second, third, fourth, *_ = site["ids"]
    changes = [
        lambda: setattr(db.session.get(Initiative, first), "latitude", 53.95),  # moved
        lambda: setattr(db.session.get(Initiative, second), "state", "hidden"),
        lambda: db.session.delete(db.session.get(Initiative, third)),
        lambda: db.session.add(InitiativeStage(initiative_id=fourth, stage="co-design")),
        lambda: setattr(db.session.get(Initiative, second), "state", "published"),
    ]
    for change in changes:
        with app.app_context():
            change()
            db.session.commit()
        assert_views_count_the_database(app, client)
    with app.app_context():  # a new initiative, past the end of the arrays
        create_test_initiative(
            neighbourhood_id=site["place"],
            title="Garden far along",
            latitude=53.81,
            longitude=-1.54,
            themes=["health"],
            stages=["co-design"],
        )
    assert_views_count_the_database(app, client)


def test_a_moved_neighbourhood_moves_its_points(app, client, site):
    """Points blurred to their neighbourhood follow its centre (everything is read again)."""
    initiative_id = create_test_initiative_in(app, site["place"])
    assert_views_count_the_database(app, client)
    with app.app_context():
        neighbourhood = db.session.get(Neighbourhood, site["place"])
        values = {
            "name": neighbourhood.name,
            "local_authority": neighbourhood.local_authority,
            "latitude": 53.60,
            "longitude": -1.90,
        }
        save_neighbourhood(None, values, neighbourhood)
        db.session.commit()
        index = current_point_index()
        assert (index.longitude[initiative_id], index.latitude[initiative_id]) == (-1.90, 53.60)
    assert_views_count_the_database(app, client)


def create_test_initiative_in(app, place: int) -> int:
    with app.app_context():
        return create_test_initiative(
            neighbourhood_id=place,
            title="Garden in the neighbourhood",
            location_precision="neighbourhood",
            themes=["health"],
            stages=["co-design"],
        )


def test_unpublished_initiatives_have_no_point(app, site, make_initiative):
    draft = make_initiative(state="draft", latitude=53.8, longitude=-1.55)
    with app.app_context():
        index = current_point_index()
        published = set(
            db.session.scalars(select(Initiative.id).where(Initiative.state == "published"))
        )
        on_the_map = {int(i) for i in np.flatnonzero(index.code != NO_POINT)}
        assert on_the_map == published
        assert draft >= len(index.code) or index.code[draft] == NO_POINT


def test_grouping_sums_each_cell_and_keeps_only_the_box():
    index = PointIndex(
        version=1,
        last_change=0,
        code=np.array([NO_POINT, 0b0100, 0b0111, 0b1000, NO_POINT, 0b0101], dtype=np.int64),
        longitude=np.array([0.0, 1.0, 2.0, 3.0, 0.0, 9.0]),
        latitude=np.array([0.0, 10.0, 20.0, 30.0, 0.0, 40.0]),
    )
    grouped = index.grouped(BitMap([0, 1, 2, 3, 4, 5, 99]), (0.5, 5.0, 3.5, 35.0), 2)
    assert grouped.cells.tolist() == [1, 2]  # id 5 lies outside the box; 0 and 4 have no point
    assert grouped.counts.tolist() == [2, 1]
    assert grouped.sum_longitude.tolist() == [3.0, 3.0]
    assert grouped.min_latitude.tolist() == [10.0, 30.0]
    assert grouped.max_latitude.tolist() == [20.0, 30.0]
    assert grouped.first_initiative_id.tolist() == [1, 3]
    assert index.grouped(BitMap(), (0.5, 5.0, 3.5, 35.0), 2).cells.tolist() == []


def test_an_import_reaches_the_views(app, client, site):
    """New initiatives written in bulk by an import (not through the ORM's flush) are on the
    map's points kept in memory (the import logs them, and the rebuild job that follows it
    logs everything changed)."""
    from app.accounts.models import User
    from app.imports.services import import_initiatives
    from tests.factories import create_test_user

    assert_views_count_the_database(app, client)
    header = "title,summary,themes,stages,status,neighbourhood,latitude,longitude"
    rows = [
        f"Garden import {number},Planting.,health,co-design,active,{{slug}},"
        f"{53.80 + number / 1000},{-1.55 + number / 1000}"
        for number in range(12)
    ]
    with app.app_context():
        slug = db.session.get(Neighbourhood, site["place"]).slug
        importer = create_test_user(role="admin", email="importer@example.org").id
        data = "\n".join([header, *(row.format(slug=slug) for row in rows)]).encode()
        report = import_initiatives(
            data, "garden.csv", db.session.get(User, importer), "published", True
        )
        assert report.committed, [row.reasons for row in report.rows]
    assert_views_count_the_database(app, client)
    with app.app_context():
        imported = db.session.scalars(
            select(Initiative.id).where(Initiative.title.like("Garden import%"))
        ).all()
        assert len(imported) == 12
        index = current_point_index()
        assert all(index.code[initiative_id] != NO_POINT for initiative_id in imported)


def test_a_rebuilt_map_is_read_again(app, client, site):
    """A restore empties the map's points and a job rebuilds them later, with no initiative
    changed: a process that read the empty points reads them again once the rebuild commits."""
    from sqlalchemy import delete

    from app.map_cells.cells import rebuild_map_cells
    from app.map_cells.models import MapCell, MapPoint

    with app.app_context():
        db.session.execute(delete(MapCell))
        db.session.execute(delete(MapPoint))
        db.session.commit()
        assert not (current_point_index().code != NO_POINT).any()  # read empty, and kept
    with app.app_context():
        rebuild_map_cells(db.session.connection())
        db.session.commit()
    assert_views_count_the_database(app, client)


def sql_box(app, bbox: tuple[float, float, float, float]) -> set[int]:
    """The published initiatives in a box, asked of the initiatives themselves."""
    from app.initiatives.public import published_only
    from app.shared_filters.parse import InitiativeFilter
    from app.shared_filters.query import apply_filters

    with app.app_context():
        query = apply_filters(published_only(select(Initiative.id)), InitiativeFilter(bbox=bbox))
        return set(db.session.scalars(query))


def test_the_box_filter_from_memory_finds_what_the_database_finds(app, site, make_initiative):
    """Random boxes, and boxes whose edges pass through points (edges are inside), over
    points of every precision, a draft and an initiative without a point."""
    import random

    make_initiative(state="draft", latitude=53.81, longitude=-1.54)
    make_initiative(title="Nowhere yet", latitude=None, longitude=None, place_status="pending")
    with app.app_context():
        points = list(
            db.session.execute(
                select(Initiative.public_longitude, Initiative.public_latitude).where(
                    Initiative.public_longitude.is_not(None)
                )
            )
        )
    generator = random.Random(7)
    boxes = [(-1.56, 53.79, -1.52, 53.83), (-10.0, 49.0, 2.0, 61.0), (0.0, 0.0, 1.0, 1.0)]
    for _ in range(40):
        (lon1, lat1), (lon2, lat2) = generator.sample(points, 2)
        boxes.append((min(lon1, lon2), min(lat1, lat2), max(lon1, lon2), max(lat1, lat2)))
    for bbox in boxes:
        with app.app_context():
            in_memory = set(current_point_index().inside(bbox))
        assert in_memory == sql_box(app, bbox), bbox
    assert any(sql_box(app, bbox) for bbox in boxes[3:])


def test_lists_in_a_box_while_the_map_is_rebuilt_ask_the_database(app, client, site):
    """After a restore the map's points are empty until the rebuild job commits: a list in a
    box still finds its initiatives, from the initiatives themselves."""
    from sqlalchemy import delete

    from app.map_cells.models import MapCell, MapPoint
    from app.shared_filters.point_index import forget_point_index

    box = (-1.56, 53.79, -1.52, 53.83)
    url = "/api/v1/initiatives?bbox=" + ",".join(str(edge) for edge in box) + "&limit=100"
    before = {item["id"] for item in client.get(url).get_json()["items"]}
    assert before == sql_box(app, box) and before
    with app.app_context():
        db.session.execute(delete(MapCell))
        db.session.execute(delete(MapPoint))
        db.session.commit()
        forget_point_index()  # read empty, as a process started after the restore reads it
        assert not current_point_index().holds_points()
    assert {item["id"] for item in client.get(url).get_json()["items"]} == before
