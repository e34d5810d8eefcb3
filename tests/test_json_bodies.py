"""JSON request bodies are read safely: however deeply nested, a body is a 400 at worst."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import BadRequest

from app.accounts.models import User
from app.extensions import db
from app.json_bodies import MAX_JSON_DEPTH, json_depth
from app.tokens.services import create_token


def nested(depth: int, inner: str = "1") -> bytes:
    return ("[" * depth + inner + "]" * depth).encode()


@pytest.fixture
def token(app, make_user):
    user = make_user()
    with app.app_context():
        secret = create_token(db.session.get(User, user.id)).secret
        db.session.commit()
    return secret


def json_post_rules(app) -> list[str]:
    """Every POST route whose view reads a JSON body (today: the API's write)."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and rule.rule.startswith("/api/")
    )


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 900, 5_000, 100_000])
def test_deeply_nested_bodies_are_400_on_every_json_endpoint(app, client, token, depth):
    rules = json_post_rules(app)
    assert rules == ["/api/v1/initiatives"]
    for rule in rules:
        body = b'{"title": ' + nested(depth) + b"}"
        response = client.post(
            rule,
            data=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        assert response.status_code == 400, (rule, depth)
        assert response.json == {
            "ok": False,
            "error": "The body is nested too deeply: at most 32 levels of lists and objects.",
            "errors": {},
        }


def test_a_body_within_the_depth_is_read_and_judged_by_its_shape(client, token):
    body = b'{"title": ' + nested(MAX_JSON_DEPTH - 1) + b"}"
    response = client.post(
        "/api/v1/initiatives",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json["errors"] == {"title": "Must be a string."}


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_get_json_refuses_deep_bodies_anywhere_in_the_app(app, depth):
    for body in (nested(depth), b'{"a": ' * depth + b"1" + b"}" * depth):
        with app.test_request_context(
            "/anything", method="POST", data=body, content_type="application/json"
        ):
            from flask import request

            with pytest.raises(BadRequest):
                request.get_json()
            assert request.get_json(silent=True) is None


def test_json_depth_counts_lists_and_objects_without_recursion():
    assert json_depth(1) == 0
    assert json_depth({"a": [1, {"b": []}]}) == 4
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    assert json_depth(deep) == MAX_JSON_DEPTH + 1  # it stops counting past the limit
