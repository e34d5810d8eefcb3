"""The shapes of clusters, neighbourhoods and themes in the API, and of their lists."""

from __future__ import annotations

from typing import Any

from flask import url_for
from marshmallow import Schema, fields

from app.api.schemas.base import AnswerSchema, ReadingSchema, ok, text
from app.api.schemas.fields import Count, Figure, Time
from app.api.schemas.initiatives import (
    InitiativeSchema,
    LicenceSchema,
    MarkdownSchema,
    NeighbourhoodTranslationsSchema,
    ThemeTranslationsSchema,
    neighbourhood_translations,
    theme_translations,
)


class Shown:
    """A record with values worked out for one answer (its count, ...), read like the record."""

    def __init__(self, record: Any, **values: Any):
        self.record = record
        self.__dict__.update(values)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.record, name)


def _count(description: str = "Published initiatives.") -> fields.Integer:
    return Count(metadata={"minimum": 0, "description": description})


class ClusterSchema(ReadingSchema):
    READERS = {
        "url": lambda cluster: url_for("clusters.show_cluster", slug=cluster.slug, _external=True)
    }

    slug = text()
    title = text()
    url = fields.Url(required=True)
    kind = text(metadata={"enum": ["picked", "filter"]})
    updated_at = Time()
    count = _count("Its published examples.")


class ExampleSchema(InitiativeSchema):
    """An initiative as a cluster shows it, with the curator's note."""

    note = text(metadata={"description": "Curator's note."})

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr == "note":
            return obj.note
        return super().get_attribute(obj.initiative, attr, default)


class ClusterDetailSchema(ClusterSchema):
    """One cluster with its introduction and examples, in order."""

    introduction = fields.Nested(MarkdownSchema, required=True)
    filter = text(
        allow_none=True, metadata={"description": "A saved filter's canonical query string."}
    )
    examples = fields.List(fields.Nested(ExampleSchema), required=True)


class CentreSchema(AnswerSchema):
    lat = Figure(allow_none=False)
    lon = Figure(allow_none=False)


class NeighbourhoodSchema(ReadingSchema):
    READERS = {
        "url": lambda neighbourhood: url_for(
            "browse.show_neighbourhood", slug=neighbourhood.slug, _external=True
        ),
        "centre": lambda neighbourhood: {
            "lat": neighbourhood.latitude,
            "lon": neighbourhood.longitude,
        },
        "translations": neighbourhood_translations,
    }

    slug = text()
    name = text()
    translations = fields.Nested(NeighbourhoodTranslationsSchema, required=True)
    local_authority = text()
    url = fields.Url(required=True)
    centre = fields.Nested(CentreSchema, required=True)
    count = _count()


class ThemeEntrySchema(ReadingSchema):
    READERS = {
        "url": lambda theme: url_for("browse.show_theme", slug=theme.slug, _external=True),
        "translations": theme_translations,
    }

    slug = text()
    name = text()
    translations = fields.Nested(ThemeTranslationsSchema, required=True)
    colour = text()
    description = text()
    url = fields.Url(required=True)
    count = _count()


class ClusterAnswerSchema(AnswerSchema):
    """One published cluster and its examples."""

    ok = ok(True)
    cluster = fields.Nested(ClusterDetailSchema, required=True)
    licence = fields.Nested(LicenceSchema, required=True)


def listing(name: str, item: type[Schema]) -> type[Schema]:
    """The schema of a reference list: the API's list envelope (``items``, ``total``,
    ``next``) and, for one more release, the same list under its old key ``name``."""
    return AnswerSchema.from_dict(
        {
            "ok": ok(True),
            "items": fields.List(fields.Nested(item), required=True),
            "total": _count("All of them: every list comes in one page."),
            "next": fields.Url(
                required=True,
                allow_none=True,
                metadata={"description": "Always null: everything is in this page."},
            ),
            name: fields.List(
                fields.Nested(item),
                required=True,
                metadata={
                    "deprecated": True,
                    "description": f"The same list as items. Deprecated: read items; {name} "
                    "goes in the next release.",
                },
            ),
            "licence": fields.Nested(LicenceSchema, required=True),
        },
        name=f"{item.__name__.removesuffix('Schema')}ListSchema",
    )


def list_answer(name: str, items: list[Any], licence: dict[str, str]) -> dict[str, Any]:
    """What a reference list dumps: everything in one page, under both keys."""
    return {"ok": True, "items": items, "total": len(items), "next": None, name: items,
            "licence": licence}  # fmt: skip


ClusterListSchema = listing("clusters", ClusterSchema)
NeighbourhoodListSchema = listing("neighbourhoods", NeighbourhoodSchema)
ThemeListSchema = listing("themes", ThemeEntrySchema)
