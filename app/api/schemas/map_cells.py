"""The map cells' shape: what ``/api/v1/map/clusters`` answers, as GeoJSON (RFC 7946).

A map cell of the view holding several matching published initiatives is one feature at the
mean of their public points, with their count and the box around them; a cell holding one is
that initiative's feature. The public key ``cluster`` (true for a cell of several) keeps the
name the map's answer has always had. ``app.map_cells.services`` builds these dicts by hand,
for speed; these schemas document them (the OpenAPI document), dumping a cell's totals or the
initiative itself, and a test holds the two to the same output.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from app.api.schemas.base import AnswerSchema, ReadingSchema, text
from app.api.schemas.fields import Count
from app.api.schemas.geojson import PointSchema
from app.initiatives.bilingual import local_name, shown_title
from app.initiatives.models import Initiative
from app.initiatives.public import MAX_DECIMALS
from app.initiatives.services import initiative_url
from app.map_cells.totals import CellTotal


def _coordinate(value: float) -> float:
    """A coordinate to 6 decimals, never ``-0.0``."""
    return round(value, MAX_DECIMALS) + 0.0


def _point(longitude: float, latitude: float) -> dict[str, float]:
    return {"lon": _coordinate(longitude), "lat": _coordinate(latitude)}


def _theme_value(initiative: Initiative, attribute: str) -> str | None:
    theme = initiative.primary_theme
    if theme is None:
        return None
    return local_name(theme) if attribute == "name" else getattr(theme, attribute)


class MapCellGroupSchema(ReadingSchema):
    """The properties of a map cell of several initiatives (a ``CellTotal``)."""

    class Meta(ReadingSchema.Meta):
        description = (
            "A map cell of several initiatives: how many, and the box around their points "
            "(zoom there to see them apart)."
        )

    READERS = {
        "cluster": lambda total: True,
        "bbox": lambda total: [
            _coordinate(value)
            for value in (
                total.min_longitude,
                total.min_latitude,
                total.max_longitude,
                total.max_latitude,
            )
        ],
    }

    cluster = fields.Boolean(
        required=True, metadata={"enum": [True], "description": "A cell of several."}
    )
    count = Count(metadata={"minimum": 2})
    bbox = fields.List(
        fields.Float(),
        required=True,
        metadata={
            "minItems": 4,
            "maxItems": 4,
            "description": "West, south, east, north of their points.",
        },
    )


class MapCellInitiativeSchema(ReadingSchema):
    """The properties of a map cell of one initiative (the ``Initiative``)."""

    class Meta(ReadingSchema.Meta):
        description = "A map cell of one initiative: that initiative."

    READERS = {
        "cluster": lambda initiative: False,
        "title": shown_title,
        "theme": lambda initiative: _theme_value(initiative, "slug"),
        "theme_name": lambda initiative: _theme_value(initiative, "name"),
        "colour": lambda initiative: _theme_value(initiative, "colour"),
        "url": lambda initiative: initiative_url(initiative, _external=True),
    }

    cluster = fields.Boolean(
        required=True, metadata={"enum": [False], "description": "One initiative."}
    )
    id = Count()
    title = text()
    theme = text(allow_none=True, metadata={"description": "Its primary theme's slug."})
    theme_name = text(allow_none=True, metadata={"description": "In the reader's language."})
    colour = text(allow_none=True, metadata={"description": "The primary theme's colour."})
    url = fields.Url(required=True)


def _geometry(shown: CellTotal | Initiative) -> dict[str, float]:
    """A cell of several at the mean of their points; one initiative at its public point."""
    if isinstance(shown, CellTotal):
        return _point(shown.sum_longitude / shown.count, shown.sum_latitude / shown.count)
    assert shown.public_longitude is not None and shown.public_latitude is not None
    return _point(shown.public_longitude, shown.public_latitude)


def _properties(shown: CellTotal | Initiative) -> dict[str, Any]:
    schema = MapCellGroupSchema() if isinstance(shown, CellTotal) else MapCellInitiativeSchema()
    return schema.dump(shown)


def _component(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


class MapCellFeatureSchema(ReadingSchema):
    """One map cell as a GeoJSON Feature: a ``CellTotal`` of several initiatives, or the one
    ``Initiative`` a cell holds."""

    READERS = {
        "type": lambda shown: "Feature",
        "geometry": _geometry,
        "properties": _properties,
    }

    type = text(metadata={"enum": ["Feature"]})
    geometry = fields.Nested(PointSchema, required=True)
    properties = fields.Raw(
        required=True,
        metadata={
            "openapi": {"oneOf": [_component("MapCellGroup"), _component("MapCellInitiative")]}
        },
    )


class MapCellCollectionSchema(AnswerSchema):
    """The map cells of a view: an RFC 7946 FeatureCollection ([longitude, latitude], at most
    6 decimals), the cells in the order of their Morton codes."""

    type = text(metadata={"enum": ["FeatureCollection"]})
    licence = text(metadata={"description": "The data licence's name."})
    features = fields.List(fields.Nested(MapCellFeatureSchema), required=True)
