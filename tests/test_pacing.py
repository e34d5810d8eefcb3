"""Bulk work (an import, an export) collects cycles less often while it runs, and puts the
collector back after."""

from __future__ import annotations

import gc

import pytest

from app.map_cells.bench_data import create_bench_initiatives
from app.pacing import BULK_THRESHOLD, fewer_collections


def test_the_collector_is_paced_during_an_import_and_restored_after():
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold()[0] >= BULK_THRESHOLD
        assert gc.isenabled()
    assert gc.get_threshold() == before


def test_overlapping_imports_restore_the_thresholds_once_both_end():
    before = gc.get_threshold()
    first, second = fewer_collections(), fewer_collections()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the first ends while the second runs
    assert gc.get_threshold()[0] >= BULK_THRESHOLD
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before


def test_a_failed_import_restores_the_thresholds():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError
    assert gc.get_threshold() == before


@pytest.mark.parametrize("path", ["/api/v1/initiatives.csv", "/api/v1/initiatives.geojson"])
def test_an_export_is_paced_while_it_streams_and_restored_however_it_ends(
    app, client, monkeypatch, path
):
    from app.api import exports, geojson

    monkeypatch.setattr(exports, "BATCH_SIZE", 10)
    monkeypatch.setattr(geojson, "BATCH", 10)
    with app.app_context():
        create_bench_initiatives(35, seed=3)
    before = gc.get_threshold()

    response = client.get(path, buffered=False)  # a client that goes away after one batch
    chunks = iter(response.response)
    next(chunks)
    next(chunks)
    assert gc.get_threshold()[0] >= BULK_THRESHOLD
    response.close()
    assert gc.get_threshold() == before

    response = client.get(path, buffered=False)  # read to the end (then cached: read last)
    chunks = iter(response.response)
    next(chunks)  # the head, written before the first batch is read
    next(chunks)  # the first batch
    assert gc.get_threshold()[0] >= BULK_THRESHOLD
    assert gc.isenabled()
    list(chunks)
    response.close()
    assert gc.get_threshold() == before
