"""The clusters answer stays small whatever the box and titles; facet keys; the map's tiles."""

from __future__ import annotations

from html.parser import HTMLParser

from app import create_app
from app.config import Defaults
from app.initiatives.vocabulary import SECTORS, STAGES, STATUSES
from app.map_cells import facets
from app.map_cells.grid import view_bbox
from app.map_cells.services import PAYLOAD_BUDGET
from tests.test_map_clusters import LEEDS, get_clusters, matching_ids, total


def test_a_big_box_of_long_titles_at_a_deep_zoom_stays_under_100_kb(app, client, make_initiative):
    # 600 initiatives 0.0004° apart (about 60 screen pixels at zoom 16): each alone in its cell.
    ids = set()
    for number in range(600):
        row, column = divmod(number, 30)
        ids.add(
            make_initiative(
                latitude=53.79 + row * 0.0004,
                longitude=-1.56 + column * 0.0006,
                location_precision="exact",
                title=(f"{number} " + "Long title with <tags> & more " * 7)[:200],  # the most
            )
        )
    bbox = (-1.5605, 53.7895, -1.5420, 53.7980)
    response = get_clusters(client, bbox, 16)
    assert response.status_code == 200
    collection = response.get_json()
    assert len(response.data) < 100 * 1024
    assert total(collection) == len(matching_ids(app, bbox)) == 600
    # Cells were joined, so clusters stand for some of the singles; none is lost or counted twice.
    features = [feature["properties"] for feature in collection["features"]]
    singles = [properties["id"] for properties in features if not properties["cluster"]]
    assert len(singles) == len(set(singles)) and set(singles) <= ids
    assert any(feature["properties"]["cluster"] for feature in collection["features"])
    assert PAYLOAD_BUDGET < 100 * 1024


def test_a_view_within_the_budget_keeps_its_cells(app, client, make_initiative):
    for number in range(3):
        make_initiative(latitude=53.8, longitude=-1.55 + number / 100, location_precision="exact")
    bbox = view_bbox(*LEEDS, 14)
    collection = get_clusters(client, bbox, 14).get_json()
    assert [feature["properties"]["cluster"] for feature in collection["features"]] == [False] * 3


def test_facet_keys_never_collide():
    keys = [facets.ANY, facets.VERIFIED]
    for name, values in (("status", STATUSES), ("stage", STAGES), ("sector", SECTORS)):
        keys += [facets.value_key(name, value) for value in values]
    keys += [facets.neighbourhood_key(number) for number in (1, 2, 10_000)]
    assert len(keys) == len(set(keys))
    assert all(key < 0 for key in keys[1:])  # themes have the positive keys: their ids


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str | None, str]] = []
        self._href: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href = dict(attrs).get("href")

    def handle_data(self, data):
        if self._href is not None:
            self.links.append((self._href, data))
            self._href = None


def test_default_tiles_are_openstreetmaps_with_its_attribution(tmp_path, monkeypatch):
    for name in ("TILE_URL", "TILE_ATTRIBUTION"):
        monkeypatch.delenv(name, raising=False)
    assert Defaults.TILE_URL == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    app = create_app({"SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["TILE_URL"] == Defaults.TILE_URL
    attribution = app.config["TILE_ATTRIBUTION"]
    assert attribution.startswith("&copy; ") and attribution.endswith(" contributors")
    parser = _Links()
    parser.feed(attribution)
    assert parser.links == [("https://www.openstreetmap.org/copyright", "OpenStreetMap")]
