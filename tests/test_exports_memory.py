"""The exports stream: memory stays flat whether 5,000 or 20,000 initiatives match.

(At 5,000, five batches of a thousand: enough for the batches read ahead of the one being
written to be there too, as they are at any size beyond.)"""

from __future__ import annotations

import csv
import gc
import io
import json
import tracemalloc

import pytest

from app.extensions import db
from app.map_cells.bench_data import create_bench_initiatives

SMALL, LARGE = 5_000, 20_000


def stream(client, url: str, traced: bool = True) -> tuple[int, int, int]:
    """Read an export chunk by chunk, keeping none: (bytes, lines, peak traced memory)."""
    gc.collect()
    if traced:
        tracemalloc.start()
    try:
        response = client.get(url, buffered=False)
        assert response.status_code == 200
        assert response.is_streamed
        size = lines = 0
        for chunk in response.response:
            size += len(chunk)
            lines += chunk.count(b"\n")
        response.close()
        _, peak = tracemalloc.get_traced_memory() if traced else (0, 0)
    finally:
        tracemalloc.stop()
    return size, lines, peak


@pytest.mark.timeout(240)
def test_csv_export_memory_is_flat_from_5000_to_20000_rows(app, client):
    url = "/api/v1/initiatives.csv"
    with app.app_context():
        create_bench_initiatives(SMALL, seed=1)
    small_size, small_lines, small_peak = stream(client, url)
    with app.app_context():
        create_bench_initiatives(LARGE - SMALL, seed=2)
        db.session.remove()
    large_size, large_lines, large_peak = stream(client, url)
    # Every row went out (a header line, then a line per initiative)...
    assert (small_lines, large_lines) == (SMALL + 1, LARGE + 1)
    assert large_size > 3.9 * small_size
    # ...four times the data, with the memory of a few batches: the one written and at most
    # three read ahead, however many rows follow (a peak of one or two batches at 5,000 when
    # the reader never gets ahead, four at most at any size; never the 20 batches of all).
    assert large_peak < 2 * small_peak, (small_peak, large_peak)
    # The GeoJSON export reads the same batches; all 20,000 features are there.
    _, features, _ = stream(client, "/api/v1/initiatives.geojson", traced=False)
    assert features == LARGE


@pytest.mark.timeout(120)
def test_geojson_export_memory_is_flat(app, client, monkeypatch):
    from app.api import geojson
    from app.caching import output_cache

    monkeypatch.setattr(geojson, "BATCH", 50)
    with app.app_context():  # the output cache keeps what passes by up to its limit: keep it
        monkeypatch.setattr(output_cache(), "max_bytes", 100_000)  # below this test's sizes
    url = "/api/v1/initiatives.geojson"
    with app.app_context():
        create_bench_initiatives(200, seed=4)
    small_size, small_lines, small_peak = stream(client, url)
    with app.app_context():
        create_bench_initiatives(1_800, seed=5)
        db.session.remove()
    large_size, large_lines, large_peak = stream(client, url)
    assert (small_lines, large_lines) == (200, 2_000)  # a line per feature
    assert large_size > 9 * small_size
    assert large_peak < small_peak * 1.25 + 500_000, (small_peak, large_peak)


def test_the_large_export_reads_back(app, client):
    with app.app_context():
        create_bench_initiatives(600, seed=3)
    raw = b"".join(client.get("/api/v1/initiatives.csv", buffered=False).response)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 600 and len({row["id"] for row in rows}) == 600
    document = json.loads(b"".join(client.get("/api/v1/initiatives.geojson").response))
    assert len(document["features"]) == 600
