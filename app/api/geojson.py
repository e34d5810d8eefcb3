"""The GeoJSON export's features from plain records: the shape of ``FeatureSchema``, built by hand.

A city's GeoJSON holds thousands of features; loading each initiative as an ORM object with its
relationships and dumping it field by field through marshmallow took seconds. Here the records
are the CSV export's (``export_records.published_records``: Core rows, one query per kind of
related row a batch), each feature a dict serialised by orjson. ``FeatureSchema`` still
documents the shape (the OpenAPI document) and a test holds the two to the same output.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import orjson
from flask import url_for

from app.api.export_records import ExportInitiative, published_records
from app.api.public_data import licence
from app.api.schemas.geojson import feature_collection_head
from app.initiatives.examples import example_text
from app.initiatives.models import Initiative
from app.initiatives.public import MAX_DECIMALS, public_place_name, public_precision
from app.languages import current_language
from app.photos.models import Photo
from app.photos.services import size_url
from app.shared_filters.parse import InitiativeFilter
from app.timeutil import stored_iso_time

BATCH = 1000
URL_MARK = "__initiative__"


def geojson_chunks(initiative_filter: InitiativeFilter) -> Iterator[bytes]:
    """Matching published initiatives as a FeatureCollection, a batch of features at a time."""
    head = orjson.dumps(feature_collection_head(licence()))
    yield head[:-1] + b',"features":['
    address = url_for(
        "initiatives.show_initiative", initiative_id=0, slug=URL_MARK, _external=True
    )
    language = current_language()
    first = True
    for records in published_records(initiative_filter, BATCH):
        features = [_feature(record, address, language) for record in records]
        # A feature a line, as the export always wrote them (easy to read, grep and count).
        yield (b"" if first else b",\n") + b",\n".join(orjson.dumps(item) for item in features)
        first = False
    yield b"]}\n"


def _feature(record: ExportInitiative, address: str, language: str) -> dict[str, Any]:
    geometry = None
    precision = None
    if record.public_latitude is not None and record.public_longitude is not None:
        geometry = {
            "type": "Point",
            "coordinates": [
                round(record.public_longitude, MAX_DECIMALS),
                round(record.public_latitude, MAX_DECIMALS),
            ],
        }
        precision = public_precision(cast(Initiative, record))
    themes = [theme.slug for theme in record.themes]
    neighbourhood = record.neighbourhood
    return {
        "type": "Feature",
        "id": record.id,
        "geometry": geometry,
        "properties": {
            "id": record.id,
            "title": record.title,
            "url": address.replace(f"0-{URL_MARK}", f"{record.id}-{record.slug or 'initiative'}"),
            "summary": record.summary,
            "example": example_text(cast(Initiative, record), language),
            "themes": themes,
            "primary_theme": themes[0] if themes else None,
            "stages": record.stages,
            "status": record.status,
            "neighbourhood": neighbourhood.slug if neighbourhood else None,
            "place": public_place_name(cast(Initiative, record)),
            "precision": precision,
            "published_at": stored_iso_time(record.published_at),
            "updated_at": stored_iso_time(record.updated_at),
            "thumbnail_url": size_url(cast(Photo, record.photos[0]), "320.jpg")
            if record.photos
            else None,
        },
    }
