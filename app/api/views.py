"""The JSON API's own description: the OpenAPI document and the human docs page."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from app.api.openapi import build_openapi

bp = Blueprint("api", __name__)


def openapi_for_app() -> dict:
    """The document, built once per app (routes do not change while it runs)."""
    spec = current_app.extensions.get("openapi")
    if spec is None:
        spec = current_app.extensions["openapi"] = build_openapi(current_app)
    return spec


@bp.route("/api/v1/openapi.json")
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


@bp.route("/api")
def api_docs():
    """Human-readable API documentation, made from the OpenAPI document."""
    return render_template("api/docs.html", spec=openapi_for_app())
