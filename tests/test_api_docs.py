"""The API describes itself: an OpenAPI document of every /api/v1/ route, and a docs page."""

from __future__ import annotations

import re

from app.api.openapi import api_rules


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_openapi_document_describes_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    for rule in api_rules(app):
        path = openapi_path(rule.rule)
        assert path in document["paths"], f"{rule.rule} is not in the OpenAPI document"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = document["paths"][path].get(method.lower())
            assert operation, f"{method} {rule.rule} is not described"
            assert operation.get("summary") and operation.get("responses")


def test_openapi_document_lists_no_route_that_does_not_exist(app, client):
    document = client.get("/api/v1/openapi.json").json
    known = {openapi_path(rule.rule) for rule in api_rules(app)}
    assert set(document["paths"]) <= known


def test_openapi_document_carries_licence_and_error_shape(app, client):
    document = client.get("/api/v1/openapi.json").json
    assert document["info"]["license"]["name"] == app.config["DATA_LICENCE"]
    assert document["components"]["schemas"]["Error"]["required"] == ["ok", "error"]


def test_api_docs_page_lists_the_endpoints(client):
    page = client.get("/api").get_data(as_text=True)
    assert "GET /api/v1/openapi.json" in page
