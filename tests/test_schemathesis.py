"""The API fuzzed against its own OpenAPI document with schemathesis, through the WSGI app.

Every operation under /api/v1/ (the write too, with a valid API token, so its validation is
exercised rather than only its 401) gets a bounded number of generated requests, valid and
invalid. Checks: no server error, and every answer matches the document (status code, content
type, headers, body schema).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.accounts.models import User
from app.extensions import db
from app.tokens.services import create_token
from tests.test_api import OUTCOMES, PARTICIPANTS, verify_first_outcome
from tests.test_clusters import create_cluster

EXAMPLES = 80  # per operation and mode: the whole test stays under about 40 s
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_data(app, make_user, make_neighbourhood, make_initiative, monkeypatch):
    """A small lived-in site: published and hidden initiatives, clusters, a token (whose
    writes are not rate-limited here, so generated bodies reach validation)."""
    monkeypatch.setitem(app.config, "RATELIMIT_API_WRITE", "100000 per minute")
    kirkstall = make_neighbourhood(name="Kirkstall", slug="kirkstall")
    user = make_user()
    ids = [
        make_initiative(
            neighbourhood_id=kirkstall,
            submitter_id=user.id,
            participants=PARTICIPANTS,
            outcomes=OUTCOMES,
            latitude=53.82,
            longitude=-1.6,
            location_precision=precision,
        )
        for precision in ("exact", "street", "neighbourhood")
    ]
    make_initiative(state="pending")
    verify_first_outcome(app, ids[0])
    create_cluster(app, ids, title="Safer streets")
    create_cluster(app, title="Health", slug="health", filter_query="theme=health")
    with app.app_context():
        secret = create_token(db.session.get(User, user.id)).secret
        db.session.commit()
    return secret


def operations(app) -> list:
    """Every operation of the API's own document, loaded through the WSGI app."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def fuzz(operation, mode: GenerationMode, token: str) -> None:
    """Run a bounded number of generated requests against one operation."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        if case.method == "POST":
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
        case.call_and_validate(checks=CHECKS)

    run()


# (Not @schema.parametrize(): its lazy loader reads a pytest-internal attribute that pytest 9
# no longer has; each operation is driven with its Hypothesis strategy instead.)
@pytest.mark.timeout(180)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_openapi_document(app, api_data, mode):
    found = operations(app)
    assert {operation.label for operation in found} >= {
        "GET /api/v1/initiatives",
        "POST /api/v1/initiatives",
        "GET /api/v1/initiatives/{initiative_id}",
        "GET /api/v1/initiatives.geojson",
        "GET /api/v1/initiatives.csv",
        "GET /api/v1/clusters",
        "GET /api/v1/clusters/{slug}",
        "GET /api/v1/neighbourhoods",
        "GET /api/v1/themes",
    }
    impossible = []
    for operation in found:
        try:
            fuzz(operation, mode, api_data)
        except Unsatisfiable:
            # Nothing can be sent wrong (no parameters, or only free-form strings).
            assert mode is GenerationMode.NEGATIVE, operation.label
            impossible.append(operation.label)
        except Exception as error:
            raise AssertionError(f"{operation.label} ({mode.value}): {error}") from error
    # Invalid values were generated for the operations with typed parameters or a body.
    assert not {"GET /api/v1/initiatives", "POST /api/v1/initiatives"} & set(impossible)
