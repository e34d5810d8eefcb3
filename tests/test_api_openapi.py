"""The OpenAPI document says what the API does: filters, paging, schemas, errors, security."""

from __future__ import annotations

import math
import re

import pytest

from app.shared_filters.parse import FILTER_NAMES


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").json


def parameter_names(document, operation) -> set[str]:
    names = set()
    for parameter in operation.get("parameters", []):
        if "$ref" in parameter:
            parameter = document["components"]["parameters"][parameter["$ref"].rsplit("/")[-1]]
        names.add(parameter["name"])
    return names


@pytest.mark.parametrize(
    "path", ["/api/v1/initiatives", "/api/v1/initiatives.geojson", "/api/v1/initiatives.csv"]
)
def test_lists_and_exports_document_every_shared_filter(document, path):
    names = parameter_names(document, document["paths"][path]["get"])
    assert set(FILTER_NAMES) <= names
    assert ({"limit", "cursor"} <= names) == (path == "/api/v1/initiatives")


def test_components(document):
    schemas = document["components"]["schemas"]
    for name in (
        "Initiative",
        "InitiativeDetail",
        "InitiativePage",
        "Cluster",
        "Neighbourhood",
        "Theme",
        "Error",
        "FeatureCollection",
        "NewInitiative",
    ):
        assert name in schemas
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token from your account page (or `create-token`).",
    }


def test_the_write_documents_its_token_and_every_error(document):
    operation = document["paths"]["/api/v1/initiatives"]["post"]
    assert operation["security"] == [{"bearerAuth": []}]
    assert {"201", "400", "401", "403", "422", "429"} <= set(operation["responses"])
    assert "security" not in document["paths"]["/api/v1/initiatives"]["get"]


def test_reads_document_their_errors(document):
    paths = document["paths"]
    assert "400" in paths["/api/v1/initiatives"]["get"]["responses"]
    assert "404" in paths["/api/v1/initiatives/{initiative_id}"]["get"]["responses"]
    assert "404" in paths["/api/v1/clusters/{slug}"]["get"]["responses"]
    geojson = paths["/api/v1/initiatives.geojson"]["get"]["responses"]["200"]["content"]
    assert list(geojson) == ["application/geo+json"]


def test_the_map_cells_are_documented_by_their_schemas(document):
    answer = document["paths"]["/api/v1/map/clusters"]["get"]["responses"]["200"]
    assert answer["content"]["application/geo+json"]["schema"] == {
        "$ref": "#/components/schemas/MapCellCollection"
    }
    schemas = document["components"]["schemas"]
    properties = schemas["MapCellFeature"]["properties"]["properties"]
    assert properties["oneOf"] == [
        {"$ref": "#/components/schemas/MapCellGroup"},
        {"$ref": "#/components/schemas/MapCellInitiative"},
    ]
    assert schemas["MapCellGroup"]["properties"]["cluster"]["enum"] == [True]
    assert schemas["MapCellInitiative"]["properties"]["cluster"]["enum"] == [False]


@pytest.mark.parametrize(
    ("schema", "old_key"),
    [
        ("ClusterList", "clusters"),
        ("NeighbourhoodList", "neighbourhoods"),
        ("ThemeList", "themes"),
    ],
)
def test_reference_lists_document_the_envelope_and_their_deprecated_key(document, schema, old_key):
    listing = document["components"]["schemas"][schema]
    assert {"ok", "items", "total", "next", old_key, "licence"} <= set(listing["required"])
    assert listing["properties"][old_key]["deprecated"] is True
    assert "deprecated" not in listing["properties"]["items"]
    assert listing["properties"]["next"]["type"] == ["string", "null"]


def test_radius_range_is_what_the_parser_accepts_after_rounding(client, document):
    schema = document["components"]["parameters"]["radius_km"]["schema"]["anyOf"][0]
    smallest, largest = schema["minimum"], schema["maximum"]
    base = "/api/v1/initiatives?near=53.8,-1.6&radius_km="
    for radius in (smallest, largest):
        assert client.get(base + repr(radius)).status_code == 200
    for radius in (math.nextafter(smallest, 0), 5e-324, 5e-7, math.nextafter(largest, 1000)):
        assert client.get(base + repr(radius)).status_code == 400


def test_the_write_requires_what_the_form_requires(document):
    body = document["components"]["schemas"]["NewInitiative"]
    # The minimal submission: stages, status and the rest can come later.
    assert body["required"] == [
        "title", "summary", "themes", "neighbourhood", "participants", "consent"
    ]  # fmt: skip
    properties = body["properties"]
    assert properties["title"]["maxLength"] == 200 and "pattern" in properties["title"]
    assert properties["themes"]["minItems"] == 1 and "minItems" not in properties["stages"]
    assert properties["stages"]["type"] == ["array", "null"]
    assert None in properties["status"]["enum"]
    participants = properties["participants"]
    assert participants["minItems"] == 1 and participants["contains"]["required"] == ["sector"]
    assert properties["themes"]["items"]["enum"] == [
        "safety", "health", "education", "sustainability"
    ]  # fmt: skip
    assert properties["consent"]["enum"] == [True]
    assert body["additionalProperties"] is False


def test_text_that_is_only_control_characters_is_not_typed(document):
    """The form drops control characters, so ``"\x1a"`` alone is as empty as spaces, and the
    document's pattern says so (schemathesis once found such a body, which the document
    allowed and the write refused)."""
    pattern = re.compile(document["components"]["schemas"]["NewInitiative"]["properties"]
                         ["summary"]["pattern"])  # fmt: skip
    for nothing in ("\x1a", " \x00\t", "\x7f\u3000"):
        assert pattern.search(nothing) is None, repr(nothing)
    for something in ("a", "\x1ab", "Splott"):
        assert pattern.search(something) is not None, repr(something)


def test_q_is_counted_as_typed_once_trimmed(client):
    assert (
        client.get("/api/v1/initiatives", query_string={"q": " " + "x" * 200 + " "}).status_code
        == 200
    )
    spaced = "a" + "  " * 100  # joins to "a" but is 201 characters as typed
    assert client.get("/api/v1/initiatives", query_string={"q": spaced + "b"}).status_code == 400
