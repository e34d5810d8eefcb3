"""The map grid under the clusters: cells, Z-order ranges, and bench data for the benchmark."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from app.extensions import db
from app.initiatives.models import Initiative
from app.map_cells.facets import ANY
from app.map_cells.grid import (
    INNER,
    CellWindow,
    block_ranges,
    cell_shift,
    coarsened,
    interleave,
    pixel_x,
    pixel_y,
    view_bbox,
)
from app.map_cells.models import MapCell
from app.neighbourhoods.models import Neighbourhood


def test_morton_codes_interleave_the_bits_of_column_and_row():
    assert interleave(0b101, 0b011) == 0b011011
    assert interleave((1 << 28) - 1, 0) == int("01" * 28, 2)


def test_cells_nest_four_to_a_parent():
    rng = random.Random(2)
    for _ in range(200):
        x, y, zoom = rng.randrange(1 << 28), rng.randrange(1 << 28), rng.randrange(1, 21)
        code = interleave(x, y)
        child = code >> (2 * cell_shift(zoom))
        parent = code >> (2 * cell_shift(zoom - 1))
        assert child >> 2 == parent
        assert child == interleave(x >> cell_shift(zoom), y >> cell_shift(zoom))


def test_block_ranges_cover_exactly_the_rectangle():
    rng = random.Random(3)
    shift = cell_shift(6)  # 256 cells across the world
    for _ in range(100):
        left, top = rng.randrange(256), rng.randrange(256)
        columns = range(left, min(256, left + rng.randint(1, 40)))
        rows = range(top, min(256, top + rng.randint(1, 40)))
        covered = {
            code
            for first, last in block_ranges(columns, rows, shift)
            for code in range(first, last + 1)
        }
        assert covered == {interleave(x, y) for x in columns for y in rows}


def test_inner_cells_hold_only_points_in_the_box_and_the_window_holds_them_all():
    rng = random.Random(4)
    for _ in range(200):
        zoom = rng.randrange(0, 19)
        bbox = view_bbox(rng.uniform(-5, 2), rng.uniform(50, 58), zoom, 640, 400)
        window = CellWindow.for_box(bbox, zoom)
        min_lon, min_lat, max_lon, max_lat = bbox
        width, height = max_lon - min_lon, max_lat - min_lat
        for _ in range(50):
            longitude = round(rng.uniform(min_lon - width / 4, max_lon + width / 4), 6)
            latitude = round(rng.uniform(min_lat - height / 4, max_lat + height / 4), 6)
            column = pixel_x(longitude) >> window.shift
            row = pixel_y(latitude) >> window.shift
            inside = min_lon <= longitude <= max_lon and min_lat <= latitude <= max_lat
            if window.place(column, row, zoom) == INNER:
                assert inside
            if inside:
                assert column in window.columns and row in window.rows


def test_view_of_a_1280_by_800_map_has_at_most_21_by_14_cells():
    for zoom in range(3, 21):
        window = CellWindow.for_box(view_bbox(-1.55, 53.8, zoom), zoom)
        assert len(window.columns) <= 21 and len(window.rows) <= 14


def test_bench_data_adds_published_initiatives_over_great_britain(app, runner, client):
    result = runner.invoke(args=["bench-data", "300", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "Added 300 published initiatives" in result.output
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).where(Initiative.state == "published")) == 300
        )
        assert db.session.scalar(select(func.count()).select_from(Neighbourhood)) == 12
        [(west, south, east, north)] = db.session.execute(
            select(
                func.min(Initiative.public_longitude),
                func.min(Initiative.public_latitude),
                func.max(Initiative.public_longitude),
                func.max(Initiative.public_latitude),
            )
        )
        whole = db.session.scalar(
            select(func.sum(MapCell.count)).where(MapCell.zoom == 0, MapCell.facet_key == ANY)
        )
    assert -9 < west < east < 2.5 and 49.5 < south < north < 61
    assert whole == 300  # zoom 0: the cells either side of Greenwich
    collection = client.get(
        "/api/v1/map/clusters", query_string={"bbox": "-11,49,3,61", "zoom": "5"}
    ).get_json()
    assert sum(feature["properties"].get("count", 1) for feature in collection["features"]) == 300


def test_rebuild_map_command_recounts_the_map(runner, make_initiative):
    make_initiative(latitude=53.8, longitude=-1.55)
    make_initiative(state="pending", latitude=53.8, longitude=-1.55)
    result = runner.invoke(args=["rebuild-map"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt the map of 1 published initiatives" in result.output


def test_coarsened_ranges_cover_the_ranges_within_the_limit():
    rng = random.Random(6)
    for _ in range(100):
        starts = sorted(rng.sample(range(0, 100_000, 10), rng.randint(1, 300)))
        ranges = [(start, start + rng.randint(0, 8)) for start in starts]
        limit = rng.randint(1, 50)
        joined = coarsened(ranges, limit)
        assert len(joined) <= limit
        assert all(any(a <= low and high <= b for a, b in joined) for low, high in ranges)
        assert joined == sorted(joined)
