"""The bitmaps by day behind the active period (``app.shared_filters.periods``), without a
database: "on or before a day" equals a plain comparison of each initiative's day, built at
once or patched change by change, at month and year edges and at the ends of the calendar."""

from __future__ import annotations

import random
from datetime import date, timedelta

from pyroaring import BitMap

from app.shared_filters.periods import DayBitmaps

EDGES = (
    date(1, 1, 1),
    date(2023, 12, 31),
    date(2024, 1, 1),
    date(2024, 2, 29),
    date(2024, 3, 1),
    date(2024, 6, 15),
    date(2025, 12, 31),
    date(9999, 12, 31),
)


def random_days(rng: random.Random, ids: range) -> dict[int, date]:
    """Each initiative's day: most within four years, some on the edges."""
    return {
        initiative_id: rng.choice(EDGES)
        if rng.random() < 0.2
        else date(2022, 6, 1) + timedelta(days=rng.randrange(1500))
        for initiative_id in ids
    }


def bitmaps_of(days: dict[int, date]) -> DayBitmaps:
    by_day: dict[date, BitMap] = {}
    for initiative_id, day in days.items():
        by_day.setdefault(day, BitMap()).add(initiative_id)
    return DayBitmaps.from_days(by_day)


def assert_same_as_comparing(bitmaps: DayBitmaps, days: dict[int, date], rng: random.Random):
    asked = [*EDGES, *(date(2022, 1, 1) + timedelta(days=rng.randrange(1700)) for _ in range(60))]
    for day in asked:
        assert bitmaps.on_or_before(day) == BitMap(i for i, d in days.items() if d <= day), day
        assert bitmaps.before(day) == BitMap(i for i, d in days.items() if d < day), day


def test_on_or_before_a_day_equals_comparing_each_day():
    rng = random.Random(18)
    days = random_days(rng, range(1, 3000))
    assert_same_as_comparing(bitmaps_of(days), days, rng)
    assert bitmaps_of({}).on_or_before(date(2024, 1, 1)) == BitMap()


def test_patches_equal_a_fresh_build_and_never_change_the_old_bitmaps():
    rng = random.Random(19)
    days = random_days(rng, range(1, 2000))
    bitmaps = bitmaps_of(days)
    for _ in range(30):
        old_days, old = dict(days), bitmaps
        before = {day: BitMap(found) for day, found in old.days.items()}
        changed = BitMap(rng.sample(range(1, 2200), k=rng.choice((1, 5, 200))))
        for initiative_id in changed:  # moved, or gone (hidden, deleted)
            if rng.random() < 0.8:
                days[initiative_id] = random_days(rng, range(initiative_id, initiative_id + 1))[
                    initiative_id
                ]
            else:
                days.pop(initiative_id, None)
        now = bitmaps_of({i: d for i, d in days.items() if i in changed}).days
        bitmaps = bitmaps.patched(changed, now)
        fresh = bitmaps_of(days)
        assert bitmaps.days == fresh.days
        assert bitmaps.months == fresh.months
        assert bitmaps.through_year == fresh.through_year
        assert bitmaps.years == fresh.years
        assert {day: BitMap(found) for day, found in old.days.items()} == before
        assert_same_as_comparing(old, old_days, rng)
    assert_same_as_comparing(bitmaps, days, rng)
