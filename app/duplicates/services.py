"""Possible duplicates: published initiatives with a very similar title near the same place.

An indexed query finds a few candidates (the search index's titles sharing two of the
title's words, in the same neighbourhood or within ``NEAR_KM`` of the point); only those are
compared, with RapidFuzz, so the check stays fast at a million initiatives. The submission
page shows them before submitting ("Is it one of these?"), the moderation queue flags a
submission that went on anyway, and imports warn per row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, utils
from sqlalchemy import ColumnElement, Row, Select, or_, select

from app.extensions import db
from app.initiatives.models import Initiative
from app.initiatives.public import published_only
from app.search.services import shared_title_words_matches, shared_title_words_matches_any
from app.shared_filters.query import bounding_box, distance_km

# RapidFuzz's token sort ratio (0-100) from which two titles are "very similar": word order,
# case and punctuation do not count; a typo or a short word more or less still scores high
# ("Kirkstall street watch" and "Kirkstall Street Watch group": 88), a title inside a longer
# one does not ("Street watch" and "Kirkstall street watch": 71).
SIMILAR_TITLE = 85
NEAR_KM = 3.0
MAX_CANDIDATES = 50
MAX_SHOWN = 5
# Words too common in titles to find candidates by (they still count in the comparison).
COMMON_WORDS = frozenset(
    "and the for with our from into at of in on a an to by project group scheme club "
    "a'r y yr ac gyda".split()
)


@dataclass(frozen=True)
class PossibleDuplicate:
    """A published initiative a new one may repeat: enough to link to it."""

    id: int
    slug: str
    title: str


def title_words(title: str) -> list[str]:
    """The distinctive words of a title, longest first (the rarest, as a rule)."""
    words = dict.fromkeys(
        word
        for word in re.findall(r"\w+", title.casefold())
        if len(word) >= 3 and word not in COMMON_WORDS
    )
    return sorted(words, key=len, reverse=True)


def title_similarity(title: str, other: str) -> float:
    """How alike two titles are, 0 to 100 (very similar from SIMILAR_TITLE)."""
    return fuzz.token_sort_ratio(title, other, processor=utils.default_process)


def similar_score(title: str, other: str) -> float:
    """``title_similarity`` of two titles already put through ``utils.default_process``, or
    0 when it is below SIMILAR_TITLE (RapidFuzz then stops early)."""
    return fuzz.token_sort_ratio(title, other, score_cutoff=SIMILAR_TITLE)


def candidates_query(
    title: str,
    neighbourhood_id: int | None,
    point: tuple[float, float] | None = None,
    exclude_id: int | None = None,
) -> Select | None:
    """The indexed query for a title's candidates: published initiatives whose title shares
    its words, in the same neighbourhood or within NEAR_KM of the point (None: nothing to
    look for)."""
    matches = shared_title_words_matches(title_words(title))
    places = []
    if neighbourhood_id is not None:
        places.append(Initiative.neighbourhood_id == neighbourhood_id)
    if point is not None:
        min_lon, min_lat, max_lon, max_lat = bounding_box(*point, NEAR_KM)
        places.append(
            Initiative.public_longitude.between(min_lon, max_lon)
            & Initiative.public_latitude.between(min_lat, max_lat)
            & (distance_km(point) <= NEAR_KM)
        )
    if matches is None or not places:
        return None
    query = published_only(
        select(Initiative.id, Initiative.slug, Initiative.title)
        .join_from(matches, Initiative, Initiative.id == matches.c.initiative_id)
        .where(or_(*places))
        .order_by(Initiative.id.desc())
        .limit(MAX_CANDIDATES)
    )
    if exclude_id is not None:
        query = query.where(Initiative.id != exclude_id)
    return query


def find_possible_duplicates(
    title: str,
    neighbourhood_id: int | None,
    point: tuple[float, float] | None = None,
    exclude_id: int | None = None,
) -> list[PossibleDuplicate]:
    """Published initiatives with a very similar title in the same neighbourhood or within
    NEAR_KM of the point, most similar first (at most MAX_SHOWN)."""
    query = candidates_query(title, neighbourhood_id, point, exclude_id)
    if query is None:
        return []
    return _most_similar(
        (title_similarity(title, other), id_, slug, other)
        for id_, slug, other in db.session.execute(query)
    )


def _most_similar(
    scored: Iterable[tuple[float, int, str, str]],
) -> list[PossibleDuplicate]:
    """The very similar ones of (score, id, slug, title), most similar first, the newest
    first among equals, at most MAX_SHOWN."""
    return [
        PossibleDuplicate(id_, slug, title)
        for score, id_, slug, title in sorted(scored, key=lambda entry: (-entry[0], -entry[1]))
        if score >= SIMILAR_TITLE
    ][:MAX_SHOWN]


@dataclass(frozen=True)
class Asked:
    """One title to check, with its place (an import row)."""

    key: int
    title: str
    neighbourhood_id: int | None
    point: tuple[float, float] | None


BATCH = 200  # titles checked by one query (an import of 200,000 rows: 1,000 queries)
KM_PER_DEGREE = 111.2
# Candidates are sorted into bands of latitude this wide, so a point is compared only with
# those of its own band and the next ones (twice what NEAR_KM spans: rounding never matters).
BAND_DEGREES = 2 * NEAR_KM / KM_PER_DEGREE


def _near(point: tuple[float, float], latitude: float | None, longitude: float | None) -> bool:
    if latitude is None or longitude is None:
        return False
    north = (latitude - point[0]) * KM_PER_DEGREE
    east = (longitude - point[1]) * KM_PER_DEGREE * math.cos(math.radians(point[0]))
    return math.hypot(north, east) <= NEAR_KM


def _band(latitude: float) -> int:
    return math.floor(latitude / BAND_DEGREES)


def _batch_places(batch: Sequence[Asked]) -> ColumnElement[bool] | None:
    """Where a batch's candidates lie: in one of its neighbourhoods, or in one box holding
    every point's NEAR_KM box (None: the batch has neither). Each title is then compared
    only with those in its own neighbourhood or within NEAR_KM of its point, so a box wider
    than the points' own changes which rows are read, never what is found."""
    places: list[ColumnElement[bool]] = []
    neighbourhoods = {item.neighbourhood_id for item in batch} - {None}
    if neighbourhoods:
        places.append(Initiative.neighbourhood_id.in_(sorted(neighbourhoods)))
    boxes = [bounding_box(*item.point, NEAR_KM) for item in batch if item.point is not None]
    if boxes:
        min_lons, min_lats, max_lons, max_lats = zip(*boxes, strict=True)
        places.append(
            Initiative.public_longitude.between(min(min_lons), max(max_lons))
            & Initiative.public_latitude.between(min(min_lats), max(max_lats))
        )
    return or_(*places) if places else None


class _Candidates:
    """A batch's candidates, found by neighbourhood and by band of latitude."""

    def __init__(self, rows: Sequence[Row]) -> None:
        self.by_neighbourhood: dict[int, list[Row]] = {}
        self.by_band: dict[int, list[Row]] = {}
        self.titles = {row.id: utils.default_process(row.title) for row in rows}
        for row in rows:
            if row.neighbourhood_id is not None:
                self.by_neighbourhood.setdefault(row.neighbourhood_id, []).append(row)
            if row.public_latitude is not None and row.public_longitude is not None:
                self.by_band.setdefault(_band(row.public_latitude), []).append(row)

    def of(self, item: Asked) -> dict[int, Row]:
        """Those in the item's neighbourhood or within NEAR_KM of its point, by id."""
        found: dict[int, Row] = {}
        if item.neighbourhood_id is not None:
            found.update(
                (row.id, row) for row in self.by_neighbourhood.get(item.neighbourhood_id, ())
            )
        if item.point is not None:
            band = _band(item.point[0])
            for nearby in (band - 1, band, band + 1):
                found.update(
                    (row.id, row)
                    for row in self.by_band.get(nearby, ())
                    if _near(item.point, row.public_latitude, row.public_longitude)
                )
        return found


def find_possible_duplicates_many(asked: Sequence[Asked]) -> dict[int, list[PossibleDuplicate]]:
    """``find_possible_duplicates`` for many titles (an import's new rows), one indexed query
    per ``BATCH`` of them: the batch's candidates share two words with one of its titles and
    lie in one of its neighbourhoods or near one of its points; each title is then compared
    with those in its own neighbourhood or within NEAR_KM of its point
    (tests/test_duplicates_many.py holds it to the answers of the version before)."""
    found: dict[int, list[PossibleDuplicate]] = {}
    for start in range(0, len(asked), BATCH):
        batch = asked[start : start + BATCH]
        matches = shared_title_words_matches_any([title_words(item.title) for item in batch])
        places = _batch_places(batch)
        if matches is None or places is None:
            continue
        rows = db.session.execute(
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
                .where(places)
            )
        ).all()
        if not rows:
            continue
        candidates = _Candidates(rows)
        for item in batch:
            title = utils.default_process(item.title)
            shown = _most_similar(
                (similar_score(title, candidates.titles[row.id]), row.id, row.slug, row.title)
                for row in candidates.of(item).values()
            )
            if shown:
                found[item.key] = shown
    return found


def flag_possible_duplicates(initiative: Initiative) -> list[PossibleDuplicate]:
    """Record on a submission the published initiatives it may repeat, for the moderators."""
    point = (
        (initiative.latitude, initiative.longitude)
        if initiative.latitude is not None and initiative.longitude is not None
        else None
    )
    found = find_possible_duplicates(
        initiative.title, initiative.neighbourhood_id, point, exclude_id=initiative.id
    )
    initiative.possible_duplicate_ids = [duplicate.id for duplicate in found] or None
    return found
