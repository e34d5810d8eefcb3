"""The two rules every public output obeys, each written once.

1. Only published initiatives are public: every public read starts from
   ``published_initiatives()`` or asks ``is_public()``.
2. Location precision: the place text people see comes from ``public_place_name()`` (in full
   when exact, without house or flat number and postcode unit at street precision, none at
   neighbourhood precision), and the point people see is computed here from the chosen precision
   (exact, street ≈ 100 m, or the neighbourhood's centre) and stored in ``public_latitude`` and
   ``public_longitude`` whenever an initiative is flushed; public outputs read only those.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Protocol

from sqlalchemy import ColumnElement, Select, and_, event, select
from sqlalchemy.orm import Session, UOWTransaction

from app.i18n import lazy_text as _l
from app.initiatives.models import Initiative
from app.neighbourhoods.models import Neighbourhood
from app.photos.models import Photo

PUBLISHED = "published"
STREET_DECIMALS = 3  # 0.001° is about 111 m of latitude and 70 m of longitude in Britain
MAX_DECIMALS = 6  # RFC 7946 advice; about 10 cm


def published_initiatives() -> Select:
    """A query of the initiatives the public may see."""
    return select(Initiative).where(Initiative.state == PUBLISHED)


def published_only(query: Select) -> Select:
    """Restrict any query over initiatives (counts, facets, exports) to published ones."""
    return query.where(Initiative.state == PUBLISHED)


class _Stated(Protocol):
    """An initiative, or a row of its columns that has ``state``."""

    @property
    def state(self) -> str: ...


def is_public(initiative: _Stated) -> bool:
    return initiative.state == PUBLISHED


def public_photos(initiative: Initiative) -> list[Photo]:
    """The photos the public may see: the initiative is published, the photo approved with
    the revision that brought it, and processed (``public_photo_condition`` in SQL)."""
    if not is_public(initiative):
        return []
    return [photo for photo in initiative.photos if photo.review == "approved" and photo.is_ready]


def public_photo_condition() -> ColumnElement[bool]:
    """``public_photos``' rule for a photo, as a condition on photo rows (the query keeps to
    published initiatives itself, as an export's does)."""
    return and_(Photo.review == "approved", Photo.state == "ready")


class Centred(Protocol):
    """A neighbourhood, or a row of its centre's columns."""

    @property
    def latitude(self) -> float: ...

    @property
    def longitude(self) -> float: ...


def public_point(
    latitude: float | None,
    longitude: float | None,
    precision: str,
    neighbourhood: Centred | None,
) -> tuple[float, float] | None:
    """The point that may be shown for a place at the given precision.

    Without a point of its own (or at neighbourhood precision) a place shows at its
    neighbourhood's centre, which reveals nothing more than the neighbourhood's name does.
    """
    if precision != "neighbourhood" and latitude is not None and longitude is not None:
        decimals = STREET_DECIMALS if precision == "street" else MAX_DECIMALS
        return round(latitude, decimals), round(longitude, decimals)
    if neighbourhood is None:
        return None
    return round(neighbourhood.latitude, MAX_DECIMALS), round(
        neighbourhood.longitude, MAX_DECIMALS
    )


# Which door, not which street. A flat or unit ("Flat 3", "Unit 2b", "Apt. C", "Flat 1.2") and
# any number standing on its own ("14", "14a", "No. 14", "#14", "14-16", "3/14", "12 & 14"),
# wherever they stand. Numbers inside words stay: road numbers (A65), ordinals (1st), districts.
FLAT = re.compile(
    r"\b(?:flat|apartment|apt|unit|suite|room|studio|maisonette)"
    r"(?:\.?\s*\d+[a-z]?(?:\s*[-–/.]\s*\d+[a-z]?)*|(?:\.\s*|\s+)[a-z])(?!\w)",
    re.IGNORECASE,
)
NUMBER = re.compile(
    r"(?<!\w)(?:no\.?\s*|#\s*)?\d+[a-z]?(?:\s*[-–/&.]\s*\d+[a-z]?)*(?!\w)", re.IGNORECASE
)
# A full UK postcode ("LS6 2AB", "EC1A1BB", "ls5-3pt", "LS5 – 3PT"): its outward half names a
# district, the rest a street. Any spaces, hyphens or dashes may stand between the halves.
POSTCODE = re.compile(
    r"\b([a-z]{1,2}\d[a-z\d]?)[\s\-\u2010-\u2015\u2212]*\d[a-z]{2}\b", re.IGNORECASE
)
LEFTOVER = " \t,.;:&/#-–"
PLACEHOLDER = 0xE000  # Unicode's private use area: never typed, never a word character


@lru_cache(maxsize=16384)
def street_place_text(text: str) -> str:
    """Place text without the door: house and flat numbers go, a postcode keeps its district.
    (Remembered: an export or a map's list asks it of the same few thousand places again and
    again, and three regular expressions cost more than the rest of a GeoJSON feature.)"""
    return ", ".join(filter(None, (_without_door(part) for part in text.split(","))))


def _without_door(part: str) -> str:
    districts = [match.group(1).upper() for match in POSTCODE.finditer(part)]
    # Each postcode waits as one private character (no digit for NUMBER to take).
    marks = iter(range(PLACEHOLDER, PLACEHOLDER + len(districts)))
    part = POSTCODE.sub(lambda _match: chr(next(marks)), part)
    part = NUMBER.sub(" ", FLAT.sub(" ", part))
    for index, district in enumerate(districts):
        part = part.replace(chr(PLACEHOLDER + index), district)
    return " ".join(part.split()).strip(LEFTOVER)


def public_place_name(initiative: Initiative) -> str:
    """The place text people may read at its precision: in full when exact, without house,
    flat or full postcode at street precision, none at neighbourhood precision (it may name a
    street)."""
    if initiative.location_precision == "exact":
        return initiative.place_name
    if initiative.location_precision == "street":
        return street_place_text(initiative.place_name)
    return ""


def public_precision(initiative: Initiative) -> str:
    """The precision its public point really has: without a point of its own, an initiative
    shows at its neighbourhood's centre whatever precision it chose."""
    if initiative.latitude is None or initiative.longitude is None:
        return "neighbourhood"
    return initiative.location_precision


PRECISION_NOTES = {
    "neighbourhood": _l("the neighbourhood's centre"),
    "street": _l("rounded to about 100 m"),
    "exact": _l("the exact place"),
}


def public_point_note(initiative: Initiative) -> str:
    """What the public point of an initiative stands for, in words."""
    return PRECISION_NOTES[public_precision(initiative)]


def apply_location_precision(initiative: Initiative) -> None:
    """Recompute the public point of an initiative from its place and precision."""
    neighbourhood = initiative.neighbourhood
    if neighbourhood is None and initiative.neighbourhood_id is not None:
        session = Session.object_session(initiative)
        if session is None:
            raise ValueError("A public point is worked out for an initiative in a session.")
        neighbourhood = session.get(Neighbourhood, initiative.neighbourhood_id)
    point = public_point(
        initiative.latitude, initiative.longitude, initiative.location_precision, neighbourhood
    )
    initiative.public_latitude, initiative.public_longitude = point or (None, None)


@event.listens_for(Session, "before_flush")
def _apply_precision_before_flush(
    session: Session, _context: UOWTransaction, _instances: object
) -> None:
    for instance in list(session.new) + list(session.dirty):
        if isinstance(instance, Initiative):
            apply_location_precision(instance)
