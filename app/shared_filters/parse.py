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
from datetime import date
from typing import TypeVar
from urllib.parse import parse_qsl

from flask_babel import gettext as _
from flask_babel import ngettext
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
    "updated_since",
    "active_from",
    "active_to",
    "bbox",
    "near",
    "radius_km",
)
CONTROL_NAMES = frozenset(
    {"sort", "page", "per_page", "limit", "cursor", "zoom", "layout", "scheme", "lang"}
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
# A real day written YYYY-MM-DD (years 0001 to 9999, leap days only in leap years): what
# date.fromisoformat accepts in that form, spelled out so the OpenAPI document can say it.
DAY_PATTERN = (
    r"(?!0000)(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    r"|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)"
)
_DAY = re.compile(DAY_PATTERN)
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
    updated_since: date | None = None  # outcomes or content updated on or after this day
    # A period the work ran in (either end may be open): not ended before active_from, and
    # started (or, with no start date, first published) by active_to.
    active_from: date | None = None
    active_to: date | None = None
    bbox: tuple[float, float, float, float] | None = None  # min_lon, min_lat, max_lon, max_lat
    near: tuple[float, float] | None = None  # lat, lon
    radius_km: float = DEFAULT_RADIUS_KM  # only meaningful with near

    @property
    def is_empty(self) -> bool:
        return self == InitiativeFilter()

    @property
    def gathers(self) -> bool:
        """Whether a box, a distance, a period or a change date narrows it: filters a range of
        some other index than the order's answers, gathering matches that walking the order
        would reach at any depth, and that the database would read and sort whole."""
        return bool(
            self.bbox or self.near or self.active_from or self.active_to or self.updated_since
        )

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
    "updated_since": "updated_since",
    "active_from": "active_from",
    "active_to": "active_to",
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
        updated_since=read("updated_since", _read_day, None),
        active_from=read(
            "active_from", lambda given: _read_period_day("active_from", given), None
        ),
        active_to=read("active_to", lambda given: _read_period_day("active_to", given), None),
        bbox=read("bbox", _read_bbox, None),
        near=read("near", _read_near, None),
        radius_km=read("radius_km", _read_radius, DEFAULT_RADIUS_KM),
    )
    start, end = initiative_filter.active_from, initiative_filter.active_to
    if start and end and end < start:
        errors["active_to"] = _(
            "active_to (%(end)s) must be on or after active_from (%(start)s).",
            end=end.isoformat(),
            start=start.isoformat(),
        )
        initiative_filter = replace(initiative_filter, active_to=None)
    radius_read = _given(args, "radius_km") and "radius_km" not in errors
    if radius_read and not _given(args, "near"):
        errors["radius_km"] = _(
            "radius_km works only together with near (a point to measure from)."
        )
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
        raise FilterError(_("Give %(name)s only once.", name=name))
    return given[0]


def _read_query(given: list[str]) -> str:
    text = _single("q", given)
    # Counted as typed (trimmed), before spaces are joined: what the API documents.
    if len(text) > MAX_QUERY_LENGTH:
        raise FilterError(
            _(
                "The search text is too long: at most %(max_query_length)s characters.",
                max_query_length=MAX_QUERY_LENGTH,
            )
        )
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
    return ngettext(
        "Unknown %(name)s: %(shown)s",
        "Unknown %(name)ss: %(shown)s",
        len(values),
        name=name,
        shown=shown,
    )


def _read_verified(given: list[str]) -> bool:
    value = _single("verified", given)
    if value not in {"1", "0"}:
        raise FilterError(_("verified must be 1 (only initiatives with a verified outcome)."))
    return value == "1"


def _read_day(given: list[str]) -> date:
    text = _single("updated_since", given)
    try:
        if not _DAY.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError as error:
        raise FilterError("updated_since must be a date written YYYY-MM-DD.") from error


def _read_period_day(name: str, given: list[str]) -> date:
    """One end of the period: a real day written YYYY-MM-DD; the message echoes what came."""
    text = _single(name, given)
    if _DAY.fullmatch(text):
        return date.fromisoformat(text)
    shown = text if len(text) <= 30 else text[:29] + "…"
    shown = "".join(char if char.isprintable() else " " for char in shown)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        message = _("%(name)s: %(shown)s is not a real date.", name=name, shown=shown)
    else:
        message = _(
            "%(name)s: %(shown)s is not a date written YYYY-MM-DD, like 2025-04-01.",
            name=name,
            shown=shown,
        )
    raise FilterError(message)


def _numbers(text: str, count: int, name: str, shape: str) -> list[float]:
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != count or not all(_NUMBER.fullmatch(part) for part in parts):
        raise FilterError(
            _(
                "%(name)s needs %(count)s numbers separated by commas: %(shape)s.",
                name=name,
                count=count,
                shape=shape,
            )
        )
    numbers = [float(part) for part in parts]
    if not all(math.isfinite(number) for number in numbers):
        raise FilterError(_("%(name)s needs finite numbers: %(shape)s.", name=name, shape=shape))
    return [_round(number) for number in numbers]


def _check_point(name: str, lat: float, lon: float) -> None:
    if not -90 <= lat <= 90:
        raise FilterError(_("%(name)s: latitude must be between -90 and 90.", name=name))
    if not -180 <= lon <= 180:
        raise FilterError(_("%(name)s: longitude must be between -180 and 180.", name=name))


def _read_bbox(given: list[str]) -> tuple[float, float, float, float]:
    shape = "min_lon,min_lat,max_lon,max_lat"
    min_lon, min_lat, max_lon, max_lat = _numbers(_single("bbox", given), 4, "bbox", shape)
    _check_point("bbox", min_lat, min_lon)
    _check_point("bbox", max_lat, max_lon)
    if min_lon >= max_lon or min_lat >= max_lat:
        raise FilterError(
            _(
                "bbox must be %(shape)s: the south-west corner first, then the north-east one.",
                shape=shape,
            )
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
        raise FilterError(_("radius_km must be a number of kilometres."))
    radius = _round(float(text))
    if not 0 < radius <= MAX_RADIUS_KM:
        raise FilterError(
            _(
                "radius_km must be more than 0 and at most %(limit)s.",
                limit=format(MAX_RADIUS_KM, "g"),
            )
        )
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
