"""The JSON API under ``/api/v1/``, its OpenAPI document and the human docs page ``/api``.

Each endpoint lives in the module of what it serves (initiatives, exports, reference data,
writes) and documents itself in its docstring; this module only puts them at their URLs.
Read-only endpoints answer any origin (CORS, no credentials); the write endpoint does not.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_cors import cross_origin

from app.api import exports, initiatives, reference, writes
from app.api.openapi import build_openapi, vocabularies
from app.caching import public_output

bp = Blueprint("api", __name__)

PUBLIC_READS: dict[str, Callable[..., ResponseReturnValue]] = {
    "/api/v1/initiatives": initiatives.list_initiatives,
    "/api/v1/initiatives/<int:initiative_id>": initiatives.show_initiative,
    "/api/v1/initiatives.geojson": exports.export_geojson,
    "/api/v1/initiatives.csv": exports.export_csv,
    "/api/v1/clusters": reference.list_clusters,
    "/api/v1/clusters/<slug>": reference.show_cluster,
    "/api/v1/neighbourhoods": reference.list_neighbourhoods,
    "/api/v1/themes": reference.list_theme_entries,
}
# Anyone's page may read public data; no cookies go with it, and Link must be readable.
public_read = cross_origin(
    origins="*",
    send_wildcard=True,
    methods=["GET"],
    supports_credentials=False,
    expose_headers=["Link"],
)

# Answers that are a function of the query and the data version: ETag, 304, kept in a cache.
CACHED_READS = {initiatives.list_initiatives, exports.export_geojson}

for rule, view in PUBLIC_READS.items():
    view = public_output(view) if view in CACHED_READS else view
    bp.add_url_rule(rule, view_func=public_read(view), methods=["GET"])
bp.add_url_rule(
    "/api/v1/initiatives",
    endpoint="create_initiative",
    view_func=writes.create_initiative,
    methods=["POST"],
)


def openapi_for_app() -> dict:
    """The document, built again only when the themes or neighbourhoods it lists change
    (routes do not change while the app runs)."""
    known = vocabularies()
    built = current_app.extensions.get("openapi")
    if built is None or built[0] != known:
        built = current_app.extensions["openapi"] = (known, build_openapi(current_app, known))
    return built[1]


@bp.route("/api/v1/openapi.json")
@public_read
def openapi_document():
    """The OpenAPI 3 document of the API.
    ---
    get:
      summary: The OpenAPI document of this API
      tags: [meta]
      responses:
        200:
          description: This document.
          content:
            application/json:
              schema: {type: object}
    """
    return openapi_for_app()


def documented_operations(spec: dict) -> list[dict]:
    """The document's operations for people: parameters and responses with references resolved."""
    components = spec.get("components", {})

    def resolve(item: dict, kind: str) -> dict:
        reference = item.get("$ref", "")
        return components[kind][reference.rsplit("/", 1)[1]] if reference else item

    return [
        {
            "method": method.upper(),
            "path": path,
            "summary": operation.get("summary", ""),
            "description": operation.get("description", ""),
            "needs_token": bool(operation.get("security")),
            "parameters": [resolve(p, "parameters") for p in operation.get("parameters", [])],
            "responses": [
                (status, resolve(response, "responses").get("description", ""))
                for status, response in operation.get("responses", {}).items()
            ],
        }
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
    ]


@bp.route("/api")
def api_docs():
    """Human-readable API documentation, made from the OpenAPI document."""
    spec = openapi_for_app()
    return render_template("api/docs.html", spec=spec, operations=documented_operations(spec))
