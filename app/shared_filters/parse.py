"""The shared filters, read: one parser for every list, map, API list, export, feed and embed.

Repeating a parameter OR-s its values (``theme=safety&theme=health``); different filters are
AND-ed. Control parameters (``sort``, ``page``, ``limit``, ...) are not filters and are ignored.
``app.shared_filters.canonical`` writes a filter back as its one query string, and
``app.shared_filters.query`` narrows a select to it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar
from urllib.parse import parse_qsl

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.initiatives.vocabulary import SECTORS, STAGES, STATUSES
from app.neighbourhoods.models import Neighbourhood
from app.themes.models import Theme

# In canonical order: the order of keys in every canonical query string.
FILTER_NAMES = (
    "q",
    "theme",
    "stage",
    "sector",
    "neighbourhood",
    "status",
    "verified",
    "bbox",
    "near",
    "radius_km",
)
CONTROL_NAMES = frozenset(
    {"sort", "page", "per_page", "limit", "cursor", "zoom", "layout", "scheme"}
)
FACETS = ("theme", "stage", "sector", "neighbourhood", "status", "verified")

DEFAULT_RADIUS_KM = 5.0
MAX_RADIUS_KM = 500.0
MAX_QUERY_LENGTH = 200
# What a value may start or end with, and what a blank value holds: Python's white space
# (str.strip), which the OpenAPI document spells out character by character, since JSON
# Schema's \s (ECMAScript's) is another set.
WHITE_SPACE = "".join(chr(code) for code in range(0x10000) if chr(code).isspace())
WHITE_SPACE_CLASS = "[" + "".join(f"\\u{ord(char):04x}" for char in WHITE_SPACE) + "]"
DECIMALS = 6  # about 10 cm: every coordinate and radius is kept (and rendered) to this
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_SLUG = re.compile(r"[A-Za-z0-9_.~-]{1,120}")  # URL-safe; anything else is not a slug

Value = TypeVar("Value")


@dataclass(frozen=True)
class InitiativeFilter:
    """What a person asked for. Multi-valued filters hold sorted, distinct slugs."""

    q: str = ""
    themes: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    neighbourhoods: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    verified: bool = False
    bbox: tuple[float, float, float, float] | None = None  # min_lon, min_lat, max_lon, max_lat
    near: tuple[float, float] | None = None  # lat, lon
    radius_km: float = DEFAULT_RADIUS_KM  # only meaningful with near

    @property
    def is_empty(self) -> bool:
        return self == InitiativeFilter()

    def without(self, facet: str) -> InitiativeFilter:
        """The same filter with one facet (``theme``, ``verified``, ...) left out."""
        if facet == "verified":
            return replace(self, verified=False)
        return self.with_values(facet, ())

    def values_of(self, facet: str) -> tuple[str, ...]:
        """The values chosen for one of the facets that take several (``theme``, ...)."""
        match facet:
            case "theme":
                return self.themes
            case "stage":
                return self.stages
            case "sector":
                return self.sectors
            case "neighbourhood":
                return self.neighbourhoods
            case "status":
                return self.statuses
        raise KeyError(facet)

    def with_values(self, facet: str, values: tuple[str, ...]) -> InitiativeFilter:
        """The same filter with other values for one of the facets that take several."""
        match facet:
            case "theme":
                return replace(self, themes=values)
            case "stage":
                return replace(self, stages=values)
            case "sector":
                return replace(self, sectors=values)
            case "neighbourhood":
                return replace(self, neighbourhoods=values)
            case "status":
                return replace(self, statuses=values)
        raise KeyError(facet)


# Parameter name -> attribute holding it.
ATTRIBUTES = {
    "q": "q",
    "theme": "themes",
    "stage": "stages",
    "sector": "sectors",
    "neighbourhood": "neighbourhoods",
    "status": "statuses",
    "verified": "verified",
    "bbox": "bbox",
    "near": "near",
    "radius_km": "radius_km",
}
_VOCABULARIES = {"stage": STAGES, "sector": SECTORS, "status": STATUSES}


class FilterError(ValueError):
    """A filter value that cannot be used; the message names the problem for people."""


def parse_filters(args: MultiDict[str, str]) -> tuple[InitiativeFilter, dict[str, str]]:
    """Read the shared filters from query parameters: the filter and field-level errors.

    The filter holds every value that was valid; when ``errors`` is not empty callers answer
    400 (pages re-render the form with the messages beside the fields).
    """
    errors: dict[str, str] = {}

    def read(name: str, reader: Callable[[list[str]], Value], default: Value) -> Value:
        given = _given(args, name)
        if not given:
            return default
        try:
            return reader(given)
        except FilterError as error:
            errors[name] = str(error)
            return default

    # Read in canonical order, so the errors are too.
    initiative_filter = InitiativeFilter(
        q=read("q", _read_query, ""),
        themes=read("theme", lambda given: _read_slugs("theme", given, Theme.slug), ()),
        stages=read("stage", lambda given: _read_vocabulary("stage", given), ()),
        sectors=read("sector", lambda given: _read_vocabulary("sector", given), ()),
        neighbourhoods=read(
            "neighbourhood",
            lambda given: _read_slugs("neighbourhood", given, Neighbourhood.slug),
            (),
        ),
        statuses=read("status", lambda given: _read_vocabulary("status", given), ()),
        verified=read("verified", _read_verified, False),
        bbox=read("bbox", _read_bbox, None),
        near=read("near", _read_near, None),
        radius_km=read("radius_km", _read_radius, DEFAULT_RADIUS_KM),
    )
    radius_read = _given(args, "radius_km") and "radius_km" not in errors
    if radius_read and not _given(args, "near"):
        errors["radius_km"] = "radius_km works only together with near (a point to measure from)."
        initiative_filter = replace(initiative_filter, radius_km=DEFAULT_RADIUS_KM)
    return initiative_filter, errors


def _given(args: MultiDict[str, str], name: str) -> list[str]:
    """The values given for one parameter, blank ones left out."""
    return [value.strip() for value in args.getlist(name) if value.strip()]


def parse_filter_query(query: str) -> tuple[InitiativeFilter, dict[str, str]]:
    """``parse_filters`` for a query string (a saved cluster's canonical query, say)."""
    return parse_filters(MultiDict(parse_qsl(query, keep_blank_values=True)))


def _single(name: str, given: list[str]) -> str:
    if len(set(given)) > 1:
        raise FilterError(f"Give {name} only once.")
    return given[0]


def _read_query(given: list[str]) -> str:
    text = _single("q", given)
    # Counted as typed (trimmed), before spaces are joined: what the API documents.
    if len(text) > MAX_QUERY_LENGTH:
        raise FilterError(f"The search text is too long: at most {MAX_QUERY_LENGTH} characters.")
    # Control characters (NUL among them) are never meaningful in a search, and PostgreSQL
    # refuses NUL in strings: they become spaces.
    text = "".join(" " if unicodedata.category(char) == "Cc" else char for char in text)
    return " ".join(text.split())


def _read_vocabulary(name: str, given: list[str]) -> tuple[str, ...]:
    unknown = [value for value in given if value not in _VOCABULARIES[name]]
    if unknown:
        raise FilterError(_unknown(name, unknown))
    return tuple(sorted(set(given)))


def _read_slugs(
    name: str, given: list[str], column: InstrumentedAttribute[str]
) -> tuple[str, ...]:
    wanted = set(given)
    plausible = {slug for slug in wanted if is_slug(slug)}
    known = (
        set(db.session.scalars(select(column).where(column.in_(plausible))))
        if plausible
        else set()
    )
    unknown = [value for value in dict.fromkeys(given) if value not in known]
    if unknown:
        raise FilterError(_unknown(name, unknown))
    return tuple(sorted(wanted))


def is_slug(value: str) -> bool:
    """Whether a value could be a slug at all (worth looking up in the database)."""
    return bool(_SLUG.fullmatch(value))


def _unknown(name: str, values: list[str]) -> str:
    shown = ", ".join(value if len(value) <= 60 else value[:59] + "…" for value in values)
    return f"Unknown {name}{'s' if len(values) > 1 else ''}: {shown}"


def _read_verified(given: list[str]) -> bool:
    value = _single("verified", given)
    if value not in {"1", "0"}:
        raise FilterError("verified must be 1 (only initiatives with a verified outcome).")
    return value == "1"


def _numbers(text: str, count: int, name: str, shape: str) -> list[float]:
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != count or not all(_NUMBER.fullmatch(part) for part in parts):
        raise FilterError(f"{name} needs {count} numbers separated by commas: {shape}.")
    numbers = [float(part) for part in parts]
    if not all(math.isfinite(number) for number in numbers):
        raise FilterError(f"{name} needs finite numbers: {shape}.")
    return [_round(number) for number in numbers]


def _check_point(name: str, lat: float, lon: float) -> None:
    if not -90 <= lat <= 90:
        raise FilterError(f"{name}: latitude must be between -90 and 90.")
    if not -180 <= lon <= 180:
        raise FilterError(f"{name}: longitude must be between -180 and 180.")


def _read_bbox(given: list[str]) -> tuple[float, float, float, float]:
    shape = "min_lon,min_lat,max_lon,max_lat"
    min_lon, min_lat, max_lon, max_lat = _numbers(_single("bbox", given), 4, "bbox", shape)
    _check_point("bbox", min_lat, min_lon)
    _check_point("bbox", max_lat, max_lon)
    if min_lon >= max_lon or min_lat >= max_lat:
        raise FilterError(
            f"bbox must be {shape}: the south-west corner first, then the north-east one."
        )
    return min_lon, min_lat, max_lon, max_lat


def _read_near(given: list[str]) -> tuple[float, float]:
    lat, lon = _numbers(_single("near", given), 2, "near", "lat,lon")
    _check_point("near", lat, lon)
    return lat, lon


def parse_near(text: str) -> tuple[float, float] | None:
    """A ``near`` value (``lat,lon``) read as the filters read it, or None when it is not one."""
    try:
        return _read_near([text])
    except FilterError:
        return None


def _read_radius(given: list[str]) -> float:
    text = _single("radius_km", given)
    if not _NUMBER.fullmatch(text) or not math.isfinite(float(text)):
        raise FilterError("radius_km must be a number of kilometres.")
    radius = _round(float(text))
    if not 0 < radius <= MAX_RADIUS_KM:
        raise FilterError(f"radius_km must be more than 0 and at most {MAX_RADIUS_KM:g}.")
    return radius


def accepted_radius_range() -> tuple[float, float]:
    """The smallest and largest ``radius_km`` accepted, after rounding to ``DECIMALS``
    (5e-7 rounds to 0 and is refused): what the OpenAPI document states as its range."""
    half_step = 0.5 * 10**-DECIMALS
    smallest = half_step
    while not 0 < _round(smallest):
        smallest = math.nextafter(smallest, math.inf)
    while 0 < _round(math.nextafter(smallest, 0)):
        smallest = math.nextafter(smallest, 0)
    largest = MAX_RADIUS_KM + half_step
    while _round(largest) > MAX_RADIUS_KM:
        largest = math.nextafter(largest, 0)
    while _round(math.nextafter(largest, math.inf)) <= MAX_RADIUS_KM:
        largest = math.nextafter(largest, math.inf)
    return smallest, largest


def _round(number: float) -> float:
    return round(number, DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
