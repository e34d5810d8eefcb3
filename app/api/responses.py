"""What every public API answer carries: the data licence as a ``Link`` header."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify


def licence_link() -> str:
    return f'<{current_app.config["DATA_LICENCE_URL"]}>; rel="license"'


def api_json(body: dict[str, Any], status: int = 200) -> Response:
    """A JSON answer with the licence's Link header."""
    response = jsonify(body)
    response.status_code = status
    response.headers["Link"] = licence_link()
    return response
