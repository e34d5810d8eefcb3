"""How a page of a list's matches is read: by id or by walking the order's index, whichever
costs less in index entries read (``choose_page_read``)."""

from __future__ import annotations

import math

import pytest

from app.shared_filters.facet_index import (
    BY_ID,
    ENTRIES_PER_MATCH,
    WALK,
    WALK_FLOOR,
    cheaper_page_read,
    walk_length,
)

MILLION = 1_000_000


def test_a_first_page_of_a_citys_matches_is_walked_to_on_sqlite_and_its_last_read_by_id():
    """7,700 matches of a million, a first page of 100: about 13,000 entries walked against
    19,250 entries' worth of rows read by id. The page before the last needs nearly all."""
    first = cheaper_page_read(7_700, MILLION, 100, ENTRIES_PER_MATCH["sqlite"])
    assert first.way == WALK
    assert walk_length(7_700, MILLION, 100) == 12_986
    assert first.gives_way
    assert 12_986 < first.first_read <= 19_250  # a margin for an uneven spread, within cost
    assert cheaper_page_read(7_700, MILLION, 7_600, ENTRIES_PER_MATCH["sqlite"]).way == BY_ID


def test_few_matches_and_a_page_reaching_the_last_match_are_read_by_id():
    assert cheaper_page_read(50, MILLION, 20, ENTRIES_PER_MATCH["sqlite"]).way == BY_ID
    assert walk_length(15, 94, 20) == 94  # to the last match: every entry
    assert cheaper_page_read(15, 94, 20, ENTRIES_PER_MATCH["sqlite"]).way == BY_ID


def test_postgresql_reads_few_matches_by_id():
    """Each entry walked visits the table there, and its planner walks the index itself."""
    per_match = ENTRIES_PER_MATCH["postgresql"]
    assert cheaper_page_read(7_700, MILLION, 100, per_match).way == BY_ID
    assert cheaper_page_read(30_000, MILLION, 1, per_match).way == BY_ID


@pytest.mark.parametrize("per_match", sorted(set(ENTRIES_PER_MATCH.values())))
@pytest.mark.parametrize("matches", [1, 40, 2_226, 7_700, 30_000])
@pytest.mark.parametrize("wanted", [1, 20, 100, 2_000, 40_000])
def test_the_choice_is_the_cheaper_way(per_match, matches, wanted):
    """A walk exactly when its expected entries cost less than every match read by id; it
    reads at least WALK_FLOOR entries at first and no more than reading by id costs."""
    published = 200_000
    read = cheaper_page_read(matches, published, wanted, per_match)
    walking = walk_length(matches, published, wanted)
    assert (read.way == WALK) == (walking < matches * per_match)
    if read.way == WALK:
        by_id = math.ceil(matches * per_match)
        assert read.gives_way
        assert min(WALK_FLOOR, by_id) <= read.first_read <= by_id
