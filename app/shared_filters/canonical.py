"""The shared filters, written: one canonical query string per filter.

Fixed key order, sorted values, defaults left out: what saved clusters store, embeds and feeds
use, and cache keys are built from.
"""

from __future__ import annotations

from urllib.parse import urlencode

from app.shared_filters.parse import DECIMALS, DEFAULT_RADIUS_KM, InitiativeFilter


def _number_text(number: float) -> str:
    return f"{number:.{DECIMALS}f}".rstrip("0").rstrip(".")


def filter_pairs(initiative_filter: InitiativeFilter) -> list[tuple[str, str]]:
    """The filter as (name, value) pairs in canonical order, defaults left out."""
    f = initiative_filter
    pairs: list[tuple[str, str]] = []
    if f.q:
        pairs.append(("q", f.q))
    for name in ("theme", "stage", "sector", "neighbourhood", "status"):
        pairs.extend((name, value) for value in sorted(set(f.values_of(name))))
    if f.verified:
        pairs.append(("verified", "1"))
    if f.updated_since:
        pairs.append(("updated_since", f.updated_since.isoformat()))
    if f.active_from:
        pairs.append(("active_from", f.active_from.isoformat()))
    if f.active_to:
        pairs.append(("active_to", f.active_to.isoformat()))
    if f.bbox:
        pairs.append(("bbox", ",".join(_number_text(number) for number in f.bbox)))
    if f.near:
        pairs.append(("near", ",".join(_number_text(number) for number in f.near)))
        if f.radius_km != DEFAULT_RADIUS_KM:
            pairs.append(("radius_km", _number_text(f.radius_km)))
    return pairs


def canonical_query(initiative_filter: InitiativeFilter) -> str:
    """The filter's canonical query string: fixed key order, sorted values, no defaults."""
    return urlencode(filter_pairs(initiative_filter), safe=",")
