"""The facets the map keeps totals for, and the key each value has in ``map_point``/``map_cell``.

Every published initiative on the map has a point row (and counts in the cells) under the key
``ANY``, and under one key for each facet value it has: each theme (the key is the theme's id,
as before other facets were kept), its status, each stage, each sector of its participants,
its neighbourhood, and ``VERIFIED`` when an outcome of it is verified. The totals of one key
are therefore the matching initiatives of a one-value filter; a filter on several values of a
facet that an initiative has only one of (status, neighbourhood) is the sum of their keys.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from functools import lru_cache

from sqlalchemy import select

from app.extensions import db
from app.map_cells.models import ANY  # every initiative on the map, whatever its facets
from app.neighbourhoods.models import Neighbourhood
from app.shared_filters.parse import ATTRIBUTES, InitiativeFilter
from app.themes.models import Theme

VERIFIED = -400_001
_FAMILY = {"status": -100_000, "stage": -200_000, "sector": -300_000}
_SPAN = 90_000
NEIGHBOURHOOD_BASE = -1_000_000  # a neighbourhood's key is this minus its id


@lru_cache(maxsize=1024)  # a few dozen values, asked for every point of every initiative
def value_key(facet: str, value: str) -> int:
    """The key of a status, stage or sector value: stable, whatever order the vocabulary has."""
    return _FAMILY[facet] - 1 - zlib.crc32(f"{facet}:{value}".encode()) % _SPAN


def neighbourhood_key(neighbourhood_id: int) -> int:
    return NEIGHBOURHOOD_BASE - neighbourhood_id


@dataclass(frozen=True)
class Facets:
    """What the map knows of one initiative's facets, to give its point rows' keys."""

    theme_ids: tuple[int, ...] = ()
    status: str | None = None
    stages: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    neighbourhood_id: int | None = None
    verified: bool = False

    def keys(self) -> set[int]:
        keys = {ANY, *self.theme_ids}
        keys |= {value_key("stage", stage) for stage in self.stages}
        keys |= {value_key("sector", sector) for sector in self.sectors}
        if self.status is not None:
            keys.add(value_key("status", self.status))
        if self.neighbourhood_id is not None:
            keys.add(neighbourhood_key(self.neighbourhood_id))
        if self.verified:
            keys.add(VERIFIED)
        return keys


# The filter's attributes that the map keeps keys for, and whether an initiative has at most
# one value of it (so several values' totals add up without counting anyone twice).
_KEPT = {
    "themes": False,
    "stages": False,
    "sectors": False,
    "statuses": True,
    "neighbourhoods": True,
}


def filter_keys(initiative_filter: InitiativeFilter) -> dict[str, tuple[int, ...]]:
    """For each kept facet the filter names, the keys whose points hold all its matches.

    A facet of several values an initiative may have more than one of (two themes) is left
    out: its keys' points would hold some initiatives twice. A value unknown by now (a theme
    removed since the filter was read) gives an empty tuple: nothing matches.
    """
    found: dict[str, tuple[int, ...]] = {}
    f = initiative_filter
    for attribute, single_valued in _KEPT.items():
        values = getattr(f, attribute)
        if not values or (len(values) > 1 and not single_valued):
            continue
        if attribute == "themes":
            found[attribute] = tuple(
                db.session.scalars(select(Theme.id).where(Theme.slug.in_(values)))
            )
        elif attribute == "neighbourhoods":
            ids = db.session.scalars(
                select(Neighbourhood.id).where(Neighbourhood.slug.in_(values))
            )
            found[attribute] = tuple(neighbourhood_key(i) for i in ids)
        else:
            facet = {"stages": "stage", "sectors": "sector", "statuses": "status"}[attribute]
            found[attribute] = tuple(value_key(facet, value) for value in values)
    if f.verified:
        found["verified"] = (VERIFIED,)
    return found


def without_keys(
    initiative_filter: InitiativeFilter, keys: dict[str, tuple[int, ...]]
) -> InitiativeFilter:
    """The filter less its box and the facets these keys (from ``filter_keys``) stand for."""
    narrowed = replace(
        initiative_filter,
        bbox=None,
        verified=initiative_filter.verified and "verified" not in keys,
    )
    for facet, attribute in ATTRIBUTES.items():
        if attribute in _KEPT and attribute in keys:
            narrowed = narrowed.with_values(facet, ())
    return narrowed


def precomputed_keys(initiative_filter: InitiativeFilter) -> tuple[int, ...] | None:
    """The keys whose totals add up to the filter's matches, or None if no keys do.

    That is a filter of the box and at most one kept facet (several values only of a facet
    an initiative has one of). ``ANY`` for the box alone.
    """
    keys = filter_keys(initiative_filter)
    if not without_keys(initiative_filter, keys).is_empty or len(keys) > 1:
        return None
    return next(iter(keys.values()), (ANY,))
