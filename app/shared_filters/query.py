"""The shared filters, applied: narrowing a select over initiatives, and facet counts.

Nothing here adds the published rule: callers start from
``app.initiatives.public.published_initiatives()`` (or pass their query through
``published_only``), so that rule stays written once. ``facet_counts`` counts published
initiatives itself.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta

from geopy.distance import EARTH_RADIUS
from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select

from app.extensions import db
from app.initiatives.models import (
    Initiative,
    InitiativeStage,
    InitiativeTheme,
    Outcome,
    Participant,
)
from app.initiatives.public import published_only
from app.neighbourhoods.models import Neighbourhood
from app.search.services import search_condition
from app.shared_filters.parse import FACETS, InitiativeFilter
from app.themes.models import Theme
from app.timeutil import start_of_day


def apply_filters(
    query: Select, initiative_filter: InitiativeFilter, many_matches: bool = False
) -> Select:
    """Narrow a select over Initiative to the filter. Never adds the published rule.

    ``many_matches``: the search has many matches (see ``search_condition``).
    """
    f = initiative_filter
    if f.q:
        condition = search_condition(f.q, many_matches)
        if condition is not None:
            query = query.where(condition)
    if f.themes:
        query = query.where(
            exists()
            .where(InitiativeTheme.initiative_id == Initiative.id)
            .where(InitiativeTheme.theme_id.in_(select(Theme.id).where(Theme.slug.in_(f.themes))))
        )
    if f.stages:
        query = query.where(
            exists()
            .where(InitiativeStage.initiative_id == Initiative.id)
            .where(InitiativeStage.stage.in_(f.stages))
        )
    if f.sectors:
        query = query.where(
            exists()
            .where(Participant.initiative_id == Initiative.id)
            .where(Participant.sector.in_(f.sectors))
        )
    if f.neighbourhoods:
        query = query.where(
            Initiative.neighbourhood_id.in_(
                select(Neighbourhood.id).where(Neighbourhood.slug.in_(f.neighbourhoods))
            )
        )
    if f.statuses:
        query = query.where(Initiative.status.in_(f.statuses))
    if f.verified:
        query = query.where(
            exists()
            .where(Outcome.initiative_id == Initiative.id)
            .where(Outcome.verified_at.is_not(None))
        )
    if f.updated_since:
        since = start_of_day(f.updated_since)
        query = query.where(
            or_(Initiative.updated_at >= since, Initiative.outcomes_updated_at >= since)
        )
    if f.active_from or f.active_to:
        query = query.where(*active_in(f.active_from, f.active_to))
    if f.bbox:
        min_lon, min_lat, max_lon, max_lat = f.bbox
        query = query.where(
            Initiative.public_longitude.between(min_lon, max_lon),
            Initiative.public_latitude.between(min_lat, max_lat),
        )
    if f.near:
        min_lon, min_lat, max_lon, max_lat = bounding_box(*f.near, f.radius_km)
        query = query.where(
            Initiative.public_longitude.between(min_lon, max_lon),
            Initiative.public_latitude.between(min_lat, max_lat),
            distance_km(f.near) <= f.radius_km,
        )
    return query


def active_in(start: date | None, end: date | None) -> list[ColumnElement[bool]]:
    """Initiatives whose work ran at some time from ``start`` to ``end`` (both days included):
    not ended before the start, and started by the end. An initiative with no start date counts
    from the day it was first published (in the site's time zone); one with no end date runs on.
    """
    conditions: list[ColumnElement[bool]] = []
    if start:
        conditions.append(or_(Initiative.ended_on.is_(None), Initiative.ended_on >= start))
    if end and end < date.max:  # the last day there is leaves nothing out
        after_end = start_of_day(end + timedelta(days=1))
        conditions.append(
            or_(
                Initiative.started_on <= end,
                and_(Initiative.started_on.is_(None), Initiative.published_at < after_end),
            )
        )
    return conditions


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """A box (min_lon, min_lat, max_lon, max_lat) holding every point within the radius."""
    angle = radius_km / EARTH_RADIUS
    min_lat, max_lat = lat - math.degrees(angle), lat + math.degrees(angle)
    if min_lat <= -90 or max_lat >= 90:
        return -180.0, max(min_lat, -90.0), 180.0, min(max_lat, 90.0)
    spread = math.degrees(math.asin(min(1.0, math.sin(angle) / math.cos(math.radians(lat)))))
    if lon - spread < -180 or lon + spread > 180:
        return -180.0, min_lat, 180.0, max_lat  # across the antimeridian: every longitude
    return lon - spread, min_lat, lon + spread, max_lat


def distance_km(near: tuple[float, float]) -> ColumnElement[float]:
    """Great-circle distance in km from a point to an initiative's PUBLIC point (haversine)."""
    lat, lon = near
    to_radians = math.pi / 180
    half_lat = func.sin((Initiative.public_latitude * to_radians - math.radians(lat)) / 2)
    half_lon = func.sin((Initiative.public_longitude * to_radians - math.radians(lon)) / 2)
    spread = (
        half_lat * half_lat
        + math.cos(math.radians(lat))
        * func.cos(Initiative.public_latitude * to_radians)
        * half_lon
        * half_lon
    )
    return 2 * EARTH_RADIUS * func.asin(func.sqrt(spread))


def facet_counts(
    initiative_filter: InitiativeFilter, facets: tuple[str, ...] = FACETS
) -> dict[str, dict[str, int]]:
    """For each facet option, how many published initiatives choosing it would give.

    For facet F every filter but F's applies; one grouped query per facet asked for.
    """
    counts: dict[str, dict[str, int]] = {}
    grouped = {
        "theme": (
            select(Theme.slug, func.count(Initiative.id))
            .select_from(Initiative)
            .join(InitiativeTheme, InitiativeTheme.initiative_id == Initiative.id)
            .join(Theme, Theme.id == InitiativeTheme.theme_id)
            .group_by(Theme.slug)
        ),
        "stage": (
            select(InitiativeStage.stage, func.count(Initiative.id))
            .select_from(Initiative)
            .join(InitiativeStage, InitiativeStage.initiative_id == Initiative.id)
            .group_by(InitiativeStage.stage)
        ),
        "sector": (
            select(Participant.sector, func.count(Initiative.id.distinct()))
            .select_from(Initiative)
            .join(Participant, Participant.initiative_id == Initiative.id)
            .group_by(Participant.sector)
        ),
        "neighbourhood": (
            select(Neighbourhood.slug, func.count(Initiative.id))
            .select_from(Initiative)
            .join(Neighbourhood, Neighbourhood.id == Initiative.neighbourhood_id)
            .group_by(Neighbourhood.slug)
        ),
        "status": select(Initiative.status, func.count(Initiative.id)).group_by(Initiative.status),
    }
    for facet, query in grouped.items():
        if facet not in facets:
            continue
        query = apply_filters(published_only(query), initiative_filter.without(facet))
        counts[facet] = {value: count for value, count in db.session.execute(query)}
    if "verified" not in facets:
        return counts
    verified = apply_filters(
        published_only(select(func.count(Initiative.id))),
        replace(initiative_filter, verified=True),
    )
    counts["verified"] = {"1": db.session.scalar(verified) or 0}
    return counts
