"""The GeoJSON export's shape (RFC 7946): one Feature per published initiative."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from app.api.public_data import public_location
from app.api.schemas.base import AnswerSchema, ReadingSchema, text
from app.api.schemas.fields import Count, Time
from app.api.schemas.initiatives import LicenceSchema
from app.initiatives.examples import example_text
from app.initiatives.public import public_photos, public_place_name
from app.initiatives.services import initiative_url
from app.initiatives.vocabulary import PRECISIONS, STAGES, STATUSES
from app.photos.services import size_url


class PointSchema(ReadingSchema):
    """A public point as GeoJSON: ``[longitude, latitude]``, at most 6 decimals."""

    READERS = {"type": lambda location: "Point", "coordinates": lambda p: [p["lon"], p["lat"]]}

    type = text(metadata={"enum": ["Point"]})
    coordinates = fields.List(
        fields.Float(), required=True, metadata={"minItems": 2, "maxItems": 2}
    )


def _slug(value) -> str | None:
    return value.slug if value is not None else None


def _thumbnail_url(initiative) -> str | None:
    photos = public_photos(initiative)
    return size_url(photos[0], "320.jpg") if photos else None


class FeaturePropertiesSchema(ReadingSchema):
    READERS = {
        "url": lambda initiative: initiative_url(initiative, _external=True),
        "example": example_text,
        "themes": lambda initiative: [theme.slug for theme in initiative.themes],
        "primary_theme": lambda initiative: _slug(initiative.primary_theme),
        "neighbourhood": lambda initiative: _slug(initiative.neighbourhood),
        "place": public_place_name,
        "precision": lambda initiative: (public_location(initiative) or {}).get("precision"),
        "thumbnail_url": _thumbnail_url,
    }

    id = Count()
    title = text()
    url = fields.Url(required=True)
    summary = text()
    example = text()
    themes = fields.List(fields.String(), required=True, metadata={"description": "Slugs."})
    primary_theme = text(allow_none=True)
    stages = fields.List(fields.String(metadata={"enum": list(STAGES)}), required=True)
    status = text(metadata={"enum": list(STATUSES)})
    neighbourhood = text(allow_none=True, metadata={"description": "Its slug."})
    place = text()
    precision = text(allow_none=True, metadata={"enum": [*PRECISIONS, None]})
    published_at = Time()
    updated_at = Time()
    thumbnail_url = fields.Url(
        required=True,
        allow_none=True,
        metadata={"description": "Its first published photo, 320 px wide (JPEG); or null."},
    )


class FeatureSchema(ReadingSchema):
    """One initiative at its public point; ``geometry`` is null when it has none."""

    READERS = {
        "type": lambda initiative: "Feature",
        "geometry": public_location,
        "properties": lambda initiative: initiative,
    }

    type = text(metadata={"enum": ["Feature"]})
    id = Count()
    geometry = fields.Nested(PointSchema, required=True, allow_none=True)
    properties = fields.Nested(FeaturePropertiesSchema, required=True)


class FeatureCollectionSchema(AnswerSchema):
    """An RFC 7946 FeatureCollection: [longitude, latitude], at most 6 decimals."""

    type = text(metadata={"enum": ["FeatureCollection"]})
    licence = fields.Nested(LicenceSchema, required=True)
    features = fields.List(fields.Nested(FeatureSchema), required=True)


def feature_collection_head(licence: dict[str, Any]) -> dict[str, Any]:
    """The collection without its features (they are streamed after it)."""
    return FeatureCollectionSchema(exclude=("features",)).dump(
        {"type": "FeatureCollection", "licence": licence}
    )
