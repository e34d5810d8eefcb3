"""The two rules every public output obeys, each written once.

1. Only published initiatives are public: every public read starts from
   ``published_initiatives()`` or asks ``is_public()``.
2. Location precision: the place text people see comes from ``public_place_name()``, and the
   point people see is computed here from the chosen precision
   (exact, street ≈ 100 m, or the neighbourhood's centre) and stored in ``public_latitude`` and
   ``public_longitude`` whenever an initiative is flushed; public outputs read only those.
"""

from __future__ import annotations

from sqlalchemy import Select, event, select
from sqlalchemy.orm import Session

from app.initiatives.models import Initiative
from app.neighbourhoods.models import Neighbourhood

PUBLISHED = "published"
STREET_DECIMALS = 3  # 0.001° is about 111 m of latitude and 70 m of longitude in Britain
MAX_DECIMALS = 6  # RFC 7946 advice; about 10 cm


def published_initiatives() -> Select:
    """A query of the initiatives the public may see."""
    return select(Initiative).where(Initiative.state == PUBLISHED)


def published_only(query: Select) -> Select:
    """Restrict any query over initiatives (counts, facets, exports) to published ones."""
    return query.where(Initiative.state == PUBLISHED)


def is_public(initiative: Initiative) -> bool:
    return initiative.state == PUBLISHED


def public_point(
    latitude: float | None,
    longitude: float | None,
    precision: str,
    neighbourhood: Neighbourhood | None,
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


def public_place_name(initiative: Initiative) -> str:
    """The place text people may read: none at neighbourhood precision (it may name a street)."""
    return "" if initiative.location_precision == "neighbourhood" else initiative.place_name


def public_precision(initiative: Initiative) -> str:
    """The precision its public point really has: without a point of its own, an initiative
    shows at its neighbourhood's centre whatever precision it chose."""
    if initiative.latitude is None or initiative.longitude is None:
        return "neighbourhood"
    return initiative.location_precision


PRECISION_NOTES = {
    "neighbourhood": "the neighbourhood's centre",
    "street": "rounded to about 100 m",
    "exact": "the exact place",
}


def public_point_note(initiative: Initiative) -> str:
    """What the public point of an initiative stands for, in words."""
    return PRECISION_NOTES[public_precision(initiative)]


def apply_location_precision(initiative: Initiative) -> None:
    """Recompute the public point of an initiative from its place and precision."""
    neighbourhood = initiative.neighbourhood
    if neighbourhood is None and initiative.neighbourhood_id is not None:
        neighbourhood = Session.object_session(initiative).get(
            Neighbourhood, initiative.neighbourhood_id
        )
    point = public_point(
        initiative.latitude, initiative.longitude, initiative.location_precision, neighbourhood
    )
    initiative.public_latitude, initiative.public_longitude = point or (None, None)


@event.listens_for(Session, "before_flush")
def _apply_precision_before_flush(session: Session, _context, _instances) -> None:
    for instance in list(session.new) + list(session.dirty):
        if isinstance(instance, Initiative):
            apply_location_precision(instance)
