"""The OpenAPI document, generated from the API views' docstrings.

Every view under ``/api/v1/`` describes itself in YAML after a ``---`` line of its docstring;
``build_openapi`` collects them, and a test fails when a route is missing from the document.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec_webframeworks.flask import FlaskPlugin
from flask import Flask

from app.api import parameters, schemas

API_PREFIX = "/api/v1/"

ERROR_SCHEMA = {
    "type": "object",
    "required": ["ok", "error"],
    "properties": {
        "ok": {"type": "boolean", "enum": [False]},
        "error": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


def api_rules(app: Flask):
    """The URL rules that make up the public API."""
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(API_PREFIX)]


def build_openapi(app: Flask) -> dict[str, Any]:
    """Build the OpenAPI 3 document of everything under ``/api/v1/``."""
    spec = APISpec(
        title=f"{app.config['SITE_NAME']} API",
        version="1",
        openapi_version="3.1.0",
        plugins=[FlaskPlugin()],
        info={
            "description": (
                "Open data on neighbourhood co-production: initiatives, their participants "
                "and outcomes. Public data needs no login and is published under "
                f"{app.config['DATA_LICENCE']}."
            ),
            "license": {"name": app.config["DATA_LICENCE"], "url": app.config["DATA_LICENCE_URL"]},
        },
    )
    spec.components.schema("Error", ERROR_SCHEMA)
    for name, schema in schemas.SCHEMAS.items():
        spec.components.schema(name, schema)
    paging = parameters.paging_parameters(
        app.config["API_DEFAULT_LIMIT"], app.config["API_MAX_LIMIT"]
    )
    for name, parameter in {**parameters.PARAMETERS, **paging}.items():
        fields = {key: value for key, value in parameter.items() if key != "in"}
        spec.components.parameter(name, parameter["in"], {"name": name, **fields})
    for name, response in parameters.RESPONSES.items():
        spec.components.response(name, response)
    for name, scheme in parameters.SECURITY_SCHEMES.items():
        spec.components.security_scheme(name, scheme)
    with app.test_request_context():
        for rule in sorted(api_rules(app), key=lambda rule: rule.rule):
            spec.path(view=app.view_functions[rule.endpoint], app=app)
    return spec.to_dict()
