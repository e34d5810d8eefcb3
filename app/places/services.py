"""Places: what the place pickers and the ``geocode`` command do with the geocoding seam."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from app.extensions import db
from app.initiatives.models import Initiative
from app.initiatives.public import is_public
from app.neighbourhoods.models import Neighbourhood
from app.places.agreement import PointWarning, point_warning
from app.places.geocoding import geocode_place, reverse_place, unsearchable_postcode
from app.places.nearby import match_key, nearest, nearest_neighbourhood, neighbourhood_centres
from app.places.types import GeocodingUnavailable, NeighbourhoodCentre, Place
from app.search.services import reindex_initiative
from app.timeutil import utcnow

COORDINATE_DECIMALS = 6
# The `geocode` command takes the best match only this close to the initiative's neighbourhood:
# "Park, Kirkstall" must not land in Worcester Park, London.
PLAUSIBLE_KM = 25.0


@dataclass
class PendingSummary:
    """What a run of the ``geocode`` command did."""

    located: int = 0
    not_found: list[tuple[int, str, str]] = field(default_factory=list)  # id, title, place
    still_pending: int = 0
    stopped: str = ""  # why the run stopped early, if it did


@dataclass
class PlaceLookup:
    """What a person asked the place picker and what it found (or that it could not ask)."""

    query: str
    items: list[dict[str, Any]] = field(default_factory=list)
    failed: bool = False
    kind: str = "search"  # or "reverse": what is at a point
    # A postcode this site cannot look up (no postcode service, the offline geocoder).
    postcode: str | None = None


def look_up_place(text: str) -> PlaceLookup:
    """The places matching a name or address, as the form lists them."""
    try:
        items = place_items(geocode_place(text))
    except GeocodingUnavailable:
        return PlaceLookup(text, failed=True)
    return PlaceLookup(text, items, postcode=None if items else unsearchable_postcode(text))


def postcode_message(postcode: str) -> str:
    """What a resident reads when a postcode cannot be looked up on this site."""
    return _(
        "“%(postcode)s” is a postcode, and postcodes cannot be looked up on this site. Put a "
        "pin on the map instead, or type the street, the neighbourhood or the nearest town.",
        postcode=postcode,
    )


def look_up_point(latitude: float, longitude: float) -> PlaceLookup:
    """What is at a point (at most one place), as the form shows it."""
    query = f"{latitude:.6f},{longitude:.6f}"
    try:
        place = reverse_place(latitude, longitude)
    except GeocodingUnavailable:
        return PlaceLookup(query, failed=True, kind="reverse")
    return PlaceLookup(query, place_items([place]) if place else [], kind="reverse")


def neighbourhoods_by_slug(slugs: Iterable[str | None]) -> dict[str, Neighbourhood]:
    """The neighbourhoods with these slugs (one query)."""
    wanted = {slug for slug in slugs if slug}
    if not wanted:
        return {}
    found = db.session.scalars(select(Neighbourhood).where(Neighbourhood.slug.in_(wanted)))
    return {neighbourhood.slug: neighbourhood for neighbourhood in found}


def neighbourhood_point_warning(
    latitude: float | None, longitude: float | None, neighbourhood_id: Any
) -> PointWarning | None:
    """The warning for a point far from the neighbourhood with this id (as a form holds it)."""
    if latitude is None or longitude is None or not str(neighbourhood_id or "").isdigit():
        return None
    neighbourhood = db.session.get(Neighbourhood, int(neighbourhood_id))
    return point_warning(latitude, longitude, neighbourhood)


def neighbourhood_near(latitude: float, longitude: float) -> Neighbourhood | None:
    """The neighbourhood to suggest for a point: the nearest centre within a few km."""
    centre = nearest_neighbourhood(latitude, longitude, neighbourhood_centres())
    return neighbourhoods_by_slug([centre.slug]).get(centre.slug) if centre else None


def neighbourhood_item(neighbourhood: Neighbourhood | None) -> dict[str, str] | None:
    """A neighbourhood as the place endpoints show it."""
    if neighbourhood is None:
        return None
    return {"slug": neighbourhood.slug, "name": neighbourhood.name}


def place_items(places: list[Place]) -> list[dict[str, Any]]:
    """Places as the place endpoints and the form show them, neighbourhoods named."""
    neighbourhoods = neighbourhoods_by_slug(place.neighbourhood_slug for place in places)
    return [
        {
            "name": place.name,
            "address": place.address,
            "latitude": round(place.latitude, COORDINATE_DECIMALS),
            "longitude": round(place.longitude, COORDINATE_DECIMALS),
            "neighbourhood": neighbourhood_item(
                neighbourhoods.get(place.neighbourhood_slug) if place.neighbourhood_slug else None
            ),
        }
        for place in places
    ]


def place_query(place_name: str, neighbourhood_name: str | None) -> str:
    """What to ask the geocoder for a place: its name, with the neighbourhood for context."""
    if not neighbourhood_name or match_key(neighbourhood_name) in match_key(place_name):
        return place_name
    return f"{place_name}, {neighbourhood_name}"


def _pending_places(initiative_ids: Iterable[int] | None = None) -> Select[int]:
    query = select(Initiative.id).where(
        Initiative.location_state == "pending", Initiative.place_name != ""
    )
    if initiative_ids is not None:
        query = query.where(Initiative.id.in_(list(initiative_ids)))
    return query


def count_pending_places() -> int:
    """How many initiatives have a place name still waiting to be looked up."""
    count = db.session.scalar(select(func.count()).select_from(_pending_places().subquery()))
    return count or 0


def geocode_pending_places(
    progress: Callable[[int], Any] | None = None,
    initiative_ids: Iterable[int] | None = None,
    limit: int | None = None,
) -> PendingSummary:
    """Look up every pending place (or those of ``initiative_ids``; at most ``limit``), best
    match first; stop at the first outage.

    A located place gets its point (the precision rule then computes the public one); a place
    that matches nothing is left at its neighbourhood, its name kept. A batch job, it commits
    each initiative as it goes, so an outage or an interrupted run keeps the work done, and it
    holds no transaction while the geocoder works (SQLite has one writer at a time).
    """
    summary = PendingSummary()
    rows = db.session.execute(
        select(
            Initiative.id,
            Initiative.place_name,
            Neighbourhood.slug,
            Neighbourhood.name,
            Neighbourhood.local_authority,
            Neighbourhood.latitude,
            Neighbourhood.longitude,
        )
        .outerjoin(Neighbourhood, Initiative.neighbourhood_id == Neighbourhood.id)
        .where(Initiative.id.in_(_pending_places(initiative_ids)))
        .order_by(Initiative.id)
        .limit(limit)
    ).all()
    db.session.commit()  # plain values only: nothing left to reload while the geocoder works
    questions = [
        (row[0], row[1], NeighbourhoodCentre(*row[2:]) if row[2] is not None else None)
        for row in rows
    ]
    for initiative_id, place_name, neighbourhood in questions:
        try:
            places = geocode_place(place_query(place_name, neighbourhood and neighbourhood.name))
        except GeocodingUnavailable as error:
            db.session.rollback()
            summary.stopped = str(error)
            break
        _place_initiative(initiative_id, place_name, best_place(places, neighbourhood), summary)
        db.session.commit()
        if progress is not None:
            progress(1)
    summary.still_pending = count_pending_places()
    return summary


def best_place(places: list[Place], neighbourhood: Any) -> Place | None:
    """The first match near the initiative's neighbourhood (the first of all without one):
    "Park, Kirkstall" is not Worcester Park. ``neighbourhood`` has latitude and longitude."""
    if neighbourhood is None:
        return places[0] if places else None
    for place in places:
        if nearest(neighbourhood.latitude, neighbourhood.longitude, [place], PLAUSIBLE_KM):
            return place
    return None


def _place_initiative(
    initiative_id: int, place_name: str, place: Place | None, summary: PendingSummary
) -> None:
    # Locked and checked again: the submitter may have placed it while the geocoder worked.
    initiative = db.session.scalar(
        select(Initiative)
        .where(
            Initiative.id == initiative_id,
            Initiative.location_state == "pending",
            Initiative.place_name == place_name,
        )
        .with_for_update(of=Initiative)
        .execution_options(populate_existing=True)
    )
    if initiative is None:
        return
    if place is None:
        initiative.location_state = "none"
        summary.not_found.append((initiative.id, initiative.title, place_name))
    else:
        initiative.latitude, initiative.longitude = place.latitude, place.longitude
        initiative.location_state = "set"
        initiative.updated_at = utcnow()  # its maps, embeds and feeds show the new point
        summary.located += 1
    db.session.flush()
    if is_public(initiative):
        reindex_initiative(initiative)
