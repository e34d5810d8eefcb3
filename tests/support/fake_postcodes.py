"""A fake postcode service on loopback, answering like postcodes.io.

``GET /postcodes/<code>`` answers ``{"status": 200, "result": {...}}`` for the postcodes it
is given, and ``{"status": 404, "error": "Postcode not found"}`` otherwise. It records the
paths it was asked and can fail the ways a real server does.

The points below are test data for this fake, approximate and never shipped with the app.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote, urlsplit

from tests.support.loopback import LoopbackServer

FAILURES: dict[str, tuple[int, str]] = {
    "server_error": (500, '{"status": 500, "error": "Internal server error"}'),
    "malformed_json": (200, '{"status": 200, "result": {"latitude": '),
    "no_result": (200, '{"status": 200}'),
}


def result(postcode: str, latitude: float | None, longitude: float | None, **extra: Any) -> dict:
    """One postcode as postcodes.io's ``result`` gives it (the fields this app reads, and a few
    more)."""
    return {
        "postcode": postcode,
        "quality": 1,
        "country": "England",
        "latitude": latitude,
        "longitude": longitude,
        "admin_district": extra.get("admin_district", "Leeds"),
        "admin_ward": extra.get("admin_ward", "Kirkstall"),
        "parliamentary_constituency": "Leeds West and Pudsey",
        "codes": {"admin_district": "E08000035"},
    }


def known_postcodes() -> dict[str, dict]:
    """What the fake knows by default: a postcode in Kirkstall, Leeds."""
    return {"LS53EH": result("LS5 3EH", 53.8204, -1.6087)}


@dataclass
class FakePostcodes(LoopbackServer):
    """Start with ``start()`` (or use as a context manager); ``url`` is POSTCODES_URL."""

    mode: str = "ok"  # "ok" or a key of FAILURES
    postcodes: dict[str, dict] = field(default_factory=known_postcodes)  # by code, no space
    paths: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = unquote(urlsplit(handler.path).path)
        self.paths.append(path)
        if self.mode in FAILURES:
            status, body = FAILURES[self.mode]
        elif path.startswith("/postcodes/"):
            code = path.removeprefix("/postcodes/").replace(" ", "").upper()
            found = self.postcodes.get(code)
            if found is None:
                status, body = 404, json.dumps({"status": 404, "error": "Postcode not found"})
            else:
                status, body = 200, json.dumps({"status": 200, "result": found})
        else:
            status, body = 404, json.dumps({"status": 404, "error": "Resource not found"})
        data = body.encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass


def use_postcodes(app, monkeypatch, url: str) -> None:
    """Point the app's postcode look-ups at a (fake) service for the length of one test."""
    monkeypatch.setitem(app.config, "POSTCODES_URL", url)
    monkeypatch.setitem(app.config, "POSTCODES_TIMEOUT", 2.0)
