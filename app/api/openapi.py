"""The OpenAPI document, generated from the marshmallow schemas and the API views' docstrings.

Every view under ``/api/v1/`` describes itself in YAML after a ``---`` line of its docstring,
naming its schemas (``schema: InitiativePage``); apispec's MarshmallowPlugin writes those from
the very schemas that dump the answers and load the body. The GeoJSON export's features and the
map cells are built by hand for speed; their schemas document them, and tests hold the two to
the same output. Theme and neighbourhood slugs are listed from the database, so the document
says which ones the server accepts today.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec_webframeworks.flask import FlaskPlugin
from flask import Flask
from marshmallow import fields
from sqlalchemy import select

from app.api import parameters
from app.api.schemas import geojson, initiatives, map_cells, reference, submission
from app.errors import ErrorSchema
from app.extensions import db
from app.neighbourhoods.models import Neighbourhood
from app.themes.models import Theme

API_PREFIX = "/api/v1/"

SCHEMAS = {
    "Error": ErrorSchema,
    "Licence": initiatives.LicenceSchema,
    "Theme": initiatives.ThemeSchema,
    "Initiative": initiatives.InitiativeSchema,
    "Participant": initiatives.ParticipantSchema,
    "Outcome": initiatives.OutcomeSchema,
    "InitiativeDetail": initiatives.InitiativeDetailSchema,
    "InitiativePage": initiatives.InitiativePageSchema,
    "InitiativeAnswer": initiatives.InitiativeAnswerSchema,
    "Cluster": reference.ClusterSchema,
    "ClusterDetail": reference.ClusterDetailSchema,
    "ClusterAnswer": reference.ClusterAnswerSchema,
    "ClusterList": reference.ClusterListSchema,
    "Neighbourhood": reference.NeighbourhoodSchema,
    "NeighbourhoodList": reference.NeighbourhoodListSchema,
    "ThemeEntry": reference.ThemeEntrySchema,
    "ThemeList": reference.ThemeListSchema,
    "FeatureCollection": geojson.FeatureCollectionSchema,
    "MapCellGroup": map_cells.MapCellGroupSchema,
    "MapCellInitiative": map_cells.MapCellInitiativeSchema,
    "MapCellFeature": map_cells.MapCellFeatureSchema,
    "MapCellCollection": map_cells.MapCellCollectionSchema,
    "NewParticipant": submission.NewParticipantSchema,
    "NewOutcome": submission.NewOutcomeSchema,
    "NewInitiative": submission.NewInitiativeSchema,
    "SubmittedInitiative": initiatives.SubmittedInitiativeSchema,
    "SubmissionWarning": initiatives.SubmissionWarningSchema,
    "Submission": initiatives.SubmissionSchema,
}


def api_rules(app: Flask):
    """The URL rules that make up the public API."""
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(API_PREFIX)]


def field2openapi(self, field, ret: dict[str, Any]) -> dict[str, Any]:
    """apispec attribute function, run last: a field's ``openapi`` metadata is what the server
    accepts for it, written over what apispec reads from the field's loading rules."""
    return dict(field.metadata.get("openapi", {}))


def vocabularies() -> dict[str, list[str]]:
    """The slugs the server knows today, for ``x-vocabulary`` markers in the document."""
    return {
        "themes": list(db.session.scalars(select(Theme.slug).order_by(Theme.position))),
        "neighbourhoods": list(
            db.session.scalars(select(Neighbourhood.slug).order_by(Neighbourhood.slug))
        ),
    }


def with_vocabularies(node: Any, known: dict[str, list[str]]) -> Any:
    """The document with each ``{"x-vocabulary": name}`` given the enum of its slugs."""
    if isinstance(node, list):
        return [with_vocabularies(item, known) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: with_vocabularies(value, known) for key, value in node.items()}
    name = node.get("x-vocabulary")
    if name in known:
        node["enum"] = list(known[name])
    return node


def in_field_order(document: dict[str, Any]) -> dict[str, Any]:
    """Each schema's ``required`` in the order of its properties (apispec sorts them)."""
    for schema in document["components"]["schemas"].values():
        if "required" in schema and "properties" in schema:
            order = list(schema["properties"])
            schema["required"].sort(key=lambda name: order.index(name) if name in order else 0)
    return document


def build_openapi(app: Flask, known: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """Build the OpenAPI 3 document of everything under ``/api/v1/`` (in an app context),
    listing the ``known`` theme and neighbourhood slugs (by default, today's)."""
    # A resolver answering None inlines every schema (apispec's documented behaviour, which
    # its type hints do not allow for).
    marshmallow = MarshmallowPlugin(schema_name_resolver=lambda schema: None)  # type: ignore[arg-type,return-value]
    spec = APISpec(
        title=f"{app.config['SITE_NAME']} API",
        version="1",
        openapi_version="3.1.0",
        plugins=[FlaskPlugin(), marshmallow],
        info={
            "description": (
                "Open data on neighbourhood co-production: initiatives, their participants "
                "and outcomes. Public data needs no login and is published under "
                f"{app.config['DATA_LICENCE']}."
            ),
            "license": {"name": app.config["DATA_LICENCE"], "url": app.config["DATA_LICENCE_URL"]},
        },
    )
    converter = marshmallow.converter
    assert converter is not None  # set when the plugin joins the spec
    converter.add_attribute_function(field2openapi)
    converter.map_to_openapi_type(fields.Url, "string", "uri")
    for name, schema in SCHEMAS.items():
        extra = schema.openapi() if hasattr(schema, "openapi") else None
        spec.components.schema(name, extra, schema=schema)
    paging = parameters.paging_parameters(
        app.config["API_DEFAULT_LIMIT"], app.config["API_MAX_LIMIT"]
    )
    shared = {**parameters.filter_parameters(), **parameters.map_view_parameters(), **paging}
    for name, parameter in shared.items():
        details = {key: value for key, value in parameter.items() if key != "in"}
        spec.components.parameter(name, parameter["in"], {"name": name, **details})
    spec.components.parameter(
        "IdempotencyKey",
        "header",
        {key: value for key, value in parameters.IDEMPOTENCY_KEY.items() if key != "in"},
    )
    for name, response in parameters.RESPONSES.items():
        spec.components.response(name, response)
    for name, scheme in parameters.SECURITY_SCHEMES.items():
        spec.components.security_scheme(name, scheme)
    with app.test_request_context():
        for rule in sorted(api_rules(app), key=lambda rule: rule.rule):
            spec.path(view=app.view_functions[rule.endpoint], app=app)
    document = in_field_order(spec.to_dict())
    return with_vocabularies(document, vocabularies() if known is None else known)
