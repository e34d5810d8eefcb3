"""The API fuzzed against its own OpenAPI document with schemathesis, through the WSGI app.

Every operation under /api/v1/ (the write too, with a valid API token, so its validation is
exercised rather than only its 401) gets a bounded number of generated requests, valid and
invalid. Checks: no server error, and every answer matches the document (status code, content
type, headers, body schema).
"""

from __future__ import annotations

import threading

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, engine
from schemathesis.checks import not_a_server_error
from schemathesis.engine import events
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.accounts.models import User
from app.extensions import db
from app.initiatives.models import Initiative
from app.tokens.services import create_token
from tests.support import schemathesis_hooks as hooks
from tests.test_api import OUTCOMES, PARTICIPANTS, verify_first_outcome
from tests.test_clusters import create_cluster

EXAMPLES = 80  # per operation and mode: the whole test stays under about 40 s
ALL_CHECKS_EXAMPLES = 40  # per operation and phase, with every check (about 30 s)
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
        # The WSGI transport hands over the body as sent, never decoded, yet asks for gzip as
        # requests does: ask for it plain. (Over HTTP, test_every_check_passes_with_a_token
        # gets cached answers gzipped and decoded, as any client does.)
        case.headers = {**(case.headers or {}), "Accept-Encoding": "identity"}
        if case.method == "POST":
            case.headers["Authorization"] = f"Bearer {token}"
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


@pytest.fixture
def live_api(app, api_data):
    """The app served over HTTP on a free port, as the schemathesis command line tests it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    # A real cursor: the one value of an opaque parameter that a valid request can carry.
    page = requests.get(f"{base}/api/v1/initiatives?limit=1", timeout=10).json()
    hooks.CURSORS[:] = [page["next"].rsplit("cursor=", 1)[1]]
    yield base, api_data
    server.shutdown()
    thread.join()
    hooks.CURSORS.clear()


@pytest.mark.timeout(180)  # 90-105 s alone on the 2-core machine; more under load
def test_every_check_passes_with_a_token(app, live_api):
    """schemathesis run --checks all, with a bearer token: every phase (examples, coverage's
    boundary values, fuzzing, stateful), valid and invalid requests, reports nothing."""
    base, token = live_api
    schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    schema.config.update(headers={"Authorization": f"Bearer {token}"})
    schema.config.checks.update(included_check_names=["all"])
    schema.config.generation.update(max_examples=ALL_CHECKS_EXAMPLES)
    schema.config.seed = 20260101
    problems, tested = [], set()
    for event in engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            tested.add(event.recorder.label)
            for case_id, checks in event.recorder.checks.items():
                case = event.recorder.cases[case_id].value
                problems += [
                    f"{check.name}: {case.method} {case.path} {case.query} {case.body!r:.300}"
                    f"\n{check.failure_info.failure}"
                    for check in checks
                    if check.failure_info is not None
                ]
        elif isinstance(event, events.NonFatalError | events.FatalError):
            problems.append(f"error: {getattr(event, 'label', '')} {event}")
        elif isinstance(event, events.EngineFinished):
            problems += [str(failure) for failure in event.failures]
    assert not problems, "\n\n".join(dict.fromkeys(problems))
    assert {"POST /api/v1/initiatives", "GET /api/v1/map/clusters"} <= tested
    # Valid submissions were accepted, not only refused.
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Initiative.state == "pending")) > 1
