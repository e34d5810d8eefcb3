"""The GeoJSON export's features from plain rows: the shape of ``FeatureSchema``, built by hand.

A city's GeoJSON holds thousands of features; loading each initiative as an ORM object with its
relationships and dumping it field by field through marshmallow took seconds. Here a batch is
one query of columns plus one per kind of child row (themes, stages, participants, outcomes,
photos), each feature a dict serialised by orjson. ``FeatureSchema`` still documents the shape
(the OpenAPI document) and a test holds the two to the same output.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from types import SimpleNamespace
from typing import Any

import orjson
from flask import url_for
from sqlalchemy import Row, select

from app.api.export_records import newest_first_batches
from app.api.public_data import licence
from app.api.schemas.geojson import feature_collection_head
from app.extensions import db
from app.initiatives.examples import example_text
from app.initiatives.models import (
    Initiative,
    InitiativeStage,
    InitiativeTheme,
    Outcome,
    Participant,
)
from app.initiatives.public import (
    MAX_DECIMALS,
    public_place_name,
    public_precision,
    published_only,
)
from app.initiatives.vocabulary import STAGES
from app.neighbourhoods.models import Neighbourhood
from app.photos.models import Photo
from app.photos.services import size_url
from app.shared_filters.parse import InitiativeFilter
from app.shared_filters.query import apply_filters
from app.themes.models import Theme
from app.timeutil import iso_time

BATCH = 1000
COLUMNS = (
    Initiative.id,
    Initiative.slug,
    Initiative.title,
    Initiative.summary,
    Initiative.language,
    Initiative.title_cy,
    Initiative.summary_cy,
    Initiative.description_cy,
    Initiative.status,
    Initiative.neighbourhood_id,
    Initiative.place_name,
    Initiative.latitude,
    Initiative.longitude,
    Initiative.location_precision,
    Initiative.public_latitude,
    Initiative.public_longitude,
    Initiative.published_at,
    Initiative.updated_at,
)
URL_MARK = "__initiative__"


def geojson_chunks(initiative_filter: InitiativeFilter) -> Iterator[bytes]:
    """Matching published initiatives as a FeatureCollection, a batch of features at a time."""
    head = orjson.dumps(feature_collection_head(licence()))
    yield head[:-1] + b',"features":['
    matching = apply_filters(published_only(select(*COLUMNS)), initiative_filter)
    neighbourhoods = {item.id: item for item in db.session.scalars(select(Neighbourhood))}
    theme_slugs = {row.id: row.slug for row in db.session.execute(select(Theme.id, Theme.slug))}
    address = url_for(
        "initiatives.show_initiative", initiative_id=0, slug=URL_MARK, _external=True
    )
    first = True
    for rows in newest_first_batches(matching, BATCH):
        features = _features(rows, neighbourhoods, theme_slugs, address)
        # A feature a line, as the export always wrote them (easy to read, grep and count).
        yield (b"" if first else b",\n") + b",\n".join(orjson.dumps(item) for item in features)
        first = False
    yield b"]}\n"


def _features(
    rows: Sequence[Row],
    neighbourhoods: dict[int, Neighbourhood],
    theme_slugs: dict[int, str],
    address: str,
) -> list[dict[str, Any]]:
    ids = [row.id for row in rows]
    themes = _grouped(
        select(InitiativeTheme.initiative_id, InitiativeTheme.theme_id)
        .where(InitiativeTheme.initiative_id.in_(ids))
        .order_by(InitiativeTheme.initiative_id, InitiativeTheme.position),
    )
    stages = _grouped(
        select(InitiativeStage.initiative_id, InitiativeStage.stage).where(
            InitiativeStage.initiative_id.in_(ids)
        )
    )
    participants = _children(Participant, ids, (Participant.position, Participant.id))
    outcomes = _children(Outcome, ids, (Outcome.position, Outcome.id))
    photos = _children(
        Photo,
        ids,
        (Photo.position, Photo.id),
        Photo.review == "approved",
        Photo.state == "ready",
    )
    features = []
    for row in rows:
        neighbourhood = neighbourhoods.get(row.neighbourhood_id)
        initiative = SimpleNamespace(
            **row._mapping,
            neighbourhood=neighbourhood,
            participants=participants.get(row.id, []),
            outcomes=outcomes.get(row.id, []),
        )
        theme_ids = themes.get(row.id, [])
        chosen = set(stages.get(row.id, []))
        shown_photos = photos.get(row.id)
        geometry = None
        precision = None
        if row.public_latitude is not None and row.public_longitude is not None:
            geometry = {
                "type": "Point",
                "coordinates": [
                    round(row.public_longitude, MAX_DECIMALS),
                    round(row.public_latitude, MAX_DECIMALS),
                ],
            }
            precision = public_precision(initiative)  # type: ignore[arg-type]
        features.append(
            {
                "type": "Feature",
                "id": row.id,
                "geometry": geometry,
                "properties": {
                    "id": row.id,
                    "title": row.title,
                    "url": address.replace(
                        f"0-{URL_MARK}", f"{row.id}-{row.slug or 'initiative'}"
                    ),
                    "summary": row.summary,
                    "example": example_text(initiative),  # type: ignore[arg-type]
                    "themes": [theme_slugs[theme_id] for theme_id in theme_ids],
                    "primary_theme": theme_slugs[theme_ids[0]] if theme_ids else None,
                    "stages": [stage for stage in STAGES if stage in chosen],
                    "status": row.status,
                    "neighbourhood": neighbourhood.slug if neighbourhood else None,
                    "place": public_place_name(initiative),  # type: ignore[arg-type]
                    "precision": precision,
                    "published_at": iso_time(row.published_at),
                    "updated_at": iso_time(row.updated_at),
                    "thumbnail_url": size_url(shown_photos[0], "320.jpg")
                    if shown_photos
                    else None,
                },
            }
        )
    return features


def _grouped(query) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for initiative_id, value in db.session.execute(query):
        grouped[initiative_id].append(value)
    return grouped


def _children(model, ids: list[int], order, *conditions) -> dict[int, list[Any]]:
    """Child rows (participants, outcomes, photos) of a batch, by initiative, in order."""
    grouped: dict[int, list[Any]] = defaultdict(list)
    query = select(model).where(model.initiative_id.in_(ids), *conditions).order_by(*order)
    for child in db.session.scalars(query):
        grouped[child.initiative_id].append(child)
    return grouped
