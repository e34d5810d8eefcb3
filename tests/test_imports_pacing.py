"""An import collects cycles less often while it runs, and puts the collector back after."""

from __future__ import annotations

import gc

import pytest

from app.imports.pacing import IMPORT_THRESHOLD, fewer_collections


def test_the_collector_is_paced_during_an_import_and_restored_after():
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold()[0] >= IMPORT_THRESHOLD
        assert gc.isenabled()
    assert gc.get_threshold() == before


def test_overlapping_imports_restore_the_thresholds_once_both_end():
    before = gc.get_threshold()
    first, second = fewer_collections(), fewer_collections()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the first ends while the second runs
    assert gc.get_threshold()[0] >= IMPORT_THRESHOLD
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before


def test_a_failed_import_restores_the_thresholds():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError
    assert gc.get_threshold() == before
