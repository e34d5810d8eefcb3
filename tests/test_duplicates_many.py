"""An import's possible duplicates (find_possible_duplicates_many) found as before December
2026's faster version: the same advice for random rows against random published initiatives.

The version before, kept here as the reference, asked the database for each batch's
candidates with one bounding box per row and compared every row with every candidate; the
new one asks with one box holding them all and compares each row only with the candidates
of its neighbourhood and band of latitude.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import pytest
from sqlalchemy import ColumnElement, or_, select

from app.duplicates.services import (
    MAX_SHOWN,
    NEAR_KM,
    SIMILAR_TITLE,
    Asked,
    PossibleDuplicate,
    find_possible_duplicates_many,
    title_similarity,
    title_words,
)
from app.extensions import db
from app.initiatives.models import Initiative
from app.initiatives.public import published_only
from app.search.services import shared_title_words_matches_any
from app.shared_filters.query import bounding_box

WORDS = "kirkstall street watch litter pickers repair café garden walking bramley".split()
CENTRES = [(53.82, -1.60), (53.81, -1.63), (53.84, -1.58), (51.545, -0.055)]


def reference_many(asked: Sequence[Asked]) -> dict[int, list[PossibleDuplicate]]:
    """find_possible_duplicates_many as it was before (commit 8bdbe0b)."""
    found: dict[int, list[PossibleDuplicate]] = {}
    for start in range(0, len(asked), 200):
        batch = asked[start : start + 200]
        matches = shared_title_words_matches_any([title_words(item.title) for item in batch])
        neighbourhoods = {item.neighbourhood_id for item in batch} - {None}
        places: list[ColumnElement[bool]] = (
            [Initiative.neighbourhood_id.in_(sorted(neighbourhoods))] if neighbourhoods else []
        )
        for item in batch:
            if item.point is not None:
                min_lon, min_lat, max_lon, max_lat = bounding_box(*item.point, NEAR_KM)
                places.append(
                    Initiative.public_longitude.between(min_lon, max_lon)
                    & Initiative.public_latitude.between(min_lat, max_lat)
                )
        if matches is None or not places:
            continue
        candidates = db.session.execute(
            published_only(
                select(
                    Initiative.id,
                    Initiative.slug,
                    Initiative.title,
                    Initiative.neighbourhood_id,
                    Initiative.public_latitude,
                    Initiative.public_longitude,
                )
                .join_from(matches, Initiative, Initiative.id == matches.c.initiative_id)
                .where(or_(*places))
            )
        ).all()
        for item in batch:
            scored = sorted(
                (
                    (title_similarity(item.title, row.title), row.id, row.slug, row.title)
                    for row in candidates
                    if (
                        item.neighbourhood_id is not None
                        and row.neighbourhood_id == item.neighbourhood_id
                    )
                    or (item.point is not None and _near(item.point, row))
                ),
                key=lambda entry: (-entry[0], -entry[1]),
            )
            shown = [
                PossibleDuplicate(id_, slug, title)
                for score, id_, slug, title in scored
                if score >= SIMILAR_TITLE
            ][:MAX_SHOWN]
            if shown:
                found[item.key] = shown
    return found


def _near(point: tuple[float, float], row) -> bool:
    if row.public_latitude is None or row.public_longitude is None:
        return False
    north = (row.public_latitude - point[0]) * 111.2
    east = (row.public_longitude - point[1]) * 111.2 * math.cos(math.radians(point[0]))
    return math.hypot(north, east) <= NEAR_KM


def random_title(chance: random.Random) -> str:
    words = chance.sample(WORDS, chance.randint(2, 4))
    if chance.random() < 0.3:  # a typo
        word = chance.randrange(len(words))
        words[word] = words[word][:-1]
    title = " ".join(words)
    return title.title() if chance.random() < 0.5 else title


def random_point(chance: random.Random, centre: tuple[float, float]) -> tuple[float, float]:
    """Within about 6 km of a centre: some near each other, some not."""
    return centre[0] + chance.uniform(-0.05, 0.05), centre[1] + chance.uniform(-0.08, 0.08)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_same_possible_duplicates_as_before(app, make_neighbourhood, make_initiative, seed):
    chance = random.Random(seed)
    neighbourhoods = [
        make_neighbourhood(name=f"Place {seed} {index}", latitude=lat, longitude=lon)
        for index, (lat, lon) in enumerate(CENTRES)
    ]
    for _number in range(120):
        index = chance.randrange(len(CENTRES))
        placed = chance.random() < 0.8
        latitude, longitude = random_point(chance, CENTRES[index]) if placed else (None, None)
        make_initiative(
            title=random_title(chance),
            neighbourhood_id=neighbourhoods[index],
            latitude=latitude,
            longitude=longitude,
            state="published" if chance.random() < 0.85 else "pending",
        )
    asked = []
    for key in range(500):
        index = chance.randrange(len(CENTRES))
        neighbourhood_id = neighbourhoods[index] if chance.random() < 0.7 else None
        point = random_point(chance, CENTRES[index]) if chance.random() < 0.7 else None
        asked.append(Asked(key, random_title(chance), neighbourhood_id, point))
    with app.app_context():
        before = reference_many(asked)
        after = find_possible_duplicates_many(asked)
    assert len(before) > 50  # the data finds plenty
    assert after == before
